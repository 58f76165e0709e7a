from django.apps import AppConfig
from django.core import checks


class AuditConfig(AppConfig):
    name = "portline.audit"
    label = "audit"

    def ready(self) -> None:
        checks.register(sqlite_writers_serialised, checks.Tags.database)


def sqlite_writers_serialised(app_configs, **kwargs):
    """On SQLite the audit chain relies on each transaction taking the write lock at BEGIN
    (transaction_mode IMMEDIATE): a DEFERRED transaction that read first could fail to
    upgrade, or, without the head row's UPDATE, two writers could read the same head."""
    from django.conf import settings

    return sqlite_problems(settings.DATABASES)


def sqlite_problems(databases: dict) -> list:
    problems = []
    for alias, database in databases.items():
        if database["ENGINE"] != "django.db.backends.sqlite3":
            continue
        if database.get("OPTIONS", {}).get("transaction_mode") != "IMMEDIATE":
            problems.append(
                checks.Error(
                    f"SQLite database {alias!r} must use OPTIONS transaction_mode='IMMEDIATE' "
                    "so that audit writers are serialised.",
                    id="audit.E001",
                )
            )
    return problems
