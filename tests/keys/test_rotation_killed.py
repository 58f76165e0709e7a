"""`portline keys rotate` killed half-way (SIGKILL, a real process) and run again: every file
stays readable throughout and ends under the new key."""

import base64
import os
import secrets
import signal
import subprocess
import sys
from pathlib import Path

from portline.common.encryption import (
    HEADER_BYTES,
    FileHeader,
    KeyRing,
    decrypt_bytes,
    encrypt_bytes,
    kek_parse,
    key_id,
)

ROOT = Path(__file__).resolve().parents[2]
FILES = 4000


def _env(var_dir: Path, **variables) -> dict:
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTLINE_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "PORTLINE_VAR_DIR": str(var_dir),
            "PORTLINE_LOG_LEVEL": "WARNING",
            "PYTHONUNBUFFERED": "1",
            **variables,
        }
    )
    return env


def _key_ids(private: Path) -> dict[str, int]:
    counts: dict[str, int] = {}
    for path in private.rglob("*.bin"):
        kid = FileHeader.parse(path.read_bytes()[:HEADER_BYTES]).kid.hex()
        counts[kid] = counts.get(kid, 0) + 1
    return counts


def test_a_killed_rotation_resumes_with_every_file_readable(tmp_path):
    old, new = (base64.b64encode(secrets.token_bytes(32)).decode() for _ in range(2))
    var_dir = tmp_path / "var"
    subprocess.run(
        [sys.executable, "manage.py", "migrate", "--no-input"],
        cwd=ROOT,
        env=_env(var_dir, PORTLINE_KEK=old),
        check=True,
        capture_output=True,
        timeout=600,
    )
    private = var_dir / "private" / "evidence"
    old_ring = KeyRing(kek_parse(old))
    bodies = {}
    for n in range(FILES):
        folder = private / f"R{n // 100:04d}"
        folder.mkdir(parents=True, exist_ok=True)
        bodies[n] = secrets.token_bytes(300)
        (folder / f"{n:05d}.bin").write_bytes(encrypt_bytes(old_ring, bodies[n]))

    rotating = _env(var_dir, PORTLINE_KEK=new, PORTLINE_KEK_PREVIOUS=old)
    with subprocess.Popen(
        [sys.executable, "manage.py", "keys_rotate", "--batch", "50"],
        cwd=ROOT,
        env=rotating,
        stdout=subprocess.PIPE,
        text=True,
    ) as process:
        for line in process.stdout:
            if "re-wrapped" in line and not line.startswith("keys rotate: 0 "):
                process.send_signal(signal.SIGKILL)  # half-way through the files
                break
        process.wait(timeout=120)
    assert process.returncode == -signal.SIGKILL

    both = KeyRing(kek_parse(new), (kek_parse(old),))
    counts = _key_ids(private)
    assert counts.get(key_id(kek_parse(new)).hex(), 0) > 0
    assert counts.get(key_id(kek_parse(old)).hex(), 0) > 0, "killed too late to show a resume"
    for n, body in bodies.items():
        path = private / f"R{n // 100:04d}" / f"{n:05d}.bin"
        assert decrypt_bytes(both, path.read_bytes()) == body

    resumed = subprocess.run(
        [sys.executable, "manage.py", "keys_rotate"],
        cwd=ROOT,
        env=rotating,
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "finished" in resumed.stdout
    assert _key_ids(private) == {key_id(kek_parse(new)).hex(): FILES}
    only_new = KeyRing(kek_parse(new))
    for n, body in bodies.items():
        path = private / f"R{n // 100:04d}" / f"{n:05d}.bin"
        assert decrypt_bytes(only_new, path.read_bytes()) == body
    refused = subprocess.run(
        [sys.executable, "manage.py", "keys_check"],
        cwd=ROOT,
        env=_env(var_dir, PORTLINE_KEK=old),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert refused.returncode != 0 and "retired" in refused.stderr
