"""Load the demo: one account per role (printed by `portline demo load`), a synthetic
population of submitted registrations with small generated photographs, and a whole
allocation cycle run through the real services (see `demo_cycle` and docs/demo.md)."""

from __future__ import annotations

import binascii
import datetime as dt
import hashlib
import io
from dataclasses import dataclass

from django.core.files.base import ContentFile
from django.db import transaction
from django_otp.plugins.otp_totp.models import TOTPDevice

from portline.accounts.models import Role, User
from portline.audit.services import audit_record
from portline.common import clock
from portline.partners.models import PartnerOrganization
from portline.registrations.models import (
    CONSENT_STATEMENT_VERSION,
    ConsentMedium,
    EvidenceDocument,
    EvidenceKind,
    PartnerConsent,
    Person,
    Registration,
    RegistrationStatus,
)
from portline.registrations.services import consent_statement
from portline.scheduling.models import Port
from portline.scheduling.selectors import program_settings_get
from portline.synthetic import names
from portline.synthetic.generator import iter_registrations
from portline.transport.services import routes_load_defaults

DEMO_DOMAIN = "demo.portline.test"


@dataclass(frozen=True)
class DemoLogin:
    role: str
    login: str
    password: str
    totp_secret: str  # base32, for an authenticator app


def demo_totp_key(login: str) -> str:
    """A fixed (public) TOTP key per demo login: demo accounts are not secret by design."""
    return hashlib.sha256(f"portline-demo:{login}".encode()).hexdigest()[:40]


def _base32(hex_key: str) -> str:
    import base64

    return base64.b32encode(binascii.unhexlify(hex_key)).decode().rstrip("=")


def _png(seed: int) -> bytes:
    from PIL import Image

    colour = ((seed * 67) % 256, (seed * 131) % 256, (seed * 29) % 256)
    buffer = io.BytesIO()
    Image.new("RGB", (48, 64), colour).save(buffer, format="PNG")
    return buffer.getvalue()


def _demo_user(role: str, slug: str, partner=None, port=None) -> DemoLogin:
    login = f"{slug}@{DEMO_DOMAIN}"
    password = f"demo-{slug}-portline"
    user = User.objects.filter(login=login).first()
    if user is None:
        user = User(
            login=login,
            email=login,
            role=role,
            partner=partner,
            port=port,
            display_name=f"Demo {slug}",
        )
        user.is_staff = role == Role.PROGRAM_ADMIN
        user.set_password(password)
        user.save()
        audit_record(
            actor=None,
            action="accounts.user.create",
            target=user,
            data={"role": role, "demo": True},
        )
    key = demo_totp_key(login)
    TOTPDevice.objects.update_or_create(
        user=user, name="demo authenticator", defaults={"key": key, "confirmed": True}
    )
    return DemoLogin(role=role, login=login, password=password, totp_secret=_base32(key))


def demo_load(
    *,
    seed: int = 2023,
    registrations: int = 200,
    today: dt.date | None = None,
    cycle: bool = True,
) -> tuple[list[DemoLogin], int, DemoCycle | None]:
    """Idempotent for accounts; adds the population and the allocation cycle only once.
    Returns (logins, people created, the cycle's summary or None when `cycle` is False)."""
    today = today or clock.now().date()
    with transaction.atomic():
        program = program_settings_get()
        if (program.request_window_opens, program.request_window_closes) != (
            dt.time(0, 0),
            dt.time(23, 59),
        ):
            program.request_window_opens = dt.time(0, 0)
            program.request_window_closes = dt.time(23, 59)
            program.save()
            audit_record(
                actor=None,
                action="scheduling.program_settings.update",
                target=program,
                data={"demo": "request window open all day"},
            )
        partners = []
        for name, kind, city in names.PARTNERS:
            partner, _ = PartnerOrganization.objects.get_or_create(
                name=name, defaults={"kind": kind, "city": city}
            )
            partners.append(partner)
        port = Port.objects.get(code="SYS")
        logins = [
            _demo_user(Role.APPLICANT, "applicant"),
            _demo_user(Role.PARTNER_STAFF, "partner", partner=partners[0]),
            _demo_user(Role.OFFICER, "officer", port=port),
            _demo_user(Role.SUPERVISOR, "supervisor", port=port),
            _demo_user(Role.PROGRAM_ADMIN, "admin"),
            _demo_user(Role.ANALYST, "analyst"),
            _demo_user(Role.OVERSIGHT, "oversight"),
            _demo_user(Role.PARTNER_ADMIN, "partner-admin", partner=partners[0]),
            _demo_user(Role.TRANSPORT_COORDINATOR, "transport"),
        ]
        routes_load_defaults(actor=None)
        created = 0
        if not Registration.objects.filter(reference__startswith="DEMO").exists():
            created = _population(
                seed=seed, count=registrations, today=today, partners=partners, logins=logins
            )
            audit_record(
                actor=None,
                action="synthetic.population.load",
                data={"seed": seed, "registrations": registrations, "people": created},
            )
    summary = demo_cycle(seed=seed, logins=logins) if cycle else None
    if cycle:
        demo_watchlist()
    return logins, created, summary


