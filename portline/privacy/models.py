"""Personal data protection: legal holds, applicants' deletion requests and retention runs.

The retention schedule itself is configuration (`settings.PORTLINE_RETENTION_DAYS`, one
environment variable per kind of record); these tables record what stops a deletion, what
the person asked for, and what each run of the retention task did.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class LegalHold(models.Model):
    """While a hold is active (not lifted), retention deletes and reduces nothing of the
    registration, and a deletion request waits. A lifted hold stays as a record; once the
    registration is gone, `reference` still says which one it was."""

    registration = models.ForeignKey(
        "registrations.Registration",
        verbose_name=_("registration"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="legal_holds",
    )
    reference = models.CharField(_("reference"), max_length=16)
    reason = models.TextField(_("reason"), max_length=1000)
    set_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    set_at = models.DateTimeField(default=clock.now)
    lifted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    lifted_at = models.DateTimeField(null=True, blank=True)
    lift_reason = models.TextField(_("reason for lifting"), blank=True, default="", max_length=1000)

    class Meta:
        ordering = ["-set_at", "-id"]
        verbose_name = _("legal hold")
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(lifted_at__isnull=True),
                name="privacy_one_active_hold_per_registration",
            ),
        ]

    def __str__(self) -> str:
        return f"hold {self.pk}"

    @property
    def active(self) -> bool:
        return self.lifted_at is None


class DeletionStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for the next retention run")
    DONE = "done", _("Carried out")


class DeletionRequest(models.Model):
    """An applicant's request to delete a registration that never reached a port. The
    registration row may be gone afterwards; `reference` keeps the request's own fact."""

    registration = models.ForeignKey(
        "registrations.Registration",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="deletion_requests",
    )
    reference = models.CharField(_("reference"), max_length=16)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(_("requested on"), default=clock.now)
    status = models.CharField(
        _("status"), max_length=10, choices=DeletionStatus.choices, default=DeletionStatus.PENDING
    )
    done_at = models.DateTimeField(_("carried out on"), null=True, blank=True)
    outcome = models.CharField(
        max_length=12,
        blank=True,
        default="",
        help_text="deleted: every row removed; reduced: rows the published rounds refer to kept without personal data.",
    )

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("deletion request")
        constraints = [
            models.UniqueConstraint(
                fields=["registration"],
                condition=Q(status="pending"),
                name="privacy_one_pending_deletion_per_registration",
            ),
            models.CheckConstraint(
                condition=~Q(status="done") | Q(done_at__isnull=False),
                name="privacy_done_deletion_has_time",
            ),
        ]

    def __str__(self) -> str:
        return f"deletion {self.reference}"


class RetentionRun(models.Model):
    """One run of the retention task: what it deleted or reduced, per kind of record."""

    started_at = models.DateTimeField(_("started"), default=clock.now)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    dry_run = models.BooleanField(_("dry run"), default=False)
    trigger = models.CharField(max_length=12, default="task")
    schedule = models.JSONField(_("schedule (days)"), default=dict)
    counts = models.JSONField(_("records per kind"), default=dict)
    held = models.PositiveIntegerField(_("registrations under legal hold skipped"), default=0)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("retention run")

    def __str__(self) -> str:
        return f"retention {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def total(self) -> int:
        return sum(int(v) for v in self.counts.values())
