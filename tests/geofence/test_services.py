"""Stored checks, refusals, signals, and the check inside request_submit."""

from __future__ import annotations

import datetime as dt

import pytest
from freezegun import freeze_time

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.common.errors import ApplicationError, ValidationFailed
from portline.geofence import integrity
from portline.geofence.models import CheckVerdict, LocationCheck, LocationSignal, SignalKind
from portline.geofence.services import device_digest, location_check_record, request_submit
from portline.registrations.models import AppointmentRequest
from portline.scheduling.models import Port
from tests.factories import PartnerFactory, UserFactory
from tests.factories.geofence import PLACES, submitted_registration

pytestmark = pytest.mark.django_db
AT_V2 = dt.datetime(2025, 1, 15, 18, tzinfo=dt.UTC)


def _record(registration, place_or_point, *, actor=None, accuracy=25.0, at=AT_V2, **kwargs):
    lat, lon = PLACES[place_or_point] if isinstance(place_or_point, str) else place_or_point
    return location_check_record(
        actor=actor or registration.owner,
        registration=registration,
        latitude=lat,
        longitude=lon,
        accuracy_m=accuracy,
        purpose="request",
        at=at,
        **kwargs,
    )


def test_an_accepted_check_is_stored_with_everything_and_audited():
    registration = submitted_registration()
    check = _record(registration, "monterrey")
    stored = LocationCheck.objects.get()
    assert stored.pk == check.pk and stored.accepted
    assert (stored.latitude, stored.longitude, stored.accuracy_m) == (*PLACES["monterrey"], 25.0)
    assert (stored.verdict, stored.state, stored.policy_version, stored.purpose) == (
        "inside",
        "MX-NLE",
        2,
        "request",
    )
    assert (
        stored.checked_at == AT_V2
        and stored.registration == registration
        and stored.nationality_groups == "other"
    )
    assert AuditRecord.objects.filter(
        action="geofence.check.record", target_id=str(check.pk)
    ).exists()


def test_a_refusal_is_translated_explains_itself_and_its_check_is_kept():
    registration = submitted_registration()
    with pytest.raises(ApplicationError) as info:
        _record(registration, "oaxaca")
    error = info.value
    assert error.code == "outside_service_area"
    assert error.extra["state"] == "MX-OAX" and error.extra["state_name"] == "Oaxaca"
    assert error.extra["nearest_state"] == "MX-PUE" and 100 < error.extra["distance_km"] < 140
    assert error.extra["policy_version"] == 2
    assert "Oaxaca" in str(error.message) and "Puebla" in str(error.message)
    stored = LocationCheck.objects.get(pk=error.extra["check_id"])
    assert stored.verdict == CheckVerdict.OUTSIDE and not stored.accepted


def test_refusals_read_in_spanish_and_haitian_creole():
    from django.utils import translation

    registration = submitted_registration()
    for language, word in (("es", "fuera"), ("ht", "deyò")):
        with translation.override(language), pytest.raises(ApplicationError) as info:
            _record(registration, "oaxaca")
        assert word in str(info.value.message).lower(), str(info.value.message)


@pytest.mark.parametrize(
    ("point", "accuracy", "code"),
    [
        ("gulf", 25.0, "outside_mexico"),
        ("guatemala_city", 25.0, "outside_mexico"),
        ("el_paso_airport", 25.0, "outside_mexico"),
        ("monterrey", 9_000.0, "location_imprecise"),
        ((123.0, -99.0), 25.0, "location_invalid"),
        ((float("nan"), -99.0), 25.0, "location_invalid"),
    ],
)
def test_other_refusals_have_their_codes(point, accuracy, code):
    registration = submitted_registration()
    with pytest.raises(ApplicationError) as info:
        _record(registration, point, accuracy=accuracy)
    assert info.value.code == code and str(info.value.message)
    assert LocationCheck.objects.count() == 1


