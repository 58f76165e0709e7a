"""Ship the eight ports (capacities summing to 1,450) and the program settings row as data."""

import json
from pathlib import Path

from django.db import migrations

PORTS_FILE = Path(__file__).resolve().parent.parent / "data" / "ports.json"


def load(apps, schema_editor):
    Port = apps.get_model("scheduling", "Port")
    ProgramSettings = apps.get_model("scheduling", "ProgramSettings")
    for row in json.loads(PORTS_FILE.read_text()):
        Port.objects.update_or_create(code=row["code"], defaults=row)
    ProgramSettings.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("scheduling", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