DEMO_WATCHLIST = "Demo watchlist (synthetic)"


def demo_watchlist() -> int:
    """A small synthetic watchlist whose entries fall on three people arriving today at San
    Ysidro (written as lists write names: surname first, without accents), beside entries
    that match nobody. Checking those arrivals in screens them: the officer sees the hits,
    the supervisor adjudicates them, and a decision waits until they have ("adjudicate
    first"). Imported through the real importer; loading again changes nothing. Returns the
    number of entries."""
    from anyascii import anyascii

    from portline.appointments.models import Appointment, AppointmentStatus
    from portline.screening.importer import ParsedList, check_row
    from portline.screening.services import watchlist_import

    port = Port.objects.get(code="SYS")
    today = clock.today_in(port.time_zone)
    arrivals = (
        Appointment.objects.filter(
            port=port, service_date=today, status=AppointmentStatus.CONFIRMED
        )
        .select_related("registration")
        .order_by("slot_starts_at", "pk")[:3]
    )
    rows = []
    for number, appointment in enumerate(arrivals, start=1):
        person = appointment.registration.people.order_by("position").first()
        if person is None:
            continue
        rows.append(
            {
                "name": anyascii(f"{person.family_names} {person.given_names}").upper(),
                "dates_of_birth": [person.date_of_birth.isoformat()]
                if person.date_of_birth
                else [],
                "nationalities": [person.nationality] if person.nationality else [],
                "reason": "Synthetic demo entry: not a real person.",
                "external_id": f"DEMO-{number:03d}",
            }
        )
    for number, (name, born) in enumerate(names.DEMO_WATCHLIST_OTHERS, start=len(rows) + 1):
        rows.append(
            {
                "name": name,
                "dates_of_birth": [born],
                "reason": "Synthetic demo entry: not a real person.",
                "external_id": f"DEMO-{number:03d}",
            }
        )
    parsed = ParsedList()
    for raw in rows:
        row, problems = check_row(raw, today=today)
        if problems or row is None:  # the generator's own data: a problem is a bug here
            raise ValueError(f"demo watchlist entry {raw['external_id']}: {problems}")
        parsed.rows.append(row)
    watchlist_import(actor=None, name=DEMO_WATCHLIST, parsed=parsed, source="synthetic demo")
    return len(rows)


