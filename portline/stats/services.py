"""Writes of the statistics app: planner simulations run on the task worker."""

from __future__ import annotations

from dataclasses import asdict

from django.db import transaction
from django.utils.translation import gettext as _

from portline.accounts.models import Role
from portline.audit.services import audit_record
from portline.common import clock
from portline.common.errors import PermissionDenied, ValidationFailed
from portline.scheduling.models import Port
from portline.stats.models import SimulationRun, SimulationStatus
from portline.stats.simulation import SimulationError, SimulationParams, simulate
from portline.stats.simulation_charts import backlog_chart, wait_chart
from portline.stats.tasks import simulation_run_task


def simulation_params_for_ports(**values) -> SimulationParams:
    """Parameters with the ports' codes and capacity shares taken from the database (the
    simulation splits --capacity between ports in the same proportions)."""
    ports = list(
        Port.objects.filter(active=True).order_by("code").values_list("code", "daily_capacity")
    )
    if not ports:
        ports = [("ALL", 1)]
    return SimulationParams(
        port_codes=tuple(code for code, _c in ports),
        port_weights=tuple(float(c) for _code, c in ports),
        **values,
    )


# Limits for simulations started from the web page (the command has none).
PAGE_LIMITS = {"days": 120, "daily_requests": 300_000, "capacity": 20_000}


def simulation_request(*, actor, values: dict) -> SimulationRun:
    """Queue a simulation for the program administrator; the worker runs it."""
    if getattr(actor, "role", None) != Role.PROGRAM_ADMIN:
        raise PermissionDenied(_("Only a program administrator can run simulations."))
    problems = [
        _("%(name)s can be at most %(limit)s here; use `portline simulate` for more.")
        % {"name": name, "limit": f"{limit:,}"}
        for name, limit in PAGE_LIMITS.items()
        if values.get(name, 0) > limit
    ]
    if problems:
        raise ValidationFailed(" ".join(problems))
    try:
        params = simulation_params_for_ports(**values).checked()
    except SimulationError as exc:
        raise ValidationFailed(
            _("These parameters cannot be simulated: %(why)s") % {"why": exc}
        ) from exc
    with transaction.atomic():
        run = SimulationRun.objects.create(params=asdict(params), requested_by=actor)
        audit_record(
            actor=actor, action="stats.simulation.request", target=run, data={"days": params.days}
        )
        transaction.on_commit(lambda: simulation_run_task.enqueue(run.pk))
    return run


def simulation_run(*, run_id: int) -> str:
    """Run one queued simulation and store its summary and charts (idempotent)."""
    with transaction.atomic():
        run = SimulationRun.objects.select_for_update().get(pk=run_id)
        if run.status not in (SimulationStatus.QUEUED, SimulationStatus.RUNNING):
            return run.status
        run.status = SimulationStatus.RUNNING
        run.save(update_fields=["status"])
    fields = dict(run.params)
    fields["port_codes"] = tuple(fields["port_codes"])
    fields["port_weights"] = tuple(fields["port_weights"])
    params = SimulationParams(**fields)

    def progress(day: int) -> None:
        if day % 5 == 0 or day == params.days:
            SimulationRun.objects.filter(pk=run_id).update(days_done=day)

    try:
        result = simulate(params, progress)
    except Exception as exc:  # the run records why it failed; the worker goes on
        with transaction.atomic():
            SimulationRun.objects.filter(pk=run_id).update(
                status=SimulationStatus.FAILED, error=str(exc)[:2000], finished_at=clock.now()
            )
            audit_record(actor=None, action="stats.simulation.fail", target=run)
        return SimulationStatus.FAILED
    charts = {
        "backlog": backlog_chart(result).decode(),
        "waits": wait_chart(result).decode(),
    }
    with transaction.atomic():
        SimulationRun.objects.filter(pk=run_id).update(
            status=SimulationStatus.DONE,
            result=result.as_dict(),
            charts=charts,
            days_done=params.days,
            finished_at=clock.now(),
        )
        audit_record(actor=None, action="stats.simulation.finish", target=run)
    return SimulationStatus.DONE
