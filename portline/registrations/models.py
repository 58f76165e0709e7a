"""A registration: one person or a group of up to ten travelling together, one unit.

The group has one US destination address; each person has the advance information listed
in DOMAIN.md. Evidence files live outside the web root. An appointment request asks for a
place in one day's allocation round.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portline.common import clock
from portline.common.fields import EncryptedCharField, EncryptedTextField
from portline.common.validators import (
    validate_birth_date,
    validate_country,
    validate_person_language,
    validate_phone,
    validate_us_state,
    validate_us_zip,
)

MAX_GROUP_SIZE = 10


class RegistrationStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class RequestBasis(models.TextChoices):
    SAFETY = "safety", _("Danger to life or safety")
    MEDICAL = "medical", _("Medical need")
    FAMILY = "family", _("Family unity")
    OTHER = "other", _("Other")


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    OTHER = "other", _("Another gender")
    UNSPECIFIED = "unspecified", _("Prefer not to say")


class EyeColour(models.TextChoices):
    BROWN = "brown", _("Brown")
    BLACK = "black", _("Black")
    HAZEL = "hazel", _("Hazel")
    GREEN = "green", _("Green")
    BLUE = "blue", _("Blue")
    GREY = "grey", _("Grey")
    OTHER = "other", _("Other")


class MaritalStatus(models.TextChoices):
    SINGLE = "single", _("Single")
    MARRIED = "married", _("Married")
    PARTNER = "partner", _("Domestic partner")
    DIVORCED = "divorced", _("Divorced")
    WIDOWED = "widowed", _("Widowed")


class Relationship(models.TextChoices):
    SELF = "self", _("Main applicant")
    SPOUSE = "spouse", _("Spouse or partner")
    CHILD = "child", _("Child")
    PARENT = "parent", _("Parent")
    SIBLING = "sibling", _("Brother or sister")
    OTHER_RELATIVE = "relative", _("Other relative")
    OTHER = "other", _("Other")


class EvidenceKind(models.TextChoices):
    PHOTO = "photo", _("Photograph")
    IDENTITY = "identity", _("Proof of identity")
    CITIZENSHIP = "citizenship", _("Proof of citizenship")
    MEDICAL = "medical", _("Doctor's attestation of medical need")
    PSYCHOLOGICAL = "psychological", _("Psychologist's assessment")
    POLICE_REPORT = "police_report", _("Police report")
    CRIMINAL_HISTORY = "criminal_history", _("Criminal history record")
    SPONSOR = "sponsor", _("US sponsor")
    OTHER = "other", _("Other document")


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the daily allocation")
    SELECTED = "selected", _("Selected")
    STANDBY = "standby", _("On the standby list")
    NOT_SELECTED = "not_selected", _("Not selected")
    CANCELLED = "cancelled", _("Cancelled")


class Registration(models.Model):
    reference = models.CharField(_("reference"), max_length=16, unique=True)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("applicant account"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="registrations_created"
    )
    partner = models.ForeignKey(
        "partners.PartnerOrganization",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="registrations",
    )
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=RegistrationStatus.choices,
        default=RegistrationStatus.DRAFT,
    )
    basis = models.CharField(
        _("basis of the request"),
        max_length=12,
        choices=RequestBasis.choices,
        blank=True,
        default="",
    )
    # Medical or psychological need, danger: encrypted in the database (docs/encryption.md).
    basis_statement = EncryptedTextField(
        _("in your own words"), blank=True, default="", max_length=4000
    )
    us_address_line1 = models.CharField(_("US address"), max_length=200, blank=True, default="")
    us_address_line2 = models.CharField(
        _("apartment, suite (optional)"), max_length=200, blank=True, default=""
    )
    us_city = models.CharField(_("city"), max_length=100, blank=True, default="")
    us_state = models.CharField(
        _("state"), max_length=2, blank=True, default="", validators=[validate_us_state]
    )
    us_zip = models.CharField(
        _("ZIP code"), max_length=10, blank=True, default="", validators=[validate_us_zip]
    )
    sponsor_name = models.CharField(
        _("US sponsor (optional)"), max_length=200, blank=True, default=""
    )
    sponsor_phone = models.CharField(
        _("sponsor's phone (optional)"),
        max_length=20,
        blank=True,
        default="",
        validators=[validate_phone],
    )
    created_at = models.DateTimeField(default=clock.now)
    updated_at = models.DateTimeField(default=clock.now)
    submitted_at = models.DateTimeField(_("registered on"), null=True, blank=True, db_index=True)
    # Entered by a partner organization from a bulk file (its batch says which): such drafts
    # are bounded by the file's row limit, not by the per-account cap on open drafts.
    entered_in_bulk = models.BooleanField(_("entered from a bulk file"), default=False)
    # Set when the create carried an idempotency key (the API's `Idempotency-Key` header): a
    # retry of it finds this row instead of making another; the digest is that create's input,
    # so the same key with another input is refused (`registrations.services`, "Idempotency").
    idempotency_key = models.CharField(max_length=64, blank=True, default="")
    idempotency_digest = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-created_at"]
        verbose_name = _("registration")
        constraints = [
            models.UniqueConstraint(
                fields=["created_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="registration_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(status="draft") | Q(submitted_at__isnull=False),
                name="submitted_registration_has_date",
            ),
            models.CheckConstraint(
                condition=Q(owner__isnull=False) | Q(partner__isnull=False),
                name="registration_has_owner_or_partner",
            ),
        ]

    def __str__(self) -> str:
        return self.reference


class Person(models.Model):
    """One traveller. Fields may be blank while the registration is a draft (saving is possible
    at every step); `REQUIRED_TO_SUBMIT` must all be filled before submission."""

    REQUIRED_TO_SUBMIT = (
        "given_names",
        "family_names",
        "date_of_birth",
        "city_of_birth",
        "country_of_birth",
        "nationality",
        "country_of_residence",
        "gender",
        "preferred_language",
        "foreign_address",
        "travel_history",
        "height_cm",
        "weight_kg",
        "eye_colour",
    )

    registration = models.ForeignKey(Registration, on_delete=models.CASCADE, related_name="people")
    position = models.PositiveSmallIntegerField()
    relationship = models.CharField(
        _("relationship to the main applicant"),
        max_length=10,
        choices=Relationship.choices,
        default=Relationship.SELF,
    )
    given_names = models.CharField(_("given names"), max_length=100, blank=True, default="")
    family_names = models.CharField(_("family names"), max_length=100, blank=True, default="")
    date_of_birth = models.DateField(
        _("date of birth"), validators=[validate_birth_date], null=True, blank=True
    )
    city_of_birth = models.CharField(_("city of birth"), max_length=100, blank=True, default="")
    country_of_birth = models.CharField(
        _("country of birth"), max_length=2, validators=[validate_country], blank=True, default=""
    )
    nationality = models.CharField(
        _("nationality"), max_length=2, validators=[validate_country], blank=True, default=""
    )
    country_of_residence = models.CharField(
        _("country of residence"),
        max_length=2,
        validators=[validate_country],
        blank=True,
        default="",
    )
    gender = models.CharField(
        _("gender"), max_length=12, choices=Gender.choices, blank=True, default=""
    )
    preferred_language = models.CharField(
        _("preferred language"),
        max_length=8,
        validators=[validate_person_language],
        blank=True,
        default="",
    )
    email = models.EmailField(_("e-mail (optional)"), blank=True, default="")
    phone = models.CharField(
        _("phone (optional)"), max_length=20, blank=True, default="", validators=[validate_phone]
    )
    foreign_address = models.TextField(
        _("current address outside the US"), max_length=500, blank=True, default=""
    )
    travel_history = models.TextField(
        _("countries travelled through, with dates"), max_length=2000, blank=True, default=""
    )
    height_cm = models.PositiveSmallIntegerField(
        _("height (cm)"),
        validators=[MinValueValidator(40), MaxValueValidator(250)],
        null=True,
        blank=True,
    )
    weight_kg = models.PositiveSmallIntegerField(
        _("weight (kg)"),
        validators=[MinValueValidator(2), MaxValueValidator(300)],
        null=True,
        blank=True,
    )
    eye_colour = models.CharField(
        _("eye colour"), max_length=8, choices=EyeColour.choices, blank=True, default=""
    )
    # Optional fields.
    id_document_type = models.CharField(
        _("identity document type (optional)"), max_length=50, blank=True, default=""
    )
    id_document_number = EncryptedCharField(
        _("identity document number (optional)"), max_length=50, blank=True, default=""
    )
    id_document_country = models.CharField(
        _("issuing country (optional)"),
        max_length=2,
        blank=True,
        default="",
        validators=[validate_country],
    )
    employment = models.CharField(
        _("occupation or employer (optional)"), max_length=200, blank=True, default=""
    )
    emergency_contact_name = models.CharField(
        _("emergency contact (optional)"), max_length=200, blank=True, default=""
    )
    emergency_contact_phone = models.CharField(
        _("emergency contact's phone (optional)"),
        max_length=20,
        blank=True,
        default="",
        validators=[validate_phone],
    )
    marital_status = models.CharField(
        _("marital status (optional)"),
        max_length=10,
        choices=MaritalStatus.choices,
        blank=True,
        default="",
    )
    declared_criminal_history = EncryptedTextField(
        _("criminal history, if any (optional)"), max_length=2000, blank=True, default=""
    )
    # The account that added the person (empty for people added before it was recorded): keys
    # are the account's own.
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    # Set when the create carried an idempotency key (the API's `Idempotency-Key` header): a
    # retry of it finds this row instead of making another; the digest is that create's input,
    # so the same key with another input is refused (`registrations.services`, "Idempotency").
    idempotency_key = models.CharField(max_length=64, blank=True, default="")
    idempotency_digest = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["registration", "position"]
        verbose_name = _("person")
        verbose_name_plural = _("people")
        constraints = [
            models.UniqueConstraint(
                fields=["added_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="person_idempotency_key_unique",
            ),
            models.UniqueConstraint(
                fields=["registration", "position"], name="person_position_unique"
            ),
            # With the unique position this caps a group at ten people in the database itself.
            models.CheckConstraint(
                condition=Q(position__gte=1) & Q(position__lte=MAX_GROUP_SIZE),
                name="person_position_range",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id}/{self.position}"

    @property
    def full_name(self) -> str:
        return f"{self.given_names} {self.family_names}"


def evidence_path(instance: EvidenceDocument, filename: str) -> str:
    # The stored name never contains user input.
    return f"evidence/{instance.registration.reference}/{instance.sha256[:16]}{instance.extension}"


class EvidenceDocument(models.Model):
    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="evidence"
    )
    person = models.ForeignKey(
        Person, null=True, blank=True, on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(_("kind of document"), max_length=20, choices=EvidenceKind.choices)
    provider = models.CharField(
        _("issued or attested by (doctor, psychologist, police station)"),
        max_length=200,
        blank=True,
        default="",
    )
    file = models.FileField(upload_to=evidence_path, max_length=200)
    content_type = models.CharField(max_length=40)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    original_name = models.CharField(max_length=120)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    uploaded_at = models.DateTimeField(default=clock.now)
    # Set when the create carried an idempotency key (the API's `Idempotency-Key` header): a
    # retry of it finds this row instead of making another; the digest is that create's input,
    # so the same key with another input is refused (`registrations.services`, "Idempotency").
    idempotency_key = models.CharField(max_length=64, blank=True, default="")
    idempotency_digest = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("evidence document")
        constraints = [
            models.UniqueConstraint(
                fields=["uploaded_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="evidence_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def extension(self) -> str:
        return {"application/pdf": ".pdf", "image/jpeg": ".jpg", "image/png": ".png"}.get(
            self.content_type, ".bin"
        )


class AppointmentRequest(models.Model):
    """A registration's request for a place in one day's round (the window's date)."""

    registration = models.ForeignKey(
        Registration, on_delete=models.PROTECT, related_name="requests"
    )
    round_date = models.DateField(_("request window"), db_index=True)
    first_port = models.ForeignKey(
        "scheduling.Port",
        verbose_name=_("preferred port"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    second_port = models.ForeignKey(
        "scheduling.Port",
        verbose_name=_("second choice (optional)"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    status = models.CharField(
        _("status"), max_length=14, choices=RequestStatus.choices, default=RequestStatus.PENDING
    )
    idempotency_key = models.CharField(max_length=64)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_accuracy_m = models.FloatField(null=True, blank=True)
    # Without a location check: the place the person declared (an ISO 3166-2 state code and a
    # city from the list, or "" for elsewhere in the state). Flagged for review.
    declared_state = models.CharField(_("declared state"), max_length=8, blank=True, default="")
    declared_city = models.CharField(_("declared city"), max_length=80, blank=True, default="")

    class Meta:
        ordering = ["-round_date", "-id"]
        verbose_name = _("appointment request")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "round_date"],
                name="one_request_per_registration_per_window",
            ),
            models.UniqueConstraint(
                fields=["requested_by", "idempotency_key"], name="request_idempotency_key_unique"
            ),
            models.CheckConstraint(
                condition=Q(second_port__isnull=True) | ~Q(second_port=models.F("first_port")),
                name="request_second_port_differs",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.round_date}"

    @property
    def location_declared(self) -> bool:
        return bool(self.declared_state)


class ConsentMedium(models.TextChoices):
    PAPER = "paper", _("On paper, signed")
    SCREEN = "screen", _("On screen, read and accepted")


# What a person agrees to when an organization acts for them. The text is stored with each
# consent, in the language the person read it in; a new wording gets a new version.
CONSENT_STATEMENT_VERSION = "1"
CONSENT_STATEMENT = _(
    "I agree that this organization enters my information and my family's in Portline and "
    "acts for me in the appointment process. I know that I never have to pay anyone to get "
    "or keep a place, and that I can withdraw this agreement at any time, in my Portline "
    "pages or by asking the organization; after that the organization sees nothing new."
)


class PartnerConsent(models.Model):
    """A person's recorded consent that a partner organization acts for their registration:
    what was agreed (the statement, in the language read), when, recorded by which staff
    member, on paper or on screen. Withdrawn by the person (or on their request)."""

    registration = models.ForeignKey(
        Registration, on_delete=models.CASCADE, related_name="partner_consents"
    )
    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="consents"
    )
    statement = models.TextField(_("what was agreed"))
    statement_version = models.CharField(max_length=10, default=CONSENT_STATEMENT_VERSION)
    language = models.CharField(_("language of the agreement"), max_length=8)
    medium = models.CharField(_("how it was given"), max_length=8, choices=ConsentMedium.choices)
    given_on = models.DateField(_("date given"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)
    withdrawn_at = models.DateTimeField(null=True, blank=True)
    withdrawn_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("consent to act for a person")
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "partner"],
                condition=Q(withdrawn_at__isnull=True),
                name="one_live_consent_per_registration_and_partner",
            ),
        ]

    def __str__(self) -> str:
        return f"consent {self.pk}"
