"""Chain the audit table: sequence number, previous hash, own hash; a chain head; published days.

Existing rows are chained in the order they were written (time, then id). The append-only
triggers are lifted for the duration of this migration only (the data step writes the new
columns of existing rows) and put back at the end.
"""

from importlib import import_module

from django.db import migrations, models

import portline.common.clock
from portline.audit import chain

append_only = import_module("portline.audit.migrations.0002_append_only")


def drop_triggers(apps, schema_editor):
    append_only.backwards(apps, schema_editor)


def create_triggers(apps, schema_editor):
    append_only.forwards(apps, schema_editor)


def chain_existing(apps, schema_editor):
    AuditRecord = apps.get_model("audit", "AuditRecord")
    AuditChainHead = apps.get_model("audit", "AuditChainHead")
    prev, seq, last_at = chain.GENESIS, 0, None
    batch = []
    for record in AuditRecord.objects.order_by("at", "id").iterator(chunk_size=2000):
        seq += 1
        record.seq = seq
        record.prev_hash = prev
        entry = chain.canonical_of(record)
        record.entry = entry.decode("ascii")
        record.hash = chain.entry_hash(entry)
        prev, last_at = record.hash, record.at
        batch.append(record)
        if len(batch) >= 2000:
            AuditRecord.objects.bulk_update(batch, ["seq", "prev_hash", "hash", "entry"])
            batch = []
    if batch:
        AuditRecord.objects.bulk_update(batch, ["seq", "prev_hash", "hash", "entry"])
    AuditChainHead.objects.update_or_create(
        pk=1, defaults={"seq": seq, "hash": prev, "at": last_at}
    )


class Migration(migrations.Migration):
    dependencies = [("audit", "0002_append_only")]

    operations = [
        migrations.RunPython(drop_triggers, create_triggers),
        migrations.AddField(
            model_name="auditrecord",
            name="seq",
            field=models.BigIntegerField(null=True),
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="prev_hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="hash",
            field=models.CharField(default="", max_length=64),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="auditrecord",
            name="entry",
            field=models.TextField(default="", help_text="The canonical JSON this row's hash is over."),
            preserve_default=False,
        ),
        migrations.AlterModelOptions(
            name="auditrecord",
            options={"ordering": ["-seq"], "verbose_name": "audit record"},
        ),
        migrations.CreateModel(
            name="AuditChainHead",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("seq", models.BigIntegerField(default=0)),
                ("hash", models.CharField(max_length=64)),
                ("at", models.DateTimeField(blank=True, null=True)),
            ],
            options={"verbose_name": "audit chain head"},
        ),
        migrations.CreateModel(
            name="AuditDayRoot",
            fields=[
                ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                ("day", models.DateField(unique=True)),
                ("first_seq", models.BigIntegerField()),
                ("last_seq", models.BigIntegerField()),
                ("count", models.IntegerField()),
                ("day_root", models.CharField(max_length=64)),
                ("tree_size", models.BigIntegerField()),
                ("tree_root", models.CharField(max_length=64)),
                ("statement", models.TextField(help_text="The signed statement, canonical JSON.")),
                ("signature", models.CharField(max_length=128)),
                ("key_id", models.CharField(max_length=64)),
                ("frontier", models.JSONField(default=list, help_text="The log tree's perfect subtrees after the day (hex, left first).")),
                ("published_at", models.DateTimeField(default=portline.common.clock.now)),
            ],
            options={"ordering": ["-day"], "verbose_name": "published audit day"},
        ),
        migrations.RunPython(chain_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="auditrecord",
            name="seq",
            field=models.BigIntegerField(unique=True),
        ),
        migrations.RunPython(create_triggers, drop_triggers),
    ]
