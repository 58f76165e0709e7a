"""Public pages: what Portline is, and the allocation rounds anyone can check."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from portline.allocation import canonical
from portline.allocation.fairness import skip_rule_weights
from portline.allocation.models import RoundStatus
from portline.allocation.selectors import (
    round_get,
    round_metadata,
    round_port_counts,
    round_requests_body,
    round_result_lines,
    rounds_public,
)
from portline.common.errors import NotFound

# Group sizes as reported by the synthetic population (docs/allocation.md, "Odds").
_SIZE_SHARE = (0.38, 0.20, 0.16, 0.12, 0.06, 0.03, 0.02, 0.015, 0.01, 0.005)
EXPORT_FILES = ("round.json", "requests.csv", "results.csv")


def _url_or(name: str, fallback: str) -> str:
    try:
        return reverse(name)
    except NoReverseMatch:
        return fallback


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    latest = rounds_public().first()
    return render(
        request,
        "public/home.html",
        {
            "latest": latest,
            "login_url": _url_or("accounts:login", "/accounts/login/"),
            "signup_url": _url_or("accounts:signup", "/accounts/signup/"),
            "area_url": _url_or("area:index", ""),
        },
    )


@require_safe
def round_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(rounds_public(), 30).get_page(request.GET.get("page"))
    return render(request, "public/rounds.html", {"page": page, "rounds": page.object_list})


def _round_or_404(round_date: str):
    try:
        return round_get(dt.date.fromisoformat(round_date))
    except (ValueError, NotFound) as exc:
        raise Http404 from exc


@require_safe
def round_detail(request: HttpRequest, round_date: str) -> HttpResponse:
    round_obj = _round_or_404(round_date)
    ports = []
    for code in sorted(round_obj.capacities):
        capacity = int(round_obj.capacities[code])
        share = capacity * round_obj.reserved_percent // 100
        weights = skip_rule_weights([share, capacity - share], _SIZE_SHARE)
        ports.append(
            {"code": code, "capacity": capacity, "share": share, "ten": round(weights[9] * 100)}
        )
    if round_obj.status == RoundStatus.DRAWN:
        counts = round_port_counts(round_obj)
        for port in ports:
            port.update(counts.get(port["code"], {"selected": 0, "people": 0, "standby": 0}))
    files = [
        name
        for name in EXPORT_FILES
        if name != "results.csv" or round_obj.status == RoundStatus.DRAWN
    ]
    return render(
        request, "public/round_detail.html", {"round": round_obj, "ports": ports, "files": files}
    )


@require_safe
def round_export_file(request: HttpRequest, round_date: str, name: str) -> HttpResponse:
    """The public export, file by file (what `portline lottery export` writes)."""
    round_obj = _round_or_404(round_date)
    if name == "round.json":
        response = JsonResponse(
            round_metadata(round_obj), json_dumps_params={"indent": 2, "sort_keys": True}
        )
    elif name == "requests.csv":
        body = round_requests_body(round_obj)
        response = StreamingHttpResponse(
            _chunks(canonical.REQUESTS_HEADER.encode("ascii") + b"\n", body),
            content_type="text/csv; charset=utf-8",
        )
    elif name == "results.csv" and round_obj.status == RoundStatus.DRAWN:
        lines = round_result_lines(round_obj)
        response = StreamingHttpResponse(
            _csv(canonical.RESULTS_HEADER, lines), content_type="text/csv; charset=utf-8"
        )
    else:
        raise Http404
    response["Content-Disposition"] = (
        f'attachment; filename="{round_obj.round_date.isoformat()}-{name}"'
    )
    return response


def _chunks(header: bytes, body: bytes, size: int = 1 << 20):
    yield header
    for start in range(0, len(body), size):
        yield body[start : start + size]


def _csv(header: str, lines: list[str]):
    yield header + "\n"
    for start in range(0, len(lines), 10_000):
        yield "".join(line + "\n" for line in lines[start : start + 10_000])
