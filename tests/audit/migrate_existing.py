"""Migration audit/0003 chains rows written before it: run on a fresh SQLite file.

`python -m tests.audit.migrate_existing` (settings: config.settings.test, PORTLINE_VAR_DIR
set to an empty folder) prints a JSON summary for the test."""

from __future__ import annotations

import json
import sys


def main() -> None:
    import django
    from django.core.management import call_command

    django.setup()
    from django.db import connection

    call_command("migrate", "audit", "0002", verbosity=0)
    with connection.cursor() as cursor:
        for n, (at, action) in enumerate(
            [
                ("2026-01-02 10:00:00.5", "old.thing.b"),
                ("2026-01-01 09:00:00", "old.thing.a"),  # written first, inserted second
                ("2026-01-03 11:30:00.25", "old.thing.c"),
            ]
        ):
            cursor.execute(
                "INSERT INTO audit_auditrecord (at, actor_role, action, target_type, target_id, "
                "data) VALUES (%s, 'system', %s, '', %s, %s)",
                [at, action, str(n), json.dumps({"n": n, "word": "año"})],
            )
    call_command("migrate", "audit", verbosity=0)
    from portline.audit.models import AuditChainHead, AuditRecord
    from portline.audit.selectors import audit_verify

    report = audit_verify()
    rows = list(AuditRecord.objects.order_by("seq").values_list("seq", "action"))
    head = AuditChainHead.objects.get(pk=1)
    refused = False
    try:
        with connection.cursor() as cursor:
            cursor.execute("UPDATE audit_auditrecord SET action = 'x'")
    except Exception:  # the append-only trigger is back
        refused = True
    sys.stdout.write(
        json.dumps(
            {
                "rows": rows,
                "ok": report.ok,
                "findings": [f.line() for f in report.findings],
                "head": head.seq,
                "refused": refused,
            }
        )
    )


if __name__ == "__main__":
    main()
