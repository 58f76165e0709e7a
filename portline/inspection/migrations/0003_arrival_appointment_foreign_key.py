"""An arrival points at its appointment by a foreign key (it held a bare integer before).

The integer is copied into the new column where that appointment exists; a number naming
no appointment (none should) is kept in the arrival's note rather than lost.
"""

import django.db.models.deletion
from django.db import migrations, models


def copy_references(apps, schema_editor):
    Arrival = apps.get_model("inspection", "Arrival")
    Appointment = apps.get_model("appointments", "Appointment")
    referenced = Arrival.objects.filter(appointment_ref__isnull=False)
    known = set(
        Appointment.objects.filter(
            pk__in=referenced.values_list("appointment_ref", flat=True)
        ).values_list("pk", flat=True)
    )
    for arrival in referenced.iterator():
        if arrival.appointment_ref in known:
            arrival.appointment_id = arrival.appointment_ref
            arrival.save(update_fields=["appointment"])
        else:
            arrival.note = (
                f"{arrival.note}\n[appointment {arrival.appointment_ref} not found]".strip()
            )[:1000]
            arrival.save(update_fields=["note"])


def copy_back(apps, schema_editor):
    Arrival = apps.get_model("inspection", "Arrival")
    for arrival in Arrival.objects.filter(appointment__isnull=False).iterator():
        arrival.appointment_ref = arrival.appointment_id
        arrival.save(update_fields=["appointment_ref"])


class Migration(migrations.Migration):
    dependencies = [
        ("appointments", "0001_initial"),
        ("inspection", "0002_inspection_settings_row"),
    ]

    operations = [
        migrations.AddField(
            model_name="arrival",
            name="appointment",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="arrivals",
                to="appointments.appointment",
                verbose_name="appointment",
            ),
        ),
        migrations.RunPython(copy_references, copy_back),
        migrations.RemoveField(model_name="arrival", name="appointment_ref"),
    ]
