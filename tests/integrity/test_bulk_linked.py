"""A partner's file is checked against everyone already in Portline with the person linkage,
not only by exact name and date of birth."""

from __future__ import annotations

import datetime as dt

import pytest

from portline.accounts.models import Role
from portline.intake.services import bulk_check
from portline.integrity.services import bulk_check_linked, bulk_commit_linked
from portline.registrations.models import Registration
from tests.factories import UserFactory
from tests.factories.inspection import submitted_group
from tests.intake.helpers import csv_bytes, row

pytestmark = pytest.mark.django_db


@pytest.fixture
def stored():
    # Others first: the model weighs how common a name is among the people stored.
    for _n in range(40):
        submitted_group(1)
    (person,) = submitted_group(
        1,
        given_names="Ana María",
        family_names="Pérez González",
        date_of_birth=dt.date(1990, 4, 23),
    )
    return person


def test_a_misspelled_person_already_stored_is_found_by_linkage_not_by_the_exact_check(stored):
    staff = UserFactory(role=Role.PARTNER_STAFF)
    content = csv_bytes(
        [
            row(given="Ana Maria", family="Perez", born="1990-04-23"),  # the same person
            row(given="Luis", family="Gómez", born="1985-01-01"),  # nobody stored
        ]
    )
    assert bulk_check(actor=staff, content=content).duplicates == []  # exact: not found
    report = bulk_check_linked(actor=staff, content=content)
    assert [p.row for p in report.duplicates] == [2]
    assert stored.registration.reference not in report.duplicates[0].message
    before = Registration.objects.count()
    record = bulk_commit_linked(
        actor=staff,
        content=content,
        mapping=None,
        checked_sha256=report.sha256,
        skip_duplicates=True,
    )
    assert record.rows_imported == 1
    assert Registration.objects.count() == before + 1


def test_without_a_linkage_key_the_exact_check_alone_runs(stored, settings):
    settings.LINKAGE_KEY = ""
    staff = UserFactory(role=Role.PARTNER_STAFF)
    content = csv_bytes([row(given="Ana Maria", family="Perez", born="1990-04-23")])
    assert bulk_check_linked(actor=staff, content=content).duplicates == []
