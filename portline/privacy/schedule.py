"""The retention schedule: what each kind of record is, what happens to it, and when.

The number of days per kind is configuration (`settings.PORTLINE_RETENTION_DAYS`, one
environment variable each, docs/configuration.md). The public page `/privacy/` shows this
table in every applicant language; docs/data-protection.md gives the reasoning behind each
default.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class RetentionKind:
    key: str
    records: str | Promise
    action: str | Promise
    counted_from: str | Promise

    @property
    def days(self) -> int:
        return int(settings.PORTLINE_RETENTION_DAYS[self.key])


KINDS: tuple[RetentionKind, ...] = (
    RetentionKind(
        "drafts",
        _("Registrations never submitted, with their people and documents"),
        _("Deleted."),
        _("the last change"),
    ),
    RetentionKind(
        "deletion_requests",
        _("Registrations whose deletion the applicant asked for"),
        _(
            "Deleted; where a published allocation round refers to them, kept without any personal data."
        ),
        _("the request"),
    ),
    RetentionKind(
        "requests_not_selected",
        _("Appointment requests that were not selected or were cancelled"),
        _(
            "Deleted. The published round keeps its own anonymous entries, so the draw can still be checked."
        ),
        _("the request window"),
    ),
    RetentionKind(
        "location_points",
        _("Locations sent with requests and confirmations"),
        _(
            "Coordinates removed (confirmation points rounded to about 11 km); the result inside or outside the service area stays."
        ),
        _("the moment the location was sent"),
    ),
    RetentionKind(
        "confirmation_photos",
        _("Live photos taken to confirm an appointment"),
        _("Deleted."),
        _("the appointment date"),
    ),
    RetentionKind(
        "evidence_after_decision",
        _("Evidence documents and photographs"),
        _("Files deleted. The decision itself is kept."),
        _("the final decision on every member of the group"),
    ),
    RetentionKind(
        "check_in_selfies",
        _("Photos and locations sent with check-ins after release"),
        _("Deleted."),
        _("the check-in"),
    ),
)

BY_KEY = {kind.key: kind for kind in KINDS}
