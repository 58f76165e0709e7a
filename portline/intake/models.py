"""Partner intake: bulk files of people entered by a partner organization's staff, and the
batches that the submission cut-offs form."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class SubmissionBatch(models.Model):
    """Everything one organization entered in bulk before one cut-off (for example 12:00 and
    18:00 each day, PORTLINE_PARTNER_CUTOFFS). Open until its cut-off, closed after."""

    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="batches"
    )
    cutoff_at = models.DateTimeField(_("cut-off"))
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-cutoff_at", "-id"]
        verbose_name = _("submission batch")
        verbose_name_plural = _("submission batches")
        constraints = [
            models.UniqueConstraint(fields=["partner", "cutoff_at"], name="one_batch_per_cutoff")
        ]

    def __str__(self) -> str:
        return f"batch {self.pk}"


class BulkImport(models.Model):
    """One committed file: who sent it, when, its fingerprint, and what it created."""

    batch = models.ForeignKey(SubmissionBatch, on_delete=models.PROTECT, related_name="imports")
    partner = models.ForeignKey(
        "partners.PartnerOrganization", on_delete=models.PROTECT, related_name="bulk_imports"
    )
    staff = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    file_sha256 = models.CharField(max_length=64)
    file_kind = models.CharField(max_length=4)  # csv or xlsx
    rows_read = models.PositiveIntegerField()
    rows_imported = models.PositiveIntegerField()
    rows_refused = models.PositiveIntegerField()
    registrations = models.PositiveIntegerField()
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("bulk file")

    def __str__(self) -> str:
        return f"import {self.pk}"


class BulkEntry(models.Model):
    """A registration created from a row (or a group of rows) of a bulk file."""

    bulk_import = models.ForeignKey(BulkImport, on_delete=models.PROTECT, related_name="entries")
    registration = models.OneToOneField(
        "registrations.Registration", on_delete=models.CASCADE, related_name="bulk_entry"
    )
    first_row = models.PositiveIntegerField()

    class Meta:
        ordering = ["bulk_import", "first_row"]

    def __str__(self) -> str:
        return f"entry {self.pk}"
