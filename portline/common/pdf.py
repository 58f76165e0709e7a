"""One way to start a Portline PDF: fpdf2 with DejaVu Sans, which ships with matplotlib, so
accents and Haitian Creole print correctly and nothing is downloaded."""

from __future__ import annotations

from pathlib import Path


def pdf_document(*, title: str, language: str):
    """An A4 `FPDF` with the title, creator and language set and the fonts "DejaVu" (regular
    and "B") registered."""
    import logging

    import matplotlib
    from fpdf import FPDF

    logging.getLogger("fontTools").setLevel(
        logging.WARNING
    )  # its subsetter logs every glyph at INFO

    fonts = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    pdf = FPDF(format="A4")
    pdf.set_title(title)
    pdf.set_creator("Portline")
    pdf.set_lang(language)
    pdf.add_font("DejaVu", "", str(fonts / "DejaVuSans.ttf"))
    pdf.add_font("DejaVu", "B", str(fonts / "DejaVuSans-Bold.ttf"))
    return pdf
