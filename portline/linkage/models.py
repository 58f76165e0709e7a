"""Person linkage: runs, the links they scored, the clusters they formed, and the
supervisors' adjudications that every later run respects.

A record is named by a key: `person:<id>` (a person on a registration, entered by the
applicant or by a partner) or `account:<id>` (an applicant's account). Links and clusters
belong to one run; adjudications belong to the pair of keys and outlive runs. No plain
identifier (document number, phone, e-mail) is stored here: evidence holds comparison
names, levels and weights only.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class RunBackend(models.TextChoices):
    DUCKDB = "duckdb", _("DuckDB (one machine)")
    SPARK = "spark", _("Apache Spark")


class RecordSource(models.TextChoices):
    REGISTRATION = "registration", _("Registration")
    PARTNER = "partner", _("Partner entry")
    ACCOUNT = "account", _("Applicant account")


class AdjudicationDecision(models.TextChoices):
    CONFIRMED = "confirmed", _("Same person (confirmed)")
    REJECTED = "rejected", _("Different people (rejected)")


class LinkageRun(models.Model):
    started_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    started_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    backend = models.CharField(max_length=8, choices=RunBackend.choices)
    engine_version = models.CharField(max_length=20)
    threshold = models.FloatField()
    record_count = models.PositiveIntegerField(default=0)
    link_count = models.PositiveIntegerField(default=0)
    cluster_count = models.PositiveIntegerField(default=0)
    # The trained Splink model (m/u probabilities per comparison level): no personal data.
    model = models.JSONField(default=dict)

    class Meta:
        ordering = ["-started_at", "-id"]
        verbose_name = _("linkage run")

    def __str__(self) -> str:
        return f"linkage run {self.pk}"


class PersonCluster(models.Model):
    """Records that a run found to be one person."""

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="clusters")
    number = models.PositiveIntegerField()
    size = models.PositiveSmallIntegerField()
    min_probability = models.FloatField(_("lowest link probability"))

    class Meta:
        ordering = ["run", "number"]
        verbose_name = _("person cluster")
        constraints = [
            models.UniqueConstraint(fields=["run", "number"], name="linkage_cluster_number_unique")
        ]

    def __str__(self) -> str:
        return f"cluster {self.number} of run {self.run_id}"


class ClusterMember(models.Model):
    cluster = models.ForeignKey(PersonCluster, on_delete=models.CASCADE, related_name="members")
    record_key = models.CharField(max_length=40)
    source = models.CharField(max_length=12, choices=RecordSource.choices)
    person = models.ForeignKey(
        "registrations.Person", null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    account = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )

    class Meta:
        ordering = ["cluster", "record_key"]
        constraints = [
            models.UniqueConstraint(fields=["cluster", "record_key"], name="linkage_member_unique"),
            models.CheckConstraint(
                condition=Q(person__isnull=False) | Q(account__isnull=False),
                name="linkage_member_has_record",
            ),
        ]

    def __str__(self) -> str:
        return self.record_key


class RecordLink(models.Model):
    """One scored pair, with the evidence a supervisor reads: for each comparison, the level
    reached and its match weight (log2 Bayes factor)."""

    run = models.ForeignKey(LinkageRun, on_delete=models.CASCADE, related_name="links")
    cluster = models.ForeignKey(
        PersonCluster, null=True, blank=True, on_delete=models.SET_NULL, related_name="links"
    )
    left_key = models.CharField(max_length=40)
    right_key = models.CharField(max_length=40)
    probability = models.FloatField(_("match probability"))
    match_weight = models.FloatField(_("match weight"))
    evidence = models.JSONField(default=list)

    class Meta:
        ordering = ["run", "-probability", "id"]
        verbose_name = _("record link")
        constraints = [
            models.UniqueConstraint(
                fields=["run", "left_key", "right_key"], name="linkage_link_pair_unique"
            ),
            models.CheckConstraint(
                condition=Q(left_key__lt=models.F("right_key")), name="linkage_link_pair_ordered"
            ),
        ]
        indexes = [models.Index(fields=["left_key"]), models.Index(fields=["right_key"])]

    def __str__(self) -> str:
        return f"{self.left_key} ~ {self.right_key}"


class LinkAdjudication(models.Model):
    """A supervisor's finding on a pair of records. Kept across runs: a rejected pair never
    links again, a confirmed pair always does."""

    left_key = models.CharField(max_length=40)
    right_key = models.CharField(max_length=40)
    decision = models.CharField(max_length=10, choices=AdjudicationDecision.choices)
    reason = models.TextField(_("reason"), max_length=2000)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(default=clock.now)
    link = models.ForeignKey(
        RecordLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    probability = models.FloatField(null=True, blank=True)

    class Meta:
        ordering = ["-decided_at", "-id"]
        verbose_name = _("link adjudication")
        constraints = [
            models.UniqueConstraint(
                fields=["left_key", "right_key"], name="linkage_adjudication_pair_unique"
            ),
            models.CheckConstraint(
                condition=Q(left_key__lt=models.F("right_key")),
                name="linkage_adjudication_pair_ordered",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.left_key} ~ {self.right_key}: {self.decision}"
