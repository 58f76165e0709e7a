from __future__ import annotations

import datetime as dt

import pytest

from portline.common import clock
from tests.factories import UserFactory

LOCAL_VALUE = "ab" * 32


@pytest.fixture
def round_date():
    """Two days ago: its request window has closed in every time zone, so it can be frozen."""
    return clock.now().date() - dt.timedelta(days=2)


@pytest.fixture
def admin_user(db):
    return UserFactory(role="program_admin")
