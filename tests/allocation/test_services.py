import datetime as dt

import pytest

from portline.allocation import selectors, services
from portline.allocation.models import (
    Round,
    RoundSelection,
    RoundStatus,
    SelectionOutcome,
)
from portline.audit.models import AuditRecord
from portline.common import clock
from portline.common.errors import Conflict, ValidationFailed
from portline.registrations.models import AppointmentRequest, RequestStatus
from portline.scheduling.models import Port
from tests.allocation.conftest import LOCAL_VALUE
from tests.factories.allocation import RequestSpec, make_requests

pytestmark = pytest.mark.django_db


def _small_capacities():
    Port.objects.update(daily_capacity=0)
    Port.objects.filter(code="SYS").update(daily_capacity=10)
    Port.objects.filter(code="BRO").update(daily_capacity=6)


def _drawn(round_date, admin_user, specs):
    make_requests(round_date, specs)
    services.round_freeze(actor=admin_user, round_date=round_date, beacon_source="local")
    services.round_beacon_set(
        actor=admin_user, round_date=round_date, value=LOCAL_VALUE, local=True
    )
    return services.round_allocate(actor=admin_user, round_date=round_date)


def test_freeze_commits_to_eligible_requests_and_fixes_a_future_beacon(round_date, admin_user):
    make_requests(round_date, [RequestSpec(size=2), RequestSpec(size=3, first="BRO", second="SYS")])
    make_requests(
        round_date + dt.timedelta(days=1), [RequestSpec()]
    )  # another window: not in this round
    round_obj = services.round_freeze(actor=admin_user, round_date=round_date)
    assert round_obj.status == RoundStatus.FROZEN
    assert (round_obj.request_count, round_obj.people_count) == (2, 5)
    assert len(round_obj.fingerprint) == 64
    assert len(services.round_entries(round_obj)) == 2
    assert int(round_obj.beacon_round) > 0 and round_obj.beacon_not_before > round_obj.frozen_at
    assert round_obj.capacities["SYS"] == 385
    assert AuditRecord.objects.filter(
        action="allocation.round.freeze", target_id=str(round_obj.pk)
    ).exists()
    # The fingerprint is the Merkle root of the canonical lines, recomputable from the database.
    assert selectors.round_recheck(round_obj).ok


def test_freeze_refuses_an_open_window_and_a_second_freeze(admin_user):
    today = clock.now().date()
    with pytest.raises(Conflict):
        # conftest opens the window all day, so today's window is open now
        services.round_freeze(actor=admin_user, round_date=today + dt.timedelta(days=1))
    services.round_freeze(actor=admin_user, round_date=today - dt.timedelta(days=3))
    with pytest.raises(Conflict):
        services.round_freeze(actor=admin_user, round_date=today - dt.timedelta(days=3))


def test_draw_needs_the_beacon_and_local_values_only_for_local_rounds(round_date, admin_user):
    make_requests(round_date, [RequestSpec()])
    services.round_freeze(actor=admin_user, round_date=round_date)  # drand
    with pytest.raises(Conflict):
        services.round_allocate(actor=admin_user, round_date=round_date)
    with pytest.raises(ValidationFailed):
        services.round_beacon_set(
            actor=admin_user, round_date=round_date, value=LOCAL_VALUE, local=True
        )
    with pytest.raises(ValidationFailed):
        services.round_beacon_set(
            actor=admin_user, round_date=round_date, value=LOCAL_VALUE, beacon_round="1"
        )
    with pytest.raises(ValidationFailed):
        services.round_beacon_set(actor=admin_user, round_date=round_date, value="not hex")
    round_obj = Round.objects.get(round_date=round_date)
    seeded = services.round_beacon_set(
        actor=admin_user,
        round_date=round_date,
        value=LOCAL_VALUE,
        beacon_round=round_obj.beacon_round,
    )
    assert (
        seeded.status == RoundStatus.SEEDED
        and not seeded.beacon_verified
        and len(seeded.seed) == 64
    )


def test_draw_writes_outcomes_statuses_and_counts(round_date, admin_user):
    _small_capacities()
    specs = [
        RequestSpec(size=s, registered_on=dt.date(2024, 1, d))
        for s, d in [(3, 1), (4, 2), (2, 3), (1, 4), (5, 5), (2, 6)]
    ]
    specs += [
        RequestSpec(size=2, first="BRO"),
        RequestSpec(size=6, first="BRO"),
        RequestSpec(size=1, first="NOG", second="BRO"),
    ]
    round_obj = _drawn(round_date, admin_user, specs)
    assert round_obj.status == RoundStatus.DRAWN
    selected = RoundSelection.objects.filter(round=round_obj, outcome=SelectionOutcome.SELECTED)
    people = {
        code: sum(s.group_size for s in selected if s.port.code == code) for code in ("SYS", "BRO")
    }
    assert people["SYS"] <= 10 and people["BRO"] <= 6
    # Half of SYS's 10 places go by waiting time (engine version 2): requests are taken, oldest
    # first, while at least 5 places (its largest group) are left: the 3, then 2 places are
    # left, fewer than 5, so the share stops and its 2 places go to the random part.
    reserved = sorted(s.group_size for s in selected if s.reserved and s.port.code == "SYS")
    assert reserved == [3]
    assert round_obj.engine_version == "2" and round_obj.commitment == round_obj.input_digest
    assert round_obj.selected_people == sum(s.group_size for s in selected)
    # Until the follow-up answers them, unlisted requests still wait; then they are not selected.
    assert (
        AppointmentRequest.objects.filter(
            round_date=round_date, status=RequestStatus.PENDING
        ).count()
        == 9 - RoundSelection.objects.filter(round=round_obj).count()
    )
    assert (
        services.round_answer_requests(actor=admin_user, round_date=round_date)
        == 9 - RoundSelection.objects.filter(round=round_obj).count()
    )
    assert services.round_answer_requests(actor=admin_user, round_date=round_date) == 0
    statuses = dict(
        AppointmentRequest.objects.filter(round_date=round_date).values_list("pk", "status")
    )
    for selection in RoundSelection.objects.filter(round=round_obj):
        assert statuses.pop(selection.request_id) == selection.outcome
    assert set(statuses.values()) <= {RequestStatus.NOT_SELECTED}
    assert AuditRecord.objects.filter(action="allocation.round.draw").count() == 1
    assert selectors.round_recheck(round_obj).ok


