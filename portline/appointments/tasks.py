"""Background work for appointments (django-tasks, database backend; run by `portline worker`)."""

from __future__ import annotations

from django_tasks import task


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

    sent = 0
    for appointment in Appointment.objects.filter(pk__in=appointment_ids).select_related("port", "registration__owner"):
        appointment_notify_send(appointment=appointment, event=event)
        sent += 1
    return sent
