"""The analyst's oversight pages and the planner's simulations: access, figures, downloads."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import call_command

from portline.audit.models import AuditRecord
from portline.common import clock
from portline.scheduling.models import Port
from portline.stats.inference import outliers, stratified_test, wilson
from portline.stats.models import SimulationRun, SimulationStatus
from portline.stats.services import simulation_run
from tests.conftest import verified_login
from tests.factories import UserFactory
from tests.factories.allocation import RequestSpec, make_requests

pytestmark = pytest.mark.django_db
LOCAL_VALUE = "cd" * 32


@pytest.fixture
def drawn_round():
    day = clock.now().date() - dt.timedelta(days=2)
    Port.objects.filter(code="SYS").update(daily_capacity=30)
    Port.objects.filter(code="BRO").update(daily_capacity=20)
    specs = [
        RequestSpec(
            size=1 + i % 3, first="SYS" if i % 2 else "BRO", nationality=["HN", "VE", "HT"][i % 3]
        )
        for i in range(90)
    ]
    make_requests(day, specs)
    for args in (
        ("lottery_freeze", day.isoformat(), "--beacon", "local"),
        ("lottery_beacon", day.isoformat(), LOCAL_VALUE, "--local"),
        ("lottery_run", day.isoformat()),
    ):
        call_command(*args, stdout=io.StringIO())
    return day


def _client(client, role, **kwargs):
    return verified_login(client, UserFactory(role=role, **kwargs))


def test_analyst_lands_on_oversight(client):
    user = UserFactory(role="analyst")
    verified_login(client, user)
    response = client.get("/accounts/", follow=True)
    assert response.redirect_chain[-1][0] == "/analysis/"
    assert "aggregate figures only" in response.content.decode()


@pytest.mark.parametrize("role", ["applicant", "officer", "partner_staff", "program_admin"])
def test_other_roles_do_not_see_oversight(client, role):
    extra = {"port": Port.objects.get(code="SYS")} if role == "officer" else {}
    assert _client(client, role, **extra).get("/analysis/rounds/").status_code == 404


def test_round_fairness_and_download(client, drawn_round):
    analyst = _client(client, "analyst")
    page = analyst.get(f"/analysis/rounds/{drawn_round.isoformat()}/")
    assert page.status_code == 200
    fairness = page.context["fairness"]
    nationality = next(t for t in fairness.tables if t.dimension == "nationality")
    assert {r.category for r in nationality.rows} == {"HN", "VE", "HT"}
    assert sum(r.requests for r in nationality.rows) + fairness.reserved == 90
    assert nationality.test is not None and 0 <= nationality.test.p_value <= 1
    for row in nationality.rows:
        assert row.low <= row.rate <= row.high
    csv_body = analyst.get(
        f"/analysis/rounds/{drawn_round.isoformat()}/?format=csv"
    ).content.decode()
    assert csv_body.startswith("dimension,category,requests") and "HN" in csv_body
    html = page.content.decode()
    assert "given_names" not in html and "@" not in html.split("<main", 1)[1]  # no personal data
    assert analyst.get("/analysis/rounds/2001-01-01/").status_code == 404


def test_operations_page_and_bad_range(client):
    analyst = _client(client, "analyst")
    assert analyst.get("/analysis/operations/").status_code == 200
    bad = analyst.get("/analysis/operations/", {"date_from": "2026-05-02", "date_to": "2026-05-01"})
    assert "before its start" in bad.content.decode()
    assert analyst.get("/analysis/operations/?format=csv").content.startswith(b"level,key")


def test_planner_runs_a_simulation_on_the_worker(client, django_capture_on_commit_callbacks):
    planner = _client(client, "program_admin")
    form = {
        "days": 3,
        "daily_requests": 500,
        "capacity": 60,
        "split": "0.5",
        "repeat_rate": "0.8",
        "confirm_rate": "0.9",
        "no_show_rate": "0.05",
        "seed": 2,
    }
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        response = planner.post("/analysis/simulations/", form)
    assert response.status_code == 302 and len(callbacks) == 1  # enqueued after commit
    run = SimulationRun.objects.get()
    assert run.status == SimulationStatus.QUEUED
    assert AuditRecord.objects.filter(action="stats.simulation.request").count() == 1
    assert simulation_run(run_id=run.pk) == SimulationStatus.DONE
    assert simulation_run(run_id=run.pk) == SimulationStatus.DONE  # twice: nothing more
    assert AuditRecord.objects.filter(action="stats.simulation.finish").count() == 1
    page = planner.get(f"/analysis/simulations/{run.pk}/").content.decode()
    assert "<svg" in page and "Days waited by those served" in page


def test_planner_limits_and_bad_input(client):
    planner = _client(client, "program_admin")
    too_big = planner.post(
        "/analysis/simulations/",
        {
            "days": 500,
            "daily_requests": 10,
            "capacity": 10,
            "split": "0.5",
            "repeat_rate": "0.8",
            "confirm_rate": "0.9",
            "no_show_rate": "0.05",
            "seed": 1,
        },
    )
    assert too_big.status_code == 200 and SimulationRun.objects.count() == 0
    assert AuditRecord.objects.filter(action="stats.simulation.request").count() == 0
    analyst = _client(client, "analyst")
    assert analyst.get("/analysis/simulations/").status_code == 404


def test_inference_helpers():
    low, high = wilson(5, 10)
    assert 0.2 < low < 0.5 < high < 0.8
    assert wilson(0, 0) == (0.0, 1.0)
    fair = stratified_test(
        {("a", "p"): (100, 50), ("b", "p"): (100, 50), ("a", "q"): (50, 10), ("b", "q"): (50, 10)}
    )
    assert fair.statistic == pytest.approx(0.0) and fair.p_value == pytest.approx(1.0)
    unfair = stratified_test({("a", "p"): (100, 80), ("b", "p"): (100, 20)})
    assert unfair.p_value < 1e-6
    assert outliers({"A": 0.1, "B": 0.11, "C": 0.09, "D": 0.1, "E": 0.6}) == {"E"}
    assert outliers({"A": 0.1, "B": 0.1}) == set()


def test_integrity_overview_by_kind_and_partner(client):
    from portline.integrity.models import Flag, FlagKind, FlagSubject
    from tests.factories import PartnerFactory, RegistrationFactory

    partner = PartnerFactory()
    registrations = [RegistrationFactory(partner=partner) for _ in range(3)]
    flag = Flag.objects.create(
        key="test-address-1",
        kind=FlagKind.ADDRESS_HUB,
        severity="high",
        engine_version="1",
    )
    for registration in registrations:
        FlagSubject.objects.create(flag=flag, registration=registration)
    analyst = _client(client, "analyst")
    page = analyst.get("/analysis/integrity/")
    assert page.status_code == 200
    overview = page.context["overview"]
    assert [(k.kind, k.total) for k in overview.kinds] == [(FlagKind.ADDRESS_HUB, 1)]
    assert [(p.partner, p.registrations, p.flags) for p in overview.partners] == [
        (partner.name, 3, 1)
    ]
    assert b"table,key,flags" in analyst.get("/analysis/integrity/?format=csv").content
    assert (
        _client(client, "officer", port=Port.objects.get(code="SYS"))
        .get("/analysis/integrity/")
        .status_code
        == 404
    )
