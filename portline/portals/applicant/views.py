"""Applicant pages: a registration wizard that saves at every step, and the daily request.

Views parse input, call one service or selector, and render. Domain errors become form
errors or messages on the page; a registration the user may not see is a 404.
Partner staff use the same pages for their organization's registrations (the selectors
scope them).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections import defaultdict
from functools import wraps
from zoneinfo import ZoneInfo

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portline.accounts.models import Role
from portline.common import clock
from portline.common.errors import ApplicationError, NotFound, PermissionDenied, ValidationFailed
from portline.common.zones import zone_city
from portline.integrity.services import registration_submit_and_check, request_submit_and_flag
from portline.portals import keys
from portline.portals.applicant.forms import (
    ConfirmForm,
    EvidenceForm,
    GroupForm,
    PersonForm,
    RequestForm,
)
from portline.privacy.services import read_record
from portline.registrations.models import MAX_GROUP_SIZE, RegistrationStatus, RequestStatus
from portline.registrations.selectors import (
    access_consent,
    access_evidence,
    access_person,
    access_registration,
    consents_for_applicant,
    registration_readiness,
    registrations_with_people_count,
    requests_of_registration,
    requests_visible_to,
)
from portline.registrations.services import (
    consent_withdraw,
    evidence_delete,
    evidence_upload_keyed,
    person_add_keyed,
    person_remove,
    person_update,
    registration_create_keyed,
    registration_update,
)
from portline.scheduling.selectors import (
    program_settings_get,
    request_window_for,
    request_window_next_open,
)

PAGE_ROLES = frozenset({Role.APPLICANT, Role.PARTNER_STAFF})
STEPS = (
    ("applicant:group", "group"),
    ("applicant:people", "people"),
    ("applicant:evidence", "evidence"),
    ("applicant:review", "review"),
)


def applicant_page(view):
    """Login (and, through the middleware, the second factor) and an applicant or partner role.
    Domain refusals of access become 404/403 here, once."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.role not in PAGE_ROLES:
            raise DjangoPermissionDenied
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc
        except PermissionDenied as exc:
            raise DjangoPermissionDenied(str(exc.message)) from exc

    return wrapper


def _apply_errors(form, exc: ApplicationError) -> None:
    """Show a service's refusal next to the fields it names (or above the form)."""
    errors = getattr(exc, "errors", None) or {}
    if not errors:
        field = exc.field if exc.field in form.fields else None
        form.add_error(field, str(exc.message))
        return
    for name, field_messages in errors.items():
        target = name if name in form.fields else None
        for message in field_messages:
            form.add_error(target, str(message))


def _describe_fields(form) -> None:
    """Tie each input to its help text and error message for screen readers."""
    for name, field in form.fields.items():
        bound = form[name]
        described = []
        if field.help_text:
            described.append(f"{bound.auto_id}_help")
        if name in form.errors:
            described.append(f"{bound.auto_id}_error")
            field.widget.attrs["aria-invalid"] = "true"
        if described:
            field.widget.attrs["aria-describedby"] = " ".join(described)


def _page(request: HttpRequest, template: str, context: dict, *, status: int = 200) -> HttpResponse:
    for value in context.values():
        if hasattr(value, "fields") and hasattr(value, "errors"):
            _describe_fields(value)
    return render(request, f"applicant/{template}", context, status=status)


def _wizard_context(registration, step: str) -> dict:
    return {
        "registration": registration,
        "step": step,
        "steps": [
            (reverse(name, args=[registration.reference]), key, label)
            for (name, key), label in zip(
                STEPS,
                (_("Group"), _("People"), _("Documents"), _("Review and submit")),
                strict=True,
            )
        ],
    }


def _draft_or_redirect(request: HttpRequest, reference: str):
    registration = access_registration(request.user, reference)
    if registration.status != RegistrationStatus.DRAFT:
        messages.info(
            request, _("This registration has been submitted and can no longer be changed.")
        )
        return registration, redirect("applicant:review", reference)
    return registration, None


# Home ------------------------------------------------------------------------------------


@applicant_page
def home(request: HttpRequest) -> HttpResponse:
    registrations = list(registrations_with_people_count(request.user))
    requests_by_registration = defaultdict(list)
    for appointment_request in requests_visible_to(request.user).order_by("-round_date", "-id"):
        requests_by_registration[appointment_request.registration_id].append(appointment_request)
    window = request_window_for()
    for registration in registrations:
        registration.request_list = requests_by_registration.get(registration.pk, [])
        registration.requested_today = any(
            r.round_date == window.round_date for r in registration.request_list
        )
        registration.selected = any(
            r.status == RequestStatus.SELECTED for r in registration.request_list
        )
    return _page(
        request,
        "home.html",
        {
            "create_key": keys.form_key(request),
            "registrations": registrations,
            "window": _window_context(window),
            "is_partner": request.user.role == Role.PARTNER_STAFF,
        },
    )


