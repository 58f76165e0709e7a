from __future__ import annotations

import pytest
from django.core.cache import cache

from portline.appointments.notifications import LocmemSmsSender


@pytest.fixture(autouse=True)
def _sms_and_cache(settings):
    settings.PORTLINE_SMS_SENDER = "portline.appointments.notifications.LocmemSmsSender"
    LocmemSmsSender.outbox = []
    cache.clear()
    yield
    cache.clear()


@pytest.fixture(scope="module")
def chromium_with_camera():
    """Debian's Chromium with a fake camera (a test pattern) and permission prompts accepted."""
    import os
    import shutil

    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    if not shutil.which("/usr/bin/chromium"):
        pytest.skip("Debian's Chromium is not installed (make chromium)")
    from playwright.sync_api import sync_playwright

    args = [
        "--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
    ]
    with sync_playwright() as playwright:
        _hand_serialized_contents_over()
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        yield browser
        browser.close()


def _hand_serialized_contents_over():
    """Playwright's sync API keeps an asyncio loop running in this thread. Django's connection
    handler (asgiref Local, thread_critical) then keys connections by async context, so tests
    get a new connection object without the serialized test data that `serialized_rollback`
    restores (and flushes would re-emit post_migrate). Give the new objects that data."""
    from django.db import connections

    thread_storage = connections._connections._storage  # the plain thread-local storage
    for alias in connections:
        original = getattr(thread_storage, alias, None)
        current = connections[alias]
        if original is not None and current is not original and hasattr(original, "_test_serialized_contents"):
            current._test_serialized_contents = original._test_serialized_contents
