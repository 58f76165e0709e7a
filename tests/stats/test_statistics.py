"""Public statistics: the page, the API and the report command show the same protected figures."""

from __future__ import annotations

import csv
import datetime as dt
import io
import re

import pytest
from django.core.management import CommandError, call_command

from portline.common import clock
from portline.inspection.models import Decision, DecisionKind, DecisionStatus, ReasonCode
from portline.registrations.models import Person
from portline.scheduling.models import Port
from portline.stats.selectors import statistics_page, statistics_table
from tests.factories import UserFactory
from tests.factories.allocation import RequestSpec, make_requests

pytestmark = pytest.mark.django_db

LAST_MONTH = (clock.now().date().replace(day=1) - dt.timedelta(days=1)).replace(day=15)
MONTH = LAST_MONTH.strftime("%Y-%m")


@pytest.fixture
def requests_last_month():
    """Requests in a finished month: HN 30 at SYS, VE 12 at SYS, HT 3 at BRO, MX 25 at BRO."""
    specs = (
        [RequestSpec(first="SYS", nationality="HN")] * 30
        + [RequestSpec(first="SYS", nationality="VE")] * 12
        + [RequestSpec(first="BRO", nationality="HT")] * 3
        + [RequestSpec(first="BRO", nationality="MX")] * 25
    )
    return make_requests(LAST_MONTH, specs)


def _decide(people, kind, port_code="SYS"):
    officer = UserFactory(role="officer", port=Port.objects.get(code=port_code))
    at = dt.datetime.combine(LAST_MONTH, dt.time(12), tzinfo=dt.UTC)
    for i, person in enumerate(people):
        Decision.objects.create(
            record_number=f"D{kind[:3]}{person.pk:08d}{i}",
            person=person,
            port=Port.objects.get(code=port_code),
            kind=kind,
            status=DecisionStatus.FINAL,
            reason_code=ReasonCode.HUMANITARIAN,
            decided_by=officer,
            decided_at=at,
            term_months=24 if kind == DecisionKind.PAROLE else None,
            term_start=LAST_MONTH if kind == DecisionKind.PAROLE else None,
            term_end=LAST_MONTH + dt.timedelta(days=730) if kind == DecisionKind.PAROLE else None,
        )


def _by(rows, measure):
    return {r.values: r.count for r in rows if r.measure == measure}


def test_small_counts_are_hidden_with_a_partner(requests_last_month):
    rows = statistics_table(by=["nationality"], measures=["requests"])
    counts = _by(rows, "requests")
    assert counts[("HN",)] == 30
    assert counts[("HT",)] is None  # 3 < 10
    # one hidden nationality alone would be the total minus the others: a partner is hidden
    assert sum(1 for n in counts.values() if n is None) >= 2
    total = statistics_table(by=[], measures=["requests"])[0]
    assert total.count == 70 and total.period == MONTH


def test_two_way_table_keeps_the_one_way_suppression(requests_last_month):
    rows = statistics_table(by=["port", "nationality"], measures=["requests"])
    cells = _by(rows, "requests")
    assert cells[("SYS", "HN")] == 30
    assert cells[("BRO", "HT")] is None
    assert cells[("SYS", "HT")] == 0  # structural zero, shown


