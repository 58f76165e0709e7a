"""Background work for appointments (django-tasks, database backend; run by `portline worker`)."""

from __future__ import annotations

import logging

from django_tasks import task

logger = logging.getLogger(__name__)


@task()
def allocation_tick(beacon_source: str = "drand") -> dict[str, list[str]]:
    """`portline lottery tick --enqueue` (from cron, every few minutes) queues this: freeze the
    round of the window that just closed, draw every round whose beacon value has been entered
    and offer its appointments. Running it more often than needed is harmless."""
    from portline.appointments.services import rounds_tick

    return rounds_tick(actor=None, beacon_source=beacon_source)


@task()
def appointments_expire_task() -> int:
    """Enqueued at offer time to run at the confirmation deadline; sweeps every overdue offer."""
    from portline.appointments.services import appointments_expire_due

    return len(appointments_expire_due(actor=None))


@task()
def appointments_notify(appointment_ids: list[int], event: str) -> int:
    """Send the e-mail and SMS for `event` ("offered", "confirmed", "expired", "cancelled")."""
    from portline.appointments.models import Appointment
    from portline.appointments.notifications import appointment_notify_send
    from portline.ops.services import once

    sent, failed = 0, []
    for start in range(0, len(appointment_ids), 900):
        chunk = appointment_ids[start : start + 900]
        for appointment in Appointment.objects.filter(pk__in=chunk).select_related(
            "port", "registration__owner"
        ):
            try:
                # run again after a crash, it sends only what was not sent yet
                ran = once(
                    key=f"appointments.notify:{appointment.pk}:{event}",
                    effect=lambda a=appointment: appointment_notify_send(
                        appointment=a, event=event
                    ),
                )
            except Exception:  # one unreachable provider must not silence the others
                logger.exception("appointment %s: %s notification failed", appointment.pk, event)
                failed.append(appointment.pk)
            else:
                sent += ran
    if failed:
        raise RuntimeError(f"{len(failed)} notification(s) failed: appointments {failed[:20]}")
    return sent
