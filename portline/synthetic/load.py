"""Load the demo: one account per role (printed by `portline demo load`) and a synthetic
population of submitted registrations with small generated photographs."""

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
    EvidenceDocument,
    EvidenceKind,
    Person,
    Registration,
    RegistrationStatus,
)
from portline.scheduling.models import Port
from portline.scheduling.selectors import program_settings_get
from portline.synthetic import names
from portline.synthetic.generator import iter_registrations

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
        user = User(login=login, email=login, role=role, partner=partner, port=port, display_name=f"Demo {slug}")
        user.is_staff = role == Role.PROGRAM_ADMIN
        user.set_password(password)
        user.save()
        audit_record(actor=None, action="accounts.user.create", target=user, data={"role": role, "demo": True})
    key = demo_totp_key(login)
    TOTPDevice.objects.update_or_create(user=user, name="demo authenticator", defaults={"key": key, "confirmed": True})
    return DemoLogin(role=role, login=login, password=password, totp_secret=_base32(key))


def demo_load(*, seed: int = 2023, registrations: int = 200, today: dt.date | None = None) -> tuple[list[DemoLogin], int]:
    """Idempotent for accounts; adds the population only once. Returns (logins, people created)."""
    today = today or clock.now().date()
    with transaction.atomic():
        program = program_settings_get()
        program.request_window_opens = dt.time(0, 0)
        program.request_window_closes = dt.time(23, 59)
        program.save()
        audit_record(actor=None, action="scheduling.program_settings.update", target=program, data={"demo": "request window open all day"})
        partners = []
        for name, kind, city in names.PARTNERS:
            partner, _ = PartnerOrganization.objects.get_or_create(name=name, defaults={"kind": kind, "city": city})
            partners.append(partner)
        port = Port.objects.get(code="SYS")
        logins = [
            _demo_user(Role.APPLICANT, "applicant"),
            _demo_user(Role.PARTNER_STAFF, "partner", partner=partners[0]),
            _demo_user(Role.OFFICER, "officer", port=port),
            _demo_user(Role.SUPERVISOR, "supervisor", port=port),
            _demo_user(Role.PROGRAM_ADMIN, "admin"),
            _demo_user(Role.ANALYST, "analyst"),
        ]
        created = 0
        if not Registration.objects.filter(reference__startswith="DEMO").exists():
            created = _population(seed=seed, count=registrations, today=today, partners=partners, logins=logins)
            audit_record(actor=None, action="synthetic.population.load", data={"seed": seed, "registrations": registrations, "people": created})
    return logins, created


def _population(*, seed: int, count: int, today: dt.date, partners, logins: list[DemoLogin]) -> int:
    applicant = User.objects.get(login=logins[0].login)
    partner_user = User.objects.get(login=logins[1].login)
    people_rows: list[Person] = []
    regs: list[Registration] = []
    specs = list(iter_registrations(seed=seed, count=count, today=today, partner_count=len(partners)))
    # Applicants without a partner get their own (password-less) synthetic account.
    owners = [
        User(login=f"person{spec.index:06d}@synthetic.{DEMO_DOMAIN}", role=Role.APPLICANT, password="!")  # noqa: S106 - "!" is Django's unusable-password marker
        for spec in specs if spec.index and spec.partner_index is None
    ]
    User.objects.bulk_create(owners, batch_size=500)
    owner_by_login = {u.login: u for u in User.objects.filter(login__endswith=f"@synthetic.{DEMO_DOMAIN}")}
    for spec in specs:
        submitted = dt.datetime.combine(spec.registered_on, dt.time(15, 0), tzinfo=dt.UTC)
        if spec.index == 0:
            owner, creator, partner = applicant, applicant, None
        elif spec.partner_index is not None:
            owner, creator, partner = None, partner_user, partner_user.partner
        else:
            owner = owner_by_login[f"person{spec.index:06d}@synthetic.{DEMO_DOMAIN}"]
            creator, partner = owner, None
        regs.append(Registration(
            reference=f"DEMO{spec.index:06d}", owner=owner, created_by=creator, partner=partner,
            status=RegistrationStatus.SUBMITTED, basis=spec.basis, us_address_line1=spec.us_address_line1,
            us_city=spec.us_city, us_state=spec.us_state, us_zip=spec.us_zip,
            created_at=submitted, updated_at=submitted, submitted_at=submitted,
        ))
    Registration.objects.bulk_create(regs, batch_size=500)
    by_ref = {r.reference: r for r in Registration.objects.filter(reference__startswith="DEMO")}
    for spec in specs:
        registration = by_ref[f"DEMO{spec.index:06d}"]
        for position, p in enumerate(spec.people, start=1):
            people_rows.append(Person(registration=registration, position=position, **p.__dict__))
    Person.objects.bulk_create(people_rows, batch_size=1000)
    documents = []
    for person in Person.objects.filter(registration__reference__startswith="DEMO").select_related("registration"):
        content = _png(person.pk)
        document = EvidenceDocument(
            registration=person.registration, person=person, kind=EvidenceKind.PHOTO, content_type="image/png",
            size=len(content), sha256=hashlib.sha256(content).hexdigest(), original_name="photo.png",
            uploaded_by=person.registration.created_by,
        )
        document.file.save("photo.png", ContentFile(content), save=False)
        documents.append(document)
    EvidenceDocument.objects.bulk_create(documents, batch_size=1000)
    return len(people_rows)
