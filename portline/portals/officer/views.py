"""The officer console (per port) and the released person's pages.

Views parse input, call one service or selector, and render. Officers and supervisors see
only their own port: every fetch goes through an actor-scoped selector, so a guessed id or
reference from another port is a 404. Domain refusals become form errors with the reason.
"""

from __future__ import annotations

import datetime as dt
from functools import wraps

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from portline.accounts.models import Role
from portline.common.errors import ApplicationError, NotFound, ValidationFailed
from portline.inspection import selectors, services
from portline.inspection.documents import decision_document_pdf
from portline.inspection.face import face_comparer
from portline.inspection.models import CheckInChannel, CheckInMethod, DecisionStatus
from portline.integrity.selectors import case_flags
from portline.portals.officer.forms import (
    AddressForm,
    CheckInForm,
    CodeForm,
    DecisionForm,
    HitForm,
    IdentityForm,
    ReviewForm,
    WalkUpForm,
)
from portline.privacy.services import read_record


def port_page(view):
    """Login (the middleware adds the second factor) and an officer or supervisor with a port."""

    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if not selectors.is_port_staff(request.user):
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc

    return wrapper


def released_page(view):
    @login_required
    @wraps(view)
    def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
        if request.user.role != Role.APPLICANT:
            raise Http404
        try:
            return view(request, *args, **kwargs)
        except NotFound as exc:
            raise Http404(str(exc.message)) from exc

    return wrapper


def _apply_error(form, exc: ApplicationError) -> None:
    """Put a domain refusal on the form: field errors where the service named a field."""
    if isinstance(exc, ValidationFailed) and exc.errors:
        for name, errors in exc.errors.items():
            for error in errors:
                form.add_error(name if name in form.fields else None, str(error))
    else:
        name = exc.field if exc.field in form.fields else None
        form.add_error(name, str(exc.message))


def _status_for(exc: ApplicationError) -> int:
    return exc.http_status if exc.http_status in (400, 403, 404, 409, 422) else 400


# --- Console -----------------------------------------------------------------------------


def _home_context(request: HttpRequest, code_form: CodeForm | None = None) -> dict:
    actor = request.user
    today = selectors.port_today(actor)
    tomorrow = today + dt.timedelta(days=1)
    return {
        "port": actor.port,
        "today": today,
        "tomorrow": tomorrow,
        "today_slots": selectors.expected_arrivals(actor, today),
        "tomorrow_slots": selectors.expected_arrivals(actor, tomorrow),
        "walk_ups": selectors.walk_ups(actor, today),
        "code_form": code_form or CodeForm(),
        "pending_count": selectors.pending_decisions(actor).count()
        if actor.role == Role.SUPERVISOR
        else 0,
        "is_supervisor": actor.role == Role.SUPERVISOR,
    }


@port_page
@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "officer/home.html", _home_context(request))


