"""Public pages: what Portline is, and the allocation rounds anyone can check."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.paginator import Paginator
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    JsonResponse,
    StreamingHttpResponse,
)
from django.shortcuts import render
from django.urls import NoReverseMatch, reverse
from django.views.decorators.http import require_safe

from portline.allocation import canonical
from portline.allocation.models import RoundStatus
from portline.allocation.selectors import (
    round_get,
    round_metadata,
    round_port_chances,
    round_port_counts,
    round_requests_body,
    round_result_lines,
    rounds_public,
)
from portline.common.errors import NotFound

EXPORT_FILES = ("round.json", "requests.csv", "results.csv")
VERIFIER_SCRIPT = Path(__file__).resolve().parents[3] / "verifier" / "portline_verify.py"


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
    chances = {row["code"]: row for row in round_port_chances(round_obj)}
    ports = []
    for code in sorted(round_obj.capacities):
        capacity = int(round_obj.capacities[code])
        row = chances[code]
        ports.append(
            {
                "code": code,
                "capacity": capacity,
                "share": capacity * round_obj.reserved_percent // 100,
                "requests": sum(row["counts"]),
                "chances": [
                    {"percent": chance * 100, "relative": relative}
                    for chance, relative in zip(row["chances"], row["relative"], strict=True)
                ],
            }
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
    day = round_obj.round_date.isoformat()
    export_base = request.build_absolute_uri(reverse("public:round", args=[day])) + "export/"
    return render(
        request,
        "public/round_detail.html",
        {
            "round": round_obj,
            "ports": ports,
            "files": files,
            "sizes": range(1, 11),
            "verifier_url": request.build_absolute_uri(reverse("public:verifier")),
            "export_base": export_base,
            "folder": f"round-{day}",
        },
    )


@require_safe
def verifier_script(request: HttpRequest) -> FileResponse:
    """The standalone verifier (one file, Python's standard library only)."""
    response = FileResponse(VERIFIER_SCRIPT.open("rb"), content_type="text/x-python; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="portline_verify.py"'
    return response


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
