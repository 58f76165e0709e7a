"""A request without a location check: the person declares the place they are (a state and a
city from the list). Judged by the state, stored with the place and flagged for review; a
place outside the area is refused and stores nothing."""

from __future__ import annotations

import datetime as dt

import pytest
import shapely
from django.urls import reverse

from portline.audit.models import AuditRecord
from portline.common.errors import ApplicationError, ValidationFailed
from portline.geofence import engine
from portline.geofence.models import CheckVerdict, LocationCheck, LocationSignal, SignalKind
from portline.integrity.models import Flag, FlagKind
from portline.integrity.services import request_submit_and_flag
from portline.registrations.models import AppointmentRequest
from portline.scheduling.models import Port
from tests.conftest import verified_login
from tests.factories.geofence import PLACES, submitted_registration


def test_every_listed_city_lies_in_its_state_and_every_state_has_a_place():
    index = engine.default_index()
    for place in engine.places():
        point = shapely.Point(*engine.project_point(place.longitude, place.latitude))
        found = index.state_at(point)
        assert found is not None and found.code == place.state, place
    assert {p.state for p in engine.places()} == index.codes()


def test_a_declared_place_is_judged_by_its_state_and_the_nationality_rule(policies):
    at = dt.datetime(2024, 9, 1, tzinfo=dt.UTC)  # version 2: Chiapas open, Oaxaca not

    def verdict(state, city, nationalities=("HN",)):
        return engine.check_declared(
            state=state, city=city, nationalities=nationalities, at=at, policies=policies
        ).verdict

    assert verdict("MX-CHP", "Tapachula") == engine.Verdict.DECLARED
    assert verdict("MX-OAX", "Oaxaca de Juárez") == engine.Verdict.OUTSIDE
    assert verdict("MX-OAX", "Oaxaca de Juárez", ("MX",)) == engine.Verdict.DECLARED
    assert verdict("MX-OAX", "", ("MX", "HN")) == engine.Verdict.OUTSIDE  # the group's area
    assert verdict("MX-BCN", "") == engine.Verdict.DECLARED  # another place in the state
    assert verdict("MX-BCN", "Tapachula") == engine.Verdict.INVALID  # not a city of that state
    assert verdict("MX-XXX", "") == engine.Verdict.INVALID
    before = dt.datetime(2020, 1, 1, tzinfo=dt.UTC)
    assert (
        engine.check_declared(
            state="MX-BCN", city="", nationalities=["HN"], at=before, policies=policies
        ).verdict
        == engine.Verdict.NO_POLICY
    )


def _submit(registration, key, **place):
    return request_submit_and_flag(
        actor=registration.owner,
        registration=registration,
        first_port=Port.objects.get(code="SYS"),
        idempotency_key=key,
        **place,
    )


def _stored():
    return (
        AppointmentRequest.objects.count(),
        LocationCheck.objects.count(),
        LocationSignal.objects.count(),
        Flag.objects.count(),
        AuditRecord.objects.count(),
    )


@pytest.mark.django_db
def test_a_declared_place_inside_the_area_is_stored_with_the_request_and_flagged():
    registration = submitted_registration()
    request, created = _submit(
        registration, "declared", declared_state="MX-BCN", declared_city="Tijuana"
    )
    assert created and request.location_declared
    request.refresh_from_db()
    assert (request.declared_state, request.declared_city) == ("MX-BCN", "Tijuana")
    assert request.latitude is None and request.longitude is None
    check = LocationCheck.objects.get(registration=registration)
    assert check.verdict == CheckVerdict.DECLARED and not check.accepted
    assert (check.state, check.declared_city, check.latitude) == ("MX-BCN", "Tijuana", None)
    assert check.policy is not None
    signal = LocationSignal.objects.get(registration=registration)
    assert signal.kind == SignalKind.DECLARED_LOCATION and signal.check_record == check
    flag = Flag.objects.get(kind=FlagKind.GEO_DECLARED_LOCATION)
    assert list(flag.subjects.values_list("registration_id", flat=True)) == [registration.pk]
    assert flag.params["signals"] == [signal.pk]
    actions = set(AuditRecord.objects.values_list("action", flat=True))
    assert {
        "geofence.check.declare",
        "registrations.request.submit",
        "integrity.flag.raise",
    } <= actions
    # A retry with the same key answers the first request and stores nothing more.
    before = _stored()
    again, created = _submit(
        registration, "declared", declared_state="MX-BCN", declared_city="Tijuana"
    )
    assert not created and again.pk == request.pk and _stored() == before


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("place", "code"),
    [
        ({"declared_state": "MX-GRO", "declared_city": "Acapulco"}, "outside_service_area"),
        ({"declared_state": "MX-GRO", "declared_city": ""}, "outside_service_area"),
        ({"declared_state": "MX-BCN", "declared_city": "Atlantis"}, "validation_error"),
        ({"declared_state": "MX-ZZZ", "declared_city": ""}, "validation_error"),
        (
            {
                "declared_state": "MX-BCN",
                "declared_city": "Tijuana",
                "latitude": PLACES["tijuana"][0],
                "longitude": PLACES["tijuana"][1],
            },
            "validation_error",
        ),
    ],
)
def test_a_refused_declared_place_stores_nothing(place, code):
    registration = submitted_registration()
    before = _stored()
    with pytest.raises(ApplicationError) as info:
        _submit(registration, "refused", **place)
    assert info.value.code == code
    if code == "validation_error":
        assert isinstance(info.value, ValidationFailed)
    else:
        assert "Guerrero" in str(info.value.message)
    assert _stored() == before


@pytest.mark.django_db
def test_the_request_page_takes_a_declared_place_without_javascript(client):
    registration = submitted_registration()
    verified_login(client, registration.owner)
    url = reverse("applicant:request", args=[registration.reference])
    page = client.get(url).content.decode()
    assert '<optgroup label="Baja California">' in page
    assert "a checked location (from your phone) may be asked when you confirm" in page
    port = Port.objects.get(code="SYS")

    # Neither a location nor a place: the page points at the list.
    response = client.post(url, {"first_port": port.pk, "idempotency_key": "k1"})
    assert response.status_code == 200
    assert "Choose where you are now from the list" in response.content.decode()
    assert not AppointmentRequest.objects.exists()

    # A place outside the area: refused, in words, and nothing stored.
    response = client.post(
        url, {"first_port": port.pk, "idempotency_key": "k2", "place": "MX-GRO|Acapulco"}
    )
    assert "outside the area where requests are accepted" in response.content.decode()
    assert not AppointmentRequest.objects.exists() and not LocationCheck.objects.exists()

    response = client.post(
        url, {"first_port": port.pk, "idempotency_key": "k3", "place": "MX-BCN|Tijuana"}
    )
    assert response.status_code == 302
    request = AppointmentRequest.objects.get(registration=registration)
    assert (request.declared_state, request.declared_city) == ("MX-BCN", "Tijuana")
