"""Escorted transport to the port: routes, daily plans, vehicles, manifests, hand-overs.

A route (departure city -> port) carries the travel time, the safety margin and the
vehicle capacity, and the operator's name and language (manifests are printed in it).
A plan groups one day's confirmed appointments from one departure city into vehicles
(`transport.engine`); each vehicle has a manifest (one `ManifestEntry` per person), is
checked off at boarding and is handed over at the port, where the officer's
acknowledgement records every difference between the manifest and the people present.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portline.common import clock


def validate_language(value: str) -> None:
    if value not in {code for code, _name in settings.LANGUAGES}:
        raise ValidationError(_("This language is not offered."), code="language")


class Route(models.Model):
    departure_city = models.CharField(_("departure city"), max_length=100)
    port = models.ForeignKey(
        "scheduling.Port", verbose_name=_("port"), on_delete=models.PROTECT, related_name="+"
    )
    departure_time_zone = models.CharField(
        _("time zone of the departure city"), max_length=64, default="America/Mexico_City"
    )
    operator_name = models.CharField(_("transport operator"), max_length=150)
    operator_language = models.CharField(
        _("operator's language"), max_length=8, default="es", validators=[validate_language]
    )
    travel_minutes = models.PositiveIntegerField(
        _("travel time (minutes)"), validators=[MinValueValidator(1), MaxValueValidator(4320)]
    )
    margin_minutes = models.PositiveIntegerField(
        _("margin (minutes)"), default=60, validators=[MaxValueValidator(1440)]
    )
    vehicle_capacity = models.PositiveSmallIntegerField(
        _("seats per vehicle"), validators=[MinValueValidator(1), MaxValueValidator(200)]
    )
    active = models.BooleanField(_("in service"), default=True)

    class Meta:
        ordering = ["departure_city", "port__name"]
        verbose_name = _("transport route")
        constraints = [
            models.UniqueConstraint(fields=["departure_city", "port"], name="one_route_per_pair"),
            models.CheckConstraint(
                condition=Q(vehicle_capacity__gte=1), name="route_capacity_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.departure_city} -> {self.port_id}"


class TransportPlan(models.Model):
    service_date = models.DateField(_("date"))
    departure_city = models.CharField(_("departure city"), max_length=100)
    engine_version = models.CharField(max_length=32)
    input_digest = models.CharField(max_length=64)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-service_date", "departure_city"]
        verbose_name = _("transport plan")
        constraints = [
            models.UniqueConstraint(
                fields=["service_date", "departure_city"], name="one_plan_per_city_and_day"
            )
        ]

    def __str__(self) -> str:
        return f"plan {self.pk}"


class Vehicle(models.Model):
    plan = models.ForeignKey(TransportPlan, on_delete=models.CASCADE, related_name="vehicles")
    number = models.PositiveSmallIntegerField(_("vehicle"))
    route = models.ForeignKey(Route, on_delete=models.PROTECT, related_name="vehicles")
    port = models.ForeignKey(
        "scheduling.Port", verbose_name=_("port"), on_delete=models.PROTECT, related_name="+"
    )
    slot_starts_at = models.DateTimeField(_("appointment time"))
    departs_at = models.DateTimeField(_("departure"))
    capacity = models.PositiveSmallIntegerField(_("seats"))
    handed_over_at = models.DateTimeField(_("handed over"), null=True, blank=True)
    handed_over_to = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["plan", "number"]
        verbose_name = _("vehicle")
        constraints = [
            models.UniqueConstraint(fields=["plan", "number"], name="vehicle_number_in_plan"),
            models.CheckConstraint(
                condition=Q(handed_over_at__isnull=True) | Q(handed_over_to__isnull=False),
                name="hand_over_has_officer",
            ),
        ]

    def __str__(self) -> str:
        return f"vehicle {self.pk}"


class ManifestEntry(models.Model):
    """One person on one vehicle. A person travels on one vehicle a day at most."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.CASCADE, related_name="entries")
    service_date = models.DateField()
    appointment = models.ForeignKey(
        "appointments.Appointment", on_delete=models.PROTECT, related_name="+"
    )
    person = models.ForeignKey("registrations.Person", on_delete=models.PROTECT, related_name="+")
    boarding_order = models.PositiveSmallIntegerField(_("boarding order"))
    boarded_at = models.DateTimeField(_("boarded"), null=True, blank=True)
    boarded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["vehicle", "boarding_order"]
        verbose_name = _("manifest entry")
        constraints = [
            models.UniqueConstraint(
                fields=["service_date", "person"], name="one_vehicle_per_person_and_day"
            ),
            models.UniqueConstraint(
                fields=["vehicle", "boarding_order"], name="one_place_in_boarding_order"
            ),
        ]

    def __str__(self) -> str:
        return f"manifest entry {self.pk}"


class DifferenceKind(models.TextChoices):
    MISSING = "missing", _("On the manifest, not present")
    EXTRA = "extra", _("Present, not on the manifest")
    DIFFERENT = "different", _("A different person in a listed place")


class HandoverDifference(models.Model):
    """A difference between a vehicle's manifest and the people the officer found at the port."""

    vehicle = models.ForeignKey(Vehicle, on_delete=models.PROTECT, related_name="differences")
    kind = models.CharField(_("difference"), max_length=12, choices=DifferenceKind.choices)
    entry = models.ForeignKey(
        ManifestEntry, null=True, blank=True, on_delete=models.PROTECT, related_name="differences"
    )
    was_boarded = models.BooleanField(default=False)
    presented_name = models.CharField(_("name given"), max_length=200, blank=True, default="")
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["vehicle", "id"]
        verbose_name = _("hand-over difference")
        constraints = [
            models.CheckConstraint(
                condition=Q(kind="extra", entry__isnull=True)
                | (~Q(kind="extra") & Q(entry__isnull=False)),
                name="difference_names_its_entry",
            ),
        ]

    def __str__(self) -> str:
        return f"difference {self.pk}"
