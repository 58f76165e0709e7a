from __future__ import annotations

import datetime as dt

import pytest

from portline.accounts.models import Role
from portline.common import clock
from portline.registrations.models import RegistrationStatus
from tests.factories import PersonFactory, RegistrationFactory, UserFactory


def planted_group(surname: str, *, size: int = 2, person: dict | None = None, **registration):
    """A submitted registration of `size` people who share `surname`; returns it."""
    registration.setdefault("status", RegistrationStatus.SUBMITTED)
    registration.setdefault("submitted_at", clock.now() - dt.timedelta(days=3))
    reg = RegistrationFactory(**registration)
    for position in range(1, size + 1):
        PersonFactory(
            registration=reg,
            position=position,
            family_names=surname,
            **{
                "relationship": "self" if position == 1 else "child",
                "phone": "",
                **(person or {}),
            },
        )
    return reg


@pytest.fixture
def supervisor():
    return UserFactory(role=Role.SUPERVISOR)
