"""Encrypt what was stored in plaintext before encryption at rest: the sensitive fields and
every private file. Not atomic: each batch commits, and a re-run skips what is done, so an
interrupted migration resumes (`portline keys encrypt` does the same outside migrations)."""

from django.db import migrations


def encrypt_existing(apps, schema_editor):
    from portline.common.encryption import keyring
    from portline.keys.services import (
        encrypted_columns,
        files_encrypt_plaintext,
        values_encrypt_plaintext,
    )

    ring = keyring()
    values_encrypt_plaintext(ring, encrypted_columns(apps))
    files_encrypt_plaintext(ring)


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("keys", "0001_initial"),
        ("registrations", "0004_encrypted_fields"),
    ]

    operations = [migrations.RunPython(encrypt_existing, migrations.RunPython.noop)]
