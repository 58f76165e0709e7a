"""Personal data protection pages: the public retention schedule; the applicant's own copy,
access history and deletion request; supervisors' unusual access and legal holds; the program
administrator's retention runs. Views parse input, call one service or selector, and render."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from portline.accounts.models import Role
from portline.common.errors import ApplicationError, NotFound, ValidationFailed
from portline.portals.privacy.forms import DeletionForm, HoldForm
from portline.privacy import selectors, services
from portline.privacy.schedule import KINDS


def _not_found_as_404(view):
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc

    return wrapper


def _form_errors(form, exc: ApplicationError) -> None:
    if isinstance(exc, ValidationFailed) and exc.errors:
        for name, field_messages in exc.errors.items():
            for message in field_messages:
                form.add_error(name if name in form.fields else None, str(message))
    else:
        form.add_error(None, str(exc.message))


@require_safe
def schedule(request: HttpRequest) -> HttpResponse:
    return render(request, "privacy/schedule.html", {"kinds": KINDS})


# The applicant's own data -------------------------------------------------------------------


def _mine_context(request: HttpRequest, registration, form: DeletionForm | None = None) -> dict:
    return {
        "registration": registration,
        "history": selectors.access_history(registration),
        "reached_port": selectors.reached_port_reason(registration),
        "pending": selectors.pending_deletion(registration),
        "form": form or DeletionForm(),
        "draft": registration.status == "draft",
        "deletion_days": dict((k.key, k.days) for k in KINDS)["deletion_requests"],
    }


@_not_found_as_404
@require_safe
def mine(request: HttpRequest, reference: str) -> HttpResponse:
    registration = selectors.access_own_registration(request.user, reference)
    return render(request, "privacy/mine.html", _mine_context(request, registration))


@_not_found_as_404
@require_safe
def download(request: HttpRequest, reference: str, fmt: str) -> HttpResponse:
    content, content_type, filename = services.personal_data_export(
        actor=request.user,
        reference=reference,
        fmt=fmt,
        fallback_language=request.user.preferred_language or get_language() or "en",
    )
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@_not_found_as_404
@require_http_methods(["POST"])
def delete(request: HttpRequest, reference: str) -> HttpResponse:
    registration = selectors.access_own_registration(request.user, reference)
    form = DeletionForm(request.POST)
    if form.is_valid():
        try:
            services.deletion_request_create(actor=request.user, reference=reference)
        except ApplicationError as exc:
            if isinstance(exc, NotFound):
                raise
            _form_errors(form, exc)
        else:
            messages.success(
                request,
                _(
                    "Your request is recorded. The registration will be deleted at the next retention run."
                ),
            )
            return redirect("privacy:mine", reference)
    return render(
        request, "privacy/mine.html", _mine_context(request, registration, form), status=400
    )


# Staff ----------------------------------------------------------------------------------------


@_not_found_as_404
@require_safe
def unusual(request: HttpRequest) -> HttpResponse:
    readers = selectors.unusual_access(request.user)
    return render(request, "privacy/unusual.html", {"readers": readers})


def _holds_page(request: HttpRequest, form: HoldForm, *, status: int = 200) -> HttpResponse:
    return render(
        request,
        "privacy/holds.html",
        {"form": form, "holds": list(selectors.holds_visible_to(request.user)[:200])},
        status=status,
    )


@_not_found_as_404
@require_http_methods(["GET", "POST"])
def holds(request: HttpRequest) -> HttpResponse:
    if request.user.role not in (Role.SUPERVISOR, Role.PROGRAM_ADMIN):
        raise Http404
    form = HoldForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                services.legal_hold_set(
                    actor=request.user,
                    reference=form.cleaned_data["reference"],
                    reason=form.cleaned_data["reason"],
                )
            except ApplicationError as exc:
                _form_errors(form, exc)
            else:
                messages.success(request, _("The legal hold is set."))
                return redirect("privacy:holds")
        return _holds_page(request, form, status=400)
    return _holds_page(request, form)


@_not_found_as_404
@require_POST
def hold_lift(request: HttpRequest) -> HttpResponse:
    if request.user.role not in (Role.SUPERVISOR, Role.PROGRAM_ADMIN):
        raise Http404
    form = HoldForm(request.POST)
    if form.is_valid():
        try:
            services.legal_hold_lift(
                actor=request.user,
                reference=form.cleaned_data["reference"],
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            _form_errors(form, exc)
        else:
            messages.success(request, _("The legal hold is lifted."))
            return redirect("privacy:holds")
    return _holds_page(request, form, status=400)


@_not_found_as_404
@require_safe
def runs(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "privacy/runs.html",
        {"runs": selectors.retention_runs(request.user), "kinds": KINDS},
    )