def test_mixed_group_is_judged_by_the_area_open_to_all_and_a_member_by_their_own_nationality():
    registration = submitted_registration(nationalities=("MX", "HN"))
    with pytest.raises(ApplicationError) as info:
        _record(registration, "oaxaca")
    assert "group" in str(info.value.message)
    mexican = registration.people.get(nationality="MX")
    check = location_check_record(
        actor=registration.owner,
        registration=registration,
        person=mexican,
        latitude=PLACES["oaxaca"][0],
        longitude=PLACES["oaxaca"][1],
        accuracy_m=20,
        purpose="confirmation",
        at=AT_V2,
    )
    assert check.accepted and check.purpose == "confirmation" and check.person == mexican


def test_no_location_from_an_applicant_is_refused_and_recorded():
    registration = submitted_registration()
    with pytest.raises(ApplicationError) as info:
        location_check_record(
            actor=registration.owner,
            registration=registration,
            latitude=None,
            longitude=None,
            accuracy_m=None,
            purpose="request",
            at=AT_V2,
        )
    assert info.value.code == "location_required"
    assert LocationCheck.objects.get().verdict == CheckVerdict.NOT_GIVEN


def test_unknown_purpose_and_foreign_person_are_refused():
    registration = submitted_registration()
    other = submitted_registration()
    with pytest.raises(ValidationFailed):
        location_check_record(
            actor=registration.owner,
            registration=registration,
            latitude=19.4,
            longitude=-99.1,
            accuracy_m=20,
            purpose="holiday",
        )
    with pytest.raises(ValidationFailed):
        location_check_record(
            actor=registration.owner,
            registration=registration,
            person=other.people.get(),
            latitude=19.4,
            longitude=-99.1,
            accuracy_m=20,
            purpose="confirmation",
        )
    assert not LocationCheck.objects.exists()


# Signals ---------------------------------------------------------------------------------


def _kinds(check):
    return set(check.signals.values_list("kind", flat=True))


def test_impossible_travel_is_signalled_but_not_blocking():
    registration = submitted_registration()
    _record(registration, (32.514912, -117.038213), at=AT_V2)
    check = _record(registration, (25.686641, -100.316112), at=AT_V2 + dt.timedelta(minutes=30))
    assert check.accepted and SignalKind.IMPOSSIBLE_TRAVEL in _kinds(check)
    later = _record(registration, (25.686652, -100.316122), at=AT_V2 + dt.timedelta(days=2))
    assert SignalKind.IMPOSSIBLE_TRAVEL not in _kinds(later)


def test_round_coordinates_and_sub_metre_accuracy_are_implausible():
    registration = submitted_registration()
    check = _record(registration, (25.69, -100.32), accuracy=0.2)
    signal = check.signals.get(kind=SignalKind.IMPLAUSIBLE_PRECISION)
    assert set(signal.detail["problems"]) == {"accuracy_below_1m", "round_coordinates"}
    real = _record(registration, (25.6866123, -100.3161456), at=AT_V2 + dt.timedelta(hours=1))
    assert SignalKind.IMPLAUSIBLE_PRECISION not in _kinds(real)


def test_exact_repeats_across_unrelated_registrations_are_signalled_but_not_within_one_partner():
    point = (25.6866123, -100.3161456)
    first = submitted_registration()
    _record(first, point)
    second = submitted_registration()
    check = _record(second, point)
    assert check.signals.get(kind=SignalKind.REPEATED_POINT).detail["registrations"] == [first.pk]
    partner = PartnerFactory()
    staff = UserFactory(role=Role.PARTNER_STAFF, partner=partner)
    shelter_a = submitted_registration(owner=None, created_by=staff, partner=partner)
    shelter_b = submitted_registration(owner=None, created_by=staff, partner=partner)
    desk = (32.5301234, -117.0201234)
    _record(shelter_a, desk, actor=staff)
    assert SignalKind.REPEATED_POINT not in _kinds(_record(shelter_b, desk, actor=staff))