def _population(*, seed: int, count: int, today: dt.date, partners, logins: list[DemoLogin]) -> int:
    applicant = User.objects.get(login=logins[0].login)
    partner_user = User.objects.get(login=logins[1].login)
    people_rows: list[Person] = []
    regs: list[Registration] = []
    specs = list(
        iter_registrations(seed=seed, count=count, today=today, partner_count=len(partners))
    )
    # Applicants without a partner get their own (password-less) synthetic account.
    owners = [
        User(
            login=f"person{spec.index:06d}@synthetic.{DEMO_DOMAIN}",
            role=Role.APPLICANT,
            password="!",  # noqa: S106 - "!" is Django's unusable-password marker
        )
        for spec in specs
        if spec.index and spec.partner_index is None
    ]
    User.objects.bulk_create(owners, batch_size=500)
    owner_by_login = {
        u.login: u for u in User.objects.filter(login__endswith=f"@synthetic.{DEMO_DOMAIN}")
    }
    # The demo applicant (index 0) is given the longest wait, so the reserved share of the
    # draw (longest-waiting first) selects their request and they have a won appointment.
    earliest = min(spec.registered_on for spec in specs) - dt.timedelta(days=1)
    for spec in specs:
        registered_on = earliest if spec.index == 0 else spec.registered_on
        submitted = dt.datetime.combine(registered_on, dt.time(15, 0), tzinfo=dt.UTC)
        if spec.index == 0:
            owner, creator, partner = applicant, applicant, None
        elif spec.partner_index is not None:
            owner, creator, partner = None, partner_user, partner_user.partner
        else:
            owner = owner_by_login[f"person{spec.index:06d}@synthetic.{DEMO_DOMAIN}"]
            creator, partner = owner, None
        regs.append(
            Registration(
                reference=f"DEMO{spec.index:06d}",
                owner=owner,
                created_by=creator,
                partner=partner,
                status=RegistrationStatus.SUBMITTED,
                basis=spec.basis,
                us_address_line1=spec.us_address_line1,
                us_city=spec.us_city,
                us_state=spec.us_state,
                us_zip=spec.us_zip,
                created_at=submitted,
                updated_at=submitted,
                submitted_at=submitted,
            )
        )
    Registration.objects.bulk_create(regs, batch_size=500)
    by_ref = {r.reference: r for r in Registration.objects.filter(reference__startswith="DEMO")}
    for spec in specs:
        registration = by_ref[f"DEMO{spec.index:06d}"]
        for position, p in enumerate(spec.people, start=1):
            people_rows.append(Person(registration=registration, position=position, **p.__dict__))
    Person.objects.bulk_create(people_rows, batch_size=1000)
    # The demo organization acts for its people with their consent (recorded on paper, in
    # Spanish, the day they registered), as every partner entry must.
    statement = consent_statement("es")
    PartnerConsent.objects.bulk_create(
        [
            PartnerConsent(
                registration=r,
                partner_id=r.partner_id,
                statement=statement,
                statement_version=CONSENT_STATEMENT_VERSION,
                language="es",
                medium=ConsentMedium.PAPER,
                given_on=r.created_at.date(),
                recorded_by=partner_user,
                recorded_at=r.created_at,
            )
            for r in by_ref.values()
            if r.partner_id
        ],
        batch_size=1000,
    )
    documents = []
    for person in Person.objects.filter(registration__reference__startswith="DEMO").select_related(
        "registration"
    ):
        content = _png(person.pk)
        document = EvidenceDocument(
            registration=person.registration,
            person=person,
            kind=EvidenceKind.PHOTO,
            content_type="image/png",
            size=len(content),
            sha256=hashlib.sha256(content).hexdigest(),
            original_name="photo.png",
            uploaded_by=person.registration.created_by,
        )
        document.file.save("photo.png", ContentFile(content), save=False)
        documents.append(document)
    EvidenceDocument.objects.bulk_create(documents, batch_size=1000)
    return len(people_rows)


# The allocation cycle ---------------------------------------------------------------------------
#
# Everything below goes through the real services: `request_submit` (with the geofence check),
# `round_freeze`, `round_beacon_set` (a LOCAL beacon value, marked as such wherever the round is
# shown), `round_draw` (which offers the appointments), `round_answer_requests` and
# `appointment_person_confirm` (photo and location per person). Past days are replayed with
# `clock.frozen(at)`; nothing is written by hand.

# Where people wait (names.WAITING_CITIES): a point a few kilometres south of the centre (inside
# the service area, clear of the border band) and the ports asked for (first, second choice).
WAITING_POINTS = {
    "Tijuana": ((32.5149, -117.0382), ("SYS", "CXL")),
    "Mexicali": ((32.6245, -115.4523), ("CXL", "SYS")),
    "Nogales": ((31.3000, -110.9400), ("NOG", "ELP")),
    "Ciudad Juárez": ((31.6904, -106.4245), ("ELP", "NOG")),
    "Piedras Negras": ((28.6900, -100.5400), ("EGP", "LRD")),
    "Nuevo Laredo": ((27.4760, -99.5160), ("LRD", "EGP")),
    "Reynosa": ((26.0800, -98.2900), ("HID", "BRO")),
    "Matamoros": ((25.8690, -97.5027), ("BRO", "HID")),
    "Monterrey": ((25.6866, -100.3161), ("LRD", "HID")),
    "Ciudad de México": ((19.4326, -99.1332), ("SYS", "ELP")),
}
LEFT_OFFERED_EVERY = 6  # in the recent drawn round, every 6th offer is left awaiting confirmation


@dataclass(frozen=True)
class DemoCycle:
    rounds: list[tuple[dt.date, str, str]]  # (round date, status, beacon source)
    requests: int
    appointments: int
    confirmed: int
    offered: int
    created: bool  # False: the cycle was already there (nothing new written)


def demo_cycle_dates(now: dt.datetime | None = None) -> dict[str, dt.date]:
    """Round dates chosen so the drawn rounds' service dates are today and tomorrow at San
    Ysidro (the demo officer's port), and the waiting round is yesterday's closed window."""
    program = program_settings_get()
    sys_port = Port.objects.get(code="SYS")
    now = now or clock.now()
    from zoneinfo import ZoneInfo

    today_port = now.astimezone(ZoneInfo(sys_port.time_zone)).date()
    today_window = now.astimezone(ZoneInfo(program.window_time_zone)).date()
    ahead = dt.timedelta(days=program.service_days_ahead)
    return {
        "today": today_port - ahead,  # drawn 2 weeks ago, everyone confirmed: arrivals today
        "tomorrow": today_port - ahead + dt.timedelta(days=1),  # drawn now: some still to confirm
        "waiting": today_window - dt.timedelta(days=1),  # frozen, waiting for its drand beacon
    }


