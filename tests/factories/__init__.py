"""factory_boy factories. `tests/test_factories.py` proves that each one builds."""

from __future__ import annotations

import datetime as dt
import io

import factory
from django_otp.plugins.otp_totp.models import TOTPDevice

from portline.accounts.models import Role, User
from portline.partners.models import PartnerOrganization
from portline.registrations.models import EvidenceKind, Person, Registration
from portline.scheduling.models import Port

PASSWORD = "correct-horse-battery-staple"


def png_bytes(colour=(200, 30, 30), size=(32, 32)) -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", size, colour).save(buffer, format="PNG")
    return buffer.getvalue()


def jpeg_bytes() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), (10, 120, 40)).save(buffer, format="JPEG")
    return buffer.getvalue()


PDF_BYTES = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


class PartnerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PartnerOrganization

    name = factory.Sequence(lambda n: f"Shelter {n}")
    kind = "shelter"
    city = "Tijuana"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    login = factory.Sequence(lambda n: f"user{n}@example.org")
    email = factory.SelfAttribute("login")
    role = Role.APPLICANT
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def totp(self, create, extracted, **kwargs):
        if create and extracted is not False:
            TOTPDevice.objects.create(user=self, name="test", confirmed=True)
        if create:
            self.save()

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        role = kwargs.get("role")
        if role in (Role.PARTNER_STAFF, Role.PARTNER_ADMIN) and not kwargs.get("partner"):
            kwargs["partner"] = PartnerFactory()
        if role in (Role.OFFICER, Role.SUPERVISOR) and not kwargs.get("port"):
            kwargs["port"] = Port.objects.get(code="SYS")
        if role == Role.PROGRAM_ADMIN:
            kwargs.setdefault("is_staff", True)
        return kwargs


class RegistrationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Registration
        skip_postgeneration_save = True

    reference = factory.Sequence(lambda n: f"TST{n:07d}")
    owner = factory.SubFactory(UserFactory)
    created_by = factory.SelfAttribute("owner")
    basis = "safety"
    us_address_line1 = "1200 Main St"
    us_city = "Houston"
    us_state = "TX"
    us_zip = "77002"

    @factory.post_generation
    def consent(self, create, extracted, **kwargs):
        """A registration a partner organization acts for carries the person's consent
        (pass consent=False for one without, as a refused entry would be)."""
        if create and self.partner_id and extracted is not False:
            consent_record_for(self)


# A consent as partner staff record it (registrations.services.consent_clean).
CONSENT = {"consent_language": "es", "consent_medium": "paper", "consent_given_on": "2026-01-05"}


def consent_record_for(registration, *, recorded_by=None):
    import datetime as dt

    from portline.registrations.models import PartnerConsent

    return PartnerConsent.objects.create(
        registration=registration,
        partner_id=registration.partner_id,
        statement="I agree.",
        language="es",
        medium="paper",
        given_on=dt.date(2026, 1, 5),
        recorded_by=recorded_by or registration.created_by,
    )


class PersonFactory(factory.django.DjangoModelFactory):
    """A person with every field needed to submit."""

    class Meta:
        model = Person

    registration = factory.SubFactory(RegistrationFactory)
    position = factory.Sequence(lambda n: n % 10 + 1)
    given_names = "María José"
    family_names = "García López"
    date_of_birth = dt.date(1990, 5, 17)
    city_of_birth = "Tegucigalpa"
    country_of_birth = "HN"
    nationality = "HN"
    country_of_residence = "MX"
    gender = "female"
    preferred_language = "es"
    phone = "+525512345678"
    foreign_address = "Calle 5 de Mayo 12, Tijuana, BC"
    travel_history = "HN → GT → MX (2024)"
    height_cm = 160
    weight_kg = 60
    eye_colour = "brown"


def complete_person_data(**overrides) -> dict:
    data = {name: PersonFactory._meta.declarations[name] for name in Person.REQUIRED_TO_SUBMIT} | {
        "phone": "+525512345678"
    }
    data.update(overrides)
    return data


PHOTO = EvidenceKind.PHOTO
