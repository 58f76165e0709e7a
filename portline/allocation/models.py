"""Allocation rounds: one per request window (round date), frozen, seeded, drawn.

A round is frozen when its request window closes: the eligible requests are written to a
canonical, pseudonymous export whose fingerprint (its SHA-256) is published before the
beacon value that seeds the draw exists. The draw itself is `engine.allocate`, a pure
function; the round keeps its seed, input digest and engine version so anyone can rerun it.
See docs/allocation.md.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class RoundStatus(models.TextChoices):
    FROZEN = "frozen", _("Frozen, waiting for the beacon")
    SEEDED = "seeded", _("Beacon entered, ready to draw")
    DRAWN = "drawn", _("Drawn")


class BeaconSource(models.TextChoices):
    DRAND = "drand", _("drand (League of Entropy)")
    NIST = "nist", _("NIST randomness beacon")
    LOCAL = "local", _("Local value (demo or test only)")


class SelectionOutcome(models.TextChoices):
    SELECTED = "selected", _("Selected")
    STANDBY = "standby", _("On the standby list")
    NOT_SELECTED = "not_selected", _("Not selected")


class RoundManager(models.Manager):
    """Rounds without their packed entries (megabytes): loaded only when used."""

    def get_queryset(self):
        return super().get_queryset().defer("entries")


class Round(models.Model):
    round_date = models.DateField(_("request window"), unique=True)
    service_date = models.DateField(_("appointment date"))
    status = models.CharField(
        _("status"), max_length=10, choices=RoundStatus.choices, default=RoundStatus.FROZEN
    )
    frozen_at = models.DateTimeField(_("frozen at"), default=clock.now)
    # The published commitment: SHA-256 of the canonical export of the eligible requests.
    fingerprint = models.CharField(_("fingerprint"), max_length=64)
    request_salt = models.CharField(
        max_length=64, help_text="Secret per round; makes request hashes unlinkable across rounds."
    )
    request_count = models.PositiveIntegerField(_("eligible requests"), default=0)
    people_count = models.PositiveIntegerField(_("people in eligible requests"), default=0)
    capacities = models.JSONField(_("capacity per port (people)"), default=dict)
    reserved_percent = models.PositiveSmallIntegerField(
        _("share for the longest-waiting (percent)"), default=50
    )
    standby_percent = models.PositiveSmallIntegerField(
        _("standby list length (percent of capacity)"), default=100
    )
    # The beacon target is fixed at freeze time and published with the fingerprint.
    beacon_source = models.CharField(
        _("beacon"), max_length=8, choices=BeaconSource.choices, default=BeaconSource.DRAND
    )
    beacon_round = models.CharField(_("beacon round"), max_length=40, blank=True, default="")
    beacon_not_before = models.DateTimeField(_("beacon value not before"), null=True, blank=True)
    beacon_value = models.CharField(_("beacon value"), max_length=128, blank=True, default="")
    beacon_signature = models.TextField(_("beacon signature"), blank=True, default="")
    beacon_previous_signature = models.TextField(blank=True, default="")
    beacon_verified = models.BooleanField(_("beacon signature checked"), default=False)
    beacon_entered_at = models.DateTimeField(null=True, blank=True)
    # Engine version 2: the beacon round must be published at least this long after freeze.
    beacon_delay_seconds = models.PositiveIntegerField(default=120)
    # Engine version 2: per port code, the integer weights of requests of 1..10 people, fixed
    # at freeze from the frozen size mix (docs/allocation.md).
    size_weights = models.JSONField(_("size weights per port"), default=dict, blank=True)
    # Engine version 2: SHA-256 of every parameter of the draw, published at freeze.
    commitment = models.CharField(_("commitment"), max_length=64, blank=True, default="")
    seed = models.CharField(_("seed"), max_length=64, blank=True, default="")
    engine_version = models.CharField(_("engine version"), max_length=20, blank=True, default="")
    input_digest = models.CharField(_("input digest"), max_length=64, blank=True, default="")
    result_digest = models.CharField(_("result digest"), max_length=64, blank=True, default="")
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    selected_requests = models.PositiveIntegerField(default=0)
    selected_people = models.PositiveIntegerField(default=0)
    reserved_people = models.PositiveIntegerField(default=0)
    standby_requests = models.PositiveIntegerField(default=0)
    # The frozen set, private side: one record per line of the public export, in its order
    # (request id, group size, port ids, registration day), as a packed array. Written once at
    # freeze; `entries_sha256` guards it. See services.ENTRY_DTYPE.
    entries = models.BinaryField(editable=False, default=bytes)
    entries_sha256 = models.CharField(max_length=64, editable=False, default="")

    objects = RoundManager()

    class Meta:
        ordering = ["-round_date"]
        verbose_name = _("allocation round")
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="drawn") | (~Q(seed="") & ~Q(beacon_value="")),
                name="drawn_round_has_seed",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.round_date}"

    @property
    def is_local_beacon(self) -> bool:
        return self.beacon_source == BeaconSource.LOCAL

    @property
    def capacity_total(self) -> int:
        return sum(int(v) for v in self.capacities.values())


class RoundSelection(models.Model):
    """A request's outcome in a round. Rows exist for selected and standby requests; a
    request with no row was not selected (its `AppointmentRequest.status` says so)."""

    round = models.ForeignKey(Round, on_delete=models.PROTECT, related_name="selections")
    request = models.ForeignKey(
        "registrations.AppointmentRequest", on_delete=models.PROTECT, related_name="selections"
    )
    port = models.ForeignKey("scheduling.Port", on_delete=models.PROTECT, related_name="+")
    service_date = models.DateField(_("appointment date"))
    group_size = models.PositiveSmallIntegerField(_("people"))
    outcome = models.CharField(_("outcome"), max_length=14, choices=SelectionOutcome.choices)
    rank = models.PositiveIntegerField(_("published order"))
    reserved = models.BooleanField(_("longest-waiting share"), default=False)
    promoted_at = models.DateTimeField(
        null=True, blank=True, help_text="When a standby request was moved up."
    )

    class Meta:
        ordering = ["round", "port", "outcome", "rank"]
        verbose_name = _("round selection")
        constraints = [
            models.UniqueConstraint(
                fields=["round", "request"], name="one_selection_per_request_per_round"
            ),
        ]
        indexes = [models.Index(fields=["port", "service_date", "outcome", "rank"])]

    def __str__(self) -> str:
        return f"{self.round_id}/{self.request_id} {self.outcome}"
