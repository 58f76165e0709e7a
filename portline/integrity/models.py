"""Integrity flags and what they are computed from.

A `Flag` is one pattern found by a rule (portline/integrity/rules.py) with its explanation
(counts), evidence and the registrations behind it (`FlagSubject`). Its key is stable: a rescan
finds the same pattern under the same key, and the unique constraint refuses a second row. A
supervisor assigns it (under review) and decides it (cleared or confirmed) with a reason.

`FactKey` holds each submitted registration's normalised values (address, sponsor, phones,
e-mails, document numbers, evidence providers, photo hashes), indexed, so a new registration is
checked against every earlier one by a few index look-ups. `ScanRun` records a batch scan and
the steps it finished, so an interrupted scan resumes where it stopped.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class FlagKind(models.TextChoices):
    ADDRESS_HUB = "address_hub", _("Many unrelated groups at one US address")
    SPONSOR_HUB = "sponsor_hub", _("One sponsor for many unrelated groups")
    PROVIDER_HUB = "provider_hub", _("One provider attesting for many cases")
    DOCUMENT_REUSE = "document_reuse", _("Identity document number used again")
    PHONE_REUSE = "phone_reuse", _("Phone number shared by unrelated groups")
    EMAIL_REUSE = "email_reuse", _("E-mail address shared by unrelated groups")
    PHOTO_REUSE = "photo_reuse", _("Same photograph in different registrations")
    STAFF_BURST = "staff_burst", _("Many people entered by one partner account in a short time")
    GEO_IMPOSSIBLE_TRAVEL = "geo_impossible_travel", _("Impossible travel between location checks")
    GEO_REPEATED_POINT = "geo_repeated_point", _("Same exact coordinates as another registration")
    GEO_SHARED_DEVICE = "geo_shared_device", _("Many registrations from one device")
    GEO_DECLARED_LOCATION = (
        "geo_declared_location",
        _("Request with a declared place, location not checked"),
    )


GEOFENCE_FLAG_KINDS = (
    FlagKind.GEO_IMPOSSIBLE_TRAVEL,
    FlagKind.GEO_REPEATED_POINT,
    FlagKind.GEO_SHARED_DEVICE,
    FlagKind.GEO_DECLARED_LOCATION,
)


class FlagSeverity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class FlagState(models.TextChoices):
    OPEN = "open", _("Open")
    UNDER_REVIEW = "under_review", _("Under review")
    CLEARED = "cleared", _("Cleared")
    CONFIRMED = "confirmed", _("Confirmed")


DECIDED_STATES = (FlagState.CLEARED, FlagState.CONFIRMED)


class Flag(models.Model):
    key = models.CharField(max_length=80, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=FlagKind.choices, db_index=True)
    severity = models.CharField(_("severity"), max_length=8, choices=FlagSeverity.choices)
    state = models.CharField(
        _("state"), max_length=14, choices=FlagState.choices, default=FlagState.OPEN
    )
    params = models.JSONField(default=dict, help_text="Counts the explanation is written from.")
    evidence = models.JSONField(default=dict)
    engine_version = models.CharField(max_length=8)
    created_at = models.DateTimeField(default=clock.now, db_index=True)
    updated_at = models.DateTimeField(default=clock.now)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("assigned to"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    assigned_at = models.DateTimeField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(_("reason"), blank=True, default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("integrity flag")
        indexes = [models.Index(fields=["state", "severity"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(state__in=["cleared", "confirmed"])
                | (Q(decided_at__isnull=False) & ~Q(decision_reason="")),
                name="integrity_decided_flag_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"

    @property
    def decided(self) -> bool:
        return self.state in DECIDED_STATES


class FlagSubject(models.Model):
    flag = models.ForeignKey(Flag, on_delete=models.CASCADE, related_name="subjects")
    registration = models.ForeignKey(
        "registrations.Registration", on_delete=models.PROTECT, related_name="integrity_subjects"
    )

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["flag", "registration"], name="integrity_flag_subject_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.flag_id}/{self.registration_id}"


class FactKind(models.TextChoices):
    ADDRESS_BLOCK = "address_block", "address block"
    ADDRESS = "address", "address"
    SPONSOR = "sponsor", "sponsor"
    PROVIDER = "provider", "provider"
    DOCUMENT = "document", "document"
    PHONE = "phone", "phone"
    EMAIL = "email", "email"
    PHOTO = "photo", "photo"


class FactKey(models.Model):
    registration = models.ForeignKey(
        "registrations.Registration", on_delete=models.CASCADE, related_name="+"
    )
    kind = models.CharField(max_length=14, choices=FactKind.choices)
    value = models.CharField(max_length=255)
    family = models.CharField(max_length=100, blank=True, default="")
    people = models.PositiveSmallIntegerField(default=1)
    surnames = models.CharField(max_length=255, blank=True, default="")

    class Meta:
        indexes = [models.Index(fields=["kind", "value"])]
        constraints = [
            models.UniqueConstraint(
                fields=["registration", "kind", "value"], name="integrity_fact_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.registration_id} {self.kind}"


class PhotoHash(models.Model):
    """The perceptual hash (imagehash pHash, 64 bits as hex) of one submitted photograph."""

    evidence = models.OneToOneField(
        "registrations.EvidenceDocument", on_delete=models.CASCADE, related_name="+"
    )
    registration = models.ForeignKey(
        "registrations.Registration", on_delete=models.CASCADE, related_name="+"
    )
    phash = models.CharField(max_length=16, db_index=True)

    def __str__(self) -> str:
        return self.phash


class ScanRun(models.Model):
    started_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    steps_done = models.JSONField(default=list)
    flags_created = models.PositiveIntegerField(default=0)
    engine_version = models.CharField(max_length=8)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self) -> str:
        return f"scan {self.pk}"