def _at(day: dt.date, time: dt.time, tz_name: str) -> dt.datetime:
    from zoneinfo import ZoneInfo

    return dt.datetime.combine(day, time, tzinfo=ZoneInfo(tz_name))


def _photo(seed: int) -> bytes:
    """A small generated "live photo" (the confirmation needs at least 64 px a side)."""
    from PIL import Image, ImageDraw

    image = Image.new("RGB", (72, 96), ((seed * 53) % 256, (seed * 97) % 256, (seed * 17) % 256))
    ImageDraw.Draw(image).ellipse((18, 14, 54, 58), fill=(224, 186, 150))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _point(registration: Registration, rng) -> tuple[tuple[float, float], tuple[str, str]]:
    first = (
        registration.people.order_by("position").values_list("foreign_address", flat=True).first()
        or ""
    )
    city = next((name for name in WAITING_POINTS if f", {name}," in first), "Tijuana")
    centre, ports = WAITING_POINTS[city]
    # Seeded jitter, southward only (away from the border): no two requests share a point.
    return (
        centre[0] - float(rng.uniform(0.002, 0.02)),
        centre[1] + float(rng.uniform(-0.01, 0.01)),
    ), ports


def _requests(
    *,
    registrations: list[Registration],
    round_date: dt.date,
    ports: dict[str, Port],
    rng,
    at: dt.datetime,
    points: dict,
) -> int:
    from portline.geofence.services import request_submit

    created = 0
    with clock.frozen(at):
        for number, registration in enumerate(registrations):
            (lat, lon), (first, second) = points[registration.pk]
            actor = registration.owner or registration.created_by
            _request, new = request_submit(
                actor=actor,
                registration=registration,
                first_port=ports[first],
                second_port=ports[second] if number % 3 == 0 else None,
                idempotency_key=f"demo-{registration.reference}-{round_date.isoformat()}",
                latitude=lat,
                longitude=lon,
                accuracy_m=float(rng.uniform(8, 40)),
            )
            created += new
    return created


def _confirm(*, appointments, points: dict, skip) -> int:
    from portline.appointments.services import appointment_person_confirm

    confirmed = 0
    for number, appointment in enumerate(appointments):
        if skip(number, appointment):
            continue
        registration = appointment.registration
        actor = registration.owner or registration.created_by
        (lat, lon), _ports = points[registration.pk]
        for person in registration.people.order_by("position"):
            appointment_person_confirm(
                actor=actor,
                appointment=appointment,
                person=person,
                photo=_photo(person.pk),
                latitude=lat + 0.0004,
                longitude=lon,
                accuracy_m=15.0,
            )
        confirmed += 1
    return confirmed


def _drawn_round(
    *, round_date: dt.date, freeze_at: dt.datetime, draw_at: dt.datetime | None
) -> None:
    """Freeze with the local beacon, enter a local value, draw (offers) and answer the rest.
    `draw_at` None: beacon and draw happen now (so the offers can still be confirmed)."""
    import contextlib

    from portline.allocation.models import BeaconSource
    from portline.allocation.services import (
        round_answer_requests,
        round_beacon_set,
        round_freeze,
    )
    from portline.appointments.services import round_draw

    with clock.frozen(freeze_at):
        round_freeze(actor=None, round_date=round_date, beacon_source=BeaconSource.LOCAL)
    with clock.frozen(draw_at) if draw_at else contextlib.nullcontext():
        # A local value (demo only): deterministic, and shown as "local" on the public page.
        value = hashlib.sha256(
            f"portline-demo-local-beacon:{round_date.isoformat()}".encode()
        ).hexdigest()
        round_beacon_set(actor=None, round_date=round_date, value=value, local=True)
        round_draw(actor=None, round_date=round_date)
        round_answer_requests(actor=None, round_date=round_date)


