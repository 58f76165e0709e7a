from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("ops", "0001_worker_heartbeat")]

    operations = [
        migrations.CreateModel(
            name="EffectDone",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("key", models.CharField(max_length=200, unique=True)),
                ("done_at", models.DateTimeField()),
            ],
        ),
    ]
