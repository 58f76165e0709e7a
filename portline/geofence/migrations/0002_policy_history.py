"""Ship the reported history of the service area (data/policy_history.json) as data."""

import datetime as dt
import json
from pathlib import Path

from django.db import migrations

HISTORY_FILE = Path(__file__).resolve().parent.parent / "data" / "policy_history.json"


def _moment(value):
    return dt.datetime.fromisoformat(value) if value else None


def load(apps, schema_editor):
    Policy = apps.get_model("geofence", "ServiceAreaPolicy")
    for row in json.loads(HISTORY_FILE.read_text(encoding="utf-8")):
        Policy.objects.update_or_create(version=row["version"], defaults={
            "name": row["name"],
            "effective_from": _moment(row["effective_from"]),
            "effective_to": _moment(row["effective_to"]),
            "states_mexican_nationals": row["states_mexican_nationals"],
            "states_others": row["states_others"],
            "source": row["source"],
        })


class Migration(migrations.Migration):
    dependencies = [("geofence", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
