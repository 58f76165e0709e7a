"""Partner portal: a partner organization's staff enter people (one at a time with their
consent, or in bulk from a file) and follow their organization's registrations; its
administrator invites and suspends staff. Editing a registration happens on the applicant
registration pages, which let staff reach their organization's registrations while the
person's consent stands (access_registration)."""

from __future__ import annotations

from functools import wraps

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portline.accounts.models import Role
from portline.accounts.selectors import (
    access_partner_staff,
    access_staff_invitation,
    partner_staff_visible_to,
    staff_invitations_open,
)
from portline.accounts.services import (
    partner_organization_suspend,
    staff_invitation_accept,
    staff_invitation_cancel,
    staff_invitation_open,
    staff_invite,
    staff_reinstate,
    staff_suspend,
)
from portline.common.errors import ApplicationError, NotFound, ValidationFailed
from portline.intake.columns import COLUMNS
from portline.intake.downloads import report_csv, template_csv, template_xlsx
from portline.intake.files import MAX_BYTES, MAX_COLUMNS
from portline.intake.selectors import access_batch, batch_imports, batches_visible_to
from portline.integrity.services import bulk_check_linked, bulk_commit_linked
from portline.portals import keys
from portline.portals.partner.forms import ConsentForm, InviteForm, JoinForm
from portline.registrations.models import RegistrationStatus, RequestStatus
from portline.registrations.selectors import partner_registrations_list
from portline.registrations.services import consent_statement, registration_create_keyed

PAGE_SIZE = 25
REPORT_LINES_SHOWN = 500
STAFF = frozenset({Role.PARTNER_STAFF})
ADMIN = frozenset({Role.PARTNER_ADMIN})
MEMBERS = STAFF | ADMIN


def registration_page_url(reference: str) -> str:
    """The applicant registration pages, which partner staff share (access_registration)."""
    try:
        return reverse("applicant:review", kwargs={"reference": reference})
    except NoReverseMatch:
        return f"/apply/registrations/{reference}/"


def partner_page(roles: frozenset[str]):
    """Signed in with the second factor, in one of `roles` of a partner organization.
    Domain refusals of access become 404 here, once."""

    def decorate(view):
        @wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            user = request.user
            if not user.is_authenticated:
                return redirect(f"{reverse('accounts:login')}?next={request.path}")
            if not user.is_verified():
                return redirect(f"{reverse('accounts:second_factor')}?next={request.path}")
            if user.role not in roles or not user.partner_id:
                raise DjangoPermissionDenied
            try:
                return view(request, *args, **kwargs)
            except NotFound as exc:
                raise Http404(str(exc.message)) from exc

        return wrapper

    return decorate


# Registrations -------------------------------------------------------------------------------


def _home_context(request: HttpRequest, consent_form: ConsentForm) -> dict:
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
    return {
        "create_key": keys.form_key(request),
        "organization": request.user.partner,
        "page": page,
        "rows": rows,
        "query": query,
        "consent_form": consent_form,
        "statement": consent_statement(translation.get_language() or "en"),
    }


@require_GET
@partner_page(MEMBERS)
def home(request: HttpRequest) -> HttpResponse:
    if request.user.role == Role.PARTNER_ADMIN:
        return redirect("partner:staff")
    form = ConsentForm(initial={"consent_language": translation.get_language()})
    return render(request, "partner/home.html", _home_context(request, form))


@require_POST
@partner_page(STAFF)
def registration_start(request: HttpRequest) -> HttpResponse:
    form = ConsentForm(request.POST)
    if form.is_valid():
        try:
            registration, _created = registration_create_keyed(
                actor=request.user,
                consent=form.cleaned_data,
                idempotency_key=keys.posted_key(request),
            )
        except ValidationFailed as exc:
            for name, errors in exc.errors.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return redirect("partner:home")
        else:
            messages.success(
                request,
                _("Registration %(reference)s started. Add the people travelling together.")
                % {"reference": registration.reference},
            )
            return redirect(registration_page_url(registration.reference))
    return render(request, "partner/home.html", _home_context(request, form), status=422)


# Bulk entry ----------------------------------------------------------------------------------


