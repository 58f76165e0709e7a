"""Request context (id, access log, metrics, replica reads) and admission control."""

from __future__ import annotations

import logging
import re
import time
import uuid
from collections.abc import Callable
from urllib.parse import parse_qsl, urlencode

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

from portline.ops import admission, metrics
from portline.ops.logs import request_id_reset, request_id_set
from portline.ops.router import replica_path, replica_reads

access_log = logging.getLogger("portline.access")

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")

# Route groups for metrics and logs: a handful of labels, never a raw path.
_GROUPS = (
    ("/api/", "api"),
    ("/apply/", "applicant"),
    ("/officer/", "officer"),
    ("/partner/", "partner"),
    ("/admin/", "admin"),
    ("/accounts/", "accounts"),
    ("/static/", "static"),
    ("/healthz", "ops"),
    ("/readyz", "ops"),
    ("/metrics", "ops"),
)


def route_group(path: str) -> str:
    for prefix, group in _GROUPS:
        if path.startswith(prefix):
            return group
    return "public"


def redacted_path(request: HttpRequest) -> str:
    """The path with every query value replaced: a search for a name must not reach the log."""
    query = request.META.get("QUERY_STRING", "")
    if not query:
        return request.path
    keys = [(key, "-") for key, _value in parse_qsl(query, keep_blank_values=True)]
    return f"{request.path}?{urlencode(keys, safe='-')}"


def _client_address_from_proxy(request: HttpRequest) -> None:
    """Behind a trusted proxy, REMOTE_ADDR is the client it saw (nginx replaces
    X-Forwarded-For with $remote_addr; the last entry is the one the proxy added)."""
    if request.META.get("REMOTE_ADDR") not in settings.PORTLINE_TRUSTED_PROXIES:
        return
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "").rsplit(",", 1)[-1].strip()
    if forwarded:
        request.META["REMOTE_ADDR"] = forwarded


class RequestContextMiddleware:
    """Outermost: gives the request an id, times it, counts it, logs one line for it, and
    sends public read-only paths to the replica (portline.ops.router)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        started = time.perf_counter()
        _client_address_from_proxy(request)
        supplied = request.META.get("HTTP_X_REQUEST_ID", "")
        request_id = supplied if _REQUEST_ID.match(supplied) else uuid.uuid4().hex
        request.request_id = request_id  # type: ignore[attr-defined]
        token = request_id_set(request_id)
        group = route_group(request.path)
        metrics.INFLIGHT.inc()
        try:
            if request.method in ("GET", "HEAD") and replica_path(request.path):
                with replica_reads():
                    response = self.get_response(request)
            else:
                response = self.get_response(request)
            response["X-Request-ID"] = request_id
            elapsed = time.perf_counter() - started
            metrics.request_observe(
                group=group,
                method=request.method or "",
                status=response.status_code,
                seconds=elapsed,
            )
            access_log.info(
                "%s %s %s",
                request.method,
                redacted_path(request),
                response.status_code,
                extra={
                    "method": request.method,
                    "path": redacted_path(request),
                    "status": response.status_code,
                    "duration_ms": round(elapsed * 1000, 1),
                    "group": group,
                },
            )
            return response
        finally:
            metrics.INFLIGHT.dec()
            request_id_reset(token)


class AdmissionMiddleware:
    """Turns applicant requests away before any session, database or view work when this
    process is past its capacity (portline.ops.admission)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if admission.exempt(request.path):
            return self.get_response(request)
        is_api = request.path.startswith("/api/")
        raw_ticket = (
            request.META.get(admission.TICKET_HEADER)
            if is_api
            else request.COOKIES.get(admission.TICKET_COOKIE)
        )
        ticket = admission.ticket_read(raw_ticket)
        gate = admission.gate()
        reason = (
            "queue"
            if admission.queued_too_long(request.META, now=time.time())
            else gate.enter(priority=ticket is not None)
        )
        if reason is not None:
            metrics.ADMISSION_TURNED_AWAY.labels(route_group(request.path), reason).inc()
            return self._turn_away(request, ticket, is_api=is_api, rate=gate.rate)
        try:
            if ticket is not None:
                admission.ticket_served(ticket)
            response = self.get_response(request)
            if ticket is not None and not is_api:
                response.delete_cookie(admission.TICKET_COOKIE)
            return response
        finally:
            gate.leave()

    def _turn_away(
        self, request: HttpRequest, previous: admission.Ticket | None, *, is_api: bool, rate: int
    ) -> HttpResponse:
        ticket = admission.ticket_issue(previous, now=time.time())
        place = admission.place_in_line(ticket)
        seconds = admission.retry_after(place, rate=rate)
        signed = admission.ticket_sign(ticket)
        language = translation.get_language_from_request(request)
        with translation.override(language):
            if is_api:
                response: HttpResponse = JsonResponse(
                    {
                        "error": {
                            "code": "over_capacity",
                            "message": _(
                                "The service is busy. Nothing was saved. Try again in %(seconds)s seconds."
                            )
                            % {"seconds": seconds},
                            "details": {
                                "retry_after": seconds,
                                "place": place,
                                "ticket": signed,
                            },
                        }
                    },
                    status=503,
                )
            else:
                response = HttpResponse(
                    render_to_string(
                        "ops/waiting.html",
                        {
                            "seconds": seconds,
                            "place": place,
                            "posted": request.method not in ("GET", "HEAD"),
                            "LANGUAGE_CODE": language,
                        },
                    ),
                    status=503,
                )
                response.set_cookie(
                    admission.TICKET_COOKIE,
                    signed,
                    max_age=admission.TICKET_MAX_AGE,
                    httponly=True,
                    samesite="Lax",
                    secure=request.is_secure(),
                )
        response._has_been_logged = True  # type: ignore[attr-defined]  # counted; not an error
        response["Retry-After"] = str(seconds)
        response["Cache-Control"] = "no-store"
        response["Content-Language"] = language
        return response