def test_page_api_and_report_agree(client, requests_last_month):
    people = list(Person.objects.filter(nationality="HN")[:30])
    _decide(people[:15], DecisionKind.PAROLE)
    _decide(people[15:20], DecisionKind.DETENTION)
    _decide(people[20:], DecisionKind.RETURN)

    page = client.get("/statistics/", {"period": MONTH})
    assert page.status_code == 200
    by_port_page = {
        code: dict(zip(page.context["page"].by_port.columns, counts, strict=True))
        for code, _label, counts in page.context["page"].by_port.rows
    }
    api = client.get(
        "/api/v1/statistics", {"by": "port", "from": f"{MONTH}-01", "to": f"{MONTH}-28"}
    )
    assert api.status_code == 200 and api["Cache-Control"].startswith("public")
    by_port_api = {}
    for row in api.json()["rows"]:
        by_port_api.setdefault(row["values"][0], {})[row["measure"]] = row["count"]

    out = io.StringIO()
    call_command(
        "stats_report", "--by", "port", "--from", f"{MONTH}-01", "--to", f"{MONTH}-28", stdout=out
    )
    by_port_report: dict[str, dict] = {}
    for row in csv.DictReader(io.StringIO(out.getvalue())):
        by_port_report.setdefault(row["value_1"], {})[row["measure"]] = (
            int(row["count"]) if row["count"] else None
        )
    for table in (by_port_api, by_port_report):  # a port absent from a measure counts 0 there
        for counts in table.values():
            for measure in page.context["page"].by_port.columns:
                counts.setdefault(measure, 0)
    assert by_port_page == by_port_api == by_port_report
    assert by_port_page["SYS"]["requests"] == 42
    assert by_port_page["SYS"]["decisions"] == 30

    outcomes = {
        r["values"][0]: r["count"]
        for r in client.get("/api/v1/statistics", {"by": "outcome"}).json()["rows"]
    }
    # 5 < 10 is hidden, and the smallest other (10) with it, so it cannot be worked out
    assert outcomes == {"parole": 15, "detention": None, "return": None}
    html = page.content.decode()
    assert "—" in html and "<svg" in html and "What each figure means" in html


def test_running_month_is_not_published(settings, requests_last_month):
    settings.STATS_OPEN_MONTH = False
    make_requests(clock.now().date(), [RequestSpec(nationality="CU")] * 40)
    rows = statistics_table(by=["nationality"], measures=["requests"])
    assert ("CU",) not in _by(rows, "requests")
    settings.STATS_OPEN_MONTH = True
    rows = statistics_table(by=["month", "nationality"], measures=["requests"])
    assert {r.period for r in rows} == {MONTH, clock.now().strftime("%Y-%m")}


def test_sum_over_months_hides_what_any_month_hides(settings, requests_last_month):
    settings.STATS_OPEN_MONTH = True
    make_requests(clock.now().date(), [RequestSpec(first="BRO", nationality="HT")] * 40)
    both = _by(statistics_table(by=["nationality"], measures=["requests"]), "requests")
    assert both[("HT",)] is None  # 3 + 40, but last month's 3 is hidden


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"by": ["port", "flavour"]}, "Unknown dimension: flavour"),
        (
            {"by": ["port"], "start": dt.date(2026, 5, 1), "end": dt.date(2026, 4, 1)},
            "before its start",
        ),
        ({"by": ["port"], "threshold": 0}, "at least 1"),
        ({"by": ["port"], "measures": ["wishes"]}, "Unknown measure"),
    ],
)
def test_bad_input_is_refused_clearly(kwargs, message):
    from portline.common.errors import ValidationFailed

    with pytest.raises(ValidationFailed, match=message):
        statistics_table(**kwargs)


def test_api_bad_dimension_is_a_422_json_body(client):
    response = client.get("/api/v1/statistics", {"by": "port,colour"})
    assert response.status_code == 422
    assert "Unknown dimension: colour" in response.json()["error"]["message"]


def test_api_unknown_measure_is_named_and_the_schema_states_the_names(client):
    response = client.get("/api/v1/statistics", {"by": "port", "measure": "requests,0000"})
    assert response.status_code == 422
    error = response.json()["error"]
    assert error["message"].startswith("Unknown measure: 0000. Choose from: requests,")
    assert list(error["fields"]) == ["measure"]
    spanish = client.get(
        "/api/v1/statistics", {"measure": "0000"}, HTTP_ACCEPT_LANGUAGE="es"
    ).json()["error"]["message"]
    assert "0000" in spanish and not spanish.startswith("Unknown")
    # spaces and empty items are taken as before
    assert (
        client.get("/api/v1/statistics", {"by": "port, month", "measure": "requests,"}).status_code
        == 200
    )
    parameters = client.get("/api/v1/openapi.json").json()["paths"]["/api/v1/statistics"]["get"][
        "parameters"
    ]
    patterns = {p["name"]: p["schema"].get("pattern") for p in parameters}
    assert re.fullmatch(patterns["measure"], "requests, decisions")
    assert not re.fullmatch(patterns["measure"], "0000")
    assert re.fullmatch(patterns["by"], "month,port")
    assert not re.fullmatch(patterns["by"], "colour")


