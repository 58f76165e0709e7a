from __future__ import annotations

import pytest
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.plugins.otp_totp.models import TOTPDevice

from tests.factories import UserFactory


@pytest.fixture(autouse=True)
def _private_storage(settings, tmp_path):
    """Uploaded files go to a per-test folder, never into the project tree."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
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
    transactional = marker is not None and (marker.kwargs.get("transaction") or (marker.args and marker.args[0]))
    if "db" not in request.fixturenames and (marker is None or transactional):
        return
    request.getfixturevalue("db")
    open_window_all_day()


def open_window_all_day():
    import datetime as dt

    from portline.scheduling.models import ProgramSettings

    ProgramSettings.objects.filter(pk=1).update(request_window_opens=dt.time(0, 0), request_window_closes=dt.time(23, 59))


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
