"""A refused appointment request stores nothing: no location check, no audit row, no request,
also when twenty retries arrive at once (real threads, each on its own connection)."""

from __future__ import annotations

import pytest

from portline.audit.models import AuditRecord
from portline.common.errors import ApplicationError, Conflict
from portline.geofence.models import LocationCheck
from portline.geofence.services import request_submit
from portline.registrations.models import AppointmentRequest
from portline.scheduling.models import Port
from tests.conftest import open_window_all_day
from tests.factories.geofence import PLACES, submitted_registration
from tests.races import race

MONTERREY = PLACES["monterrey"]


def _submit(registration, key, point=MONTERREY):
    return request_submit(
        actor=registration.owner,
        registration=registration,
        first_port=Port.objects.get(code="SYS"),
        idempotency_key=key,
        latitude=point[0],
        longitude=point[1],
        accuracy_m=20.0,
    )


def _stored():
    return (
        AppointmentRequest.objects.count(),
        LocationCheck.objects.count(),
        AuditRecord.objects.count(),
    )


@pytest.mark.django_db
def test_already_requested_stores_no_check_and_no_audit_row():
    registration = submitted_registration()
    _first, created = _submit(registration, "first")
    assert created
    before = _stored()
    with pytest.raises(Conflict) as info:
        _submit(registration, "second")
    assert info.value.code == "already_requested"
    assert _stored() == before == (1, 1, before[2])


@pytest.mark.django_db
def test_a_request_refused_for_its_location_stores_nothing():
    registration = submitted_registration()
    before = _stored()
    with pytest.raises(ApplicationError) as info:
        _submit(registration, "far", point=PLACES["acapulco"])
    assert info.value.code == "outside_service_area"
    assert _stored() == before


def _race(registration, keys):
    """Submit once per key, all at the same moment: the sorted outcomes."""
    outcomes, _answered = race(lambda n: _submit(registration, keys[n]), len(keys))
    return outcomes


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_retries_of_a_refused_request_store_nothing():
    open_window_all_day()
    registration = submitted_registration()
    _submit(registration, "first")
    before = _stored()
    outcomes = _race(registration, [f"retry-{i}" for i in range(20)])
    assert outcomes == ["already_requested"] * 20
    assert _stored() == before


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_twenty_concurrent_first_requests_store_one_request_and_one_check():
    open_window_all_day()
    registration = submitted_registration()
    before = _stored()
    outcomes = _race(registration, [f"new-{i}" for i in range(20)])
    assert outcomes == sorted(["created"] + ["already_requested"] * 19)
    requests, checks, audit = _stored()
    assert (requests, checks) == (before[0] + 1, before[1] + 1)
    assert audit == before[2] + 2  # the check and the request, once each
    assert AuditRecord.objects.filter(action="registrations.request.submit").count() == 1
