"""Operators' endpoints: /healthz, /readyz, /metrics. No login; no personal data."""

from __future__ import annotations

import sys

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

from portline.ops.selectors import readiness_check


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """The process answers (no database work: a liveness probe must not fail with the database)."""
    return HttpResponse("ok", content_type="text/plain")


@never_cache
def readyz(request: HttpRequest) -> JsonResponse:
    """Database reachable, migrations applied, a task worker seen recently: 200, else 503."""
    result = readiness_check()
    response = JsonResponse(
        {"status": "ready" if result.ready else "not ready", "checks": result.checks},
        status=200 if result.ready else 503,
    )
    response._has_been_logged = True  # type: ignore[attr-defined]  # the access log has it
    return response


@never_cache
def metrics_view(request: HttpRequest) -> HttpResponse:
    if request.META.get("REMOTE_ADDR") not in settings.PORTLINE_METRICS_ALLOWED:
        return HttpResponse("forbidden", status=403, content_type="text/plain")
    from prometheus_client import CONTENT_TYPE_LATEST  # after `portline serve` set its folder

    from portline.ops import metrics

    return HttpResponse(metrics.exposition(), content_type=CONTENT_TYPE_LATEST)


def _database_unavailable(exc: BaseException | None) -> bool:
    from django.db import InterfaceError, OperationalError
    from psycopg_pool import PoolTimeout

    return isinstance(exc, OperationalError | InterfaceError | PoolTimeout)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: an unreachable or restarting database is said plainly (503, Retry-After),
    in the API's error body for the API; anything else is a plain 500 without details."""
    exc = sys.exc_info()[1]
    unavailable = _database_unavailable(exc)
    status = 503 if unavailable else 500
    message = (
        _(
            "The service cannot reach its database right now. Nothing was saved. Try again in a minute."
        )
        if unavailable
        else _("Something went wrong on our side. Nothing was saved. Please try again later.")
    )
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            {
                "error": {
                    "code": "database_unavailable" if unavailable else "server_error",
                    "message": message,
                }
            },
            status=status,
        )
    else:
        response = HttpResponse(
            render_to_string("ops/error.html", {"message": message}), status=status
        )
    if unavailable:
        response["Retry-After"] = "30"
    return response
