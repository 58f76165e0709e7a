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
