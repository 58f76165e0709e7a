"""The audit log: one row per state change, written in the change's own transaction.

Append-only: database triggers (migrations 0002 and 0004) refuse DELETE on this table and
every UPDATE but one, on SQLite and PostgreSQL alike. A writer inserts its event *unchained*
(no `seq`, `prev_hash`, `hash` or `entry`) in its own transaction; the sequencer
(`services.audit_chain_pending`) later fills those four columns once, in commit order, and
the triggers refuse any other change. Tamper-evident: every chained row carries its place in
the log (`seq`), the hash of the row before it and its own hash over its canonical form
(`chain.py`), and each day's rows form an RFC 6962 Merkle tree whose signed root is
published (`AuditDayRoot`). See docs/audit.md.
"""

from __future__ import annotations

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class AuditRecord(models.Model):
    at = models.DateTimeField(default=clock.now, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
        db_constraint=False,
    )
    actor_role = models.CharField(max_length=20, blank=True, default="")
    action = models.CharField(max_length=100, db_index=True)
    target_type = models.CharField(max_length=100, blank=True, default="")
    target_id = models.CharField(max_length=64, blank=True, default="")
    data = models.JSONField(default=dict, blank=True, encoder=DjangoJSONEncoder)
    # Empty until the sequencer chains the row (after the writer's transaction commits).
    seq = models.BigIntegerField(unique=True, null=True, blank=True)
    prev_hash = models.CharField(max_length=64, blank=True, default="")
    hash = models.CharField(max_length=64, blank=True, default="")
    entry = models.TextField(
        blank=True, default="", help_text=_("The canonical JSON this row's hash is over.")
    )

    class Meta:
        ordering = ["-seq"]
        verbose_name = _("audit record")
        indexes = [
            models.Index(fields=["target_type", "target_id"]),
            # The sequencer's queue: committed rows not chained yet, oldest first.
            models.Index(
                fields=["id"], name="audit_unchained", condition=models.Q(seq__isnull=True)
            ),
        ]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M:%S} {self.action} {self.target_type}:{self.target_id}"


class AuditChainHead(models.Model):
    """One row (id 1): the last chained event's place, hash and time. Only the sequencer
    writes it, under its lock (PostgreSQL: an advisory lock and this row's lock; SQLite: the
    IMMEDIATE transaction's write lock), so the chain never forks and never skips a number."""

    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64)
    at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("audit chain head")

    def __str__(self) -> str:
        return f"head {self.seq} {self.hash[:12]}"


class AuditDayRoot(models.Model):
    """A published, signed day: the Merkle root over that day's events and the root of the
    whole log up to the day's last event (the tree a consistency proof is over)."""

    day = models.DateField(unique=True)
    first_seq = models.BigIntegerField()
    last_seq = models.BigIntegerField()
    count = models.IntegerField()
    day_root = models.CharField(max_length=64)
    tree_size = models.BigIntegerField()
    tree_root = models.CharField(max_length=64)
    statement = models.TextField(help_text=_("The signed statement, canonical JSON."))
    signature = models.CharField(max_length=128)
    key_id = models.CharField(max_length=64)
    frontier = models.JSONField(
        default=list,
        help_text=_("The log tree's perfect subtrees after the day (hex, left first)."),
    )
    published_at = models.DateTimeField(default=clock.now)

    class Meta:
        ordering = ["-day"]
        verbose_name = _("published audit day")

    def __str__(self) -> str:
        return f"{self.day} {self.day_root[:12]}"
