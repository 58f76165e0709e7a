"""Applicant pages for a won appointment: outcome, per-person confirmation, the confirmation
itself (printable, QR, PDF), cancellation; and the public yes/no verification form.

Views parse input, call one service or selector, and render. Only the registration's owner
or its partner organization's staff reach an appointment (`access_appointment`).
"""

from __future__ import annotations

import datetime as dt

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from portline.appointments import selectors, services
from portline.appointments.models import AppointmentStatus
from portline.appointments.pdf import appointment_pdf
from portline.appointments.tokens import qr_svg
from portline.common import clock
from portline.common.errors import ApplicationError, NotFound, ValidationFailed


def _appointment_or_404(request: HttpRequest, pk: int):
    try:
        return selectors.access_appointment(request.user, pk)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc


def _messages_of(exc: ApplicationError) -> list[str]:
    if isinstance(exc, ValidationFailed) and exc.errors:
        return [str(m) for messages_ in exc.errors.values() for m in messages_]
    return [str(exc.message)]


@login_required
def status(request: HttpRequest, reference: str) -> HttpResponse:
    """Won / not won / standby for the registration's latest request, and its appointment."""
    try:
        registration = selectors.access_registration_for_appointments(request.user, reference)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    outcome = selectors.registration_outcome(registration)
    appointment = outcome.appointment
    context = {"registration": registration, "outcome": outcome, "appointment": appointment}
    if appointment is not None:
        context["times"] = selectors.appointment_local_times(appointment)
        if appointment.status == AppointmentStatus.OFFERED:
            context["countdown"] = selectors.countdown_text(appointment.confirm_by)
    return render(request, "applicant/appointment_status.html", context)


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    """While offered: who has confirmed and who has not. Once confirmed: the printable
    confirmation with its QR code."""
    appointment = _appointment_or_404(request, pk)
    context = {
        "appointment": appointment,
        "times": selectors.appointment_local_times(appointment),
        "progress": selectors.appointment_progress(appointment),
    }
    if appointment.status == AppointmentStatus.OFFERED:
        context["countdown"] = selectors.countdown_text(appointment.confirm_by)
        context["deadline_passed"] = clock.now() >= appointment.confirm_by
    if appointment.status == AppointmentStatus.CONFIRMED:
        # qrcode writes the SVG itself from the signed token (no user input reaches it).
        context["qr"] = mark_safe(qr_svg(selectors.appointment_token(appointment)))  # noqa: S308
        return render(request, "applicant/appointment_confirmation.html", context)
    return render(request, "applicant/appointment_detail.html", context)


def _wants_json(request: HttpRequest) -> bool:
    return request.headers.get("X-Requested-With") == "portline-confirm"


@login_required
@require_http_methods(["GET", "POST"])
def confirm_person(request: HttpRequest, pk: int, position: int) -> HttpResponse:
    """One person's confirmation: a photo taken with the camera and a fresh location."""
    appointment = _appointment_or_404(request, pk)
    try:
        person = selectors.appointment_member(appointment, position)
    except NotFound as exc:
        raise Http404(str(exc.message)) from exc
    errors: list[str] = []
    if request.method == "POST":
        upload = request.FILES.get("photo")
        try:
            services.appointment_person_confirm(
                actor=request.user,
                appointment=appointment,
                person=person,
                photo=upload.read() if upload is not None else b"",
                latitude=request.POST.get("latitude"),
                longitude=request.POST.get("longitude"),
                accuracy_m=request.POST.get("accuracy"),
            )
        except ApplicationError as exc:
            errors = _messages_of(exc)
            if _wants_json(request):
                return JsonResponse({"ok": False, "errors": errors}, status=exc.http_status)
        else:
            messages.success(request, _("%(name)s has confirmed.") % {"name": person.full_name})
            target = reverse("appointments:detail", args=[appointment.pk])
            if _wants_json(request):
                return JsonResponse({"ok": True, "redirect": target})
            return redirect(target)
    already = selectors.person_has_confirmed(appointment, person)
    return render(
        request,
        "applicant/appointment_confirm.html",
        {
            "appointment": appointment,
            "person": person,
            "errors": errors,
            "already": already,
            "times": selectors.appointment_local_times(appointment),
            "countdown": selectors.countdown_text(appointment.confirm_by),
        },
        status=422 if errors else 200,
    )


@login_required
def pdf(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment_or_404(request, pk)
    if appointment.status != AppointmentStatus.CONFIRMED:
        raise Http404(_("The confirmation is ready once everyone in the group has confirmed."))
    content = appointment_pdf(appointment, language=get_language() or appointment.language)
    response = HttpResponse(content, content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="portline-appointment-{appointment.service_date:%Y%m%d}.pdf"'
    )
    return response


@login_required
@require_POST
def cancel(request: HttpRequest, pk: int) -> HttpResponse:
    appointment = _appointment_or_404(request, pk)
    try:
        services.appointment_cancel(actor=request.user, appointment=appointment)
    except ApplicationError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(
            request,
            _(
                "The appointment was cancelled. Its places go to the standby list. You can request again."
            ),
        )
    return redirect("appointments:detail", pk=appointment.pk)


class VerifyForm(forms.Form):
    confirmation_number = forms.CharField(label=gettext_lazy("Confirmation number"), max_length=20)
    date_of_birth = forms.DateField(
        label=gettext_lazy("Date of birth"),
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("Year-month-day, e.g. 1990-05-17."),
    )

    def clean_date_of_birth(self) -> dt.date:
        value = self.cleaned_data["date_of_birth"]
        if value > clock.now().date():
            raise forms.ValidationError(_("A date of birth cannot be in the future."))
        return value


@require_http_methods(["GET", "POST"])
def verify(request: HttpRequest) -> HttpResponse:
    """For third parties: valid or not valid, nothing else."""
    result = None
    status_code = 200
    form = VerifyForm(request.POST or None)
    if request.method == "POST":
        if services.verification_rate_limited(client=request.META.get("REMOTE_ADDR", "")):
            form.add_error(
                None, _("Too many checks from this address. Wait a few minutes and try again.")
            )
            status_code = 429
        elif form.is_valid():
            actor = request.user if request.user.is_authenticated else None
            result = services.appointment_verify_third_party(
                actor=actor,
                confirmation_number=form.cleaned_data["confirmation_number"],
                date_of_birth=form.cleaned_data["date_of_birth"],
                client=request.META.get("REMOTE_ADDR", ""),
            )
        else:
            status_code = 422
    return render(
        request,
        "applicant/appointment_verify.html",
        {"form": form, "result": result},
        status=status_code,
    )
