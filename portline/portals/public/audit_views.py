"""The audit log's published day roots, signed, for anyone to keep and check."""

from __future__ import annotations

import datetime as dt

from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from portline.audit import signing
from portline.audit.selectors import audit_day_root, audit_days_published, signed_document


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    page = Paginator(audit_days_published(), 60).get_page(request.GET.get("page"))
    return render(
        request,
        "public/audit.html",
        {"page": page, "days": page.object_list, "public_key": signing.public_key_b64()},
    )


@require_safe
def public_key(request: HttpRequest) -> HttpResponse:
    return HttpResponse(signing.public_key_b64() + "\n", content_type="text/plain")


@require_safe
def root_file(request: HttpRequest, day: str) -> HttpResponse:
    try:
        published = audit_day_root(dt.date.fromisoformat(day))
    except ValueError as exc:
        raise Http404 from exc
    if published is None:
        raise Http404
    response = JsonResponse(
        signed_document(published), json_dumps_params={"indent": 2, "sort_keys": True}
    )
    response["Content-Disposition"] = f'attachment; filename="portline-audit-{day}.json"'
    return response
