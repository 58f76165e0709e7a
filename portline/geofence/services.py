"""Writes of the geofence: location checks (stored, every one) and policy versions.

`request_submit` takes an appointment request: it checks the location and records the
request in one transaction (a refused request stores nothing).

Public interface for other apps (appointments confirmation calls this):

    location_check_record(
        *, actor: User, registration: Registration,
        latitude: float | None, longitude: float | None, accuracy_m: float | None,
        purpose: str,                      # CheckPurpose.REQUEST ("request") or CheckPurpose.CONFIRMATION ("confirmation")
        at: datetime | None = None,        # defaults to clock.now(); the policy in force at `at` is used
        person: Person | None = None,      # at confirmation: the member checked (their nationality decides)
        device_hash: str = "",             # optional hash of a device id, for integrity signals
    ) -> LocationCheck

It stores a LocationCheck row in its own transaction (kept even when the check refuses) and
returns it when the point is eligible. It raises ApplicationError (translated message) when not:
  code "outside_service_area": extra = {"state": "MX-OAX", "state_name": "Oaxaca",
      "nearest_state": "MX-PUE", "nearest_state_name": "Puebla", "distance_km": 12.3,
      "policy_version": 2, "check_id": 17}
  code "outside_mexico": the point is in no Mexican state (at sea or in another country)
  code "location_required": no coordinates were given (and none may be skipped)
  code "location_invalid" / "location_imprecise": malformed point, or accuracy absurd
  code "no_service_area": no policy version is in force at `at`
"""

from __future__ import annotations

import datetime as dt
import hashlib
import math
from collections.abc import Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from portline.accounts.models import Role, User
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from portline.geofence import engine, integrity
from portline.geofence.messages import ERROR_CODES, explain
from portline.geofence.models import (
    ACCEPTED_VERDICTS,
    CheckPurpose,
    CheckVerdict,
    LocationCheck,
    LocationSignal,
    ServiceAreaPolicy,
    SignalKind,
)
from portline.geofence.selectors import policies_with_data, state_name
from portline.registrations import services as registrations
from portline.registrations.models import AppointmentRequest, Person, Registration
from portline.scheduling.models import Port

# Location checks -------------------------------------------------------------------------


def device_digest(device_hash: str) -> str:
    """What is stored for a device id hash: hashed again, so a raw id sent by mistake is not kept."""
    value = (device_hash or "").strip()
    if not value:
        return ""
    if len(value) > 256:
        raise ValidationFailed(
            _("The device identifier is too long."),
            errors={"device_hash": [_("At most 256 characters.")]},
        )
    return hashlib.sha256(b"portline-device:" + value.encode()).hexdigest()


