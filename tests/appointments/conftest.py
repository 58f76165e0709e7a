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


@pytest.fixture(scope="session")
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
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
        yield browser
        browser.close()
