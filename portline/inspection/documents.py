"""The decision document: a PDF in the person's language with the record number, the
decision, its term end date and conditions. Rendered with fpdf2 and a Unicode TrueType font
that matplotlib ships (DejaVu Sans), so accents and Haitian Creole print correctly offline.
Dates are written YYYY-MM-DD: unambiguous in every language (Babel would format `ht` in French).
"""

from __future__ import annotations

import datetime as dt

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from portline.common.pdf import pdf_document
from portline.inspection import engine
from portline.inspection.models import Decision, DecisionKind, DecisionStatus
from portline.inspection.selectors import inspection_settings_get


def document_language(decision: Decision) -> str:
    offered = {code for code, _name in settings.LANGUAGES}
    language = decision.person.preferred_language or "en"
    return language if language in offered else "en"


def _conditions(decision: Decision) -> list[str]:
    lines = []
    if decision.kind == DecisionKind.PAROLE:
        if decision.reporting_interval_days:
            lines.append(
                _(
                    "Check in every %(days)s days, online or at an office. Your first check-in is due on %(date)s."
                )
                % {
                    "days": decision.reporting_interval_days,
                    "date": (
                        decision.term_start + dt.timedelta(days=decision.reporting_interval_days)
                    ).isoformat(),
                }
            )
        if decision.address_reporting:
            days = inspection_settings_get().address_report_business_days
            lines.append(
                _("Report any change of your US address within %(days)s business days of moving.")
                % {"days": days}
            )
        lines.append(
            _("You may apply for work authorization from %(date)s.")
            % {
                "date": engine.work_authorization_date(
                    decision.term_start, inspection_settings_get().work_authorization_days
                ).isoformat()
            }
        )
        lines.append(_("Appear in immigration court when you are told to."))
    return lines


def decision_document_content(decision: Decision) -> list[tuple[str, str]]:
    """The document as (style, text) lines in the person's language: style is
    "title", "heading", "label", "text" or "bullet"."""
    if decision.status != DecisionStatus.FINAL:
        raise ValueError("only a final decision has a document")
    with translation.override(document_language(decision)):
        person = decision.person
        lines: list[tuple[str, str]] = [("title", _("Decision at the port of entry"))]

        def field(label: str, value: str) -> None:
            lines.append(("label", label))
            lines.append(("text", value or "—"))

        field(_("Record number"), decision.record_number)
        field(_("Name"), person.full_name)
        field(_("Date of birth"), person.date_of_birth.isoformat() if person.date_of_birth else "")
        field(_("Nationality"), person.nationality)
        field(_("Port of entry"), decision.port.name)
        field(
            _("Date of decision"), (decision.reviewed_at or decision.decided_at).date().isoformat()
        )
        field(_("Decision"), str(DecisionKind(decision.kind).label))
        field(_("Reason"), str(decision.get_reason_code_display()))
        if decision.kind == DecisionKind.PAROLE:
            field(_("Parole begins"), decision.term_start.isoformat())
            field(_("Parole ends"), decision.term_end.isoformat())
        if decision.kind in (DecisionKind.PAROLE, DecisionKind.NOTICE_TO_APPEAR):
            field(
                _("Immigration court"),
                decision.court_placeholder
                or _("To be scheduled: a hearing notice will be sent to your address on file."),
            )
        conditions = _conditions(decision)
        if conditions:
            lines.append(("heading", _("Conditions")))
            lines.extend(("bullet", text) for text in conditions)
        lines.append(("text", ""))
        lines.append(
            (
                "text",
                _(
                    "Keep this document. Show it with the record number when you check in or change your address."
                ),
            )
        )
        return [(style, str(text)) for style, text in lines]


def decision_document_pdf(decision: Decision) -> bytes:
    """The PDF bytes of a final decision, in the person's language."""

    content = decision_document_content(decision)
    pdf = pdf_document(title=decision.record_number, language=document_language(decision))
    pdf.set_auto_page_break(auto=True, margin=15)
    pdf.add_page()
    sizes = {
        "title": ("B", 16, 9),
        "heading": ("B", 13, 8),
        "label": ("B", 11, 6),
        "text": ("", 11, 6),
        "bullet": ("", 11, 6),
    }
    for style, text in content:
        weight, size, height = sizes[style]
        pdf.set_font("DejaVu", weight, size)
        if style == "heading":
            pdf.ln(2)
        pdf.multi_cell(
            0, height, ("• " + text) if style == "bullet" else text, new_x="LMARGIN", new_y="NEXT"
        )
    return bytes(pdf.output())
