"""Two draws of the same round started at once: exactly one writes, the other is refused."""

import threading

import pytest
from django.db import close_old_connections, connection

from portline.allocation import services
from portline.allocation.models import Round, RoundSelection, RoundStatus
from portline.audit.models import AuditRecord
from portline.common.errors import Conflict
from portline.scheduling.models import Port
from tests.allocation.conftest import LOCAL_VALUE
from tests.conftest import open_window_all_day
from tests.factories import UserFactory
from tests.factories.allocation import RequestSpec, make_requests


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_concurrent_draws_one_succeeds(round_date):
    open_window_all_day()
    Port.objects.exclude(code="SYS").update(daily_capacity=0)
    Port.objects.filter(code="SYS").update(daily_capacity=20)
    admin = UserFactory(role="program_admin")
    make_requests(round_date, [RequestSpec(size=1 + i % 3) for i in range(200)])
    services.round_freeze(actor=admin, round_date=round_date, beacon_source="local")
    services.round_beacon_set(actor=admin, round_date=round_date, value=LOCAL_VALUE, local=True)

    barrier = threading.Barrier(2)
    outcomes = []

    def draw():
        try:
            barrier.wait(timeout=10)
            services.round_allocate(actor=admin, round_date=round_date)
            outcomes.append("drawn")
        except Conflict:
            outcomes.append("conflict")
        finally:
            close_old_connections()
            connection.close()

    threads = [threading.Thread(target=draw) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["conflict", "drawn"]
    round_obj = Round.objects.get(round_date=round_date)
    assert round_obj.status == RoundStatus.DRAWN
    assert (
        RoundSelection.objects.filter(round=round_obj, outcome="selected").count()
        == round_obj.selected_requests
    )
    assert AuditRecord.objects.filter(action="allocation.round.draw").count() == 1
