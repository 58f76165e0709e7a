"""Reads for transport: routes, the day's candidates for a plan, vehicles and manifests.

Coordinators (the transport coordinator role) see plans, vehicles and manifests: names
and confirmation numbers of the people travelling, nothing of their files. Port staff see
the vehicles bound for their own port. A vehicle the actor may not see is "not found".
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from portline.accounts.models import PORT_ROLES, Role
from portline.appointments.models import Appointment, AppointmentStatus
from portline.common import zones
from portline.common.errors import NotFound
from portline.common.zones import time_with_place
from portline.registrations.models import Person
from portline.transport import engine
from portline.transport.models import (
    HandoverDifference,
    ManifestEntry,
    Route,
    TransportPlan,
    Vehicle,
)


def is_transport_coordinator(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role == Role.TRANSPORT_COORDINATOR
    )


def is_port_staff(user) -> bool:
    return bool(
        getattr(user, "is_authenticated", False)
        and user.is_active
        and user.role in PORT_ROLES
        and user.port_id
    )


def departure_cities() -> list[str]:
    return list(
        Route.objects.filter(active=True)
        .order_by("departure_city")
        .values_list("departure_city", flat=True)
        .distinct()
    )


def routes_from(city: str) -> list[Route]:
    return list(
        Route.objects.filter(active=True, departure_city__iexact=city.strip()).select_related(
            "port"
        )
    )


@dataclass(frozen=True)
class Candidates:
    parties: list[engine.Party]
    routes: dict[str, Route]  # by port code
    rules: dict[str, engine.RouteRule]


def plan_candidates(
    *, service_date: dt.date, departure_city: str, exclude_plan_id: int | None = None
) -> Candidates:
    """The confirmed appointments on `service_date` at the ports the city's routes serve,
    less the people already on another plan's vehicle that day."""
    routes = {route.port.code: route for route in routes_from(departure_city)}
    rules = {
        code: engine.RouteRule(
            port=code,
            travel_minutes=route.travel_minutes,
            margin_minutes=route.margin_minutes,
            capacity=route.vehicle_capacity,
        )
        for code, route in routes.items()
    }
    if not routes:
        return Candidates(parties=[], routes={}, rules={})
    taken = ManifestEntry.objects.filter(service_date=service_date)
    if exclude_plan_id is not None:
        taken = taken.exclude(vehicle__plan_id=exclude_plan_id)
    taken_people = set(taken.values_list("person_id", flat=True))
    appointments = list(
        Appointment.objects.filter(
            service_date=service_date,
            status=AppointmentStatus.CONFIRMED,
            port__code__in=list(routes),
        )
        .order_by("id")
        .values_list("id", "registration_id", "port__code", "slot_starts_at")
    )
    people: dict[int, list[int]] = {}
    for person_id, registration_id in (
        Person.objects.filter(registration_id__in={a[1] for a in appointments})
        .order_by("registration_id", "position")
        .values_list("id", "registration_id")
    ):
        people.setdefault(registration_id, []).append(person_id)
    parties = []
    for appointment_id, registration_id, port_code, slot in appointments:
        members = tuple(p for p in people.get(registration_id, []) if p not in taken_people)
        if members:
            parties.append(
                engine.Party(
                    key=appointment_id, port=port_code, slot_starts_at=slot, people=members
                )
            )
    return Candidates(parties=parties, routes=routes, rules=rules)


def plan_for(*, service_date: dt.date, departure_city: str) -> TransportPlan | None:
    return TransportPlan.objects.filter(
        service_date=service_date, departure_city__iexact=departure_city.strip()
    ).first()


def plan_vehicles(plan: TransportPlan) -> QuerySet[Vehicle]:
    return (
        plan.vehicles.select_related("port", "route")
        .annotate(
            people=Count("entries", distinct=True),
            boarded=Count("entries", filter=Q(entries__boarded_at__isnull=False), distinct=True),
            flagged=Count("differences", distinct=True),
        )
        .order_by("number")
    )


def access_vehicle(actor, vehicle_id: int) -> Vehicle:
    """A vehicle for its coordinator, or for the staff of the port it is bound for."""
    vehicles = Vehicle.objects.select_related("plan", "port", "route", "handed_over_to")
    if is_transport_coordinator(actor):
        found = vehicles.filter(pk=vehicle_id).first()
    elif is_port_staff(actor):
        found = vehicles.filter(pk=vehicle_id, port_id=actor.port_id).first()
    else:
        found = None
    if found is None:
        raise NotFound(_("No such vehicle."))
    return found


def vehicles_for_port(actor, service_date: dt.date) -> QuerySet[Vehicle]:
    """The vehicles bound for the officer's port on a day, soonest slot first."""
    if not is_port_staff(actor):
        return Vehicle.objects.none()
    return (
        Vehicle.objects.filter(port_id=actor.port_id, plan__service_date=service_date)
        .select_related("plan", "port", "route")
        .annotate(
            people=Count("entries", distinct=True),
            flagged=Count("differences", distinct=True),
        )
        .order_by("slot_starts_at", "plan__departure_city", "number")
    )


def vehicle_manifest(vehicle: Vehicle) -> list[ManifestEntry]:
    return list(vehicle.entries.select_related("person", "appointment").order_by("boarding_order"))


def vehicle_differences(vehicle: Vehicle) -> list[HandoverDifference]:
    return list(
        vehicle.differences.select_related("entry__person", "entry__appointment").order_by("id")
    )


def local_time(moment: dt.datetime, time_zone: str, place: str = "") -> str:
    """ "06:40, Reynosa time": the wall-clock time where it happens, named by the place (the
    departure city or the port; the zone's own city when none is given), never a zone name."""
    return time_with_place(zones.local_time(moment, time_zone), place or zones.zone_city(time_zone))


def manifest_rows(vehicle: Vehicle, entries: Sequence[ManifestEntry]) -> list[list[str]]:
    """The manifest as rows of text: boarding order, name, confirmation number, group, boarded."""
    rows = []
    for entry in entries:
        appointment = entry.appointment
        rows.append(
            [
                str(entry.boarding_order),
                entry.person.full_name,
                appointment.confirmation_number_display,
                f"{entry.person.position}/{appointment.group_size}",
                local_time(
                    entry.boarded_at,
                    vehicle.route.departure_time_zone,
                    vehicle.route.departure_city,
                )
                if entry.boarded_at
                else "",
            ]
        )
    return rows
