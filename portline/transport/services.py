"""Writes for transport: make a day's plan, check people off at boarding, hand a vehicle over.

Each service runs in one transaction with its audit events; a refusal raises an
`ApplicationError` before anything is written, so a refused request stores nothing.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from portline.transport import engine, selectors
from portline.transport.models import (
    DifferenceKind,
    HandoverDifference,
    ManifestEntry,
    Route,
    TransportPlan,
    Vehicle,
)

MAX_NAME_LENGTH = 200


@dataclass(frozen=True)
class PlanOutcome:
    plan: TransportPlan | None  # None on a dry run
    result: engine.Plan
    replaced: bool
    routes: dict[str, Route]  # the routes used, by port code


def _require_coordinator(actor) -> None:
    if actor is not None and not selectors.is_transport_coordinator(actor):
        raise PermissionDenied(_("Only a transport coordinator can do this."))


def _engine_plan(candidates: selectors.Candidates, departure_city: str) -> engine.Plan:
    try:
        return engine.plan(candidates.parties, candidates.rules)
    except engine.CapacityTooSmall as exc:
        message = _(
            "Vehicles from %(city)s to %(port)s have %(capacity)s seats, but one family or group has %(largest)s people. Families are never split: raise the route's seats per vehicle first."
        ) % {
            "city": departure_city,
            "port": candidates.routes[exc.port].port.name,
            "capacity": exc.capacity,
            "largest": exc.largest,
        }
        raise ValidationFailed(message, errors={"departure_city": [message]}) from exc
    except engine.PlanError as exc:
        message = _("These appointments cannot be planned. Ask the program administrator.")
        raise ValidationFailed(message) from exc


def transport_plan(
    *, actor, service_date: dt.date, departure_city: str, dry_run: bool = False
) -> PlanOutcome:
    """Group the day's confirmed appointments from `departure_city` into vehicles and store
    the plan with its manifests. A plan of the same day and city is replaced as long as no
    one has boarded and no vehicle has been handed over. `actor` None is the command line."""
    _require_coordinator(actor)
    city = departure_city.strip()
    if not selectors.routes_from(city):
        message = _("No transport route leaves from %(city)s.") % {"city": city}
        raise ValidationFailed(message, errors={"departure_city": [message]})
    try:
        return _plan_store(actor=actor, service_date=service_date, city=city, dry_run=dry_run)
    except IntegrityError as exc:  # another plan of this day took the same people meanwhile
        raise Conflict(
            _("Another plan for this day was stored at the same moment. Make the plan again.")
        ) from exc


def _plan_store(*, actor, service_date: dt.date, city: str, dry_run: bool) -> PlanOutcome:
    with transaction.atomic():
        existing = (
            TransportPlan.objects.select_for_update()
            .filter(service_date=service_date, departure_city__iexact=city)
            .first()
        )
        if existing is not None:
            started = (
                ManifestEntry.objects.filter(
                    vehicle__plan=existing, boarded_at__isnull=False
                ).exists()
                or existing.vehicles.filter(handed_over_at__isnull=False).exists()
            )
            if started:
                raise Conflict(
                    _("Boarding has started for this plan: it can no longer be made again.")
                )
        candidates = selectors.plan_candidates(
            service_date=service_date,
            departure_city=city,
            exclude_plan_id=existing.pk if existing else None,
        )
        result = _engine_plan(candidates, city)
        if dry_run:
            return PlanOutcome(
                plan=None,
                result=result,
                replaced=existing is not None,
                routes=candidates.routes,
            )
        replaced_id = None
        if existing is not None:
            replaced_id = existing.pk
            city = existing.departure_city
            existing.delete()
        plan = TransportPlan.objects.create(
            service_date=service_date,
            departure_city=city,
            engine_version=result.engine_version,
            input_digest=engine.input_digest(candidates.parties, candidates.rules),
            created_by=actor,
            created_at=clock.now(),
        )
        vehicles = Vehicle.objects.bulk_create(
            [
                Vehicle(
                    plan=plan,
                    number=number,
                    route=candidates.routes[planned.port],
                    port=candidates.routes[planned.port].port,
                    slot_starts_at=planned.slot_starts_at,
                    departs_at=planned.departs_at,
                    capacity=planned.capacity,
                )
                for number, planned in enumerate(result.vehicles, start=1)
            ]
        )
        if vehicles and vehicles[0].pk is None:  # backends that do not return ids
            vehicles = list(plan.vehicles.order_by("number"))
        entries = []
        for vehicle, planned in zip(vehicles, result.vehicles, strict=True):
            order = 0
            for party in planned.parties:
                for person_id in party.people:
                    order += 1
                    entries.append(
                        ManifestEntry(
                            vehicle=vehicle,
                            service_date=service_date,
                            appointment_id=party.key,
                            person_id=person_id,
                            boarding_order=order,
                        )
                    )
        ManifestEntry.objects.bulk_create(entries, batch_size=1000)
        audit_record(
            actor=actor,
            action="transport.plan.create",
            target=plan,
            data={
                "service_date": service_date.isoformat(),
                "vehicles": len(vehicles),
                "people": result.people,
                "unrouted_appointments": len(result.unrouted),
                "engine_version": result.engine_version,
                "input_digest": plan.input_digest,
                "replaced_plan": replaced_id,
            },
        )
    return PlanOutcome(
        plan=plan, result=result, replaced=replaced_id is not None, routes=candidates.routes
    )


def boarding_check(*, actor, vehicle_id: int, person_id: int) -> ManifestEntry:
    """Check one person off as boarded. Refused for someone not on this vehicle's manifest,
    for someone already checked off, and once the vehicle has been handed over."""
    _require_coordinator(actor)
    with transaction.atomic():
        vehicle = selectors.access_vehicle(actor, vehicle_id)
        vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        if vehicle.handed_over_at is not None:
            raise Conflict(_("This vehicle has already been handed over at the port."))
        entry = vehicle.entries.filter(person_id=person_id).first()
        if entry is None:
            raise ValidationFailed(
                _("This person is not on this vehicle's manifest. Nobody boards without a place.")
            )
        if entry.boarded_at is not None:
            raise Conflict(_("This person is already checked off."))
        entry.boarded_at = clock.now()
        entry.boarded_by = actor
        entry.save(update_fields=["boarded_at", "boarded_by"])
        audit_record(
            actor=actor,
            action="transport.manifest_entry.board",
            target=entry,
            data={"vehicle": vehicle.pk, "person": person_id},
        )
    return entry


def vehicle_hand_over(
    *,
    actor,
    vehicle_id: int,
    present: Iterable[int],
    different: Mapping[int, str] | None = None,
    extra_names: Iterable[str] = (),
) -> list[HandoverDifference]:
    """The port officer acknowledges a vehicle. `present` are the manifest entries (ids) of
    the people found; `different` maps an entry to the name of someone else who came in that
    place; `extra_names` are people who came without a place. Every difference is stored and
    audited. A vehicle is acknowledged once: a second acknowledgement is refused."""
    if not selectors.is_port_staff(actor):
        raise PermissionDenied(_("Only the staff of the port can acknowledge a vehicle."))
    different = {int(k): " ".join(str(v).split()) for k, v in (different or {}).items()}
    extras = [" ".join(str(name).split()) for name in extra_names]
    extras = [name for name in extras if name]
    present_ids = {int(i) for i in present}
    if any(len(name) > MAX_NAME_LENGTH for name in [*different.values(), *extras]):
        raise ValidationFailed(_("A name is too long (200 characters at most)."))
    if any(not name for name in different.values()):
        raise ValidationFailed(_("Give the name of the person who came in a listed place."))
    with transaction.atomic():
        vehicle = selectors.access_vehicle(actor, vehicle_id)
        vehicle = Vehicle.objects.select_for_update().get(pk=vehicle.pk)
        if vehicle.handed_over_at is not None:
            raise Conflict(
                _("This vehicle was already acknowledged; a second acknowledgement is refused.")
            )
        entries = {entry.pk: entry for entry in vehicle.entries.all()}
        unknown = (present_ids | set(different)) - set(entries)
        if unknown:
            raise NotFound(_("A person marked is not on this vehicle's manifest."))
        now = clock.now()
        differences = []
        for entry_id, entry in sorted(entries.items(), key=lambda item: item[1].boarding_order):
            if entry_id in different:
                differences.append(
                    HandoverDifference(
                        vehicle=vehicle,
                        kind=DifferenceKind.DIFFERENT,
                        entry=entry,
                        was_boarded=entry.boarded_at is not None,
                        presented_name=different[entry_id],
                        recorded_by=actor,
                        recorded_at=now,
                    )
                )
            elif entry_id not in present_ids:
                differences.append(
                    HandoverDifference(
                        vehicle=vehicle,
                        kind=DifferenceKind.MISSING,
                        entry=entry,
                        was_boarded=entry.boarded_at is not None,
                        recorded_by=actor,
                        recorded_at=now,
                    )
                )
        for name in extras:
            differences.append(
                HandoverDifference(
                    vehicle=vehicle,
                    kind=DifferenceKind.EXTRA,
                    presented_name=name,
                    recorded_by=actor,
                    recorded_at=now,
                )
            )
        vehicle.handed_over_at = now
        vehicle.handed_over_to = actor
        vehicle.save(update_fields=["handed_over_at", "handed_over_to"])
        for difference in differences:
            difference.save()
            audit_record(
                actor=actor,
                action="transport.handover_difference.flag",
                target=difference,
                data={
                    "vehicle": vehicle.pk,
                    "kind": difference.kind,
                    "entry": difference.entry_id,
                    "was_boarded": difference.was_boarded,
                },
            )
        audit_record(
            actor=actor,
            action="transport.vehicle.hand_over",
            target=vehicle,
            data={
                "manifest": len(entries),
                "present": len(present_ids),
                "missing": sum(d.kind == DifferenceKind.MISSING for d in differences),
                "extra": sum(d.kind == DifferenceKind.EXTRA for d in differences),
                "different": sum(d.kind == DifferenceKind.DIFFERENT for d in differences),
            },
        )
    return differences


def routes_load_defaults(*, actor=None) -> int:
    """Add the routes of `transport/data/routes.json` that are not there yet (by departure
    city and port); returns how many were added. Used by the demo loader."""
    import json
    from pathlib import Path

    from portline.scheduling.models import Port

    rows = json.loads((Path(__file__).parent / "data" / "routes.json").read_text("utf-8"))
    added = 0
    with transaction.atomic():
        for row in rows:
            port = Port.objects.get(code=row["port"])
            route, created = Route.objects.get_or_create(
                departure_city=row["departure_city"],
                port=port,
                defaults={
                    "departure_time_zone": row["time_zone"],
                    "operator_name": row["operator"],
                    "operator_language": row["language"],
                    "travel_minutes": row["travel_minutes"],
                    "margin_minutes": row["margin_minutes"],
                    "vehicle_capacity": row["vehicle_capacity"],
                },
            )
            if created:
                added += 1
                audit_record(
                    actor=actor,
                    action="transport.route.create",
                    target=route,
                    data={"departure_city": route.departure_city, "port": port.code},
                )
    return added