@require_GET
@partner_page(STAFF)
def import_template(request: HttpRequest, kind: str) -> HttpResponse:
    language = request.GET.get("language") or translation.get_language() or "en"
    if language not in {code for code, _name in settings.LANGUAGES}:
        language = "en"
    if kind == "csv":
        response = HttpResponse(template_csv(language), content_type="text/csv; charset=utf-8")
    elif kind == "xlsx":
        response = HttpResponse(
            template_xlsx(language),
            content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        )
    else:
        raise Http404
    response["Content-Disposition"] = f'attachment; filename="portline-people-{language}.{kind}"'
    return response


def _mapping_from(request: HttpRequest) -> list[str] | None:
    """The column matching chosen on the check page (for each file column a key or "")."""
    if request.POST.get("mapping") != "1":
        return None
    keys = {c.key for c in COLUMNS}
    try:
        count = min(max(int(request.POST.get("columns") or 0), 0), MAX_COLUMNS)
    except ValueError:
        return None
    return [
        value if (value := request.POST.get(f"map_{i}", "")) in keys else "" for i in range(count)
    ]


@require_http_methods(["GET", "POST"])
@partner_page(STAFF)
def bulk_import(request: HttpRequest) -> HttpResponse:
    context: dict = {
        "columns": COLUMNS,
        "languages": settings.LANGUAGES,
        "cutoffs": settings.PORTLINE_PARTNER_CUTOFFS,
        "cutoff_zone": settings.PORTLINE_PARTNER_CUTOFF_TIME_ZONE,
    }
    if request.method == "GET":
        return render(request, "partner/import.html", context)
    upload = request.FILES.get("file")
    if upload is None:
        context["file_error"] = _("Choose the file to check.")
        return render(request, "partner/import.html", context, status=422)
    if upload.size > MAX_BYTES:
        context["file_error"] = _("The file is larger than 20 MB. Split it into smaller files.")
        return render(request, "partner/import.html", context, status=422)
    content = upload.read()
    mapping = _mapping_from(request)
    action = request.POST.get("action", "check")
    try:
        if action == "commit":
            record = bulk_commit_linked(
                actor=request.user,
                content=content,
                mapping=mapping,
                checked_sha256=request.POST.get("checked", ""),
                skip_duplicates=request.POST.get("skip_duplicates") == "1",
            )
            messages.success(
                request,
                _(
                    "%(rows)s rows were entered as %(registrations)s registrations; each one "
                    "records you as the staff member who entered it."
                )
                % {"rows": record.rows_imported, "registrations": record.registrations},
            )
            return redirect("partner:batch", record.batch_id)
        report = bulk_check_linked(actor=request.user, content=content, mapping=mapping)
    except ApplicationError as exc:
        context["file_error"] = str(exc.message)
        return render(request, "partner/import.html", context, status=422)
    if action == "report":
        response = HttpResponse(report_csv(report), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = 'attachment; filename="portline-check.csv"'
        return response
    problems = sorted(report.problems, key=lambda p: p.row)
    context.update(
        report=report,
        problems=problems[:REPORT_LINES_SHOWN],
        problems_hidden=max(0, len(problems) - REPORT_LINES_SHOWN),
        duplicates=report.duplicates[:REPORT_LINES_SHOWN],
        mapping_rows=[
            {"index": i, "header": h or "—", "key": report.mapping[i]}
            for i, h in enumerate(report.headers)
        ],
        file_name=upload.name,
    )
    return render(request, "partner/import.html", context)


@require_GET
@partner_page(MEMBERS)
def batches(request: HttpRequest) -> HttpResponse:
    page = Paginator(batches_visible_to(request.user), PAGE_SIZE).get_page(request.GET.get("page"))
    return render(
        request, "partner/batches.html", {"page": page, "organization": request.user.partner}
    )


@require_GET
@partner_page(MEMBERS)
def batch_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = access_batch(request.user, batch_id)
    return render(
        request,
        "partner/batch.html",
        {"batch": batch, "imports": list(batch_imports(batch))},
    )


# Staff (the organization's administrator) ----------------------------------------------------


def _staff_context(request: HttpRequest, form: InviteForm, link: str = "") -> dict:
    return {
        "organization": request.user.partner,
        "staff": list(partner_staff_visible_to(request.user)),
        "invitations": list(staff_invitations_open(request.user)),
        "form": form,
        "link": link,
        "hours": settings.PORTLINE_STAFF_INVITATION_HOURS,
    }


@require_GET
@partner_page(ADMIN)
def staff(request: HttpRequest) -> HttpResponse:
    return render(request, "partner/staff.html", _staff_context(request, InviteForm()))


@require_POST
@partner_page(ADMIN)
def invite(request: HttpRequest) -> HttpResponse:
    form = InviteForm(request.POST)
    if form.is_valid():
        try:
            result = staff_invite(
                actor=request.user,
                login=form.cleaned_data["login"],
                display_name=form.cleaned_data["display_name"],
                role=form.cleaned_data["role"],
                link_for=lambda secret: request.build_absolute_uri(
                    reverse("partner:join", args=[secret])
                ),
            )
        except ValidationFailed as exc:
            for name, errors in exc.errors.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        except ApplicationError as exc:
            form.add_error(exc.field if exc.field in form.fields else None, str(exc.message))
        else:
            link = request.build_absolute_uri(reverse("partner:join", args=[result.secret]))
            messages.success(
                request,
                _("The invitation was sent by e-mail.")
                if "@" in result.invitation.login
                else _("The invitation was sent by text message."),
            )
            # Shown once, to hand over in person if the message does not arrive.
            return render(
                request, "partner/staff.html", _staff_context(request, InviteForm(), link)
            )
    return render(request, "partner/staff.html", _staff_context(request, form), status=422)


def _staff_action(request: HttpRequest, user_id: int, service, done: str) -> HttpResponse:
    member = access_partner_staff(request.user, user_id)
    try:
        service(actor=request.user, user=member)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done)
    return redirect("partner:staff")


