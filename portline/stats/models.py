from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portline.common import clock


class SimulationStatus(models.TextChoices):
    QUEUED = "queued", _("Waiting for the worker")
    RUNNING = "running", _("Running")
    DONE = "done", _("Done")
    FAILED = "failed", _("Failed")


class SimulationRun(models.Model):
    """A planner's simulation, run on the task worker (portline/stats/tasks.py)."""

    params = models.JSONField(_("parameters"))
    status = models.CharField(
        _("status"),
        max_length=10,
        choices=SimulationStatus.choices,
        default=SimulationStatus.QUEUED,
    )
    days_done = models.PositiveIntegerField(default=0)
    result = models.JSONField(null=True, blank=True)
    charts = models.JSONField(default=dict, blank=True)  # name -> SVG text
    error = models.TextField(blank=True, default="")
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=clock.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("simulation")

    def __str__(self) -> str:
        return f"simulation {self.pk} ({self.status})"
