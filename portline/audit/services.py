from __future__ import annotations

from typing import Any

from django.db import models, transaction

from portline.audit.models import AuditRecord


def audit_record(
    *, actor: Any, action: str, target: models.Model | None = None, data: dict | None = None
) -> AuditRecord:
    """Write one audit row. Must run inside the transaction of the change it records.

    `action` is `domain.subject.verb`. `data` holds identifiers and changed field names,
    not personal data values.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(
            "audit_record must be called inside transaction.atomic() with its change"
        )
    user = actor if getattr(actor, "is_authenticated", False) else None
    return AuditRecord.objects.create(
        actor=user,
        actor_role=getattr(user, "role", "") if user else "system",
        action=action,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=str(target.pk) if target is not None else "",
        data=data or {},
    )