def test_page_in_spanish(client, requests_last_month):
    response = client.get("/statistics/", HTTP_ACCEPT_LANGUAGE="es")
    assert "Estadísticas" in response.content.decode()


def test_page_with_nothing_published(client):
    response = client.get("/statistics/")
    assert response.status_code == 200
    assert "No month has been published yet" in response.content.decode()
    assert statistics_page(period="", language="en").months == ()


def test_downloads(client, requests_last_month):
    response = client.get("/statistics/data.csv", {"period": MONTH, "by": "port,nationality"})
    assert response.status_code == 200
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {"measure", "count"} <= set(rows[0])
    assert client.get("/statistics/data.json", {"period": MONTH}).json()["threshold"] == 10
    assert client.get("/statistics/data.xml").status_code == 404
    assert client.get("/statistics/data.csv", {"period": "May"}).status_code == 400


class TestReportCommand:
    def test_formats(self, requests_last_month, tmp_path):
        from openpyxl import load_workbook

        call_command(
            "stats_report",
            "--by",
            "nationality,port",
            "--format",
            "xlsx",
            "--out",
            str(tmp_path / "r.xlsx"),
        )
        sheet = load_workbook(tmp_path / "r.xlsx")["figures"]
        assert [c.value for c in sheet[1]][:2] == ["measure", "period"]
        assert all(cell.data_type != "f" for row in sheet.iter_rows() for cell in row)
        call_command(
            "stats_report", "--by", "port", "--format", "pdf", "--out", str(tmp_path / "r.pdf")
        )
        assert (tmp_path / "r.pdf").read_bytes().startswith(b"%PDF")

    def test_three_dimensions_give_their_two_way_tables(self, requests_last_month):
        _decide(list(Person.objects.filter(nationality="HN")[:12]), DecisionKind.PAROLE)
        out = io.StringIO()
        call_command("stats_report", "--by", "nationality,port,outcome", stdout=out)
        rows = list(csv.DictReader(io.StringIO(out.getvalue())))
        assert {r["measure"] for r in rows} == {"decisions"}  # the one measure with an outcome
        pairs = {(r["dimension_1"], r["dimension_2"]) for r in rows}
        assert pairs == {("nationality", "port"), ("nationality", "outcome"), ("port", "outcome")}

    @pytest.mark.parametrize(
        ("args", "message"),
        [
            (["--threshold", "0"], "at least 1"),
            (["--from", "2026-05-01", "--to", "2026-04-01"], "before its start"),
            (["--by", "port,colour"], "Unknown dimension"),
            (["--from", "2020-01-01", "--to", "2020-02-01"], "No published figures"),
            (["--from", "yesterday"], "not a date"),
            (["--format", "pdf"], "needs --out"),
        ],
    )
    def test_bad_input(self, requests_last_month, args, message):
        with pytest.raises(CommandError, match=message):
            call_command("stats_report", *args, stdout=io.StringIO())


def test_parquet_snapshot_gives_the_same_figures(settings, tmp_path, requests_last_month):
    """`portline stats snapshot` + DuckDB: the figures equal those grouped in the database."""
    _decide(list(Person.objects.filter(nationality="HN")[:12]), DecisionKind.PAROLE)
    from_database = statistics_table(by=["port", "nationality"])
    outcomes_database = statistics_table(by=["outcome"])
    out = io.StringIO()
    call_command("stats_snapshot", "--out", str(tmp_path), stdout=out)
    assert "requests: 70 rows" in out.getvalue()
    settings.STATS_PARQUET_DIR = str(tmp_path)
    assert statistics_table(by=["port", "nationality"]) == from_database
    assert statistics_table(by=["outcome"]) == outcomes_database
    assert not list(tmp_path.glob("*.partial"))


def test_snapshot_needs_a_folder(settings):
    settings.STATS_PARQUET_DIR = ""
    with pytest.raises(CommandError, match="--out FOLDER"):
        call_command("stats_snapshot", stdout=io.StringIO())