def _finite(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _nationalities(registration: Registration) -> list[str]:
    """The people's nationalities, in their order within the registration (by position: the
    model's default order would join the registration table to sort by it)."""
    return list(registration.people.order_by("position").values_list("nationality", flat=True))


def location_check_record(
    *,
    actor: User,
    registration: Registration,
    latitude: float | None,
    longitude: float | None,
    accuracy_m: float | None,
    purpose: str,
    at: dt.datetime | None = None,
    person: Person | None = None,
    device_hash: str = "",
    allow_missing: bool = False,
) -> LocationCheck:
    """Check a point against the policy in force at `at`, store the check, and return it when
    the point is eligible; raise a translated ApplicationError otherwise (see the module doc).

    The check is written in its own transaction, so call this outside your own
    `transaction.atomic()` if refused checks must be kept (they should: they are the record
    that lets a wrong refusal be found). `allow_missing` (request time, partner staff only)
    stores a "not_given" check with a review signal instead of refusing.
    """
    if purpose not in CheckPurpose.values:
        raise ValidationFailed(
            _("Unknown purpose for a location check."), errors={"purpose": [_("Unknown purpose.")]}
        )
    if person is not None and person.registration_id != registration.pk:
        raise ValidationFailed(
            _("That person is not in this registration."),
            errors={"person": [_("That person is not in this registration.")]},
        )
    at = at or clock.now()
    nationalities = [person.nationality] if person is not None else _nationalities(registration)
    groups = engine.nationality_groups(nationalities)
    device = device_digest(device_hash)
    versions = policies_with_data()
    result: engine.CheckResult | None = None
    verdict: str
    if latitude is None and longitude is None:
        verdict = CheckVerdict.NOT_GIVEN
    elif latitude is None or longitude is None:
        verdict = CheckVerdict.INVALID
    else:
        result = engine.check(
            latitude=latitude,
            longitude=longitude,
            accuracy_m=accuracy_m,
            nationalities=nationalities,
            at=at,
            policies=[data for _row, data in versions.values()],
        )
        verdict = result.verdict
    policy = (
        versions[result.policy_version][0] if result and result.policy_version in versions else None
    )
    # Its own transaction when called alone (a refused check is kept); inside a caller's
    # transaction it is part of it (no savepoint: a failure here fails the caller's whole).
    with transaction.atomic(savepoint=False):
        check = LocationCheck.objects.create(
            registration=registration,
            person=person,
            actor=actor,
            purpose=purpose,
            checked_at=at,
            latitude=_finite(latitude),
            longitude=_finite(longitude),
            accuracy_m=_finite(accuracy_m),
            verdict=verdict,
            state=result.state if result else "",
            policy=policy,
            nationality_groups=",".join(groups),
            distance_km=result.distance_km if result else None,
            nearest_state=result.nearest_state if result else "",
            band_m=result.band_m if result else None,
            device_hash=device,
            engine_version=engine.ENGINE_VERSION,
        )
        kinds = _signals_record(check=check, actor=actor, allow_missing=allow_missing)
        audit_record(
            actor=actor,
            action="geofence.check.record",
            target=check,
            data={
                "registration": registration.reference,
                "purpose": purpose,
                "verdict": verdict,
                "state": check.state,
                "policy_version": policy.version if policy else None,
                "signals": kinds,
            },
        )
    if verdict in ACCEPTED_VERDICTS or (verdict == CheckVerdict.NOT_GIVEN and allow_missing):
        return check
    raise location_refusal(check, result)


def location_declared_record(
    *,
    actor: User,
    registration: Registration,
    state: str,
    city: str,
    at: dt.datetime,
) -> LocationCheck:
    """A place the person declared (chosen from the list) instead of a checked location.

    Judged by its state against the policy in force at `at` (the same nationality rule as a
    checked point). Accepted: stored as a "declared" check with a review signal, so staff
    see that the location was not checked (and may ask for one at confirmation). Refused:
    raises a translated ApplicationError; inside the caller's transaction nothing is kept."""
    nationalities = _nationalities(registration)
    versions = policies_with_data()
    result = engine.check_declared(
        state=state,
        city=city,
        nationalities=nationalities,
        at=at,
        policies=[data for _row, data in versions.values()],
    )
    if result.verdict != engine.Verdict.DECLARED:
        if result.verdict == engine.Verdict.INVALID:
            raise ValidationFailed(
                _("Choose where you are from the list."),
                errors={"place": [_("Choose where you are from the list.")]},
            )
        raise ApplicationError(
            explain(
                verdict=result.verdict,
                state=result.state,
                mixed_group=len(result.groups) > 1,
                declared=True,
            ),
            code=ERROR_CODES.get(result.verdict, "location_invalid"),
            field="place",
            extra={
                "verdict": result.verdict,
                "state": result.state,
                "state_name": state_name(result.state) if result.state else "",
                "policy_version": result.policy_version,
            },
        )
    policy = versions[result.policy_version][0] if result.policy_version in versions else None
    with transaction.atomic(savepoint=False):
        check = LocationCheck.objects.create(
            registration=registration,
            actor=actor,
            purpose=CheckPurpose.REQUEST,
            checked_at=at,
            verdict=CheckVerdict.DECLARED,
            state=state,
            declared_city=city,
            policy=policy,
            nationality_groups=",".join(result.groups),
            engine_version=engine.ENGINE_VERSION,
        )
        LocationSignal.objects.create(
            check_record=check,
            registration=registration,
            kind=SignalKind.DECLARED_LOCATION,
            detail={"state": state, "city": city, "actor_role": actor.role},
            created_at=at,
        )
        audit_record(
            actor=actor,
            action="geofence.check.declare",
            target=check,
            data={
                "registration": registration.reference,
                "purpose": CheckPurpose.REQUEST,
                "verdict": CheckVerdict.DECLARED,
                "state": state,
                "policy_version": result.policy_version,
                "signals": [SignalKind.DECLARED_LOCATION],
            },
        )
    return check


def _signals_record(*, check: LocationCheck, actor: User, allow_missing: bool) -> list[str]:
    signals: list[tuple[str, dict]] = []
    registration = check.registration
    if check.verdict == CheckVerdict.NOT_GIVEN and allow_missing:
        signals.append((SignalKind.NO_LOCATION, {"actor_role": actor.role}))
    if check.verdict == CheckVerdict.INSIDE_BORDER_BAND:
        signals.append(
            (
                SignalKind.BORDER_BAND,
                {"distance_km": check.distance_km, "band_m": check.band_m, "state": check.state},
            )
        )
    has_point = (
        check.latitude is not None
        and check.longitude is not None
        and check.verdict != CheckVerdict.INVALID
    )
    if has_point and check.latitude is not None and check.longitude is not None:
        problems = integrity.precision_problems(check.latitude, check.longitude, check.accuracy_m)
        if problems:
            signals.append((SignalKind.IMPLAUSIBLE_PRECISION, {"problems": problems}))
        previous = (
            LocationCheck.objects.filter(
                registration=registration,
                latitude__isnull=False,
                longitude__isnull=False,
                checked_at__lte=check.checked_at,
            )
            .exclude(pk=check.pk)
            .exclude(verdict=CheckVerdict.INVALID)
            .order_by("-checked_at", "-id")
            .only("latitude", "longitude", "accuracy_m", "checked_at")
            .first()
        )
        if (
            previous is not None
            and previous.latitude is not None
            and previous.longitude is not None
        ):
            before = integrity.Fix(
                previous.latitude, previous.longitude, previous.accuracy_m, previous.checked_at
            )
            now = integrity.Fix(check.latitude, check.longitude, check.accuracy_m, check.checked_at)
            if integrity.is_impossible_travel(before, now):
                signals.append(
                    (
                        SignalKind.IMPOSSIBLE_TRAVEL,
                        {
                            "previous_check": previous.pk,
                            "speed_kmh": round(integrity.travel_speed_kmh(before, now)),
                        },
                    )
                )
        same_point = LocationCheck.objects.filter(
            latitude=check.latitude, longitude=check.longitude
        ).exclude(registration=registration)
        if registration.owner_id:
            same_point = same_point.exclude(registration__owner_id=registration.owner_id)
        if registration.partner_id:
            # One shelter's desk entering its own people from one place is expected, not a signal.
            same_point = same_point.exclude(registration__partner_id=registration.partner_id)
        # The first 20 (and the count only past them): a busy place must not cost every
        # request there a read of all the registrations ever checked at it.
        distinct = (
            same_point.order_by("registration_id")
            .values_list("registration_id", flat=True)
            .distinct()
        )
        others = list(distinct[:21])
        if others:
            count = len(others) if len(others) <= 20 else distinct.count()
            signals.append(
                (SignalKind.REPEATED_POINT, {"registrations": others[:20], "count": count})
            )
    if check.device_hash and actor.role != Role.PARTNER_STAFF:
        since = check.checked_at - integrity.DEVICE_WINDOW
        count = (
            LocationCheck.objects.filter(device_hash=check.device_hash, checked_at__gte=since)
            .values("registration_id")
            .distinct()
            .count()
        )
        if integrity.too_many_registrations_on_device(count):
            signals.append(
                (
                    SignalKind.SHARED_DEVICE,
                    {"registrations": count, "days": integrity.DEVICE_WINDOW.days},
                )
            )
    LocationSignal.objects.bulk_create(
        [
            LocationSignal(
                check_record=check,
                registration=registration,
                kind=kind,
                detail=detail,
                created_at=check.checked_at,
            )
            for kind, detail in signals
        ]
    )
    return [kind for kind, _detail in signals]


def location_refusal(check: LocationCheck, result: engine.CheckResult | None) -> ApplicationError:
    """The translated refusal for a check that was not accepted."""
    extra: dict[str, Any] = {
        "check_id": check.pk,
        "verdict": check.verdict,
        "state": check.state,
        "state_name": state_name(check.state) if check.state else "",
        "nearest_state": check.nearest_state,
        "nearest_state_name": state_name(check.nearest_state) if check.nearest_state else "",
        "distance_km": check.distance_km,
        "policy_version": check.policy_version,
        "nearest_latitude": result.nearest_latitude if result else None,
        "nearest_longitude": result.nearest_longitude if result else None,
    }
    message = explain(
        verdict=check.verdict,
        state=check.state,
        nearest_state=check.nearest_state,
        distance_km=check.distance_km,
        accuracy_m=check.accuracy_m,
        mixed_group="," in check.nationality_groups,
    )
    return ApplicationError(
        message,
        code=ERROR_CODES.get(check.verdict, "location_invalid"),
        field="location",
        extra=extra,
    )


# Appointment requests --------------------------------------------------------------------


def request_submit(
    *,
    actor: User,
    registration: Registration,
    first_port: Port,
    second_port: Port | None = None,
    idempotency_key: str,
    latitude: float | None = None,
    longitude: float | None = None,
    accuracy_m: float | None = None,
    device_hash: str = "",
    declared_state: str = "",
    declared_city: str = "",
) -> tuple[AppointmentRequest, bool]:
    """Ask for a place in the current window's round. Returns (request, created).

    A request is taken only with a location inside the service area in force now, so this
    service (above both apps) checks the location and records the request together, in one
    transaction: a refused request (already requested, outside the area, a closed window, a
    reused key) stores nothing, neither a location check nor an audit row. A retry with the
    same idempotency key returns the first answer and stores nothing. An applicant must give
    a location; partner staff entering on someone's behalf may leave it out (the check is
    stored as "not given" with a review signal).

    Without a location (a phone without JavaScript or location), the person may declare the
    place where they are instead: a state and a city from the list (`declared_state`,
    `declared_city`; the city "" for another place in that state). The request is then judged
    by the state, stored with the declared place and flagged for review; a declared place
    outside the area is refused and stores nothing. See docs/geofence.md.
    """
    declared = bool(declared_state)
    if declared and (latitude is not None or longitude is not None):
        raise ValidationFailed(
            _("Send a location or a declared place, not both."),
            errors={"place": [_("Send a location or a declared place, not both.")]},
        )
    try:
        with transaction.atomic():
            plan = registrations.request_plan(
                actor=actor,
                registration=registration,
                first_port=first_port,
                second_port=second_port,
                idempotency_key=idempotency_key,
                latitude=latitude,
                longitude=longitude,
            )
            if plan.previous is not None:
                return plan.previous, False
            if declared:
                location_declared_record(
                    actor=actor,
                    registration=registration,
                    state=declared_state,
                    city=declared_city,
                    at=plan.at,
                )
            else:
                location_check_record(
                    actor=actor,
                    registration=registration,
                    latitude=latitude,
                    longitude=longitude,
                    accuracy_m=accuracy_m,
                    purpose=CheckPurpose.REQUEST,
                    at=plan.at,
                    device_hash=device_hash,
                    allow_missing=actor.role == Role.PARTNER_STAFF,
                )
            request = registrations.request_record(
                actor=actor,
                registration=registration,
                first_port=first_port,
                second_port=second_port,
                plan=plan,
                latitude=latitude,
                longitude=longitude,
                accuracy_m=accuracy_m,
                declared_state=declared_state,
                declared_city=declared_city,
            )
    except IntegrityError:
        retry = registrations.request_conflict_after_race(
            actor=actor,
            registration=registration,
            key=registrations.idempotency_key_clean(idempotency_key),
        )
        return retry, False
    return request, True


# Policy versions --------------------------------------------------------------------------

POLICY_FIELDS = (
    "name",
    "effective_from",
    "effective_to",
    "states_mexican_nationals",
    "states_others",
    "source",
)


def _policy_validate(policy: ServiceAreaPolicy, *, now: dt.datetime) -> None:
    errors: dict[str, list[str]] = {}
    known = engine.default_index().codes()
    for field in ("states_mexican_nationals", "states_others"):
        codes = getattr(policy, field)
        if not isinstance(codes, list) or not codes:
            errors[field] = [_("Choose at least one state.")]
        elif unknown := sorted(set(codes) - known):
            errors[field] = [
                _("Unknown state codes: %(codes)s.") % {"codes": ", ".join(map(str, unknown))}
            ]
        else:
            setattr(policy, field, sorted(set(codes)))
    if not policy.name:
        errors["name"] = [_("Give the version a name.")]
    if policy.effective_from is None:
        errors["effective_from"] = [_("Say when the version takes effect.")]
    elif policy.effective_from <= now:
        errors["effective_from"] = [
            _(
                "A new or changed version must take effect in the future: versions in force never change."
            )
        ]
    elif policy.effective_to is not None and policy.effective_to <= policy.effective_from:
        errors["effective_to"] = [_("The end must come after the start.")]
    if errors:
        raise ValidationFailed(_("The policy version has problems."), errors=errors)


def _policy_overlaps(policy: ServiceAreaPolicy) -> list[ServiceAreaPolicy]:
    others = (
        ServiceAreaPolicy.objects.exclude(pk=policy.pk)
        if policy.pk
        else ServiceAreaPolicy.objects.all()
    )
    overlapping = others.filter(
        Q(effective_to__isnull=True) | Q(effective_to__gt=policy.effective_from)
    )
    if policy.effective_to is not None:
        overlapping = overlapping.filter(effective_from__lt=policy.effective_to)
    return list(overlapping)


def _close_predecessor(
    *, actor: User, policy: ServiceAreaPolicy, moved_from: dt.datetime | None = None
) -> None:
    """Adding a version closes the open-ended one before it at the new start (a future moment):
    the only change ever made to a version in force, and it changes no past verdict."""
    predecessors = (
        ServiceAreaPolicy.objects.select_for_update()
        .exclude(pk=policy.pk)
        .filter(effective_from__lt=policy.effective_from)
    )
    for previous in predecessors:
        if previous.effective_to is None or (
            moved_from is not None and previous.effective_to == moved_from
        ):
            previous.effective_to = policy.effective_from
            previous.save(update_fields=["effective_to"])
            audit_record(
                actor=actor,
                action="geofence.policy.close",
                target=previous,
                data={
                    "version": previous.version,
                    "effective_to": previous.effective_to,
                    "successor": policy.version,
                },
            )


def policy_version_create(*, actor: User, data: Mapping[str, Any]) -> ServiceAreaPolicy:
    if actor.role != Role.PROGRAM_ADMIN:
        raise PermissionDenied(_("Only a program administrator can change the service area."))
    policy = ServiceAreaPolicy(**{k: data[k] for k in POLICY_FIELDS if k in data})
    now = clock.now()
    _policy_validate(policy, now=now)
    with transaction.atomic():
        last = ServiceAreaPolicy.objects.select_for_update().order_by("-version").first()
        policy.version = (last.version if last else 0) + 1
        policy.created_by = actor
        policy.created_at = now
        _close_predecessor(actor=actor, policy=policy)
        if _policy_overlaps(policy):
            raise Conflict(
                _("This version overlaps another version's dates."), code="policy_overlap"
            )
        policy.save()
        audit_record(
            actor=actor,
            action="geofence.policy.create",
            target=policy,
            data={
                "version": policy.version,
                "effective_from": policy.effective_from,
                "effective_to": policy.effective_to,
            },
        )
    return policy


def policy_version_update(
    *, actor: User, policy: ServiceAreaPolicy, data: Mapping[str, Any]
) -> ServiceAreaPolicy:
    if actor.role != Role.PROGRAM_ADMIN:
        raise PermissionDenied(_("Only a program administrator can change the service area."))
    now = clock.now()
    with transaction.atomic():
        locked = ServiceAreaPolicy.objects.select_for_update().get(pk=policy.pk)
        if locked.has_taken_effect(now):
            raise Conflict(
                _(
                    "This version has taken effect and can no longer be changed. Add a new version instead."
                ),
                code="policy_in_effect",
            )
        old_start = locked.effective_from
        changed = [k for k in POLICY_FIELDS if k in data and getattr(locked, k) != data[k]]
        for name in changed:
            setattr(locked, name, data[name])
        _policy_validate(locked, now=now)
        _close_predecessor(actor=actor, policy=locked, moved_from=old_start)
        if _policy_overlaps(locked):
            raise Conflict(
                _("This version overlaps another version's dates."), code="policy_overlap"
            )
        locked.save()
        audit_record(
            actor=actor,
            action="geofence.policy.update",
            target=locked,
            data={"version": locked.version, "fields": changed},
        )
    return locked
