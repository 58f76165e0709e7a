"""Planning, boarding and hand-over through the services, on the real database."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.core.management import CommandError, call_command

from portline.accounts.models import Role
from portline.audit.models import AuditRecord
from portline.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portline.transport import services
from portline.transport.models import (
    DifferenceKind,
    HandoverDifference,
    ManifestEntry,
    TransportPlan,
    Vehicle,
)
from tests.factories import UserFactory
from tests.factories.inspection import port_staff
from tests.transport.conftest import DAY, family, make_route

pytestmark = pytest.mark.django_db


def _actions(prefix: str = "transport.") -> list[str]:
    return list(
        AuditRecord.objects.filter(action__startswith=prefix)
        .order_by("id")
        .values_list("action", flat=True)
    )


def test_plan_groups_families_first_and_departs_back_from_the_slot(coordinator):
    make_route(vehicle_capacity=6)
    alone, _ = family(1)
    group, group_people = family(4)
    late, _ = family(2, slot_hour=11)
    other_port, _ = family(3, port="SYS")

    outcome = services.transport_plan(actor=coordinator, service_date=DAY, departure_city="Reynosa")

    plan = outcome.plan
    assert plan is not None and plan.departure_city == "Reynosa"
    vehicles = list(plan.vehicles.order_by("number"))
    assert len(vehicles) == 2
    nine = vehicles[0]
    tz = ZoneInfo("America/Chicago")
    assert nine.slot_starts_at == dt.datetime(2026, 12, 6, 9, 0, tzinfo=tz)
    assert nine.departs_at == nine.slot_starts_at - dt.timedelta(minutes=70)
    order = list(nine.entries.order_by("boarding_order").values_list("person_id", flat=True))
    assert order[:4] == [p.pk for p in group_people]  # the family boards first, together
    assert len(order) == 5
    assert vehicles[1].entries.count() == 2
    assert not ManifestEntry.objects.filter(appointment=other_port).exists()
    assert {e.appointment_id for e in nine.entries.all()} == {alone.pk, group.pk}
    assert late.pk in set(vehicles[1].entries.values_list("appointment_id", flat=True))
    assert _actions() == ["transport.plan.create"]


def test_a_vehicle_smaller_than_the_largest_family_is_refused_and_nothing_is_stored(coordinator):
    make_route(vehicle_capacity=3)
    family(2)
    family(5)
    before = AuditRecord.objects.count()

    with pytest.raises(ValidationFailed) as caught:
        services.transport_plan(actor=coordinator, service_date=DAY, departure_city="Reynosa")

    assert "3 seats" in str(caught.value.message) and "5 people" in str(caught.value.message)
    assert not TransportPlan.objects.exists() and not Vehicle.objects.exists()
    assert AuditRecord.objects.count() == before


def test_an_unknown_departure_city_is_refused(coordinator):
    with pytest.raises(ValidationFailed):
        services.transport_plan(actor=coordinator, service_date=DAY, departure_city="Atlantis")


def test_only_a_coordinator_plans(coordinator):
    make_route()
    with pytest.raises(PermissionDenied):
        services.transport_plan(actor=port_staff("HID"), service_date=DAY, departure_city="Reynosa")


def test_nobody_is_planned_from_two_cities_on_one_day(coordinator):
    make_route("Reynosa", "HID")
    make_route("Monterrey", "HID", travel_minutes=200, vehicle_capacity=40)
    family(3)
    first = services.transport_plan(actor=coordinator, service_date=DAY, departure_city="Reynosa")
    second = services.transport_plan(
        actor=coordinator, service_date=DAY, departure_city="Monterrey"
    )
    assert first.result.people == 3 and second.result.people == 0


def test_planning_again_replaces_until_boarding_starts(coordinator):
    make_route()
    _, people = family(2)
    first = services.transport_plan(actor=coordinator, service_date=DAY, departure_city="Reynosa")
    family(1)
    second = services.transport_plan(actor=coordinator, service_date=DAY, departure_city="reynosa")
    assert second.replaced and TransportPlan.objects.count() == 1
    assert not TransportPlan.objects.filter(pk=first.plan.pk).exists()
    vehicle = second.plan.vehicles.get()
    services.boarding_check(actor=coordinator, vehicle_id=vehicle.pk, person_id=people[0].pk)
    with pytest.raises(Conflict):
        services.transport_plan(actor=coordinator, service_date=DAY, departure_city="Reynosa")
    assert TransportPlan.objects.get().pk == second.plan.pk


def test_boarding_someone_not_on_the_manifest_is_refused_and_stores_nothing(coordinator):
    make_route()
    _, people = family(2)
    _, elsewhere = family(1, port="SYS")
    plan = services.transport_plan(
        actor=coordinator, service_date=DAY, departure_city="Reynosa"
    ).plan
    vehicle = plan.vehicles.get()
    before = AuditRecord.objects.count()

    with pytest.raises(ValidationFailed) as caught:
        services.boarding_check(actor=coordinator, vehicle_id=vehicle.pk, person_id=elsewhere[0].pk)
    assert "not on this vehicle's manifest" in str(caught.value.message)
    assert AuditRecord.objects.count() == before
    assert not ManifestEntry.objects.filter(boarded_at__isnull=False).exists()

    entry = services.boarding_check(
        actor=coordinator, vehicle_id=vehicle.pk, person_id=people[1].pk
    )
    assert entry.boarded_at is not None and entry.boarded_by == coordinator
    with pytest.raises(Conflict):
        services.boarding_check(actor=coordinator, vehicle_id=vehicle.pk, person_id=people[1].pk)


def _planned_vehicle(coordinator, size=3):
    make_route()
    _, people = family(size)
    plan = services.transport_plan(
        actor=coordinator, service_date=DAY, departure_city="Reynosa"
    ).plan
    vehicle = plan.vehicles.get()
    for person in people:
        services.boarding_check(actor=coordinator, vehicle_id=vehicle.pk, person_id=person.pk)
    entries = list(vehicle.entries.order_by("boarding_order"))
    return vehicle, entries


def test_hand_over_flags_missing_extra_and_different_people(coordinator):
    vehicle, entries = _planned_vehicle(coordinator, size=4)
    officer = port_staff("HID")

    differences = services.vehicle_hand_over(
        actor=officer,
        vehicle_id=vehicle.pk,
        present=[entries[0].pk, entries[1].pk],
        different={entries[2].pk: "  Pedro   Ramírez "},
        extra_names=["Ana Extra", "   "],
    )

    kinds = sorted((d.kind, d.entry_id, d.presented_name) for d in differences)
    assert kinds == sorted(
        [
            (DifferenceKind.DIFFERENT, entries[2].pk, "Pedro Ramírez"),
            (DifferenceKind.MISSING, entries[3].pk, ""),
            (DifferenceKind.EXTRA, None, "Ana Extra"),
        ]
    )
    assert all(d.was_boarded for d in differences if d.entry_id)
    vehicle.refresh_from_db()
    assert vehicle.handed_over_to == officer and vehicle.handed_over_at is not None
    actions = _actions()
    assert actions.count("transport.handover_difference.flag") == 3
    assert actions[-1] == "transport.vehicle.hand_over"
    flagged = AuditRecord.objects.filter(action="transport.handover_difference.flag")
    assert "Pedro" not in str(list(flagged.values_list("data", flat=True)))  # no names in the audit


def test_a_second_acknowledgement_is_refused_and_stores_nothing(coordinator):
    vehicle, entries = _planned_vehicle(coordinator)
    officer = port_staff("HID")
    services.vehicle_hand_over(
        actor=officer, vehicle_id=vehicle.pk, present=[e.pk for e in entries]
    )
    before = (AuditRecord.objects.count(), HandoverDifference.objects.count())

    with pytest.raises(Conflict):
        services.vehicle_hand_over(
            actor=port_staff("HID"), vehicle_id=vehicle.pk, present=[], extra_names=["X"]
        )

    assert (AuditRecord.objects.count(), HandoverDifference.objects.count()) == before
    vehicle.refresh_from_db()
    assert vehicle.handed_over_to == officer


def test_hand_over_is_for_the_staff_of_the_vehicles_port_only(coordinator):
    vehicle, _entries = _planned_vehicle(coordinator)
    with pytest.raises(NotFound):
        services.vehicle_hand_over(actor=port_staff("SYS"), vehicle_id=vehicle.pk, present=[])
    with pytest.raises(PermissionDenied):
        services.vehicle_hand_over(actor=coordinator, vehicle_id=vehicle.pk, present=[])
    applicant = UserFactory(role=Role.APPLICANT)
    with pytest.raises(PermissionDenied):
        services.vehicle_hand_over(actor=applicant, vehicle_id=vehicle.pk, present=[])
    assert not HandoverDifference.objects.exists()


def test_hand_over_refuses_a_person_from_another_manifest(coordinator):
    vehicle, _entries = _planned_vehicle(coordinator)
    make_route("Matamoros", "BRO")
    family(1, port="BRO")
    other = services.transport_plan(
        actor=coordinator, service_date=DAY, departure_city="Matamoros"
    ).plan
    stranger = ManifestEntry.objects.get(vehicle__plan=other)
    with pytest.raises(NotFound):
        services.vehicle_hand_over(
            actor=port_staff("HID"), vehicle_id=vehicle.pk, present=[stranger.pk]
        )
    vehicle.refresh_from_db()
    assert vehicle.handed_over_at is None


def test_boarding_after_the_hand_over_is_refused(coordinator):
    vehicle, entries = _planned_vehicle(coordinator)
    services.vehicle_hand_over(
        actor=port_staff("HID"), vehicle_id=vehicle.pk, present=[e.pk for e in entries]
    )
    with pytest.raises(Conflict):
        services.boarding_check(
            actor=coordinator, vehicle_id=vehicle.pk, person_id=entries[0].person_id
        )


def test_the_command_prints_a_summary_and_a_dry_run_stores_nothing(capsys):
    make_route()
    family(4)
    family(1)
    call_command("transport_plan", "--date", DAY.isoformat(), "--from", "Reynosa", "--dry-run")
    out = capsys.readouterr().out
    assert "1 vehicles, 5 people; would store" in out
    assert "HID" in out and "5/15 seats" in out and "1 families or groups" in out
    assert not TransportPlan.objects.exists()

    call_command("transport_plan", "--date", DAY.isoformat(), "--from", "Reynosa")
    assert "stored" in capsys.readouterr().out
    assert TransportPlan.objects.get().created_by is None


def test_the_command_explains_a_refusal():
    make_route(vehicle_capacity=2)
    family(3)
    with pytest.raises(CommandError, match="2 seats"):
        call_command("transport_plan", "--date", DAY.isoformat(), "--from", "Reynosa")
    with pytest.raises(CommandError, match="not a date"):
        call_command("transport_plan", "--date", "06/12/2026", "--from", "Reynosa")
    assert not TransportPlan.objects.exists()


def test_demo_routes_load_once():
    assert services.routes_load_defaults() >= 5
    assert services.routes_load_defaults() == 0


def test_every_role_fits_the_columns_that_store_it():
    widths = {
        AuditRecord._meta.get_field("actor_role").max_length,
        UserFactory._meta.model._meta.get_field("role").max_length,
    }
    assert all(len(value) <= min(widths) for value in Role.values)