@require_POST
@partner_page(ADMIN)
def staff_suspend_view(request: HttpRequest, user_id: int) -> HttpResponse:
    return _staff_action(
        request,
        user_id,
        staff_suspend,
        _("The staff member is suspended: their sessions and API tokens no longer work."),
    )


@require_POST
@partner_page(ADMIN)
def staff_reinstate_view(request: HttpRequest, user_id: int) -> HttpResponse:
    return _staff_action(
        request, user_id, staff_reinstate, _("The staff member can sign in again.")
    )


@require_POST
@partner_page(ADMIN)
def invitation_cancel(request: HttpRequest, invitation_id: int) -> HttpResponse:
    invitation = access_staff_invitation(request.user, invitation_id)
    staff_invitation_cancel(actor=request.user, invitation=invitation)
    messages.success(request, _("The invitation link no longer works."))
    return redirect("partner:staff")


@require_POST
@partner_page(ADMIN)
def organization_suspend(request: HttpRequest) -> HttpResponse:
    if request.POST.get("confirm") != "1":
        messages.error(request, _("Tick the box to confirm the suspension."))
        return redirect("partner:staff")
    partner_organization_suspend(actor=request.user, organization=request.user.partner)
    # The administrator's own session ends with everyone else's.
    return redirect("accounts:login")


# Joining from an invitation (no account yet) -------------------------------------------------


@require_http_methods(["GET", "POST"])
def join(request: HttpRequest, secret: str) -> HttpResponse:
    try:
        invitation = staff_invitation_open(secret=secret)
    except NotFound as exc:
        return render(request, "partner/join.html", {"gone": str(exc.message)}, status=404)
    if request.user.is_authenticated:
        messages.error(request, _("Log out first: this invitation creates a new account."))
        return redirect("accounts:home")
    form = JoinForm(
        request.POST or None,
        initial={
            "display_name": invitation.display_name,
            "language": translation.get_language(),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            staff_invitation_accept(
                secret=secret,
                password=form.cleaned_data["password"],
                display_name=form.cleaned_data["display_name"],
                language=form.cleaned_data["language"],
            )
        except ValidationFailed as exc:
            for name, errors in exc.errors.items():
                for error in errors:
                    form.add_error(name if name in form.fields else None, error)
        except ApplicationError as exc:
            form.add_error(None, str(exc.message))
        else:
            messages.success(
                request,
                _(
                    "Your account is ready. Log in now; you will then set up the authenticator "
                    "app on your phone, which you need every time you log in."
                ),
            )
            return redirect("accounts:login")
    return render(
        request,
        "partner/join.html",
        {"form": form, "invitation": invitation},
        status=422 if form.errors else 200,
    )
