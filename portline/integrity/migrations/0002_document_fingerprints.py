"""Document facts become keyed fingerprints: the facts table no longer holds document
numbers in clear (the numbers themselves are encrypted in registrations)."""

from django.conf import settings
from django.db import migrations

from portline.integrity.normalise import fingerprint_key


def fingerprint_documents(apps, schema_editor):
    import hashlib
    import hmac

    FactKey = apps.get_model("integrity", "FactKey")
    key = fingerprint_key(settings.LINKAGE_KEY, settings.SECRET_KEY)
    for fact in FactKey.objects.filter(kind="document", value__contains="|").iterator():
        fact.value = hmac.new(key, f"document:{fact.value}".encode(), hashlib.sha256).hexdigest()[
            :32
        ]
        fact.save(update_fields=["value"])


class Migration(migrations.Migration):
    dependencies = [("integrity", "0001_integrity_flags_facts_scans")]

    operations = [migrations.RunPython(fingerprint_documents, migrations.RunPython.noop)]
