"""Operators' endpoints: /healthz, /readyz, /metrics. No login; no personal data."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
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
