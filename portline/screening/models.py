"""Watchlists, their entries, screening runs and the hits an officer adjudicates.

A re-import replaces a list atomically: the new entries are written with the next version
number and the list's `version` moves to it in the same transaction; entries of older
versions are deleted unless a hit refers to them (then they stay, retired, as evidence).
The screen only ever reads the entries of a list's current version.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class HitStatus(models.TextChoices):
    OPEN = "open", _("Open: to be adjudicated")
    TRUE_MATCH = "true_match", _("True match")
    FALSE_MATCH = "false_match", _("False match")


class ScreeningTrigger(models.TextChoices):
    CHECK_IN = "check_in", _("At check-in")
    ON_DEMAND = "on_demand", _("On demand")
    COMMAND_LINE = "cli", _("Command line")


class Watchlist(models.Model):
    name = models.SlugField(_("list name"), max_length=64, unique=True)
    source = models.CharField(_("source"), max_length=200, blank=True, default="")
    is_active = models.BooleanField(_("screened against"), default=True)
    version = models.PositiveIntegerField(_("version"), default=0)
    digest = models.CharField(_("content digest (SHA-256)"), max_length=64, blank=True, default="")
    entry_count = models.PositiveIntegerField(_("entries"), default=0)
    imported_at = models.DateTimeField(_("imported at"), null=True, blank=True)
    imported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["name"]
        verbose_name = _("watchlist")

    def __str__(self) -> str:
        return self.name


class WatchlistEntry(models.Model):
    watchlist = models.ForeignKey(Watchlist, on_delete=models.CASCADE, related_name="entries")
    list_version = models.PositiveIntegerField(_("list version"))
    primary_name = models.CharField(_("name"), max_length=300)
    aliases = models.JSONField(_("aliases"), default=list, blank=True)
    # "YYYY", "YYYY-MM" or "YYYY-MM-DD": lists often give a year only.
    dates_of_birth = models.JSONField(_("dates of birth"), default=list, blank=True)
    nationalities = models.JSONField(_("nationalities"), default=list, blank=True)
    reason = models.CharField(_("reason for listing"), max_length=500, blank=True, default="")
    external_id = models.CharField(
        _("identifier on the list"), max_length=100, blank=True, default=""
    )

    class Meta:
        ordering = ["watchlist", "id"]
        verbose_name = _("watchlist entry")
        verbose_name_plural = _("watchlist entries")
        indexes = [models.Index(fields=["watchlist", "list_version"])]

    def __str__(self) -> str:
        return f"{self.watchlist_id}:{self.external_id or self.pk}"


class ScreeningRun(models.Model):
    """One screen of one person (or of a name typed on the command line) against every active list."""

    person = models.ForeignKey(
        "registrations.Person",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="screening_runs",
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    trigger = models.CharField(
        _("trigger"),
        max_length=12,
        choices=ScreeningTrigger.choices,
        default=ScreeningTrigger.ON_DEMAND,
    )
    query_name = models.CharField(_("name screened"), max_length=300)
    query_date_of_birth = models.CharField(
        _("date of birth screened"), max_length=10, blank=True, default=""
    )
    query_nationality = models.CharField(
        _("nationality screened"), max_length=2, blank=True, default=""
    )
    # {"list name": {"version": n, "digest": "..."}} for every list screened against.
    lists = models.JSONField(_("lists screened"), default=dict)
    engine_version = models.CharField(max_length=10)
    threshold = models.FloatField()
    hit_count = models.PositiveIntegerField(_("hits"), default=0)
    created_at = models.DateTimeField(_("screened at"), default=clock.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("screening run")

    def __str__(self) -> str:
        return f"screening {self.pk}"


class ScreeningHit(models.Model):
    """A flag for an officer: a listed entry that may be this person. Never a refusal."""

    run = models.ForeignKey(ScreeningRun, on_delete=models.PROTECT, related_name="hits")
    entry = models.ForeignKey(WatchlistEntry, on_delete=models.PROTECT, related_name="hits")
    rank = models.PositiveSmallIntegerField()
    score = models.FloatField(_("score"))
    explanation = models.JSONField(_("why it matched"), default=dict)
    status = models.CharField(
        _("status"), max_length=12, choices=HitStatus.choices, default=HitStatus.OPEN
    )
    adjudicated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField(_("reason"), blank=True, default="", max_length=2000)
    adjudicated_at = models.DateTimeField(_("adjudicated at"), null=True, blank=True)

    class Meta:
        ordering = ["run", "rank"]
        verbose_name = _("screening hit")
        constraints = [
            models.UniqueConstraint(fields=["run", "entry"], name="screening_hit_once_per_run"),
            models.CheckConstraint(
                condition=models.Q(status="open")
                | (models.Q(adjudicated_at__isnull=False) & ~models.Q(reason="")),
                name="screening_hit_adjudication_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"hit {self.pk} ({self.score:.0f})"
