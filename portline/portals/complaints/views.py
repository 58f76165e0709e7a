"""Reporting a demand for payment, extortion or a fake appointment (anyone, no login), the
reporter's status check by receipt code, and the oversight role's queue."""

from __future__ import annotations

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_safe

from portline.accounts.models import Role
from portline.common.errors import ApplicationError, NotFound, ValidationFailed
from portline.complaints import selectors, services
from portline.complaints.models import ComplaintKind
from portline.portals.complaints.forms import QueueFilterForm, ReportForm, StatusForm, TriageForm
from portline.scheduling.selectors import port_by_id


def _form_errors(form, exc: ApplicationError) -> None:
    if isinstance(exc, ValidationFailed) and exc.errors:
        for field, messages in exc.errors.items():
            for message in messages:
                form.add_error(field if field in form.fields else None, message)
    else:
        form.add_error(None, exc.message)


@require_http_methods(["GET", "POST"])
def report(request: HttpRequest) -> HttpResponse:
    form = ReportForm(request.POST or None)
    context = {
        "form": form,
        "counts": selectors.complaint_counts_public(),
        "kinds": ComplaintKind.choices,
    }
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if data["website"]:
            # The hidden field was filled: a robot. It sees a page like the real one; nothing is kept.
            return render(request, "complaints/sent.html", {"code": None})
        if services.complaint_rate_limited(client=request.META.get("REMOTE_ADDR", "")):
            form.add_error(
                None, _("Too many reports from this connection. Please try again in an hour.")
            )
            return render(request, "complaints/report.html", context, status=429)
        port = port_by_id(data["port"]) if data["port"] else None
        try:
            _complaint, code = services.complaint_submit(
                actor=request.user,
                kind=data["kind"],
                description=data["description"],
                people_named=data["people_named"],
                port=port,
                place=data["place"],
                happened_on=data["happened_on"],
                anonymous=data["anonymous"],
                contact=data["contact"],
                language=get_language() or "en",
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            # Shown once, in this response only: the code is nowhere else.
            response = render(request, "complaints/sent.html", {"code": code})
            response["Cache-Control"] = "no-store"
            return response
    return render(request, "complaints/report.html", context, status=400 if form.errors else 200)


@require_http_methods(["GET", "POST"])
def report_status(request: HttpRequest) -> HttpResponse:
    """POST, so the code never lands in a URL or a server log."""
    form = StatusForm(request.POST or None)
    complaint = None
    if request.method == "POST" and form.is_valid():
        if services.complaint_rate_limited(client="status|" + request.META.get("REMOTE_ADDR", "")):
            form.add_error(
                None, _("Too many attempts from this connection. Please try again in an hour.")
            )
        else:
            try:
                complaint = selectors.complaint_by_receipt(form.cleaned_data["code"])
            except NotFound as exc:
                form.add_error("code", exc.message)
    response = render(request, "complaints/status.html", {"form": form, "complaint": complaint})
    response["Cache-Control"] = "no-store"
    return response


def _oversight_only(request: HttpRequest) -> None:
    if not (request.user.is_authenticated and request.user.role == Role.OVERSIGHT):
        raise Http404


@require_safe
def queue(request: HttpRequest) -> HttpResponse:
    _oversight_only(request)
    filters = QueueFilterForm(request.GET or None)
    chosen = filters.cleaned_data if filters.is_valid() else {}
    complaints = selectors.complaints_queue(
        request.user, status=chosen.get("status") or "", kind=chosen.get("kind") or ""
    )
    return render(
        request, "complaints/queue.html", {"complaints": complaints[:200], "filters": filters}
    )


@require_http_methods(["GET", "POST"])
def detail(request: HttpRequest, complaint_id: int) -> HttpResponse:
    _oversight_only(request)
    try:
        complaint = selectors.access_complaint(request.user, complaint_id)
    except NotFound as exc:
        raise Http404 from exc
    form = TriageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.complaint_triage(
                actor=request.user,
                complaint_id=complaint.pk,
                status=form.cleaned_data["status"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            return redirect("complaints:detail", complaint_id=complaint.pk)
    return render(
        request,
        "complaints/detail.html",
        {"complaint": complaint, "form": form, "decisions": complaint.decisions.all()},
        status=400 if form.errors else 200,
    )
