"""Key rotation over 100,000 encrypted files (and the encrypted fields of 20,000 people).

Figure: the time of `keys_rotate` (what `portline keys rotate` runs) re-wrapping every data
key from the old key-encryption key to a new one: target 100,000 files within 5 minutes on
this 2-core machine. Printed beside two baselines measured in the same run on the same files:
the floor (walking the folder and reading each file's header, re-wrapping nothing) and what
re-encrypting the bodies would cost instead (timed on a sample, scaled to all files).

    .venv/bin/python benchmarks/encryption_rotation.py                     # 100,000 files
    .venv/bin/python benchmarks/encryption_rotation.py --files 10000 --people 2000

Data: a fresh SQLite database and private folder in a temporary directory; files of random
bytes (default 4 KiB, 100 to a folder as evidence is stored per registration) sealed under the
old key; people with a criminal-history declaration and a document number, and registrations
with a statement, encrypted under the old key (not timed).
"""

from __future__ import annotations

import argparse
import base64
import os
import secrets
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from portline.common.encryption import (
    HEADER_BYTES,
    FileHeader,
    KeyRing,
    decrypt_bytes,
    encrypt_bytes,
    kek_parse,
    key_id,
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=100_000)
    parser.add_argument("--people", type=int, default=20_000)
    parser.add_argument("--kib", type=int, default=4, help="size of each file")
    parser.add_argument(
        "--sample", type=int, default=2000, help="files re-encrypted for the baseline"
    )
    args = parser.parse_args()

    old = base64.b64encode(secrets.token_bytes(32)).decode()
    new = base64.b64encode(secrets.token_bytes(32)).decode()
    var_dir = Path(tempfile.mkdtemp(prefix="pl-rotation-bench-", dir=os.environ.get("TMPDIR")))
    os.environ.update(
        {
            "PORTLINE_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "PORTLINE_LOG_LEVEL": "WARNING",
            "PORTLINE_KEK": new,
            "PORTLINE_KEK_PREVIOUS": old,
        }
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command

    from portline.keys.selectors import file_key_ids, value_key_ids
    from portline.keys.services import keys_rotate, private_files

    call_command("migrate", verbosity=0)
    private = Path(settings.MEDIA_ROOT)
    old_ring = KeyRing(kek_parse(old))
    started = time.perf_counter()
    body = os.urandom(args.kib * 1024)
    for n in range(args.files):
        folder = private / "evidence" / f"R{n // 100:07d}"
        if n % 100 == 0:
            folder.mkdir(parents=True)
        (folder / f"{n:08d}.pdf").write_bytes(encrypt_bytes(old_ring, body))
    _people(settings, old, args.people)
    print(
        f"prepared {args.files:,} files of {args.kib} KiB and {args.people:,} people under the "
        f"old key in {time.perf_counter() - started:.0f} s (not timed)"
    )

    os.sync()
    started = time.perf_counter()
    headers = 0
    for path in private_files():
        with path.open("rb") as handle:
            headers += FileHeader.parse(handle.read(HEADER_BYTES)) is not None
    floor = time.perf_counter() - started
    assert headers == args.files

    sample = list(private_files())[: args.sample]
    new_ring = KeyRing(kek_parse(new), (kek_parse(old),))
    scratch = var_dir / "reencrypted"
    scratch.mkdir()
    started = time.perf_counter()
    for n, path in enumerate(sample):
        (scratch / str(n)).write_bytes(
            encrypt_bytes(new_ring, decrypt_bytes(new_ring, path.read_bytes()))
        )
    reencrypt = (time.perf_counter() - started) * args.files / len(sample)
    shutil.rmtree(scratch)

    started = time.perf_counter()
    result = keys_rotate(batch=1000)
    rotation = time.perf_counter() - started
    assert result.finished and result.files == args.files, result
    new_id = key_id(kek_parse(new)).hex()
    assert set(file_key_ids()) == {new_id} and set(value_key_ids()) == {new_id}
    for path in sample[:: max(1, len(sample) // 100)]:
        assert decrypt_bytes(KeyRing(kek_parse(new)), path.read_bytes()) == body

    print(
        f"rotation: {result.files:,} files and {result.values:,} values re-wrapped in "
        f"{rotation:.1f} s ({result.files / rotation:,.0f} files/s); target 100,000 files in 300 s"
    )
    print(f"  baseline, floor: walking and reading every header, nothing re-wrapped: {floor:.1f} s")
    print(
        f"  baseline, re-encrypting every body instead (timed on {len(sample):,} files, scaled): "
        f"{reencrypt:.1f} s"
    )
    shutil.rmtree(var_dir, ignore_errors=True)


def _people(settings, old: str, count: int) -> None:
    """Registrations and people with encrypted fields, written under the old key."""
    from portline.accounts.models import Role, User
    from portline.registrations.models import Person, Registration

    current = settings.KEK, settings.KEK_PREVIOUS
    settings.KEK, settings.KEK_PREVIOUS = old, []
    owner = User.objects.create_user("bench@example.org", secrets.token_hex(), role=Role.APPLICANT)
    for start in range(0, count, 2000):
        registrations = Registration.objects.bulk_create(
            Registration(
                reference=f"B{n:09d}",
                owner=owner,
                created_by=owner,
                basis_statement=f"statement {n}",
            )
            for n in range(start, min(count, start + 2000))
        )
        Person.objects.bulk_create(
            Person(
                registration=r,
                position=1,
                declared_criminal_history=f"declaration {r.reference}",
                id_document_number=f"DOC{r.reference}",
            )
            for r in registrations
        )
    settings.KEK, settings.KEK_PREVIOUS = current


if __name__ == "__main__":
    main()
