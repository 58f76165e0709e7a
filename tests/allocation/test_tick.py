import datetime as dt

import pytest
from django.core.management import call_command

from portline.allocation import services
from portline.allocation.models import Round, RoundStatus
from portline.appointments.models import Appointment
from portline.appointments.services import rounds_tick
from portline.appointments.tasks import allocation_tick
from portline.scheduling.selectors import request_window_for
from tests.allocation.conftest import LOCAL_VALUE
from tests.factories.allocation import RequestSpec, make_requests

pytestmark = pytest.mark.django_db


def test_tick_freezes_the_closed_window_then_draws_once_seeded(admin_user):
    window = request_window_for()
    closed = window.round_date - dt.timedelta(days=1)  # conftest keeps today's window open
    make_requests(closed, [RequestSpec(size=2), RequestSpec()])
    assert rounds_tick(beacon_source="local") == {"frozen": [str(closed)], "drawn": []}
    assert rounds_tick(beacon_source="local") == {"frozen": [], "drawn": []}  # nothing new
    services.round_beacon_set(actor=admin_user, round_date=closed, value=LOCAL_VALUE, local=True)
    assert allocation_tick.call(beacon_source="local") == {"frozen": [], "drawn": [str(closed)]}
    assert Round.objects.get(round_date=closed).status == RoundStatus.DRAWN
    # The tick offers the appointments of what it drew, in the draw's transaction.
    assert Appointment.objects.filter(selection__round__round_date=closed).count() == 2


def test_tick_command_can_enqueue_for_the_worker(capsys):
    call_command("lottery_tick", "--enqueue")
    assert "Queued allocation tick" in capsys.readouterr().out
    call_command("lottery_tick")
    assert "Frozen: none" in capsys.readouterr().out
