"""The person's own copy: everything Portline holds about one registration, as plain data
(JSON) and as a readable PDF in the applicant's language.

Staff who recorded something are named by role only. Records kept for the port's own work
and not disclosed here (screening hits against watchlists, integrity flags, linkage groups)
are listed by category under "withheld", so the copy says what it leaves out.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from portline.accounts.models import User
from portline.appointments.models import Appointment, PersonConfirmation
from portline.common import clock
from portline.common.pdf import pdf_document
from portline.geofence.models import LocationCheck
from portline.inspection.models import (
    AddressChange,
    Arrival,
    Decision,
    DecisionStatus,
    IdentityCheck,
    ReleaseCheckIn,
)
from portline.privacy.models import DeletionRequest
from portline.privacy.selectors import access_history
from portline.registrations.models import (
    AppointmentRequest,
    EvidenceDocument,
    Person,
    Registration,
)

FORMAT_VERSION = 1
# Columns that are storage details or other people's identities, never the person's data.
SKIPPED = {
    "file",
    "photo",
    "selfie",
    "entry",
    "idempotency_key",
    "idempotency_digest",
    "device_hash",
}


def _value(instance: models.Model, field: models.Field, owner_id: int | None) -> Any:
    if isinstance(field, models.ForeignKey):
        related_id = getattr(instance, field.attname)
        if related_id is None:
            return None
        if field.related_model is User:
            if related_id == owner_id:
                return {"role": "you"}
            return {"role": getattr(instance, field.name).role}
        if field.related_model._meta.label_lower == "scheduling.port":
            return getattr(instance, field.name).code
        return related_id
    value = getattr(instance, field.attname)
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    return value


def _rows(instances, owner_id: int | None) -> list[dict[str, Any]]:
    return [_row(instance, owner_id) for instance in instances]


def _row(instance: models.Model, owner_id: int | None) -> dict[str, Any]:
    return {
        field.name: _value(instance, field, owner_id)
        for field in instance._meta.concrete_fields
        if field.name not in SKIPPED
    }


def export_data(registration: Registration) -> dict[str, Any]:
    """Every record about the registration and its people, field by field."""
    owner = registration.owner_id
    people = list(Person.objects.filter(registration=registration).order_by("position"))
    person_ids = [p.pk for p in people]
    evidence = []
    for document in EvidenceDocument.objects.filter(registration=registration):
        row = _row(document, owner)
        row["download"] = reverse(
            "applicant:evidence_download", args=[registration.reference, document.pk]
        )
        evidence.append(row)
    decisions = Decision.objects.filter(person_id__in=person_ids, status=DecisionStatus.FINAL)
    confirmations = []
    for confirmation in PersonConfirmation.objects.filter(person_id__in=person_ids):
        row = _row(confirmation, owner)
        row["photo_kept"] = bool(confirmation.photo)
        confirmations.append(row)
    check_ins = []
    for check_in in ReleaseCheckIn.objects.filter(decision__in=decisions):
        row = _row(check_in, owner)
        row["selfie_kept"] = bool(check_in.selfie)
        check_ins.append(row)
    return {
        "format": "portline-personal-data",
        "version": FORMAT_VERSION,
        "created_at": clock.now().isoformat(),
        "registration": _row(registration, owner),
        "people": _rows(people, owner),
        "evidence": evidence,
        "appointment_requests": _rows(
            AppointmentRequest.objects.filter(registration=registration), owner
        ),
        "appointments": _rows(Appointment.objects.filter(registration=registration), owner),
        "confirmations": confirmations,
        "location_checks": _rows(LocationCheck.objects.filter(registration=registration), owner),
        "arrivals": _rows(Arrival.objects.filter(person_id__in=person_ids), owner),
        "identity_checks": _rows(IdentityCheck.objects.filter(person_id__in=person_ids), owner),
        "decisions": _rows(decisions, owner),
        "release_check_ins": check_ins,
        "address_changes": _rows(AddressChange.objects.filter(decision__in=decisions), owner),
        "deletion_requests": _rows(
            DeletionRequest.objects.filter(registration=registration), owner
        ),
        "access_history": [
            {"at": e.at.isoformat(), "role": e.role, "what": e.action}
            for e in access_history(registration)
        ],
        "withheld": [
            "screening runs and hits against watchlists",
            "integrity flags and their review",
            "person linkage groups",
            "decisions not yet final",
        ],
        "retention_days": dict(settings.PORTLINE_RETENTION_DAYS),
    }


def export_json(registration: Registration) -> bytes:
    return json.dumps(
        export_data(registration), cls=DjangoJSONEncoder, indent=2, ensure_ascii=False
    ).encode("utf-8")


def export_language(registration: Registration, fallback: str) -> str:
    """The main applicant's preferred language if Portline offers it, else `fallback`."""
    offered = {code for code, _name in settings.LANGUAGES}
    first = registration.people.order_by("position").first()
    preferred = first.preferred_language if first else ""
    if preferred in offered:
        return preferred
    return fallback if fallback in offered else settings.LANGUAGE_CODE


