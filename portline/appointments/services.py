"""Writes of appointments: offer, per-person confirmation, expiry, cancellation, verification.

Every function validates, writes in one transaction and records the change in the audit log.
Freed places (expired or cancelled appointments) go to the standby list through
`portline.allocation.services.standby_promote`, in the round's published order: nobody
chooses who gets them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import secrets
from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.crypto import salted_hmac
from django.utils.translation import gettext as _

from portline.accounts.models import Role, User
from portline.allocation import services as allocation
from portline.allocation.models import BeaconSource, Round, RoundSelection, RoundStatus
from portline.appointments import slots as slot_rule
from portline.appointments.models import Appointment, AppointmentStatus, PersonConfirmation
from portline.appointments.selectors import confirmation_number_normalise
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import ApplicationError, Conflict, PermissionDenied, ValidationFailed
from portline.common.uploads import ImageTooLarge, image_reencode
from portline.geofence.models import CheckPurpose
from portline.geofence.services import location_check_record
from portline.registrations.models import Person, Registration
from portline.registrations.services import detect_content_type
from portline.scheduling.selectors import program_settings_get

logger = logging.getLogger(__name__)

_ALPHABET = "23456789ABCDEFGHJKLMNPQRSTUVWXYZ"  # no 0/O, 1/I: read aloud and typed on phones
CONFIRMATION_NUMBER_LENGTH = 10  # 32**10 = 2**50 possible numbers
PHOTO_TYPES = ("image/jpeg", "image/png")
PHOTO_MIN_SIDE = 64
MAX_LOCATION_ACCURACY_M = 5000.0
SUPPORTED_LANGUAGES = {code for code, _name in settings.LANGUAGES}


def confirmation_number_new() -> str:
    # 32 symbols: the low 5 bits of each random byte pick one uniformly (256 = 8 x 32).
    return "".join(_ALPHABET[byte & 31] for byte in secrets.token_bytes(CONFIRMATION_NUMBER_LENGTH))


def _chunks(items: list, size: int = 900):
    # Stay under SQLite's limit on parameters per statement.
    for start in range(0, len(items), size):
        yield items[start : start + size]


def _unique_numbers(count: int) -> list[str]:
    numbers: set[str] = set()
    while len(numbers) < count:
        batch = list({confirmation_number_new() for _ in range(count - len(numbers))} - numbers)
        taken: set[str] = set()
        for chunk in _chunks(batch):
            taken.update(
                Appointment.objects.filter(confirmation_number__in=chunk).values_list(
                    "confirmation_number", flat=True
                )
            )
        numbers.update(set(batch) - taken)
    return list(numbers)


def _languages(registration_ids: Iterable[int]) -> dict[int, str]:
    """The language notifications and the PDF default to: the main applicant's, else the account's."""
    ids = list(registration_ids)
    main: dict[int, str] = {}
    owners: dict[int, str] = {}
    for chunk in _chunks(ids):
        main.update(
            Person.objects.filter(registration_id__in=chunk, position=1).values_list(
                "registration_id", "preferred_language"
            )
        )
        owners.update(
            Registration.objects.filter(pk__in=chunk).values_list("pk", "owner__preferred_language")
        )
    result = {}
    for rid in ids:
        for language in (main.get(rid), owners.get(rid)):
            if language in SUPPORTED_LANGUAGES:
                result[rid] = language
                break
        else:
            result[rid] = settings.LANGUAGE_CODE
    return result


def _enqueue_expiry(deadline: dt.datetime) -> None:
    from portline.appointments.tasks import appointments_expire_task

    appointments_expire_task.using(run_after=deadline).enqueue()


def _enqueue_notify(appointment_ids: list[int], event: str) -> None:
    if appointment_ids:
        from portline.appointments.tasks import appointments_notify

        appointments_notify.enqueue(appointment_ids=appointment_ids, event=event)


def _offer(
    *,
    selections: list[RoundSelection],
    now: dt.datetime,
    slot: tuple[dt.datetime, dt.datetime] | None = None,
) -> list[Appointment]:
    """Create one offered appointment per selection. Time slots follow `slots.py` unless a slot
    is given (standby moved up into the freed appointment's slot)."""
    if not selections:
        return []
    hours = program_settings_get().confirmation_hours
    deadline = now + dt.timedelta(hours=hours)
    languages = _languages({s.request.registration_id for s in selections})
    numbers = _unique_numbers(len(selections))
    by_port_date: dict[tuple[int, dt.date], list[RoundSelection]] = defaultdict(list)
    for selection in selections:
        by_port_date[(selection.port_id, selection.service_date)].append(selection)
    appointments = []
    for (_port_id, service_date), group in sorted(
        by_port_date.items(), key=lambda item: (item[0][0], item[0][1])
    ):
        group.sort(key=lambda s: s.rank)
        port = group[0].port
        if slot is None:
            spread = slot_rule.slots_for_groups(
                group_sizes=[s.group_size for s in group],
                capacity=port.daily_capacity,
                service_date=service_date,
                opens_at=port.opens_at,
                closes_at=port.closes_at,
                time_zone=port.time_zone,
            )
            times = [(s.starts_at, s.ends_at) for s in spread]
        else:
            times = [slot] * len(group)
        for selection, (starts, ends) in zip(group, times, strict=True):
            registration_id = selection.request.registration_id
            appointments.append(
                Appointment(
                    confirmation_number=numbers.pop(),
                    selection=selection,
                    request=selection.request,
                    registration_id=registration_id,
                    port=port,
                    service_date=service_date,
                    slot_starts_at=starts,
                    slot_ends_at=ends,
                    group_size=selection.group_size,
                    status=AppointmentStatus.OFFERED,
                    language=languages[registration_id],
                    offered_at=now,
                    # Never later than the appointment itself (a late standby move-up).
                    confirm_by=min(deadline, starts),
                )
            )
    created = Appointment.objects.bulk_create(appointments, batch_size=500)
    for deadline_at in sorted({a.confirm_by for a in created}):
        _enqueue_expiry(deadline_at)
    _enqueue_notify([a.pk for a in created], "offered")
    return created


def appointments_offer_for_round(*, actor: User | None, round: Round) -> list[Appointment]:
    """Offer an appointment to every selected request of a drawn round that has none yet.

    `round_draw` calls it inside the draw's transaction; calling it again creates nothing."""
    with transaction.atomic():
        selections = list(
            RoundSelection.objects.filter(
                round=round, outcome="selected", appointment__isnull=True
            ).select_related("port", "request")
        )
        created = _offer(selections=selections, now=clock.now())
        if created:
            audit_record(
                actor=actor,
                action="appointments.round.offer",
                target=round,
                data={
                    "appointments": len(created),
                    "people": sum(a.group_size for a in created),
                },
            )
    return created


def round_draw(*, actor: User | None, round_date: dt.date) -> Round:
    """Draw a seeded round and offer its appointments, in one transaction: a draw is never
    left without its offers, and offers never exist without their draw."""
    with transaction.atomic():
        round_obj = allocation.round_allocate(actor=actor, round_date=round_date)
        appointments_offer_for_round(actor=actor, round=round_obj)
    return round_obj


def rounds_tick(
    *, actor: User | None = None, beacon_source: str = BeaconSource.DRAND
) -> dict[str, list[str]]:
    """The scheduled step: freeze the last closed window's round (when it has requests), draw
    every round whose beacon value has been entered and offer its appointments, and answer
    the requests a draw left unanswered. Safe to run as often as wanted."""
    done: dict[str, list[str]] = {"frozen": [], "drawn": []}
    closed = allocation.round_last_closed(at=clock.now())
    if allocation.round_due_for_freeze(round_date=closed):
        try:
            frozen = allocation.round_freeze(
                actor=actor, round_date=closed, beacon_source=beacon_source
            )
            done["frozen"].append(str(frozen.round_date))
        except Conflict:
            pass  # another worker froze it first
    for round_date in Round.objects.filter(status=RoundStatus.SEEDED).values_list(
        "round_date", flat=True
    ):
        try:
            done["drawn"].append(str(round_draw(actor=actor, round_date=round_date).round_date))
        except Conflict:
            pass  # drawn meanwhile by another worker
    # Answers a draw left to its task (if the task was lost): recent drawn rounds only.
    recent = Round.objects.filter(
        status=RoundStatus.DRAWN, round_date__gte=closed - dt.timedelta(days=7)
    )
    for round_date in recent.values_list("round_date", flat=True):
        allocation.round_answer_requests(actor=actor, round_date=round_date)
    return done


def _release_places(
    *, actor: User | None, appointment: Appointment, now: dt.datetime
) -> list[Appointment]:
    """Give an expired or cancelled appointment's places to the standby list, in published order."""
    if (
        appointment.service_date < clock.today_in(appointment.port.time_zone)
        or appointment.slot_starts_at <= now
    ):
        return []  # the day has come: nobody could travel in time
    promoted = list(
        allocation.standby_promote(
            actor=actor,
            port=appointment.port,
            service_date=appointment.service_date,
            free_people=appointment.group_size,
        )
    )
    if not promoted:
        return []
    promoted = list(
        RoundSelection.objects.filter(
            pk__in=[s.pk for s in promoted], appointment__isnull=True
        ).select_related("port", "request")
    )
    created = _offer(
        selections=promoted, now=now, slot=(appointment.slot_starts_at, appointment.slot_ends_at)
    )
    audit_record(
        actor=actor,
        action="appointments.places.release",
        target=appointment,
        data={
            "freed_people": appointment.group_size,
            "offered": [a.pk for a in created],
        },
    )
    return created


# Confirmation ---------------------------------------------------------------------------------


def _check_photo(content: bytes) -> tuple[str, bytes]:
    """The photo's type and what to store: the image re-encoded (no metadata, nothing
    appended), refused above the pixel limit."""

    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed(message, errors={"photo": [message]})

    if not content:
        raise refuse(_("No photo was received. Take the photo with the camera and try again."))
    if len(content) > settings.PORTLINE_MAX_UPLOAD_BYTES:
        raise refuse(_("The photo is too large."))
    content_type = detect_content_type(content[:16])
    if content_type not in PHOTO_TYPES:
        raise refuse(_("The photo must be a JPEG or PNG image taken with the camera."))
    try:
        image = image_reencode(content, content_type=content_type, field="photo")
    except ImageTooLarge:
        raise
    except ValidationFailed as exc:
        raise refuse(_("The photo is damaged or incomplete. Take it again.")) from exc
    if min(image.width, image.height) < PHOTO_MIN_SIDE:
        raise refuse(_("The photo is too small. Take it again with the camera."))
    return content_type, image.content


def _check_location(
    latitude: Any, longitude: Any, accuracy_m: Any
) -> tuple[float, float, float | None]:
    def refuse(message: str) -> ValidationFailed:
        return ValidationFailed(message, errors={"location": [message]})

    try:
        lat, lon = float(latitude), float(longitude)
        accuracy = float(accuracy_m) if accuracy_m not in (None, "") else None
    except (TypeError, ValueError) as exc:
        raise refuse(_("Your location is needed. Allow location access and try again.")) from exc
    if not (-90 <= lat <= 90 and -180 <= lon <= 180):
        raise refuse(_("These coordinates are not on Earth."))
    if accuracy is not None and (accuracy < 0 or accuracy > MAX_LOCATION_ACCURACY_M):
        raise refuse(
            _("Your location is not precise enough. Turn on location services (GPS) and try again.")
        )
    return lat, lon, accuracy


def _location_check(
    *,
    actor: User,
    registration: Registration,
    person: Person,
    latitude: float,
    longitude: float,
    accuracy_m: float | None,
) -> str:
    """Check the point against the service area for this member; returns the check's id.

    The geofence stores every check in its own transaction (kept even when it refuses), so
    this runs before the confirmation's transaction. Its refusals (outside the service area,
    imprecise) propagate as ApplicationError; "no service area configured" does not block a
    confirmation (the location is recorded here in any case)."""
    try:
        check = location_check_record(
            actor=actor,
            registration=registration,
            latitude=latitude,
            longitude=longitude,
            accuracy_m=accuracy_m,
            purpose=CheckPurpose.CONFIRMATION,
            person=person,
        )
    except ApplicationError as exc:
        if exc.code == "no_service_area":
            return ""
        raise
    return str(check.pk)


def appointment_person_confirm(
    *,
    actor: User,
    appointment: Appointment,
    person: Person,
    photo: bytes,
    latitude: Any,
    longitude: Any,
    accuracy_m: Any = None,
) -> PersonConfirmation:
    """One group member confirms: a live photo and a fresh location. When the last member has
    confirmed, the appointment is confirmed."""
    if actor.role not in (Role.APPLICANT, Role.PARTNER_STAFF):
        raise PermissionDenied(
            _("Only the applicant or their partner organization can confirm an appointment.")
        )
    if person.registration_id != appointment.registration_id:
        raise ValidationFailed(
            _("That person is not in this group."),
            errors={"person": [_("That person is not in this group.")]},
        )
    content_type, photo = _check_photo(photo)
    lat, lon, accuracy = _check_location(latitude, longitude, accuracy_m)
    current = Appointment.objects.filter(pk=appointment.pk).values_list("status", flat=True).first()
    if current == AppointmentStatus.CONFIRMED:
        raise Conflict(_("This appointment is already confirmed."), code="already_confirmed")
    if current != AppointmentStatus.OFFERED:
        raise Conflict(_("This appointment can no longer be confirmed."), code="not_offered")
    check_id = _location_check(
        actor=actor,
        registration=appointment.registration,
        person=person,
        latitude=lat,
        longitude=lon,
        accuracy_m=accuracy,
    )
    now = clock.now()
    sha256 = hashlib.sha256(photo).hexdigest()
    with transaction.atomic():
        locked = (
            Appointment.objects.select_for_update()
            .select_related("port", "registration")
            .get(pk=appointment.pk)
        )
        if locked.status == AppointmentStatus.CONFIRMED:
            raise Conflict(_("This appointment is already confirmed."), code="already_confirmed")
        if locked.status != AppointmentStatus.OFFERED:
            raise Conflict(_("This appointment can no longer be confirmed."), code="not_offered")
        if now >= locked.confirm_by:
            raise ApplicationError(
                _("The time to confirm has passed. You can request an appointment again."),
                code="deadline_passed",
            )
        if locked.confirmations.filter(person=person).exists():
            raise Conflict(_("This person has already confirmed."), code="person_already_confirmed")
        confirmation = PersonConfirmation(
            appointment=locked,
            person=person,
            photo_content_type=content_type,
            photo_size=len(photo),
            photo_sha256=sha256,
            latitude=lat,
            longitude=lon,
            accuracy_m=accuracy,
            location_check_id=check_id,
            confirmed_by=actor,
            confirmed_at=now,
        )
        confirmation.photo.save("photo", ContentFile(photo), save=False)
        name, storage = confirmation.photo.name, confirmation.photo.storage
        try:
            confirmation.save()
            audit_record(
                actor=actor,
                action="appointments.person.confirm",
                target=locked,
                data={
                    "position": person.position,
                    "photo_sha256": sha256,
                    "location_check": check_id,
                    "accuracy_m": accuracy,
                },
            )
            people = set(locked.registration.people.values_list("pk", flat=True))
            done = set(locked.confirmations.values_list("person_id", flat=True))
            if people <= done:
                locked.status = AppointmentStatus.CONFIRMED
                locked.confirmed_at = now
                locked.save(update_fields=["status", "confirmed_at"])
                audit_record(
                    actor=actor,
                    action="appointments.appointment.confirm",
                    target=locked,
                    data={"people": len(done)},
                )
                _enqueue_notify([locked.pk], "confirmed")
        except Exception:
            storage.delete(name)
            raise
    appointment.status, appointment.confirmed_at = locked.status, locked.confirmed_at
    return confirmation


# Expiry and cancellation -------------------------------------------------------------------------


def appointment_expire(*, actor: Any, appointment_id: int, now: dt.datetime | None = None) -> bool:
    """Expire one overdue offered appointment and release its places. False if nothing to do."""
    now = now or clock.now()
    with transaction.atomic():
        locked = (
            Appointment.objects.select_for_update()
            .select_related("port")
            .filter(pk=appointment_id)
            .first()
        )
        if locked is None or locked.status != AppointmentStatus.OFFERED or locked.confirm_by > now:
            return False
        locked.status = AppointmentStatus.EXPIRED
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at"])
        audit_record(
            actor=actor,
            action="appointments.appointment.expire",
            target=locked,
            data={
                "confirmed_people": locked.confirmations.count(),
                "group_size": locked.group_size,
            },
        )
        _enqueue_notify([locked.pk], "expired")
        _release_places(actor=actor, appointment=locked, now=now)
    return True


def appointments_expire_due(
    *, actor: Any = None, now: dt.datetime | None = None, dry_run: bool = False
) -> list[int]:
    """Expire every offered appointment whose deadline has passed. Idempotent: running it twice
    (the task and the command, or two workers) expires each appointment once."""
    now = now or clock.now()
    due = list(
        Appointment.objects.filter(status=AppointmentStatus.OFFERED, confirm_by__lte=now)
        .order_by("confirm_by", "id")
        .values_list("pk", flat=True)
    )
    if dry_run:
        return due
    return [pk for pk in due if appointment_expire(actor=actor, appointment_id=pk, now=now)]


def appointment_cancel(*, actor: User, appointment: Appointment) -> Appointment:
    """The applicant gives the appointment up; its places go to the standby list. No penalty."""
    if actor.role not in (Role.APPLICANT, Role.PARTNER_STAFF):
        raise PermissionDenied(
            _("Only the applicant or their partner organization can cancel an appointment.")
        )
    now = clock.now()
    with transaction.atomic():
        locked = (
            Appointment.objects.select_for_update().select_related("port").get(pk=appointment.pk)
        )
        if locked.status not in (AppointmentStatus.OFFERED, AppointmentStatus.CONFIRMED):
            raise Conflict(_("This appointment is no longer active."), code="not_active")
        locked.status = AppointmentStatus.CANCELLED
        locked.closed_at = now
        locked.save(update_fields=["status", "closed_at"])
        audit_record(actor=actor, action="appointments.appointment.cancel", target=locked)
        _enqueue_notify([locked.pk], "cancelled")
        _release_places(actor=actor, appointment=locked, now=now)
    return locked


# Third-party verification -----------------------------------------------------------------------


def verification_rate_limited(*, client: str) -> bool:
    """Count one attempt for `client` (an IP address); True when over the limit in this window.

    Fixed windows in the cache (per process with the default local-memory cache; use a shared
    cache in production so the limit holds across workers)."""
    limit = settings.PORTLINE_VERIFY_LIMIT
    window = settings.PORTLINE_VERIFY_WINDOW_SECONDS
    bucket = int(clock.now().timestamp()) // window
    key = "appointments:verify:" + hashlib.sha256(f"{client}|{bucket}".encode()).hexdigest()[:32]
    if cache.add(key, 1, timeout=window + 5):
        count = 1
    else:
        try:
            count = cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.add(key, 1, timeout=window + 5)
            count = 1
    return count > limit


def appointment_verify_third_party(
    *, actor: Any, confirmation_number: str, date_of_birth: dt.date, client: str = ""
) -> bool:
    """Yes/no: does someone born on `date_of_birth` hold a confirmed, current appointment with
    this number? Nothing else is revealed. Audited with keyed hashes only (no personal data)."""
    number = confirmation_number_normalise(confirmation_number)
    appointment = (
        Appointment.objects.select_related("port").filter(confirmation_number=number).first()
        if number
        else None
    )
    valid = bool(
        appointment is not None
        and appointment.status == AppointmentStatus.CONFIRMED
        and clock.today_in(appointment.port.time_zone) <= appointment.service_date
        and appointment.registration.people.filter(date_of_birth=date_of_birth).exists()
    )
    query_hash = salted_hmac(
        "portline.appointments.verify", f"{number}|{date_of_birth.isoformat()}", algorithm="sha256"
    ).hexdigest()
    client_hash = (
        salted_hmac("portline.appointments.verify.client", client, algorithm="sha256").hexdigest()[
            :16
        ]
        if client
        else ""
    )
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="appointments.verification.check",
            data={
                "query_hash": query_hash,
                "client_hash": client_hash,
                "valid": valid,
            },
        )
    return valid
