"""Names stored before normalisation existed are brought to the normal form
(portline.common.names): no bidirectional or zero-width controls, NFKC, single spaces. A name
with no letter left keeps its stored text so nothing is lost; an officer sees it as before."""

from django.db import migrations

from portline.common.names import has_letter, name_normalise

PERSON_NAMES = ("given_names", "family_names", "emergency_contact_name")


def _normalise(rows, fields):
    for row in rows.iterator():
        changed = []
        for field in fields:
            value = getattr(row, field)
            normal = name_normalise(value)
            if normal != value and (has_letter(normal) or not value):
                setattr(row, field, normal)
                changed.append(field)
        if changed:
            row.save(update_fields=changed)


def forwards(apps, schema_editor):
    _normalise(apps.get_model("registrations", "Person").objects.all(), PERSON_NAMES)
    _normalise(apps.get_model("registrations", "Registration").objects.all(), ("sponsor_name",))


class Migration(migrations.Migration):
    dependencies = [("registrations", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
