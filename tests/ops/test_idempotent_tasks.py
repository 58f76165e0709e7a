"""Background work run twice (a worker crash, a task re-queued) does its work once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from freezegun import freeze_time

from portline.appointments import services
from portline.appointments.notifications import LocmemSmsSender
from portline.appointments.tasks import appointments_expire_task, appointments_notify
from portline.ops.models import EffectDone
from tests.factories.appointments import drawn_round, selection, submitted_registration

pytestmark = pytest.mark.django_db

NOW = "2026-11-22T17:00:00Z"


@freeze_time(NOW)
def test_notifications_and_the_deadline_sweep_run_twice_act_once(settings):
    settings.PORTLINE_SMS_SENDER = "portline.appointments.notifications.LocmemSmsSender"
    LocmemSmsSender.outbox.clear()
    round_ = drawn_round()
    selection(round=round_, registration=submitted_registration())
    (appointment,) = services.appointments_offer_for_round(actor=None, round=round_)
    mail.outbox.clear()

    assert appointments_notify.call(appointment_ids=[appointment.pk], event="offered") == 1
    assert appointments_notify.call(appointment_ids=[appointment.pk], event="offered") == 0
    assert len(mail.outbox) == 1 and len(LocmemSmsSender.outbox) == 1
    assert EffectDone.objects.filter(key=f"appointments.notify:{appointment.pk}:offered").exists()

    with freeze_time(appointment.confirm_by + dt.timedelta(seconds=1)):
        assert appointments_expire_task.call() == 1
        assert appointments_expire_task.call() == 0
