from __future__ import annotations

from django.db.models import QuerySet

from portline.audit.models import AuditRecord


def audit_for_target(*, target_type: str, target_id: str) -> QuerySet[AuditRecord]:
    return AuditRecord.objects.filter(target_type=target_type, target_id=target_id).order_by(
        "at", "id"
    )