def test_a_drawn_round_cannot_be_drawn_or_reseeded_again(round_date, admin_user):
    _drawn(round_date, admin_user, [RequestSpec()])
    with pytest.raises(Conflict):
        services.round_allocate(actor=admin_user, round_date=round_date)
    with pytest.raises(Conflict):
        services.round_beacon_set(
            actor=admin_user, round_date=round_date, value=LOCAL_VALUE, local=True
        )


def test_a_crash_mid_draw_leaves_nothing_and_the_rerun_is_identical(
    round_date, admin_user, monkeypatch
):
    _small_capacities()
    make_requests(round_date, [RequestSpec(size=1 + i % 3) for i in range(30)])
    services.round_freeze(actor=admin_user, round_date=round_date, beacon_source="local")
    services.round_beacon_set(
        actor=admin_user, round_date=round_date, value=LOCAL_VALUE, local=True
    )
    original = services._write_outcome

    def write_then_crash(*args, **kwargs):
        original(*args, **kwargs)
        raise RuntimeError("power cut after the writes, before the commit")

    monkeypatch.setattr(services, "_write_outcome", write_then_crash)
    with pytest.raises(RuntimeError):
        services.round_allocate(actor=admin_user, round_date=round_date)
    assert not RoundSelection.objects.exists()
    assert set(AppointmentRequest.objects.values_list("status", flat=True)) == {
        RequestStatus.PENDING
    }
    assert Round.objects.get(round_date=round_date).status == RoundStatus.SEEDED
    assert not AuditRecord.objects.filter(action="allocation.round.draw").exists()
    monkeypatch.setattr(services, "_write_outcome", original)
    first = services.round_allocate(actor=admin_user, round_date=round_date)
    lines = selectors.round_result_lines(first)
    # Rerunning the engine on the same stored input gives the same lines and digest.
    assert selectors.round_recheck(first).ok
    assert lines and first.result_digest


def test_standby_promotion_follows_published_order_and_never_splits(round_date, admin_user):
    _small_capacities()
    round_obj = _drawn(round_date, admin_user, [RequestSpec(size=1 + i % 4) for i in range(40)])
    sys_port = Port.objects.get(code="SYS")
    waiting = list(
        RoundSelection.objects.filter(round=round_obj, port=sys_port, outcome="standby").order_by(
            "rank"
        )
    )
    assert waiting and [s.rank for s in waiting] == list(range(1, len(waiting) + 1))
    free = 3
    promoted = services.standby_promote(
        actor=admin_user, port=sys_port, service_date=round_obj.service_date, free_people=free
    )
    assert sum(s.group_size for s in promoted) <= free
    # Exactly the rule: walk in rank order, take what fits.
    expected, left = [], free
    for s in waiting:
        if s.group_size <= left:
            expected.append(s.pk)
            left -= s.group_size
        if left == 0:
            break
    assert [s.pk for s in promoted] == expected
    for s in promoted:
        s.refresh_from_db()
        assert s.outcome == "selected" and s.promoted_at is not None
        assert AppointmentRequest.objects.get(pk=s.request_id).status == RequestStatus.SELECTED
    assert AuditRecord.objects.filter(action="allocation.standby.promote").count() == len(promoted)
    # The published draw does not change with promotions.
    assert selectors.round_recheck(round_obj).ok
    assert (
        services.standby_promote(
            actor=admin_user, port=sys_port, service_date=round_obj.service_date, free_people=0
        )
        == []
    )


def test_the_draw_alone_makes_no_offers(round_date, admin_user):
    from portline.appointments.models import Appointment

    _drawn(round_date, admin_user, [RequestSpec()])
    assert Appointment.objects.count() == 0  # offers are the appointments app's round_draw


def test_the_draw_queues_the_answers_after_commit(
    round_date, admin_user, django_capture_on_commit_callbacks
):
    from django_tasks_db.models import DBTaskResult

    make_requests(round_date, [RequestSpec() for _ in range(5)])
    services.round_freeze(actor=admin_user, round_date=round_date, beacon_source="local")
    services.round_beacon_set(
        actor=admin_user, round_date=round_date, value=LOCAL_VALUE, local=True
    )
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        services.round_allocate(actor=admin_user, round_date=round_date)
    assert len(callbacks) >= 1
    queued = DBTaskResult.objects.filter(task_path="portline.allocation.tasks.allocation_answer")
    assert queued.count() == 1 and queued.get().args_kwargs["kwargs"] == {
        "round_date": round_date.isoformat()
    }
    from portline.allocation.tasks import allocation_answer

    assert (
        allocation_answer.call(round_date=round_date.isoformat()) == 0
    )  # SYS has 385 places: all five won
