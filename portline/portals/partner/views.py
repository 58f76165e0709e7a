"""Partner portal: a partner organization's staff see and start their organization's
registrations. Editing happens on the applicant registration pages, which let partner staff
reach their organization's registrations (access_registration)."""

from __future__ import annotations

from functools import wraps

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from portline.accounts.models import Role
from portline.common.errors import ApplicationError
from portline.registrations.models import RegistrationStatus, RequestStatus
from portline.registrations.selectors import partner_registrations_list
from portline.registrations.services import registration_create

PAGE_SIZE = 25


def registration_page_url(reference: str) -> str:
    """The applicant registration pages, which partner staff share (access_registration)."""
    try:
        return reverse("applicant:review", kwargs={"reference": reference})
    except NoReverseMatch:
        return f"/apply/registrations/{reference}/"


def partner_staff_required(view):
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        user = request.user
        if not user.is_authenticated:
            return redirect(f"{reverse('accounts:login')}?next={request.path}")
        if not user.is_verified():
            return redirect(f"{reverse('accounts:second_factor')}?next={request.path}")
        if user.role != Role.PARTNER_STAFF or not user.partner_id:
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper


@require_GET
@partner_staff_required
def home(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")[:100]
    page = Paginator(
        partner_registrations_list(actor=request.user, query=query), PAGE_SIZE
    ).get_page(request.GET.get("page"))
    statuses = dict(RegistrationStatus.choices)
    request_statuses = dict(RequestStatus.choices)
    rows = [
        {
            "reference": r.reference,
            "url": registration_page_url(r.reference),
            "name": f"{r.main_given_names or ''} {r.main_family_names or ''}".strip(),
            "people": r.people_count,
            "status": statuses.get(r.status, r.status),
            "request_status": request_statuses.get(r.latest_request_status, "")
            if r.latest_request_status
            else "",
            "request_date": r.latest_request_date,
            "created_at": r.created_at,
        }
        for r in page.object_list
    ]
    return render(
        request,
        "partner/home.html",
        {
            "organization": request.user.partner,
            "page": page,
            "rows": rows,
            "query": query,
        },
    )


@require_POST
@partner_staff_required
def registration_start(request: HttpRequest) -> HttpResponse:
    try:
        registration = registration_create(actor=request.user)
    except ApplicationError as exc:
        messages.error(request, exc.message)
        return redirect("partner:home")
    messages.success(
        request,
        _("Registration %(reference)s started. Add the people travelling together.")
        % {"reference": registration.reference},
    )
    return redirect(registration_page_url(registration.reference))