@applicant_page
@require_POST
def registration_start(request: HttpRequest) -> HttpResponse:
    try:
        registration, _created = registration_create_keyed(
            actor=request.user, idempotency_key=keys.posted_key(request)
        )
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
        return redirect("applicant:home")
    messages.success(
        request,
        _("Your registration %(reference)s has been started. It is saved at every step.")
        % {
            "reference": registration.reference,
        },
    )
    return redirect("applicant:group", registration.reference)


# Group step ------------------------------------------------------------------------------


def _saved_or_continue(request: HttpRequest, here: str, next_url: str) -> HttpResponse:
    messages.success(request, _("Saved."))
    return redirect(next_url if request.POST.get("action") == "continue" else here)


@applicant_page
@require_http_methods(["GET", "POST"])
def group(request: HttpRequest, reference: str) -> HttpResponse:
    registration, gone = _draft_or_redirect(request, reference)
    if gone:
        return gone
    if request.method == "POST":
        form = GroupForm(request.POST, instance=registration)
        valid = form.is_valid()
        try:
            registration_update(
                actor=request.user, registration=registration, data=form.valid_data()
            )
        except ApplicationError as exc:
            _apply_errors(form, exc)
            valid = False
        if valid:
            return _saved_or_continue(
                request,
                reverse("applicant:group", args=[reference]),
                reverse("applicant:people", args=[reference]),
            )
    else:
        form = GroupForm(instance=registration)
    return _page(request, "group.html", {**_wizard_context(registration, "group"), "form": form})


# People ----------------------------------------------------------------------------------


@applicant_page
def people(request: HttpRequest, reference: str) -> HttpResponse:
    registration = access_registration(request.user, reference)
    readiness = registration_readiness(registration)
    people_list = list(registration.people.all())
    for person in people_list:
        person.missing = readiness.people.get(person.position, [])
    limit = min(MAX_GROUP_SIZE, program_settings_get().max_group_size)
    return _page(
        request,
        "people.html",
        {
            **_wizard_context(registration, "people"),
            "people": people_list,
            "limit": limit,
            "full": len(people_list) >= limit,
            "editable": registration.status == RegistrationStatus.DRAFT,
        },
    )


@applicant_page
@require_http_methods(["GET", "POST"])
def person_new(request: HttpRequest, reference: str) -> HttpResponse:
    registration, gone = _draft_or_redirect(request, reference)
    if gone:
        return gone
    action_url = reverse("applicant:person_new", args=[reference])
    create_key = keys.form_key(request)
    status = 200
    if request.method == "POST":
        form = PersonForm(request.POST)
        valid = form.is_valid()
        person = None
        try:
            person, _created = person_add_keyed(
                actor=request.user,
                registration=registration,
                data=form.valid_data(),
                idempotency_key=keys.posted_key(request),
            )
        except ApplicationError as exc:
            _apply_errors(form, exc)
            valid = False
            status = 422 if isinstance(exc, ValidationFailed) and "__all__" in exc.errors else 200
        if person is not None:
            here = reverse("applicant:person", args=[reference, person.position])
            if valid:
                return _saved_or_continue(
                    request, here, reverse("applicant:people", args=[reference])
                )
            action_url = here  # saved with what was valid; the next Save edits this person
            create_key = ""  # so it creates nothing
            messages.warning(
                request, _("What was valid has been saved. Please correct the marked fields.")
            )
    else:
        first = not registration.people.exists()
        form = PersonForm(initial={"relationship": "self" if first else "other"})
    return _page(
        request,
        "person.html",
        {
            **_wizard_context(registration, "people"),
            "form": form,
            "action_url": action_url,
            "person": None,
            "create_key": create_key,
        },
        status=status,
    )


@applicant_page
@require_http_methods(["GET", "POST"])
def person_edit(request: HttpRequest, reference: str, position: int) -> HttpResponse:
    person = access_person(request.user, reference, position)
    registration, gone = _draft_or_redirect(request, reference)
    if gone:
        return gone
    here = reverse("applicant:person", args=[reference, position])
    if request.method == "POST":
        form = PersonForm(request.POST, instance=person)
        valid = form.is_valid()
        try:
            person_update(actor=request.user, person=person, data=form.valid_data())
        except ApplicationError as exc:
            _apply_errors(form, exc)
            valid = False
        if valid:
            return _saved_or_continue(request, here, reverse("applicant:people", args=[reference]))
        messages.warning(
            request, _("What was valid has been saved. Please correct the marked fields.")
        )
    else:
        form = PersonForm(instance=person)
    return _page(
        request,
        "person.html",
        {
            **_wizard_context(registration, "people"),
            "form": form,
            "action_url": here,
            "person": person,
        },
    )


