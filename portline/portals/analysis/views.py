"""Analysis pages for the analyst, and the planner's simulations for the program administrator.

No personal data: rounds by nationality, port and group size; ports and officers (by number)
by counts and rates. Every table downloads as CSV (?format=csv).
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods, require_safe

from portline.accounts.models import Role
from portline.common import clock
from portline.common.errors import ApplicationError, NotFound
from portline.portals.analysis.forms import PeriodForm, SimulationForm
from portline.stats.models import SimulationStatus
from portline.stats.oversight import port_operations, round_fairness, rounds_drawn
from portline.stats.selectors import simulation_get, simulations_recent
from portline.stats.services import simulation_request


def role_page(role: str):
    def decorate(view):
        @login_required
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            if request.user.role != role:
                raise Http404
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404 from exc

        return wrapper

    return decorate


analyst_page = role_page(Role.ANALYST)
planner_page = role_page(Role.PROGRAM_ADMIN)


def _csv(name: str, header: list[str], rows: list[list]) -> HttpResponse:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    response = HttpResponse(buffer.getvalue(), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{name}.csv"'
    return response


@require_safe
@analyst_page
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "analysis/home.html", {"rounds": rounds_drawn()[:10]})


@require_safe
@analyst_page
def rounds(request: HttpRequest) -> HttpResponse:
    return render(request, "analysis/rounds.html", {"rounds": rounds_drawn()})


@require_safe
@analyst_page
def round_fairness_view(request: HttpRequest, round_date: str) -> HttpResponse:
    try:
        day = dt.date.fromisoformat(round_date)
    except ValueError as exc:
        raise Http404 from exc
    fairness = round_fairness(day)
    if request.GET.get("format") == "csv":
        rows = [
            [
                t.dimension,
                r.category,
                r.requests,
                r.selected,
                f"{r.rate:.6f}",
                f"{r.low:.6f}",
                f"{r.high:.6f}",
                int(r.outlier),
            ]
            for t in fairness.tables
            for r in t.rows
        ]
        header = [
            "dimension",
            "category",
            "requests",
            "selected",
            "rate",
            "ci95_low",
            "ci95_high",
            "outlier",
        ]
        return _csv(f"round-{round_date}-fairness", header, rows)
    return render(request, "analysis/round.html", {"fairness": fairness})


@require_safe
@analyst_page
def operations(request: HttpRequest) -> HttpResponse:
    form = PeriodForm(request.GET or None)
    today = clock.now().date()
    start, end = today - dt.timedelta(days=30), today
    if form.is_valid():
        start = form.cleaned_data["date_from"] or start
        end = form.cleaned_data["date_to"] or end
    tables = port_operations(start, end) if not form.errors else {"port": [], "officer": []}
    if request.GET.get("format") == "csv" and not form.errors:
        rows = [
            [
                level,
                r.key,
                r.arrivals,
                r.no_shows,
                f"{r.no_show_rate:.6f}",
                r.decisions,
                f"{r.release_rate:.6f}",
                r.outlier,
            ]
            for level, table in tables.items()
            for r in table
        ]
        header = [
            "level",
            "key",
            "arrivals",
            "no_shows",
            "no_show_rate",
            "decisions",
            "parole_rate",
            "outlier",
        ]
        return _csv(f"operations-{start}-{end}", header, rows)
    return render(
        request,
        "analysis/operations.html",
        {"form": form, "tables": tables, "start": start, "end": end},
    )


@require_http_methods(["GET", "POST"])
@planner_page
def simulations(request: HttpRequest) -> HttpResponse:
    form = SimulationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            run = simulation_request(actor=request.user, values=form.values())
        except ApplicationError as exc:
            form.add_error(None, str(exc))
        else:
            return redirect("analysis:simulation", run_id=run.pk)
    return render(
        request, "analysis/simulations.html", {"form": form, "runs": simulations_recent()}
    )


@require_safe
@planner_page
def simulation(request: HttpRequest, run_id: int) -> HttpResponse:
    run = simulation_get(run_id)
    waiting = run.status in (SimulationStatus.QUEUED, SimulationStatus.RUNNING)
    return render(
        request,
        "analysis/simulation.html",
        {"run": run, "charts": run.charts, "refresh": 5 if waiting else None},
    )
