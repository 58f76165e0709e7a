"""Reports of a demand for payment, extortion or a fake appointment.

A report goes to the oversight role's queue only: no port, officer or supervisor page reads
this table. An anonymous report keeps no account, contact or network address; the reporter
checks its status with the receipt code, of which only a hash is stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class ComplaintKind(models.TextChoices):
    PAYMENT_DEMAND = "payment_demand", _("Someone asked for money or a payment")
    EXTORTION = "extortion", _("Extortion or threats")
    FAKE_APPOINTMENT = "fake_appointment", _("A fake appointment was sold or offered")


class ComplaintStatus(models.TextChoices):
    RECEIVED = "received", _("Received")
    UNDER_REVIEW = "under_review", _("Under review")
    REFERRED = "referred", _("Referred for investigation")
    CLOSED = "closed", _("Closed")


class Complaint(models.Model):
    kind = models.CharField(_("what happened"), max_length=20, choices=ComplaintKind.choices)
    description = models.TextField(_("what happened, in your words"), max_length=5000)
    people_named = models.TextField(
        _("who asked (names, roles, descriptions)"), max_length=2000, blank=True, default=""
    )
    port = models.ForeignKey(
        "scheduling.Port",
        verbose_name=_("port it is about"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    place = models.CharField(_("where it happened"), max_length=200, blank=True, default="")
    happened_on = models.DateField(_("when it happened"), null=True, blank=True)
    anonymous = models.BooleanField(_("anonymous"), default=True)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Only when the person chose not to be anonymous and was logged in."),
    )
    contact = models.CharField(_("how to reach you"), max_length=200, blank=True, default="")
    language = models.CharField(max_length=8, default="en")
    receipt_hash = models.CharField(max_length=64, unique=True)
    status = models.CharField(
        _("status"),
        max_length=20,
        choices=ComplaintStatus.choices,
        default=ComplaintStatus.RECEIVED,
    )
    received_on = models.DateField(_("received on"))
    updated_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name = _("report")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(anonymous=False)
                | (models.Q(reporter__isnull=True) & models.Q(contact="")),
                name="anonymous_report_keeps_no_identity",
            )
        ]

    def __str__(self) -> str:
        return f"report {self.pk} ({self.kind})"


class ComplaintDecision(models.Model):
    """One triage step by an oversight user: the new status and why."""

    complaint = models.ForeignKey(Complaint, on_delete=models.PROTECT, related_name="decisions")
    status_from = models.CharField(max_length=20, choices=ComplaintStatus.choices)
    status_to = models.CharField(max_length=20, choices=ComplaintStatus.choices)
    reason = models.TextField(_("reason"))
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["decided_at", "id"]
        verbose_name = _("report decision")

    def __str__(self) -> str:
        return f"{self.status_from} -> {self.status_to}"