def demo_cycle(*, seed: int = 2023, logins: list[DemoLogin] | None = None) -> DemoCycle:
    """Run one allocation cycle over the demo registrations, once (a second call writes nothing).

    - round "today": requests 14 days ago, frozen and drawn that night, every offer confirmed
      the next morning: the SYS officer sees today's confirmed arrivals;
    - round "tomorrow": requests 13 days ago, frozen that night, beacon entered and drawn now,
      offers confirmed now except every 6th and the demo applicant's (to confirm in the browser);
    - round "waiting": yesterday's requests, frozen now with the drand beacon, waiting for it.
    About 40% of registrations ask in each drawn round, 10% in the waiting one, 10% never.
    """
    from portline.allocation.models import BeaconSource, Round
    from portline.allocation.services import round_freeze
    from portline.appointments.models import Appointment, AppointmentStatus
    from portline.registrations.models import AppointmentRequest

    demo_requests = AppointmentRequest.objects.filter(registration__reference__startswith="DEMO")
    if (
        Round.objects.exists()
        or not Registration.objects.filter(reference__startswith="DEMO").exists()
    ):
        return _summary(created=False)
    import numpy as np

    rng = np.random.default_rng(seed)
    program = program_settings_get()
    tz = program.window_time_zone
    dates = demo_cycle_dates()
    ports = {p.code: p for p in Port.objects.filter(active=True)}
    applicant_login = logins[0].login if logins else f"applicant@{DEMO_DOMAIN}"
    registrations = list(
        Registration.objects.filter(
            reference__startswith="DEMO", status=RegistrationStatus.SUBMITTED
        )
        .select_related("owner", "created_by")
        .order_by("reference")
    )
    points = {r.pk: _point(r, rng) for r in registrations}
    groups: dict[str, list[Registration]] = {"today": [], "tomorrow": [], "waiting": []}
    for number, registration in enumerate(registrations):
        if registration.owner is not None and registration.owner.login == applicant_login:
            groups["tomorrow"].append(registration)  # their offer is still open to confirm
        elif number % 10 < 4:
            groups["today"].append(registration)
        elif number % 10 < 8:
            groups["tomorrow"].append(registration)
        elif number % 10 == 8:
            groups["waiting"].append(registration)
    for key in ("today", "tomorrow", "waiting"):
        day = dates[key]
        _requests(
            registrations=groups[key],
            round_date=day,
            ports=ports,
            rng=rng,
            at=_at(day, dt.time(15, 0), tz),
            points=points,
        )

    # Round "today": the whole cycle two weeks ago.
    day = dates["today"]
    night = _at(day + dt.timedelta(days=1), dt.time(0, 10), tz)
    _drawn_round(round_date=day, freeze_at=night, draw_at=night + dt.timedelta(minutes=5))
    offered = Appointment.objects.filter(
        selection__round__round_date=day, status=AppointmentStatus.OFFERED
    )
    with clock.frozen(_at(day + dt.timedelta(days=1), dt.time(9, 0), tz)):
        _confirm(
            appointments=list(
                offered.select_related("registration__owner", "registration__created_by").order_by(
                    "pk"
                )
            ),
            points=points,
            skip=lambda n, a: False,
        )

    # Round "tomorrow": frozen the night after its window, drawn now.
    day = dates["tomorrow"]
    _drawn_round(
        round_date=day, freeze_at=_at(day + dt.timedelta(days=1), dt.time(0, 10), tz), draw_at=None
    )
    offered = Appointment.objects.filter(
        selection__round__round_date=day, status=AppointmentStatus.OFFERED
    )

    def leave_offered(number: int, appointment) -> bool:
        owner = appointment.registration.owner
        return number % LEFT_OFFERED_EVERY == LEFT_OFFERED_EVERY - 1 or (
            owner is not None and owner.login == applicant_login
        )

    _confirm(
        appointments=list(
            offered.select_related("registration__owner", "registration__created_by").order_by("pk")
        ),
        points=points,
        skip=leave_offered,
    )

    # Round "waiting": yesterday's window, frozen now, waiting for its drand beacon.
    if demo_requests.filter(round_date=dates["waiting"]).exists():
        round_freeze(actor=None, round_date=dates["waiting"], beacon_source=BeaconSource.DRAND)
    return _summary(created=True)


def _summary(*, created: bool) -> DemoCycle:
    from portline.allocation.models import Round
    from portline.appointments.models import Appointment, AppointmentStatus
    from portline.registrations.models import AppointmentRequest

    appointments = Appointment.objects.filter(registration__reference__startswith="DEMO")
    return DemoCycle(
        rounds=list(
            Round.objects.order_by("round_date").values_list(
                "round_date", "status", "beacon_source"
            )
        ),
        requests=AppointmentRequest.objects.filter(
            registration__reference__startswith="DEMO"
        ).count(),
        appointments=appointments.count(),
        confirmed=appointments.filter(status=AppointmentStatus.CONFIRMED).count(),
        offered=appointments.filter(status=AppointmentStatus.OFFERED).count(),
        created=created,
    )
