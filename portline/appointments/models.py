"""Appointments: a won place at a port on a date, its time slot, and its confirmation.

An appointment is offered to a selected request after the daily draw (or to a standby
request when places are freed). Each member of the group confirms separately, with a live
photo and a fresh location, before the deadline; otherwise the appointment expires and its
places go to the standby list. Photos live outside the web root like evidence.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class AppointmentStatus(models.TextChoices):
    OFFERED = "offered", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    EXPIRED = "expired", _("Expired (not confirmed in time)")
    CANCELLED = "cancelled", _("Cancelled")


LIVE_STATUSES = (AppointmentStatus.OFFERED, AppointmentStatus.CONFIRMED)


class Appointment(models.Model):
    confirmation_number = models.CharField(_("confirmation number"), max_length=12, unique=True)
    selection = models.OneToOneField(
        "allocation.RoundSelection",
        on_delete=models.PROTECT,
        related_name="appointment",
    )
    request = models.ForeignKey(
        "registrations.AppointmentRequest",
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    registration = models.ForeignKey(
        "registrations.Registration",
        on_delete=models.PROTECT,
        related_name="appointments",
    )
    port = models.ForeignKey(
        "scheduling.Port", verbose_name=_("port"), on_delete=models.PROTECT, related_name="+"
    )
    service_date = models.DateField(_("date"), db_index=True)
    slot_starts_at = models.DateTimeField(_("time"))
    slot_ends_at = models.DateTimeField()
    group_size = models.PositiveSmallIntegerField(_("people"))
    status = models.CharField(
        _("status"),
        max_length=12,
        choices=AppointmentStatus.choices,
        default=AppointmentStatus.OFFERED,
    )
    language = models.CharField(max_length=8, default="en")
    offered_at = models.DateTimeField(default=clock.now)
    confirm_by = models.DateTimeField(_("confirm before"), db_index=True)
    confirmed_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(
        null=True, blank=True, help_text="When it expired or was cancelled."
    )

    class Meta:
        ordering = ["-service_date", "slot_starts_at", "id"]
        verbose_name = _("appointment")
        indexes = [models.Index(fields=["port", "service_date", "status"])]
        constraints = [
            models.CheckConstraint(
                condition=Q(group_size__gte=1) & Q(group_size__lte=10),
                name="appointment_group_size_range",
            ),
            models.CheckConstraint(
                condition=~Q(status="confirmed") | Q(confirmed_at__isnull=False),
                name="confirmed_appointment_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"appointment {self.pk}"

    @property
    def confirmation_number_display(self) -> str:
        number = self.confirmation_number
        return f"{number[:5]}-{number[5:]}" if len(number) == 10 else number

    @property
    def is_live(self) -> bool:
        return self.status in LIVE_STATUSES


def confirmation_photo_path(instance: PersonConfirmation, filename: str) -> str:
    # The stored name never contains user input.
    extension = ".png" if instance.photo_content_type == "image/png" else ".jpg"
    return f"confirmations/{instance.appointment_id}/{instance.person_id}-{instance.photo_sha256[:16]}{extension}"


class PersonConfirmation(models.Model):
    """One group member's confirmation: a live photo and the location at that moment."""

    appointment = models.ForeignKey(
        Appointment, on_delete=models.PROTECT, related_name="confirmations"
    )
    person = models.ForeignKey(
        "registrations.Person", on_delete=models.PROTECT, related_name="appointment_confirmations"
    )
    photo = models.FileField(upload_to=confirmation_photo_path, max_length=200)
    photo_content_type = models.CharField(max_length=20)
    photo_size = models.PositiveIntegerField()
    photo_sha256 = models.CharField(max_length=64)
    latitude = models.FloatField()
    longitude = models.FloatField()
    accuracy_m = models.FloatField(null=True, blank=True)
    location_check_id = models.CharField(
        max_length=64,
        blank=True,
        default="",
        help_text="The geofence check recorded for this location, if any.",
    )
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    confirmed_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["appointment", "person__position"]
        verbose_name = _("confirmation of one person")
        constraints = [
            models.UniqueConstraint(
                fields=["appointment", "person"], name="one_confirmation_per_person"
            ),
        ]

    def __str__(self) -> str:
        return f"confirmation {self.appointment_id}/{self.person_id}"
