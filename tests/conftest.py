from __future__ import annotations

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory


@pytest.fixture(autouse=True, scope="session")
def _compiled_translations():
    """Pages are checked in Spanish and Haitian Creole: build stale .mo files first, as
    `make test` does, so a plain `pytest` run sees the same catalogues."""
    import io

    from django.core.management import call_command

    call_command("i18n_compile", stdout=io.StringIO())


@pytest.fixture(autouse=True, scope="session")
def _urls_loaded_before_any_frozen_clock():
    """Load every URL and the views behind them once, with the real clock. Otherwise the first
    test to resolve a URL imports them, and if that test runs under freezegun, pyarrow's C
    extension (imported by the linkage selectors) sees freezegun's date class and refuses to
    load, which then fails every later test in that process."""
    from django.urls import get_resolver

    get_resolver().url_patterns  # noqa: B018 (evaluated for its import side effect)


@pytest.fixture(autouse=True)
def _default_language():
    """Every test starts in English and leaves no language active for the next one (pages and
    commands tested in Spanish or Creole activate it in this thread)."""
    from django.utils import translation

    translation.activate("en")
    yield
    translation.deactivate()


@pytest.fixture(autouse=True)
def _fresh_counters():
    """Rate-limit and lock-out counters live in the (per-process, in-memory) cache: each test
    starts with full budgets, whatever the tests before it signed up or got wrong."""
    from django.core.cache import cache

    cache.clear()
    yield
    cache.clear()


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Uploaded files go to a per-test folder, never into the project tree (encrypted, as in
    production)."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "portline.common.storage.EncryptedFileSystemStorage",
            "OPTIONS": {"location": str(tmp_path / "private"), "base_url": None},
        },
    }
    settings.MEDIA_ROOT = tmp_path / "private"


@pytest.fixture(autouse=True)
def _all_day_window(request):
    """Database tests may request at any hour; window edges are tested explicitly.

    Transactional tests (live server, browser) flush the database: they must use
    `@pytest.mark.django_db(transaction=True, serialized_rollback=True)` so the shipped ports
    come back, and open the window themselves with `open_window_all_day()`."""
    marker = request.node.get_closest_marker("django_db")
    transactional = marker is not None and (
        marker.kwargs.get("transaction") or (marker.args and marker.args[0])
    )
    if "db" not in request.fixturenames and (marker is None or transactional):
        return
    request.getfixturevalue("db")
    open_window_all_day()


def open_window_all_day():
    import datetime as dt

    from portline.scheduling.models import ProgramSettings

    ProgramSettings.objects.filter(pk=1).update(
        request_window_opens=dt.time(0, 0), request_window_closes=dt.time(23, 59)
    )


def verified_login(client, user):
    """Log in as `user` with the second factor done (as after a real TOTP check)."""
    client.force_login(user)
    device = TOTPDevice.objects.filter(user=user, confirmed=True).first()
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = device.persistent_id
    session.save()
    return client


@pytest.fixture
def applicant(db):
    return UserFactory()


@pytest.fixture
def applicant_client(client, applicant):
    return verified_login(client, applicant)


@pytest.fixture(autouse=True, scope="session")
def _flush_past_audit_triggers():
    """Transactional tests end with a flush; let it empty the append-only audit table."""
    from django.core.management.commands import flush
    from django.db import connections

    from portline.audit.maintenance import append_only_suspended

    original = flush.Command.handle

    def handle(self, **options):
        with append_only_suspended(connections[options.get("database", "default")]):
            return original(self, **options)

    flush.Command.handle = handle
    yield
    flush.Command.handle = original


# Browser tests ---------------------------------------------------------------------------
# One Playwright (sync API) per test process: a second one started while the first runs fails
# ("Sync API inside the asyncio loop"). All browser tests share an xdist group, so they run in
# one worker, one after another, on the same Playwright and the same Chromium processes.

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
# How long a browser test waits for a page or an element before failing. Generous: the
# suite runs two workers on a 2-core machine, where a page under load can take seconds,
# and a wait ends as soon as the page is there, so a passing run is no slower for it.
BROWSER_TIMEOUT_MS = 30_000
FAKE_CAMERA_ARGS = ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"]
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.get_closest_marker("browser"):
            item.add_marker(pytest.mark.xdist_group("browser"))


def _hand_serialized_contents_over():
    """Playwright's sync API keeps an asyncio loop running in this thread. Django's connection
    handler (asgiref Local) then keys connections by async context, so tests get a new
    connection object without the serialized data that `serialized_rollback` restores (the
    shipped ports). Give the new connection objects that data."""
    from django.db import connections

    thread_storage = connections._connections._storage  # the plain thread-local storage
    for alias in connections:
        original = getattr(thread_storage, alias, None)
        current = connections[alias]
        if (
            original is not None
            and current is not original
            and hasattr(original, "_test_serialized_contents")
        ):
            current._test_serialized_contents = original._test_serialized_contents


@pytest.fixture(scope="session")
def playwright_session(django_db_setup):
    import os
    import shutil

    if not shutil.which(CHROMIUM):
        pytest.skip("Debian's Chromium is not installed (make chromium)")
    os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")
    from playwright.sync_api import expect, sync_playwright

    expect.set_options(timeout=BROWSER_TIMEOUT_MS)
    manager = sync_playwright()
    playwright = manager.start()
    _hand_serialized_contents_over()
    yield playwright
    manager.__exit__(None, None, None)


@pytest.fixture(scope="session")
def chromium(playwright_session):
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def chromium_with_camera(playwright_session):
    """Chromium with a fake camera (a test pattern) and permission prompts accepted."""
    browser = playwright_session.chromium.launch(
        executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS + FAKE_CAMERA_ARGS
    )
    yield browser
    browser.close()


@pytest.fixture(scope="session")
def wcag_violations():
    """axe-core's WCAG 2.1 A/AA violations on a page, as readable lines."""
    from axe_playwright_python.sync_playwright import Axe

    axe = Axe()

    def check(page) -> list[str]:
        # A click that follows a link returns once the next page starts loading: check the
        # page that is arriving, whole, not the one leaving or half of the new one.
        page.wait_for_load_state("load")
        results = axe.run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        return [
            f"{page.url}: {v['id']} ({v['impact']}) {v['help']} -> {[n['target'] for n in v['nodes'][:3]]}"
            for v in results.response["violations"]
        ]

    return check


@pytest.fixture(scope="session")
def assert_accessible(wcag_violations):
    """Fail on any WCAG 2.1 A/AA violation axe-core finds on the page."""

    def check(page):
        violations = wcag_violations(page)
        assert not violations, "axe found WCAG 2.1 A/AA violations:\n" + "\n".join(violations)

    return check