@port_page
@require_POST
def check_in(request: HttpRequest) -> HttpResponse:
    form = CodeForm(request.POST)
    if form.is_valid():
        try:
            found = services.appointment_for_code(
                actor=request.user, code=form.cleaned_data["code"]
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
            return render(
                request, "officer/home.html", _home_context(request, form), status=_status_for(exc)
            )
        url = reverse("officer:group", args=[found.appointment.confirmation_number])
        return redirect(f"{url}?via={found.method}")
    return render(request, "officer/home.html", _home_context(request, form), status=400)


@port_page
@require_http_methods(["GET", "POST"])
def group(request: HttpRequest, number: str) -> HttpResponse:
    appointment = selectors.access_port_appointment(request.user, number)
    people = list(appointment.registration.people.order_by("position"))
    method = request.GET.get("via") or request.POST.get("via") or CheckInMethod.MANUAL
    if method not in CheckInMethod.values:
        method = CheckInMethod.MANUAL
    error = None
    status = 200
    confirm_no_show: list = []
    if request.method == "POST":
        action = request.POST.get("action")
        chosen = [p for p in people if request.POST.get("person") in (str(p.position), "all")]
        if not chosen or action not in ("arrive", "no_show"):
            error, status = _("Choose a person and what to record."), 400
        elif action == "no_show" and request.POST.get("confirm") != "yes":
            confirm_no_show = chosen  # ask first: a no-show is not undone by a click
        else:
            try:
                if action == "arrive":
                    checked = services.group_check_in(
                        actor=request.user, appointment=appointment, people=chosen, method=method
                    )
                    for person in chosen:
                        messages.success(
                            request, _("%(name)s checked in.") % {"name": person.full_name}
                        )
                    for note in checked.screening_messages:
                        messages.warning(request, note)
                else:
                    services.group_no_show(
                        actor=request.user, appointment=appointment, people=chosen
                    )
                    for person in chosen:
                        messages.success(
                            request,
                            _("%(name)s recorded as a no-show.") % {"name": person.full_name},
                        )
            except ApplicationError as exc:
                error, status = str(exc.message), _status_for(exc)
            else:
                return redirect(reverse("officer:group", args=[number]) + f"?via={method}")
    arrivals = selectors.arrivals_by_person(request.user, people, appointment.service_date)
    rows = [(p, arrivals.get(p.pk)) for p in people]
    return render(
        request,
        "officer/group.html",
        {
            "appointment": appointment,
            "rows": rows,
            "via": method,
            "error": error,
            "slot": selectors.slot_of(appointment),
            "today": selectors.port_today(request.user),
            "no_show_open": selectors.no_show_open(appointment),
            "confirm_no_show": confirm_no_show,
            "confirm_person": request.POST.get("person", ""),
        },
        status=status,
    )


@port_page
@require_http_methods(["GET", "POST"])
def walk_up(request: HttpRequest) -> HttpResponse:
    form = WalkUpForm(request.POST or None)
    status = 200
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            person = None
            if data["reference"]:
                person = selectors.access_person_for_walk_up(
                    request.user, data["reference"].strip().upper(), data["position"] or 1
                )
            arrival = services.walk_up_record(
                actor=request.user, person=person, name=data["name"], note=data["note"]
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
            status = _status_for(exc)
        else:
            messages.success(request, _("Walk-up recorded."))
            if arrival.person_id:
                return redirect("officer:case", person.registration.reference, person.position)
            return redirect("officer:home")
    elif request.method == "POST":
        status = 400
    return render(request, "officer/walk_up.html", {"form": form}, status=status)


# --- Case file ------------------------------------------------------------------------------


def _case_context(request: HttpRequest, person, **forms) -> dict:
    case = selectors.case_file(request.user, person)
    rules = selectors.inspection_settings_get()
    context = {
        "case": case,
        "person": person,
        "identity_form": forms.get("identity_form") or IdentityForm(),
        "decision_form": forms.get("decision_form")
        or DecisionForm(
            initial={
                "term_months": rules.parole_default_months,
                "reporting_interval_days": rules.reporting_interval_days,
                "address_reporting": True,
            }
        ),
        "hit_forms": forms.get("hit_forms") or {},
        "review_form": forms.get("review_form") or ReviewForm(),
        "face": face_comparer(),
        "rules": rules,
        "is_supervisor": request.user.role == Role.SUPERVISOR,
        "integrity_flags": case_flags(request.user, person.registration),
    }
    context["hit_rows"] = [
        (hit, context["hit_forms"].get(hit.pk) or HitForm(prefix=f"hit{hit.pk}"))
        for hit in case.hits
    ]
    return context


@port_page
@require_GET
def case(request: HttpRequest, reference: str, position: int) -> HttpResponse:
    person = selectors.access_case_person(request.user, reference, position)
    read_record(
        actor=request.user,
        what="case_file",
        registration=person.registration,
        position=person.position,
    )
    return render(request, "officer/case.html", _case_context(request, person))


def _case_redirect(person) -> HttpResponse:
    return redirect("officer:case", person.registration.reference, person.position)


@port_page
@require_POST
def identity(request: HttpRequest, reference: str, position: int) -> HttpResponse:
    person = selectors.access_case_person(request.user, reference, position)
    form = IdentityForm(request.POST)
    if form.is_valid():
        try:
            services.identity_check_record(actor=request.user, person=person, **form.cleaned_data)
        except ApplicationError as exc:
            _apply_error(form, exc)
        else:
            messages.success(request, _("Identity result recorded."))
            return _case_redirect(person)
    return render(
        request, "officer/case.html", _case_context(request, person, identity_form=form), status=400
    )


@port_page
@require_POST
def screen(request: HttpRequest, reference: str, position: int) -> HttpResponse:
    person = selectors.access_case_person(request.user, reference, position)
    try:
        for note in services.screening_run(actor=request.user, person=person):
            messages.warning(request, note)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("Screening done."))
    return _case_redirect(person)


@port_page
@require_POST
def hit(request: HttpRequest, reference: str, position: int, hit_id: int) -> HttpResponse:
    person = selectors.access_case_person(request.user, reference, position)
    form = HitForm(request.POST, prefix=f"hit{hit_id}")
    if form.is_valid():
        try:
            services.screening_hit_adjudicate(
                actor=request.user, person=person, hit_id=hit_id, **form.cleaned_data
            )
        except ApplicationError as exc:
            if isinstance(exc, NotFound):
                raise
            _apply_error(form, exc)
        else:
            messages.success(request, _("Adjudication recorded."))
            return _case_redirect(person)
    return render(
        request,
        "officer/case.html",
        _case_context(request, person, hit_forms={hit_id: form}),
        status=400,
    )


@port_page
@require_POST
def decide(request: HttpRequest, reference: str, position: int) -> HttpResponse:
    person = selectors.access_case_person(request.user, reference, position)
    form = DecisionForm(request.POST)
    status = 400
    if form.is_valid():
        data = form.cleaned_data
        try:
            decision = services.decision_record(
                actor=request.user,
                person=person,
                kind=data["kind"],
                reason_code=data["reason_code"],
                reason_text=data["reason_text"],
                term_months=data["term_months"],
                reporting_interval_days=data["reporting_interval_days"],
                address_reporting=data["address_reporting"],
                court_placeholder=data["court_placeholder"],
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
            status = _status_for(exc)
        else:
            if decision.status == DecisionStatus.PENDING_APPROVAL:
                messages.success(
                    request, _("Decision recorded. It waits for a supervisor's approval.")
                )
            else:
                messages.success(
                    request,
                    _("Decision recorded. Record number: %(number)s.")
                    % {"number": decision.record_number},
                )
            return _case_redirect(person)
    return render(
        request,
        "officer/case.html",
        _case_context(request, person, decision_form=form),
        status=status,
    )


@port_page
@require_GET
def approvals(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "officer/approvals.html",
        {
            "decisions": selectors.pending_decisions(request.user)
            if request.user.role == Role.SUPERVISOR
            else [],
            "is_supervisor": request.user.role == Role.SUPERVISOR,
        },
    )


@port_page
@require_POST
def review(request: HttpRequest, decision_id: int) -> HttpResponse:
    decision = selectors.access_decision(request.user, decision_id)
    person = decision.person
    form = ReviewForm(request.POST)
    status = 400
    if form.is_valid():
        try:
            services.decision_review(
                actor=request.user,
                decision=decision,
                approve=form.cleaned_data["approve"] == "yes",
                reason=form.cleaned_data["reason"],
            )
        except ApplicationError as exc:
            _apply_error(form, exc)
            status = _status_for(exc)
        else:
            messages.success(request, _("Review recorded."))
            return _case_redirect(person)
    return render(
        request,
        "officer/case.html",
        _case_context(request, person, review_form=form),
        status=status,
    )


@login_required
@require_GET
def document(request: HttpRequest, decision_id: int) -> HttpResponse:
    """The decision document, for port staff of the port and for the person's own account."""
    try:
        decision = selectors.access_decision(request.user, decision_id)
    except NotFound as exc:
        raise Http404 from exc
    if decision.status != DecisionStatus.FINAL:
        raise Http404
    response = HttpResponse(decision_document_pdf(decision), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{decision.record_number}.pdf"'
    return response


@port_page
@require_GET
def evidence(request: HttpRequest, evidence_id: int) -> HttpResponse:
    document = selectors.access_case_evidence(request.user, evidence_id)
    read_record(
        actor=request.user,
        what="evidence",
        registration=document.registration,
        evidence=document.pk,
        kind=document.kind,
    )
    response = FileResponse(document.file.open("rb"), content_type=document.content_type)
    response["Content-Disposition"] = (
        f'inline; filename="{document.kind}-{document.pk}{document.extension}"'
    )
    return response


@port_page
@require_GET
def confirmation_photo(request: HttpRequest, confirmation_id: int) -> HttpResponse:
    confirmation = selectors.access_confirmation_photo(request.user, confirmation_id)
    read_record(
        actor=request.user,
        what="confirmation_photo",
        registration=confirmation.person.registration,
        confirmation=confirmation.pk,
    )
    response = FileResponse(
        confirmation.photo.open("rb"), content_type=confirmation.photo_content_type
    )
    response["Content-Disposition"] = f'inline; filename="confirmation-{confirmation.pk}"'
    return response


@port_page
@require_GET
def overdue(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "officer/overdue.html",
        {
            "cases": selectors.overdue_cases(request.user),
            "today": selectors.port_today(request.user),
        },
    )


@port_page
@require_GET
def expiries(request: HttpRequest) -> HttpResponse:
    rules = selectors.inspection_settings_get()
    return render(
        request,
        "officer/expiries.html",
        {"decisions": selectors.upcoming_expiries(request.user), "days": rules.expiry_warning_days},
    )


@port_page
@require_GET
def release_case_officer(request: HttpRequest, record_number: str) -> HttpResponse:
    decision = selectors.access_release_case(request.user, record_number)
    read_record(
        actor=request.user,
        what="case_file",
        registration=decision.person.registration,
        position=decision.person.position,
        decision=decision.pk,
    )
    return render(
        request,
        "officer/release_case.html",
        {
            "status": selectors.release_status(decision),
            "officer_view": True,
            "rules": selectors.inspection_settings_get(),
        },
    )


# --- The released person -----------------------------------------------------------------
# Served under the applicant's pages (/apply/check-ins/, portals/applicant/urls.py): the
# person reaches them from their home page. /officer/release/ redirects there.


@released_page
@require_GET
def release_home(request: HttpRequest) -> HttpResponse:
    cases = [selectors.release_status(d) for d in selectors.release_cases_for(request.user)]
    others = selectors.decisions_other_than_parole(request.user)
    return render(request, "officer/release_home.html", {"cases": cases, "others": others})


@released_page
@require_http_methods(["GET", "POST"])
def release_case(request: HttpRequest, record_number: str) -> HttpResponse:
    decision = selectors.access_release_case(request.user, record_number)
    check_in_form = CheckInForm()
    address_form = AddressForm(prefix="address")
    status = 200
    if request.method == "POST" and request.POST.get("form") == "check_in":
        check_in_form = CheckInForm(request.POST, request.FILES)
        if check_in_form.is_valid():
            data = check_in_form.cleaned_data
            selfie = data["selfie"].read() if data["selfie"] else None
            try:
                services.release_check_in(
                    actor=request.user,
                    decision=decision,
                    channel=CheckInChannel.WEB,
                    selfie=selfie,
                    latitude=data["latitude"],
                    longitude=data["longitude"],
                    accuracy_m=data["accuracy_m"],
                    note=data["note"],
                )
            except ApplicationError as exc:
                _apply_error(check_in_form, exc)
                status = _status_for(exc)
            else:
                messages.success(request, _("Thank you: your check-in is recorded."))
                return redirect("applicant:check_in", record_number)
        else:
            status = 400
    elif request.method == "POST" and request.POST.get("form") == "address":
        address_form = AddressForm(request.POST, prefix="address")
        if address_form.is_valid():
            data = dict(address_form.cleaned_data)
            moved_on = data.pop("moved_on")
            try:
                change = services.address_change_report(
                    actor=request.user, decision=decision, data=data, moved_on=moved_on
                )
            except ApplicationError as exc:
                _apply_error(address_form, exc)
                status = _status_for(exc)
            else:
                if change.late:
                    messages.warning(
                        request,
                        _(
                            "Your new address is recorded. It was reported after the deadline of %(date)s."
                        )
                        % {"date": change.deadline.isoformat()},
                    )
                else:
                    messages.success(request, _("Your new address is recorded."))
                return redirect("applicant:check_in", record_number)
        else:
            status = 400
    elif request.method == "POST":
        status = 400
    return render(
        request,
        "officer/release_case.html",
        {
            "status": selectors.release_status(decision),
            "check_in_form": check_in_form,
            "address_form": address_form,
            "officer_view": False,
            "rules": selectors.inspection_settings_get(),
        },
        status=status,
    )
