"""The appointment confirmation as a PDF (fpdf2), in the applicant's language, with the QR code.

Text is set in DejaVu Sans, which ships with matplotlib (found through
`matplotlib.get_data_path()`), so accents and Haitian Creole print correctly and nothing is
downloaded. The confirmation number is set in the PDF core font Courier: plain ASCII, easy
to read aloud, and searchable in the file.
"""

from __future__ import annotations

import io

from django.utils import translation
from django.utils.translation import gettext as _

from portline.appointments.models import Appointment
from portline.appointments.selectors import appointment_local_times, appointment_token
from portline.appointments.tokens import qr_png
from portline.common.pdf import pdf_document


def appointment_pdf(appointment: Appointment, *, language: str) -> bytes:
    with translation.override(language):
        times = appointment_local_times(appointment, language)
        people = list(appointment.registration.people.order_by("position"))
        pdf = pdf_document(title=_("Appointment confirmation"), language=language)
        pdf.set_auto_page_break(auto=True, margin=15)
        pdf.add_page()
        width = pdf.w - pdf.l_margin - pdf.r_margin

        pdf.set_font("DejaVu", "B", 18)
        pdf.multi_cell(width, 9, _("Appointment confirmation"), new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("DejaVu", "", 11)
        pdf.multi_cell(width, 6, _("Confirmation number"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("Courier", "B", 22)
        pdf.cell(width, 11, appointment.confirmation_number_display, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)

        rows = [
            (_("Port of entry"), f"{appointment.port.name} ({appointment.port.mexican_city})"),
            (_("Date"), times["date"]),
            (_("Time"), times["time"]),
            (_("People"), str(appointment.group_size)),
            (_("Status"), str(appointment.get_status_display())),
        ]
        for label, value in rows:
            pdf.set_font("DejaVu", "B", 11)
            pdf.cell(45, 7, label)
            pdf.set_font("DejaVu", "", 11)
            pdf.multi_cell(width - 45, 7, value, new_x="LMARGIN", new_y="NEXT")
        pdf.ln(2)
        pdf.set_font("DejaVu", "B", 12)
        pdf.multi_cell(width, 7, _("Travellers"), new_x="LMARGIN", new_y="NEXT")
        pdf.set_font("DejaVu", "", 11)
        for person in people:
            pdf.multi_cell(
                width, 6, f"{person.position}. {person.full_name}", new_x="LMARGIN", new_y="NEXT"
            )
        pdf.ln(3)

        top = pdf.get_y()
        pdf.image(
            io.BytesIO(qr_png(appointment_token(appointment))), x=pdf.l_margin, y=top, w=50, h=50
        )
        pdf.set_xy(pdf.l_margin + 55, top)
        pdf.set_font("DejaVu", "", 10)
        pdf.multi_cell(
            width - 55,
            5,
            _(
                "Show this code and your documents at the port. The officer scans it to check that Portline issued this appointment."
            ),
            new_x="LMARGIN",
            new_y="NEXT",
        )
        pdf.set_y(max(pdf.get_y(), top + 52))
        pdf.set_font("DejaVu", "", 10)
        for line in (
            _("Arrive at the port at the time shown. Every person in the group must come."),
            _(
                "Appointments are free. Nobody may charge you for one; report anyone who asks for money."
            ),
        ):
            pdf.multi_cell(width, 5, line, new_x="LMARGIN", new_y="NEXT")
            pdf.ln(1)
        return bytes(pdf.output())