@applicant_page
@require_http_methods(["GET", "POST"])
def person_delete(request: HttpRequest, reference: str, position: int) -> HttpResponse:
    person = access_person(request.user, reference, position)
    return _confirm_removal(
        request,
        reference,
        step="people",
        template="person_remove.html",
        context={"person": person},
        remove=lambda: person_remove(actor=request.user, person=person),
        done=_("The person has been removed from the registration."),
        then="applicant:people",
    )


def _confirm_removal(
    request, reference, *, step, template, context, remove, done, then
) -> HttpResponse:
    """A removal asks first (GET shows the question; POST with the confirmation removes)."""
    registration, gone = _draft_or_redirect(request, reference)
    if gone:
        return gone
    form = ConfirmForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            remove()
        except ApplicationError as exc:
            _apply_errors(form, exc)
        else:
            messages.success(request, done)
            return redirect(then, reference)
    return _page(
        request, template, {**_wizard_context(registration, step), "form": form, **context}
    )


# Evidence --------------------------------------------------------------------------------


@applicant_page
@require_http_methods(["GET", "POST"])
def evidence(request: HttpRequest, reference: str) -> HttpResponse:
    registration = access_registration(request.user, reference)
    people_list = list(registration.people.all())
    editable = registration.status == RegistrationStatus.DRAFT
    if request.method == "POST":
        if not editable:
            return _draft_or_redirect(request, reference)[1]
        form = EvidenceForm(request.POST, request.FILES, people=people_list)
        if form.is_valid():
            upload = form.cleaned_data["file"]
            content = upload.read(settings.PORTLINE_MAX_UPLOAD_BYTES + 1)
            try:
                evidence_upload_keyed(
                    idempotency_key=keys.posted_key(request),
                    actor=request.user,
                    registration=registration,
                    person=form.selected_person(),
                    kind=form.cleaned_data["kind"],
                    filename=upload.name or "",
                    content=content,
                    provider=form.cleaned_data["provider"],
                )
            except ApplicationError as exc:
                _apply_errors(form, exc)
            else:
                messages.success(request, _("The document has been uploaded."))
                return redirect("applicant:evidence", reference)
    else:
        form = EvidenceForm(people=people_list, initial={"person": request.GET.get("person", "")})
    documents = list(registration.evidence.select_related("person"))
    return _page(
        request,
        "evidence.html",
        {
            **_wizard_context(registration, "evidence"),
            "form": form,
            "create_key": keys.form_key(request),
            "documents": documents,
            "editable": editable,
        },
    )


def _document(request: HttpRequest, reference: str, evidence_id: int):
    document = access_evidence(request.user, evidence_id)
    if document.registration.reference != reference:
        raise NotFound(_("No such document."))
    return document


