from __future__ import annotations

from typing import Any

from django.db.models import Count, QuerySet
from django.db.models.functions import TruncMonth
from django.utils.translation import gettext_lazy as _

from portline.accounts.models import Role
from portline.common.errors import NotFound
from portline.complaints.models import Complaint, ComplaintKind
from portline.complaints.services import receipt_hash


def complaints_visible_to(actor: Any) -> QuerySet[Complaint]:
    """The oversight role sees every report; nobody else sees any (ports and officers above
    all: a report may be about them)."""
    if getattr(actor, "is_authenticated", False) and actor.role == Role.OVERSIGHT:
        return Complaint.objects.select_related("port", "reporter")
    return Complaint.objects.none()


def complaints_queue(actor: Any, *, status: str = "", kind: str = "") -> QuerySet[Complaint]:
    """The oversight queue, optionally narrowed to one status and one kind."""
    complaints = complaints_visible_to(actor)
    if status:
        complaints = complaints.filter(status=status)
    if kind:
        complaints = complaints.filter(kind=kind)
    return complaints


def access_complaint(actor: Any, complaint_id: int) -> Complaint:
    complaint = complaints_visible_to(actor).filter(pk=complaint_id).first()
    if complaint is None:
        raise NotFound(_("No such report."))
    return complaint


def complaint_by_receipt(code: str) -> Complaint:
    """What the reporter may see with their receipt code (the page shows kind and status)."""
    complaint = Complaint.objects.filter(receipt_hash=receipt_hash(code or "")).first()
    if complaint is None:
        raise NotFound(_("No report has this receipt code. Check it and try again."))
    return complaint


def complaint_counts_public() -> list[dict]:
    """Reports per month and kind, for the public page (counts only)."""
    rows = (
        Complaint.objects.annotate(month=TruncMonth("received_on"))
        .values("month", "kind")
        .annotate(count=Count("id"))
        .order_by("-month", "kind")
    )
    months: dict = {}
    for row in rows:
        month = months.setdefault(row["month"], {kind: 0 for kind in ComplaintKind.values})
        month[row["kind"]] = row["count"]
    return [
        {
            "month": month,
            "counts": [counts[kind] for kind in ComplaintKind.values],
            "total": sum(counts.values()),
        }
        for month, counts in months.items()
    ]
