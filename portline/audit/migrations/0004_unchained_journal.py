"""Writers append unchained rows; the sequencer chains them.

`seq` becomes nullable (an event is written without its place in the log and chained after
its transaction commits), and a partial index finds the rows still to chain. The append-only
triggers are replaced: DELETE (and TRUNCATE) stay refused, and UPDATE is allowed for exactly
one change, the sequencer's: filling `seq`, `prev_hash`, `hash` and `entry` of a row that has
none, leaving every other column as written (`at` may only move forward, so that time never
runs backwards along the chain). Any other UPDATE is refused.
"""

from importlib import import_module

from django.conf import settings
from django.db import migrations, models

append_only = import_module("portline.audit.migrations.0002_append_only")

# The one UPDATE allowed: the chaining fill of a row that is not chained yet.
_FILL = """OLD.seq IS NULL AND NEW.seq IS NOT NULL AND OLD.hash = '' AND OLD.entry = ''
       AND OLD.prev_hash = '' AND NEW.hash <> '' AND NEW.entry <> '' AND NEW.prev_hash <> ''
       AND NEW.id = OLD.id AND NEW.actor_id IS NOT DISTINCT FROM OLD.actor_id
       AND NEW.actor_role = OLD.actor_role AND NEW.action = OLD.action
       AND NEW.target_type = OLD.target_type AND NEW.target_id = OLD.target_id
       AND NEW.data = OLD.data AND NEW.at >= OLD.at"""

SQLITE = [
    f"""CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditrecord
       WHEN NOT ({_FILL.replace("IS NOT DISTINCT FROM", "IS")})
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditrecord
       BEGIN SELECT RAISE(ABORT, 'audit records are append-only'); END""",
]
POSTGRES = [
    """CREATE OR REPLACE FUNCTION audit_append_only() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'audit records are append-only'; END; $$ LANGUAGE plpgsql""",
    f"""CREATE OR REPLACE FUNCTION audit_chain_fill_only() RETURNS trigger AS $$
       BEGIN
         IF {_FILL} THEN RETURN NEW; END IF;
         RAISE EXCEPTION 'audit records are append-only';
       END; $$ LANGUAGE plpgsql""",
    """CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit_auditrecord
       FOR EACH ROW EXECUTE FUNCTION audit_chain_fill_only()""",
    """CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit_auditrecord
       FOR EACH ROW EXECUTE FUNCTION audit_append_only()""",
    """CREATE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit_auditrecord
       FOR EACH STATEMENT EXECUTE FUNCTION audit_append_only()""",
]


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "sqlite":
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_no_update")
        schema_editor.execute("DROP TRIGGER IF EXISTS audit_no_delete")
    else:
        for name in ("audit_no_update", "audit_no_delete", "audit_no_truncate"):
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {name} ON audit_auditrecord")


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    statements = {"sqlite": SQLITE, "postgresql": POSTGRES}.get(vendor)
    if statements is None:
        raise RuntimeError(f"No append-only triggers for database vendor {vendor!r}")
    for statement in statements:
        schema_editor.execute(statement)


class Migration(migrations.Migration):
    dependencies = [
        ("audit", "0003_hash_chain"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RunPython(append_only.backwards, append_only.forwards),
        migrations.AlterField(
            model_name="auditrecord",
            name="entry",
            field=models.TextField(
                blank=True, default="", help_text="The canonical JSON this row's hash is over."
            ),
        ),
        migrations.AlterField(
            model_name="auditrecord",
            name="hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AlterField(
            model_name="auditrecord",
            name="prev_hash",
            field=models.CharField(blank=True, default="", max_length=64),
        ),
        migrations.AlterField(
            model_name="auditrecord",
            name="seq",
            field=models.BigIntegerField(blank=True, null=True, unique=True),
        ),
        migrations.AddIndex(
            model_name="auditrecord",
            index=models.Index(
                condition=models.Q(("seq__isnull", True)), fields=["id"], name="audit_unchained"
            ),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