@applicant_page
@require_http_methods(["GET", "HEAD"])
def evidence_download(request: HttpRequest, reference: str, evidence_id: int) -> HttpResponse:
    document = _document(request, reference, evidence_id)
    try:
        handle = document.file.open("rb")
        read_record(
            actor=request.user,
            what="evidence",
            registration=document.registration,
            evidence=document.pk,
            kind=document.kind,
        )
    except FileNotFoundError as exc:
        raise Http404(_("The file is missing.")) from exc
    response = FileResponse(
        handle,
        as_attachment=True,
        content_type=document.content_type,
        filename=f"{document.kind}-{document.pk}{document.extension}",
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "no-store"
    return response


@applicant_page
@require_http_methods(["GET", "POST"])
def evidence_remove(request: HttpRequest, reference: str, evidence_id: int) -> HttpResponse:
    document = _document(request, reference, evidence_id)
    return _confirm_removal(
        request,
        reference,
        step="evidence",
        template="evidence_remove.html",
        context={"document": document},
        remove=lambda: evidence_delete(actor=request.user, document=document),
        done=_("The document has been deleted."),
        then="applicant:evidence",
    )


# Review and submit -----------------------------------------------------------------------


@applicant_page
@require_http_methods(["GET", "POST"])
def review(request: HttpRequest, reference: str) -> HttpResponse:
    registration = access_registration(request.user, reference)
    submit_errors: list[str] = []
    if request.method == "POST":
        try:
            registration = registration_submit_and_check(
                actor=request.user, registration=registration
            )
        except ValidationFailed as exc:
            submit_errors.append(str(exc.message))
        except ApplicationError as exc:
            messages.error(request, str(exc.message))
            return redirect("applicant:review", reference)
        else:
            messages.success(
                request,
                _(
                    "Your registration has been submitted. You can now request an appointment each day."
                ),
            )
            return redirect("applicant:request", reference)
    readiness = registration_readiness(registration)
    people_list = list(registration.people.all())
    documents = list(registration.evidence.select_related("person"))
    for person in people_list:
        person.missing = readiness.people.get(person.position, [])
        person.fields = [
            (
                PersonForm.base_fields[name].label if name in PersonForm.base_fields else name,
                _display(person, name),
            )
            for _title, names in PersonForm.fieldsets
            for name in names
        ]
        person.documents = [d for d in documents if d.person_id == person.pk]
    group_fields = [
        (GroupForm.base_fields[name].label, _display(registration, name))
        for _title, names in GroupForm.fieldsets
        for name in names
    ]
    return _page(
        request,
        "review.html",
        {
            **_wizard_context(registration, "review"),
            "readiness": readiness,
            "people": people_list,
            "group_fields": group_fields,
            "group_documents": [d for d in documents if d.person_id is None],
            "submit_errors": submit_errors,
            "is_draft": registration.status == RegistrationStatus.DRAFT,
        },
        status=422 if submit_errors else 200,
    )


def _display(instance, name: str) -> str:
    from portline.common.countries import country_name, language_name

    value = getattr(instance, name)
    if value in (None, ""):
        return ""
    if name in PersonForm.country_fields:
        return country_name(value)
    if name == "preferred_language":
        return language_name(value)
    display = getattr(instance, f"get_{name}_display", None)
    if display is not None:
        return str(display())
    return str(value)


# Appointment request ---------------------------------------------------------------------


def _window_context(window) -> dict:
    program = program_settings_get()
    tz = ZoneInfo(program.window_time_zone)
    now = clock.now()

    def local(moment: dt.datetime) -> dt.datetime:
        # Shown as wall-clock time in the window's zone (templates would convert aware values to UTC).
        return moment.astimezone(tz).replace(tzinfo=None)

    return {
        "round_date": window.round_date,
        "opens_at": local(window.opens_at),
        "closes_at": local(window.closes_at - dt.timedelta(minutes=1)),
        "is_open": window.is_open(now),
        "next_open": local(request_window_next_open(at=now)),
        "place": zone_city(program.window_time_zone),
    }


@applicant_page
@require_http_methods(["GET", "POST"])
def request_appointment(request: HttpRequest, reference: str) -> HttpResponse:
    registration = access_registration(request.user, reference)
    if registration.status != RegistrationStatus.SUBMITTED:
        messages.info(request, _("Submit the registration before requesting an appointment."))
        return redirect("applicant:review", reference)
    window = request_window_for()
    status = 200
    if request.method == "POST":
        form = RequestForm(request.POST)
        if form.is_valid():
            data = form.cleaned_data
            declared_state, declared_city = form.declared_place()
            try:
                appointment_request, created = request_submit_and_flag(
                    actor=request.user,
                    registration=registration,
                    first_port=data["first_port"],
                    second_port=data["second_port"],
                    idempotency_key=data["idempotency_key"],
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    accuracy_m=data["accuracy"],
                    declared_state=declared_state,
                    declared_city=declared_city,
                )
            except ApplicationError as exc:
                if exc.code == "location_required":
                    # No location and no place: point at the list, which works on every phone.
                    form.add_error(
                        "place",
                        _(
                            "Choose where you are now from the list, or allow this site to use your location and reload the page."
                        ),
                    )
                else:
                    _apply_errors(form, exc)
                status = 409 if exc.code in ("window_closed", "already_requested") else 200
            else:
                if created:
                    messages.success(
                        request,
                        _("Your request for the allocation of %(date)s has been received.")
                        % {
                            "date": appointment_request.round_date.isoformat(),
                        },
                    )
                else:
                    messages.info(
                        request,
                        _("This request had already been received; nothing new was created."),
                    )
                return redirect("applicant:home")
        # A fresh key for the corrected form: nothing was created with the old one.
        form.data = form.data.copy()
        form.data["idempotency_key"] = secrets.token_urlsafe(24)
    else:
        form = RequestForm()
    current = requests_of_registration(
        request.user, registration, round_date=window.round_date
    ).first()
    past = list(requests_of_registration(request.user, registration)[:10])
    return _page(
        request,
        "request.html",
        {
            "registration": registration,
            "form": form,
            "window": _window_context(window),
            "current": current,
            "past": past,
            "pending": RequestStatus.PENDING,
        },
        status=status,
    )


@applicant_page
@require_http_methods(["GET"])
def organizations(request: HttpRequest) -> HttpResponse:
    """Which organizations act for the applicant (their consent), with a way to withdraw it."""
    return _page(
        request, "organizations.html", {"consents": list(consents_for_applicant(request.user))}
    )


@applicant_page
@require_POST
def organization_withdraw(request: HttpRequest, consent_id: int) -> HttpResponse:
    consent = access_consent(request.user, consent_id)
    consent_withdraw(actor=request.user, consent=consent)
    messages.success(
        request,
        _("You withdrew your consent. %(name)s no longer sees your registration.")
        % {"name": consent.partner.name},
    )
    return redirect("applicant:organizations")
