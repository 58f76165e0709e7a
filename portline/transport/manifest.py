"""A vehicle's manifest as PDF (fpdf2, DejaVu Sans) and as formula-safe CSV, in the
transport operator's language (the route's `operator_language`)."""

from __future__ import annotations

from django.utils import translation
from django.utils.translation import gettext as _
from fpdf.fonts import FontFace

from portline.appointments.selectors import format_day
from portline.common.pdf import pdf_document
from portline.common.spreadsheets import csv_text
from portline.transport import selectors
from portline.transport.models import Vehicle


def _header() -> list[str]:
    return [_("Order"), _("Name"), _("Confirmation number"), _("Place in group"), _("Boarded")]


def _facts(vehicle: Vehicle, language: str) -> list[tuple[str, str]]:
    route = vehicle.route
    return [
        (_("Date"), format_day(vehicle.plan.service_date, language)),
        (_("From"), vehicle.plan.departure_city),
        (_("Port of entry"), f"{vehicle.port.name} ({vehicle.port.mexican_city})"),
        (
            _("Departure"),
            selectors.local_time(
                vehicle.departs_at, route.departure_time_zone, route.departure_city
            ),
        ),
        (
            _("Appointment time"),
            selectors.local_time(vehicle.slot_starts_at, vehicle.port.time_zone, vehicle.port.name),
        ),
        (_("Transport operator"), route.operator_name),
        (_("Seats"), str(vehicle.capacity)),
    ]


def manifest_filename(vehicle: Vehicle, extension: str) -> str:
    return f"manifest-{vehicle.plan.service_date:%Y%m%d}-{vehicle.plan_id}-{vehicle.number}.{extension}"


def manifest_csv(vehicle: Vehicle) -> str:
    language = vehicle.route.operator_language
    with translation.override(language):
        rows = selectors.manifest_rows(vehicle, selectors.vehicle_manifest(vehicle))
        return csv_text(_header(), rows)


def manifest_pdf(vehicle: Vehicle) -> bytes:
    language = vehicle.route.operator_language
    with translation.override(language):
        entries = selectors.vehicle_manifest(vehicle)
        title = _("Vehicle %(number)s manifest") % {"number": vehicle.number}
        pdf = pdf_document(title=title, language=language)
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.add_page()
        width = pdf.w - pdf.l_margin - pdf.r_margin
        pdf.set_font("DejaVu", "B", 16)
        pdf.multi_cell(width, 8, title, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        for label, value in _facts(vehicle, language):
            pdf.set_font("DejaVu", "B", 10)
            pdf.cell(50, 6, label)
            pdf.set_font("DejaVu", "", 10)
            pdf.multi_cell(width - 50, 6, value, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(3)
        pdf.set_font("DejaVu", "", 9)
        with pdf.table(
            col_widths=(12, 62, 40, 26, 30),
            text_align="LEFT",
            headings_style=FontFace(emphasis="BOLD"),
        ) as table:
            table.row(_header())
            for values in selectors.manifest_rows(vehicle, entries):
                table.row(values)
        pdf.ln(3)
        pdf.set_font("DejaVu", "", 9)
        pdf.multi_cell(
            width,
            5,
            _(
                "Families and groups board first. Nobody boards without a place on this manifest. At the port, the officer checks every person against this list."
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        return bytes(pdf.output())
