"""At the port and after: arrivals, identity checks, decisions, and the case after release.

Every row names who made it. Decisions of configured kinds wait for a supervisor. A parole
decision carries its term and conditions; check-ins and address changes follow from it.
"""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class InspectionSettings(models.Model):
    """The published rules of decisions and release; one row (pk=1), edited in the admin and audited."""

    parole_default_months = models.PositiveSmallIntegerField(
        _("default parole term (months)"),
        default=24,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    parole_max_months = models.PositiveSmallIntegerField(
        _("longest parole term (months)"),
        default=36,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )
    reporting_interval_days = models.PositiveSmallIntegerField(
        _("days between check-ins (default condition)"),
        default=30,
        validators=[MinValueValidator(1), MaxValueValidator(365)],
    )
    reporting_grace_days = models.PositiveSmallIntegerField(
        _("days of grace after a check-in is due"), default=3, validators=[MaxValueValidator(60)]
    )
    address_report_business_days = models.PositiveSmallIntegerField(
        _("business days to report a change of address"),
        default=5,
        validators=[MinValueValidator(1), MaxValueValidator(60)],
    )
    work_authorization_days = models.PositiveSmallIntegerField(
        _("days after parole before a work-permit application"),
        default=150,
        help_text=_("An assumption to be set by the program; see docs/inspection.md."),
    )
    expiry_warning_days = models.PositiveSmallIntegerField(
        _("days ahead to list expiring paroles"), default=60
    )
    approval_kinds = models.CharField(
        _("decision kinds that need a supervisor"),
        max_length=100,
        default="detention",
        blank=True,
        help_text=_("Comma-separated: parole, notice_to_appear, detention, return, withdrawal."),
    )
    approval_on_confirmed_match = models.BooleanField(
        _("a confirmed watchlist match needs a supervisor"), default=True
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("inspection settings")
        verbose_name_plural = _("inspection settings")
        constraints = [
            models.CheckConstraint(condition=Q(pk=1), name="inspection_settings_singleton"),
            models.CheckConstraint(
                condition=Q(parole_default_months__lte=models.F("parole_max_months")),
                name="inspection_default_term_within_max",
            ),
        ]

    def __str__(self) -> str:
        return str(_("Inspection settings"))

    @property
    def approval_kind_list(self) -> list[str]:
        return [k.strip() for k in self.approval_kinds.split(",") if k.strip()]


class ArrivalKind(models.TextChoices):
    APPOINTMENT = "appointment", _("With an appointment")
    WALK_UP = "walk_up", _("Walk-up (no appointment for today)")


class ArrivalStatus(models.TextChoices):
    ARRIVED = "arrived", _("Arrived")
    NO_SHOW = "no_show", _("No-show")


class CheckInMethod(models.TextChoices):
    QR = "qr", _("QR code")
    NUMBER = "number", _("Confirmation number")
    MANUAL = "manual", _("Recorded by the officer")


class Arrival(models.Model):
    """One person at the port on one day: arrived (with an appointment or walking up) or a no-show."""

    port = models.ForeignKey("scheduling.Port", on_delete=models.PROTECT, related_name="+")
    person = models.ForeignKey(
        "registrations.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="arrivals",
    )
    appointment = models.ForeignKey(
        "appointments.Appointment",
        verbose_name=_("appointment"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="arrivals",
    )
    confirmation_number = models.CharField(
        _("confirmation number"), max_length=40, blank=True, default=""
    )
    service_date = models.DateField(_("date"), db_index=True)
    kind = models.CharField(_("kind"), max_length=12, choices=ArrivalKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=ArrivalStatus.choices)
    method = models.CharField(
        _("how"), max_length=8, choices=CheckInMethod.choices, default=CheckInMethod.MANUAL
    )
    walk_up_name = models.CharField(
        _("name (walk-up without registration)"), max_length=200, blank=True, default=""
    )
    note = models.TextField(_("note"), blank=True, default="", max_length=1000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("arrival")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "port", "service_date"],
                condition=Q(person__isnull=False),
                name="inspection_one_arrival_per_person_per_day",
            ),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | ~Q(walk_up_name=""),
                name="inspection_arrival_names_someone",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.status} {self.service_date}"


class IdentityResult(models.TextChoices):
    MATCH = "match", _("Matches the submitted photo and documents")
    NO_MATCH = "no_match", _("Does not match")
    UNABLE = "unable", _("Unable to verify")


class IdentityMethod(models.TextChoices):
    VISUAL = "visual", _("Visual comparison with the submitted photo")
    DOCUMENT = "document", _("Identity document examined")
    VISUAL_AND_DOCUMENT = "visual_document", _("Visual comparison and document examined")
    FACE_MODEL = "face_model", _("Face comparison model, confirmed by the officer")


class IdentityCheck(models.Model):
    person = models.ForeignKey(
        "registrations.Person", on_delete=models.PROTECT, related_name="identity_checks"
    )
    port = models.ForeignKey("scheduling.Port", on_delete=models.PROTECT, related_name="+")
    result = models.CharField(_("result"), max_length=10, choices=IdentityResult.choices)
    method = models.CharField(_("method"), max_length=16, choices=IdentityMethod.choices)
    document_examined = models.CharField(
        _("document examined (optional)"), max_length=100, blank=True, default=""
    )
    face_comparer = models.CharField(max_length=50, blank=True, default="")
    face_score = models.FloatField(null=True, blank=True)
    note = models.TextField(_("note (optional)"), blank=True, default="", max_length=1000)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-recorded_at", "-id"]
        verbose_name = _("identity check")

    def __str__(self) -> str:
        return self.result


class DecisionKind(models.TextChoices):
    PAROLE = "parole", _("Parole")
    NOTICE_TO_APPEAR = "notice_to_appear", _("Notice to appear")
    DETENTION = "detention", _("Detention")
    RETURN = "return", _("Return or refusal of admission")
    WITHDRAWAL = "withdrawal", _("Withdrawal of the application for admission")


class ReasonCode(models.TextChoices):
    HUMANITARIAN = "humanitarian", _("Urgent humanitarian reasons")
    PUBLIC_BENEFIT = "public_benefit", _("Significant public benefit")
    FAMILY_UNITY = "family_unity", _("Family unity")
    REMOVAL_PROCEEDINGS = "removal_proceedings", _("Placed in removal proceedings")
    FLIGHT_RISK = "flight_risk", _("Risk of flight")
    PUBLIC_SAFETY = "public_safety", _("Public safety concern")
    IDENTITY_UNVERIFIED = "identity_unverified", _("Identity could not be verified")
    INADMISSIBLE = "inadmissible", _("Inadmissible: no valid entry document")
    PRIOR_REMOVAL = "prior_removal", _("Prior removal order")
    FRAUD = "fraud", _("Fraud or misrepresentation")
    VOLUNTARY = "voluntary", _("The person chose to withdraw")


REASONS_BY_KIND: dict[str, tuple[str, ...]] = {
    DecisionKind.PAROLE: (
        ReasonCode.HUMANITARIAN,
        ReasonCode.PUBLIC_BENEFIT,
        ReasonCode.FAMILY_UNITY,
    ),
    DecisionKind.NOTICE_TO_APPEAR: (ReasonCode.REMOVAL_PROCEEDINGS, ReasonCode.INADMISSIBLE),
    DecisionKind.DETENTION: (
        ReasonCode.FLIGHT_RISK,
        ReasonCode.PUBLIC_SAFETY,
        ReasonCode.IDENTITY_UNVERIFIED,
    ),
    DecisionKind.RETURN: (
        ReasonCode.INADMISSIBLE,
        ReasonCode.PRIOR_REMOVAL,
        ReasonCode.FRAUD,
        ReasonCode.IDENTITY_UNVERIFIED,
    ),
    DecisionKind.WITHDRAWAL: (ReasonCode.VOLUNTARY, ReasonCode.INADMISSIBLE),
}


class DecisionStatus(models.TextChoices):
    PENDING_APPROVAL = "pending", _("Waiting for a supervisor")
    FINAL = "final", _("Final")
    REJECTED = "rejected", _("Rejected by a supervisor")


ACTIVE_DECISION_STATUSES = (DecisionStatus.PENDING_APPROVAL, DecisionStatus.FINAL)


class Decision(models.Model):
    record_number = models.CharField(_("record number"), max_length=24, unique=True)
    person = models.ForeignKey(
        "registrations.Person", on_delete=models.PROTECT, related_name="decisions"
    )
    port = models.ForeignKey("scheduling.Port", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(_("decision"), max_length=20, choices=DecisionKind.choices)
    status = models.CharField(_("status"), max_length=10, choices=DecisionStatus.choices)
    reason_code = models.CharField(_("reason code"), max_length=24, choices=ReasonCode.choices)
    reason_text = models.TextField(
        _("reason in words (optional)"), blank=True, default="", max_length=2000
    )
    term_months = models.PositiveSmallIntegerField(_("parole term (months)"), null=True, blank=True)
    term_start = models.DateField(_("term starts"), null=True, blank=True)
    term_end = models.DateField(_("term ends"), null=True, blank=True)
    reporting_interval_days = models.PositiveSmallIntegerField(
        _("days between check-ins"), null=True, blank=True
    )
    address_reporting = models.BooleanField(_("must report changes of address"), default=False)
    court_placeholder = models.CharField(
        _("immigration court"), max_length=200, blank=True, default=""
    )
    requires_approval = models.BooleanField(default=False)
    approval_grounds = models.JSONField(default=list, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=clock.now)
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reviewed_at = models.DateTimeField(null=True, blank=True)
    review_reason = models.TextField(blank=True, default="", max_length=2000)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("decision")
        constraints = [
            models.UniqueConstraint(
                fields=["person"],
                condition=Q(status__in=["pending", "final"]),
                name="inspection_one_active_decision_per_person",
            ),
            models.CheckConstraint(
                condition=~Q(kind="parole")
                | ~Q(status="final")
                | (Q(term_start__isnull=False) & Q(term_end__isnull=False)),
                name="inspection_final_parole_has_term",
            ),
        ]

    def __str__(self) -> str:
        return self.record_number


class CheckInChannel(models.TextChoices):
    WEB = "web", _("Web page")
    API = "api", _("App (API)")
    OFFICE = "office", _("In person at an office")


def selfie_path(instance: ReleaseCheckIn, filename: str) -> str:
    return f"release/{instance.decision.record_number}/{instance.selfie_sha256[:16]}{instance.selfie_extension}"


class ReleaseCheckIn(models.Model):
    """A released person's check-in. Selfie and location are optional and kept as given."""

    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="check_ins")
    at = models.DateTimeField(default=clock.now)
    local_date = models.DateField()
    channel = models.CharField(max_length=8, choices=CheckInChannel.choices)
    selfie = models.FileField(upload_to=selfie_path, max_length=200, blank=True)
    selfie_content_type = models.CharField(max_length=40, blank=True, default="")
    selfie_sha256 = models.CharField(max_length=64, blank=True, default="")
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    location_accuracy_m = models.FloatField(null=True, blank=True)
    note = models.CharField(_("note (optional)"), max_length=500, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("check-in after release")

    def __str__(self) -> str:
        return f"{self.decision_id} {self.local_date}"

    @property
    def selfie_extension(self) -> str:
        return {"image/jpeg": ".jpg", "image/png": ".png"}.get(self.selfie_content_type, ".bin")


class AddressChange(models.Model):
    decision = models.ForeignKey(Decision, on_delete=models.PROTECT, related_name="address_changes")
    line1 = models.CharField(_("street address"), max_length=200)
    line2 = models.CharField(
        _("apartment, suite (optional)"), max_length=200, blank=True, default=""
    )
    city = models.CharField(_("city"), max_length=100)
    state = models.CharField(_("state"), max_length=2)
    zip_code = models.CharField(_("ZIP code"), max_length=10)
    moved_on = models.DateField(_("moved on"))
    deadline = models.DateField(_("report by"))
    reported_at = models.DateTimeField(default=clock.now)
    late = models.BooleanField(default=False)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    # Set when the report carried an idempotency key (the API's `Idempotency-Key` header): a
    # retry of it finds this row instead of recording the move again (as registrations do:
    # `portline.registrations.services`, "Idempotency keys").
    idempotency_key = models.CharField(max_length=64, blank=True, default="")
    idempotency_digest = models.CharField(max_length=64, blank=True, default="")

    class Meta:
        ordering = ["-moved_on", "-id"]
        verbose_name = _("change of address")
        constraints = [
            models.UniqueConstraint(
                fields=["reported_by", "idempotency_key"],
                condition=~Q(idempotency_key=""),
                name="address_change_idempotency_key_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.decision_id} {self.moved_on}"
