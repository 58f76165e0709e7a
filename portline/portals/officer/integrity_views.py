"""Supervisor pages for integrity flags: the queue, one flag (assign, decide) and the review
of the stored geofence signals. Officers see flags only in their case files, read-only."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portline.accounts.models import Role
from portline.common.errors import ApplicationError
from portline.integrity import selectors, services
from portline.integrity.explanations import flag_explanation
from portline.integrity.models import GEOFENCE_FLAG_KINDS, FlagKind
from portline.portals.officer.integrity_forms import FlagDecideForm, FlagFilterForm
from portline.portals.officer.views import _apply_error, _status_for, port_page


def supervisor_page(view):
    @port_page
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.role != Role.SUPERVISOR:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapper


@supervisor_page
@require_GET
def flag_queue(request: HttpRequest) -> HttpResponse:
    form = FlagFilterForm(request.GET or None)
    filters = form.cleaned_data if form.is_valid() else {}
    flags = selectors.flags_queue(
        request.user,
        kind=filters.get("kind") or "",
        severity=filters.get("severity") or "",
        state=filters.get("state") or "",
        port_id=filters["port"].pk if filters.get("port") else None,
        partner_id=filters["partner"].pk if filters.get("partner") else None,
    )[:200]
    rows = [(flag, flag_explanation(flag)) for flag in flags]
    return render(request, "officer/integrity_queue.html", {"form": form, "rows": rows})


def _flag_context(request: HttpRequest, flag, decide_form=None) -> dict:
    return {
        "flag": flag,
        "explanation": flag_explanation(flag),
        "references": selectors.flag_subject_references(flag),
        "decide_form": decide_form or FlagDecideForm(),
    }


@supervisor_page
@require_GET
def flag_detail(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = selectors.access_flag(request.user, flag_id)
    return render(request, "officer/integrity_flag.html", _flag_context(request, flag))


@supervisor_page
@require_POST
def flag_assign(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = selectors.access_flag(request.user, flag_id)
    try:
        services.flag_assign(actor=request.user, flag=flag)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("The flag is now under your review."))
    return redirect("officer:integrity_flag", flag.pk)


@supervisor_page
@require_POST
def flag_decide(request: HttpRequest, flag_id: int) -> HttpResponse:
    flag = selectors.access_flag(request.user, flag_id)
    form = FlagDecideForm(request.POST)
    if form.is_valid():
        try:
            services.flag_decide(actor=request.user, flag=flag, **form.cleaned_data)
        except ApplicationError as exc:
            _apply_error(form, exc)
            return render(
                request,
                "officer/integrity_flag.html",
                _flag_context(request, flag, form),
                status=_status_for(exc),
            )
        messages.success(request, _("Decision saved."))
        return redirect("officer:integrity_flag", flag.pk)
    return render(
        request, "officer/integrity_flag.html", _flag_context(request, flag, form), status=400
    )


@supervisor_page
@require_GET
def geofence_review(request: HttpRequest) -> HttpResponse:
    kind = request.GET.get("kind", "")
    rows = selectors.geofence_review(request.user, kind=kind)
    return render(
        request,
        "officer/integrity_geofence.html",
        {
            "rows": [(row, flag_explanation(row.flag)) for row in rows],
            "kinds": [(k.value, FlagKind(k).label) for k in GEOFENCE_FLAG_KINDS],
            "kind": kind,
        },
    )
