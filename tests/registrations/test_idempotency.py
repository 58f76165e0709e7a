"""Keyed creates arriving at the same moment (a client's retry racing nginx's replay): one row,
one audit event, every try answered with it. Real threads, each on its own connection, on
SQLite and PostgreSQL (as tests/geofence/test_refused_requests.py does for requests)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from portline.audit.models import AuditRecord
from portline.registrations import services
from portline.registrations.models import EvidenceDocument, Person, Registration
from tests.factories import UserFactory, complete_person_data, png_bytes
from tests.races import race

DATA = {"basis": "safety", "us_city": "Houston", "us_state": "TX", "us_zip": "77002"}
TRIES = 10


def _race(create: Callable[[int], tuple[Any, bool]]) -> tuple[list[str], set]:
    return race(create, TRIES)


def _events(action: str) -> int:
    return AuditRecord.objects.filter(action=action).count()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_tries_of_one_keyed_registration_create_one():
    applicant = UserFactory()
    outcomes, answered = _race(
        lambda _n: services.registration_create_keyed(
            actor=applicant, data=DATA, idempotency_key="same-draft"
        )
    )
    assert outcomes == sorted(["created"] + ["replayed"] * (TRIES - 1))
    assert Registration.objects.filter(created_by=applicant).count() == 1
    assert answered == {Registration.objects.get(created_by=applicant).pk}
    assert _events("registrations.registration.create") == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_tries_of_one_keyed_person_add_one():
    applicant = UserFactory()
    registration = services.registration_create(actor=applicant, data=DATA)
    data = complete_person_data()
    outcomes, answered = _race(
        lambda _n: services.person_add_keyed(
            actor=applicant, registration=registration, data=data, idempotency_key="same-person"
        )
    )
    assert outcomes == sorted(["created"] + ["replayed"] * (TRIES - 1))
    assert list(registration.people.values_list("position", flat=True)) == [1]
    assert answered == {Person.objects.get(registration=registration).pk}
    assert _events("registrations.person.add") == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_tries_of_one_keyed_upload_store_one_document():
    applicant = UserFactory()
    registration = services.registration_create(actor=applicant, data=DATA)
    person = services.person_add(actor=applicant, registration=registration, data={})
    content = png_bytes()
    outcomes, answered = _race(
        lambda _n: services.evidence_upload_keyed(
            actor=applicant,
            registration=registration,
            person=person,
            kind="photo",
            filename="me.png",
            content=content,
            idempotency_key="same-photo",
        )
    )
    assert outcomes == sorted(["created"] + ["replayed"] * (TRIES - 1))
    assert EvidenceDocument.objects.filter(registration=registration).count() == 1
    assert answered == {EvidenceDocument.objects.get(registration=registration).pk}
    assert _events("registrations.evidence.upload") == 1


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_tries_of_one_key_with_other_input_create_one_and_refuse_the_rest():
    """The same key sent for two different registrations' people at once (no shared lock
    between them): the database's unique key lets one through."""
    applicant = UserFactory()
    registrations = [services.registration_create(actor=applicant, data=DATA) for _ in range(2)]
    outcomes, _answered = _race(
        lambda n: services.person_add_keyed(
            actor=applicant, registration=registrations[n % 2], data={}, idempotency_key="one-key"
        )
    )
    assert Person.objects.filter(added_by=applicant).count() == 1
    assert outcomes == sorted(
        ["created"] + ["replayed"] * (TRIES // 2 - 1) + ["idempotency_key_reused"] * (TRIES // 2)
    )
    assert _events("registrations.person.add") == 1
