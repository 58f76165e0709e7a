"""The service area as versioned policy over Mexico's states, and every location check made.

A policy version is data: effective from a moment (inclusive) to a moment (exclusive, or open),
with the states where Mexican nationals and everyone else may request. Once a version has
taken effect its rules never change (admin and services refuse); a change is a new version.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class ServiceAreaPolicy(models.Model):
    version = models.PositiveIntegerField(_("version"), unique=True)
    name = models.CharField(_("name"), max_length=200)
    effective_from = models.DateTimeField(_("in force from"), db_index=True)
    effective_to = models.DateTimeField(
        _("in force until"),
        null=True,
        blank=True,
        help_text=_(
            "Exclusive. Leave empty while no end is known; adding a later version closes this one."
        ),
    )
    states_mexican_nationals = models.JSONField(
        _("states where Mexican nationals may request"),
        default=list,
        help_text=_("ISO 3166-2 codes, e.g. MX-BCN."),
    )
    states_others = models.JSONField(
        _("states where everyone else may request"),
        default=list,
        help_text=_("ISO 3166-2 codes, e.g. MX-BCN."),
    )
    source = models.TextField(_("source and reasoning"), blank=True, default="")
    created_at = models.DateTimeField(default=clock.now)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["effective_from"]
        verbose_name = _("service area policy version")
        verbose_name_plural = _("service area policy versions")
        constraints = [
            models.CheckConstraint(
                condition=Q(effective_to__isnull=True)
                | Q(effective_to__gt=models.F("effective_from")),
                name="service_area_policy_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"v{self.version} {self.name}"

    def has_taken_effect(self, at=None) -> bool:
        return self.effective_from <= (at or clock.now())


class CheckPurpose(models.TextChoices):
    REQUEST = "request", _("Appointment request")
    CONFIRMATION = "confirmation", _("Appointment confirmation")


class CheckVerdict(models.TextChoices):
    INSIDE = "inside", _("Inside the service area")
    INSIDE_BORDER_BAND = (
        "inside_border_band",
        _("Accepted: near the edge of the area, within the location's uncertainty"),
    )
    OUTSIDE = "outside", _("Outside the service area")
    OUTSIDE_MEXICO = "outside_mexico", _("Not in Mexico")
    NO_POLICY = "no_policy", _("No service area in force")
    INVALID = "invalid", _("Malformed location")
    IMPRECISE = "imprecise", _("Location too imprecise")
    NOT_GIVEN = "not_given", _("No location given")
    DECLARED = "declared", _("Place declared by the person (not checked)")


ACCEPTED_VERDICTS = frozenset({CheckVerdict.INSIDE, CheckVerdict.INSIDE_BORDER_BAND})


class LocationCheck(models.Model):
    """One check, stored whatever its verdict, with the raw point exactly as received."""

    registration = models.ForeignKey(
        "registrations.Registration",
        on_delete=models.PROTECT,
        related_name="location_checks",
    )
    person = models.ForeignKey(
        "registrations.Person",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="location_checks",
    )
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    purpose = models.CharField(_("purpose"), max_length=12, choices=CheckPurpose.choices)
    checked_at = models.DateTimeField(_("checked at"), db_index=True)
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    accuracy_m = models.FloatField(null=True, blank=True)
    verdict = models.CharField(_("verdict"), max_length=20, choices=CheckVerdict.choices)
    state = models.CharField(_("state found"), max_length=8, blank=True, default="")
    declared_city = models.CharField(
        _("declared city"),
        max_length=80,
        blank=True,
        default="",
        help_text=_(
            "With the verdict “declared”: the city chosen from the list (empty: elsewhere in the state)."
        ),
    )
    policy = models.ForeignKey(
        ServiceAreaPolicy,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="checks",
    )
    nationality_groups = models.CharField(max_length=30, blank=True, default="")
    distance_km = models.FloatField(
        _("distance to the nearest eligible area (km)"), null=True, blank=True
    )
    nearest_state = models.CharField(max_length=8, blank=True, default="")
    band_m = models.FloatField(null=True, blank=True)
    device_hash = models.CharField(max_length=64, blank=True, default="", db_index=True)
    engine_version = models.CharField(max_length=8)

    class Meta:
        ordering = ["-checked_at", "-id"]
        verbose_name = _("location check")
        indexes = [
            models.Index(fields=["registration", "checked_at"]),
            models.Index(fields=["latitude", "longitude"]),
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.purpose} {self.verdict}"

    @property
    def accepted(self) -> bool:
        return self.verdict in ACCEPTED_VERDICTS

    @property
    def policy_version(self) -> int | None:
        return self.policy.version if self.policy_id else None


class SignalKind(models.TextChoices):
    IMPOSSIBLE_TRAVEL = "impossible_travel", _("Impossible travel between two checks")
    IMPLAUSIBLE_PRECISION = "implausible_precision", _("Implausible precision")
    REPEATED_POINT = "repeated_point", _("Same coordinates as an unrelated registration")
    SHARED_DEVICE = "shared_device", _("Many registrations from one device")
    BORDER_BAND = "border_band", _("Accepted within the border band")
    NO_LOCATION = "no_location", _("Entered without a location")
    DECLARED_LOCATION = "declared_location", _("Place declared, location not checked")


class LocationSignal(models.Model):
    """A fact for integrity review. Never blocks anyone by itself."""

    check_record = models.ForeignKey(
        LocationCheck, on_delete=models.CASCADE, related_name="signals"
    )
    registration = models.ForeignKey(
        "registrations.Registration",
        on_delete=models.PROTECT,
        related_name="location_signals",
    )
    kind = models.CharField(_("kind"), max_length=24, choices=SignalKind.choices, db_index=True)
    detail = models.JSONField(default=dict, blank=True)
    created_at = models.DateTimeField(default=clock.now)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("location signal")

    def __str__(self) -> str:
        return f"{self.kind} {self.registration_id}"
