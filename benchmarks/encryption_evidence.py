"""Uploading and serving a 5 MB evidence file, encrypted at rest vs stored in plaintext.

Figure: time per upload (applicant page, multipart POST through the real view, service and
storage) and per download (the access-checked download view, streamed to the end), with the
encrypted storage (`portline.common.storage.EncryptedFileSystemStorage`, production) printed
beside the baseline measured in the same run: Django's plain `FileSystemStorage`. The two are
alternated, round by round, so machine load hits both alike. Target: encryption costs at most
10% more time. Also printed: the peak memory allocated while serving one file (the encrypted
reader holds one 64 KiB segment, whatever the file size).

    .venv/bin/python benchmarks/encryption_evidence.py               # 5 MB, 15 rounds
    .venv/bin/python benchmarks/encryption_evidence.py --mb 5 --rounds 30

Data: a fresh SQLite database in a temporary folder, one applicant with a draft registration;
the file is a valid PDF of random (incompressible) bytes, different in every round.
"""

from __future__ import annotations

import argparse
import logging
import os
import secrets
import shutil
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

STORAGES = {
    "encrypted": "portline.common.storage.EncryptedFileSystemStorage",
    "plain": "django.core.files.storage.FileSystemStorage",
}


def pdf_of(size: int) -> bytes:
    head, tail = b"%PDF-1.4\n%", b"\ntrailer<<>>\n%%EOF\n"
    body = os.urandom(size - len(head) - len(tail)).replace(b"%%EOF", b"%%EOG")
    return head + body + tail


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=5.0, help="file size in MB (default 5)")
    parser.add_argument("--rounds", type=int, default=15, help="uploads and downloads per storage")
    args = parser.parse_args()

    var_dir = Path(tempfile.mkdtemp(prefix="pl-encryption-bench-"))
    os.environ.update(
        {
            "PORTLINE_VAR_DIR": str(var_dir),
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "PORTLINE_LOG_LEVEL": "WARNING",
            "PORTLINE_KEK": __import__("base64").b64encode(secrets.token_bytes(32)).decode(),
            "PORTLINE_ALLOWED_HOSTS": "testserver",
        }
    )
    os.environ.pop("DATABASE_URL", None)
    import django

    django.setup()
    from django.core.management import call_command
    from django.test import Client
    from django.test.utils import setup_test_environment
    from django.urls import reverse
    from django.utils.module_loading import import_string
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from portline.accounts.models import Role, User
    from portline.registrations import services
    from portline.registrations.models import EvidenceDocument

    setup_test_environment()  # the test client's response.streaming_content
    logging.disable(logging.INFO)  # no access log lines between the figures
    call_command("migrate", verbosity=0)
    call_command("createcachetable", verbosity=0)
    size = int(args.mb * 1024 * 1024)
    user = User.objects.create_user(
        "bench-applicant@example.org",
        email="bench-applicant@example.org",
        password=secrets.token_hex(),
        role=Role.APPLICANT,
    )
    TOTPDevice.objects.create(user=user, name="bench", confirmed=True)
    registration = services.registration_create(
        actor=user,
        data={
            "basis": "medical",
            "us_address_line1": "1200 Main St",
            "us_city": "Houston",
            "us_state": "TX",
            "us_zip": "77002",
        },
    )
    client = Client()
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = TOTPDevice.objects.get(user=user).persistent_id
    session.save()
    upload_url = reverse("applicant:evidence", args=[registration.reference])

    backends = {
        kind: import_string(path)(location=str(var_dir / kind), base_url=None)
        for kind, path in STORAGES.items()
    }

    def use(kind: str) -> None:
        EvidenceDocument._meta.get_field("file").storage = backends[kind]

    times: dict[str, dict[str, list[float]]] = {k: {"upload": [], "serve": []} for k in STORAGES}
    peaks: dict[str, int] = {}
    for round_number in range(args.rounds + 1):  # round 0 warms up and is not counted
        for kind in STORAGES if round_number % 2 else reversed(list(STORAGES)):
            use(kind)
            content = pdf_of(size)
            started = time.perf_counter()
            response = client.post(
                upload_url,
                {"kind": "medical", "provider": "", "person": "", "file": _named(content)},
            )
            uploaded = time.perf_counter() - started
            assert response.status_code == 302, response.status_code
            document = EvidenceDocument.objects.filter(registration=registration).latest("id")
            on_disk = (var_dir / kind / document.file.name).read_bytes()
            assert (content[:64] in on_disk) == (kind == "plain")
            url = reverse("applicant:evidence_download", args=[registration.reference, document.pk])
            started = time.perf_counter()
            response = client.get(url)
            received = sum(len(chunk) for chunk in response.streaming_content)
            served = time.perf_counter() - started
            assert received == size
            if round_number == 0:  # memory apart from timing (tracemalloc slows allocations)
                tracemalloc.start()
                response = client.get(url)
                assert sum(len(chunk) for chunk in response.streaming_content) == size
                peaks[kind] = tracemalloc.get_traced_memory()[1]
                tracemalloc.stop()
            services.evidence_delete(actor=user, document=document)
            if round_number:
                times[kind]["upload"].append(uploaded)
                times[kind]["serve"].append(served)

    print(f"{args.mb:g} MB evidence file, {args.rounds} rounds each, median (p90) per operation:")
    for operation in ("upload", "serve"):
        plain = statistics.median(times["plain"][operation])
        encrypted = statistics.median(times["encrypted"][operation])
        p90 = {k: sorted(times[k][operation])[int(0.9 * (args.rounds - 1))] for k in STORAGES}
        print(
            f"  {operation:<7} plain (baseline) {plain * 1000:7.1f} ms ({p90['plain'] * 1000:.1f})"
            f"   encrypted {encrypted * 1000:7.1f} ms ({p90['encrypted'] * 1000:.1f})"
            f"   {100 * (encrypted / plain - 1):+5.1f}% (target at most +10%)"
        )
    total_plain = sum(statistics.median(times["plain"][o]) for o in ("upload", "serve"))
    total_enc = sum(statistics.median(times["encrypted"][o]) for o in ("upload", "serve"))
    print(f"  upload + serve: {100 * (total_enc / total_plain - 1):+.1f}%")
    print(
        f"  peak memory allocated while serving: plain {peaks['plain'] / 1024:.0f} KiB, "
        f"encrypted {peaks['encrypted'] / 1024:.0f} KiB"
    )
    shutil.rmtree(var_dir, ignore_errors=True)


def _named(content: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("report.pdf", content, content_type="application/pdf")


if __name__ == "__main__":
    main()