def _section_title(key: str) -> str:
    return {
        "registration": _("Registration"),
        "people": _("People"),
        "evidence": _("Documents"),
        "appointment_requests": _("Appointment requests"),
        "appointments": _("Appointments"),
        "confirmations": _("Confirmations"),
        "location_checks": _("Location checks"),
        "arrivals": _("Arrivals at the port"),
        "identity_checks": _("Identity checks"),
        "decisions": _("Decisions"),
        "release_check_ins": _("Check-ins after release"),
        "address_changes": _("Changes of address"),
        "deletion_requests": _("Deletion requests"),
        "access_history": _("Who opened your file"),
    }[key]


def _label(model: type[models.Model] | None, name: str) -> str:
    names = {f.name for f in model._meta.get_fields()} if model is not None else set()
    if model is not None and name in names:  # computed keys (download, photo_kept) are not
        return str(getattr(model._meta.get_field(name), "verbose_name", name))
    return name.replace("_", " ")


MODELS: dict[str, type[models.Model] | None] = {
    "registration": Registration,
    "people": Person,
    "evidence": EvidenceDocument,
    "appointment_requests": AppointmentRequest,
    "appointments": Appointment,
    "confirmations": PersonConfirmation,
    "location_checks": LocationCheck,
    "arrivals": Arrival,
    "identity_checks": IdentityCheck,
    "decisions": Decision,
    "release_check_ins": ReleaseCheckIn,
    "address_changes": AddressChange,
    "deletion_requests": DeletionRequest,
    "access_history": None,
}


def export_pdf(registration: Registration, *, language: str) -> bytes:
    """The same records as the JSON copy, as a readable document in `language`."""
    data = export_data(registration)
    with translation.override(language):
        title = _("Your data held by Portline")
        pdf = pdf_document(title=title, language=language)
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.add_page()
        pdf.set_font("DejaVu", "B", 16)
        pdf.multi_cell(0, 9, title, new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(
            0,
            5,
            _("Registration %(reference)s, made on %(date)s.")
            % {"reference": registration.reference, "date": data["created_at"][:10]},
            new_x="LMARGIN",
            new_y="NEXT",
        )
        for key, model in MODELS.items():
            section = data[key]
            rows = [section] if isinstance(section, dict) else section
            pdf.ln(3)
            pdf.set_font("DejaVu", "B", 12)
            pdf.multi_cell(0, 7, _section_title(key), new_x="LMARGIN", new_y="NEXT")
            pdf.set_font("DejaVu", "", 9)
            if not rows:
                pdf.multi_cell(0, 5, _("Nothing held."), new_x="LMARGIN", new_y="NEXT")
            for number, row in enumerate(rows, start=1):
                if len(rows) > 1:
                    pdf.set_font("DejaVu", "B", 9)
                    pdf.multi_cell(0, 5, f"{number}.", new_x="LMARGIN", new_y="NEXT")
                    pdf.set_font("DejaVu", "", 9)
                for name, value in row.items():
                    if value in ("", None, [], {}):
                        continue
                    if isinstance(value, dict):
                        value = ", ".join(f"{k}: {v}" for k, v in value.items())
                    pdf.multi_cell(
                        0,
                        5,
                        f"{_label(model, name)}: {value}",
                        new_x="LMARGIN",
                        new_y="NEXT",
                    )
        pdf.ln(3)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(0, 7, _("Not shown in this copy"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(
            0,
            5,
            _(
                "Screening against watchlists, integrity reviews, linkage groups and decisions "
                "not yet final are kept for the port's work and are not part of this copy."
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        return bytes(pdf.output())
