"""What operators need stored: which task workers are alive."""

from __future__ import annotations

from django.db import models


class WorkerHeartbeat(models.Model):
    """One row per running `portline worker`, touched every few seconds.

    `/readyz` needs one seen recently; tasks left RUNNING by a worker whose row went stale
    (killed, machine lost) are queued again by the next live worker.
    """

    worker_id = models.CharField(max_length=64, unique=True)
    hostname = models.CharField(max_length=255)
    pid = models.PositiveIntegerField()
    started_at = models.DateTimeField()
    seen_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"{self.worker_id} on {self.hostname}"


class EffectDone(models.Model):
    """A side effect outside the database (an e-mail, an SMS) that background work carried
    out. Work run again after a crash skips what is recorded here (portline.ops.services.once)."""

    key = models.CharField(max_length=200, unique=True)
    done_at = models.DateTimeField()

    def __str__(self) -> str:
        return self.key
