"""What Portline publishes: the measures, their dimensions, and the data dictionary.

Plain data, shared by the public page, the API, `portline report` and docs/statistics.md.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class Measure:
    name: str
    label: object  # a lazy translation
    dims: tuple[str, ...]
    definition: object


MEASURES: dict[str, Measure] = {
    m.name: m
    for m in (
        Measure(
            "requests",
            _("Requests"),
            ("port", "nationality"),
            _(
                "People in appointment requests: each day a registration asks, every person in it "
                "counts once. Month of the request window; port asked for first."
            ),
        ),
        Measure(
            "appointments",
            _("Appointments"),
            ("port", "nationality"),
            _(
                "People offered an appointment in the daily allocation. Month of the "
                "appointment date; port of the appointment."
            ),
        ),
        Measure(
            "confirmations",
            _("Confirmations"),
            ("port", "nationality"),
            _("People who confirmed their appointment. Month of the appointment date."),
        ),
        Measure(
            "arrivals",
            _("Arrivals"),
            ("port", "nationality"),
            _(
                "People checked in at the port (with an appointment or walking up). Month of "
                "the arrival; nationality unknown (XX) for walk-ups without a registration."
            ),
        ),
        Measure(
            "decisions",
            _("Decisions"),
            ("port", "nationality", "outcome"),
            _(
                "Final decisions on people at the port, by outcome (decisions still waiting "
                "for a supervisor are not counted). Month of the decision."
            ),
        ),
    )
}

DIMENSIONS: dict[str, object] = {
    "month": _("Calendar month (UTC), written YYYY-MM."),
    "port": _("Port of entry, by its code (for example SYS for San Ysidro)."),
    "nationality": _("Nationality, ISO 3166-1 alpha-2 code; XX where unknown."),
    "outcome": _("Decision: parole, notice to appear, detention, return, withdrawal."),
}

UNKNOWN_NATIONALITY = "XX"