def test_a_busy_point_names_the_first_twenty_registrations_and_counts_them_all():
    point = (25.6866123, -100.3161456)
    earlier = [submitted_registration() for _ in range(23)]
    for registration in earlier:
        _record(registration, point)
    check = _record(submitted_registration(), point)
    detail = check.signals.get(kind=SignalKind.REPEATED_POINT).detail
    assert detail["registrations"] == sorted(r.pk for r in earlier)[:20]
    assert detail["count"] == 23


def test_many_registrations_from_one_device_are_signalled():
    device = "a3f1" * 16
    checks = []
    for n in range(integrity.MAX_REGISTRATIONS_PER_DEVICE + 1):
        registration = submitted_registration()
        checks.append(_record(registration, (25.68661 + n * 1e-4, -100.31612), device_hash=device))
    assert all(SignalKind.SHARED_DEVICE not in _kinds(c) for c in checks[:-1])
    assert SignalKind.SHARED_DEVICE in _kinds(checks[-1])
    assert checks[-1].device_hash == device_digest(device) != device


def test_border_band_acceptance_is_signalled():
    registration = submitted_registration()
    check = _record(registration, "el_paso_downtown")
    assert check.verdict == CheckVerdict.INSIDE_BORDER_BAND and SignalKind.BORDER_BAND in _kinds(
        check
    )


def test_precision_rules():
    assert (
        integrity.decimals(25.69) == 2
        and integrity.decimals(-100.3161456) == 7
        and integrity.decimals(1e-05) == 5
    )
    assert integrity.precision_problems(25.6866, -100.3161, 10.0) == []
    fix = integrity.Fix(19.4326, -99.1332, 20.0, AT_V2)
    near = integrity.Fix(19.4330, -99.1330, 20.0, AT_V2 + dt.timedelta(seconds=5))
    assert not integrity.is_impossible_travel(fix, near)


# request_submit -------------------------------------------------------------------------


def _request(registration, *, actor=None, point=None, accuracy=25.0, key="k"):
    lat, lon = PLACES[point] if isinstance(point, str) else (point or (None, None))
    return request_submit(
        actor=actor or registration.owner,
        registration=registration,
        first_port=Port.objects.get(code="SYS"),
        idempotency_key=key,
        latitude=lat,
        longitude=lon,
        accuracy_m=accuracy if lat is not None else None,
    )


def test_request_uses_the_policy_in_force_at_request_time():
    registration = submitted_registration()
    with freeze_time("2024-08-22 18:00:00"):
        with pytest.raises(ApplicationError) as info:
            _request(registration, point="villahermosa")
        assert info.value.code == "outside_service_area" and info.value.extra["policy_version"] == 1
    assert not AppointmentRequest.objects.exists()
    with freeze_time("2024-08-23 18:00:00"):
        request, created = _request(registration, point="villahermosa", key="k2")
    assert created and request.latitude == PLACES["villahermosa"][0]
    checks = list(
        LocationCheck.objects.order_by("checked_at").values_list("verdict", "policy__version")
    )
    assert checks == [("inside", 2)]  # the refused request stored nothing, not even its check


def test_an_applicant_request_needs_a_location():
    registration = submitted_registration()
    with pytest.raises(ApplicationError) as info:
        _request(registration)
    assert info.value.code == "location_required"
    assert not AppointmentRequest.objects.exists()


def test_partner_staff_may_request_without_a_location_and_it_is_flagged():
    staff = UserFactory(role=Role.PARTNER_STAFF)
    registration = submitted_registration(owner=None, created_by=staff, partner=staff.partner)
    _request_row, created = _request(registration, actor=staff)
    assert created
    check = LocationCheck.objects.get()
    assert check.verdict == CheckVerdict.NOT_GIVEN and SignalKind.NO_LOCATION in _kinds(check)
    assert LocationSignal.objects.count() == 1
    # A location partner staff do give is checked like anyone's.
    other = submitted_registration(owner=None, created_by=staff, partner=staff.partner)
    with pytest.raises(ApplicationError):
        _request(other, actor=staff, point="acapulco", key="k2")
