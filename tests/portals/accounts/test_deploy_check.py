import base64
import os
import secrets
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]


def test_deploy_check_is_clean_in_production(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTLINE_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "PORTLINE_ENV": "production",
            "PORTLINE_SECRET_KEY": secrets.token_urlsafe(64),
            "PORTLINE_KEK": base64.b64encode(secrets.token_bytes(32)).decode(),
            "PORTLINE_VAR_DIR": str(tmp_path),
            "PORTLINE_ALLOWED_HOSTS": "portline.example.org",
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_refuses_to_start_without_a_secret_key(tmp_path):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTLINE_", "DJANGO_"))
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "PORTLINE_ENV": "production",
            "PORTLINE_KEK": base64.b64encode(secrets.token_bytes(32)).decode(),
            "PORTLINE_VAR_DIR": str(tmp_path),
        }
    )
    result = subprocess.run(
        [sys.executable, "manage.py", "check"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode != 0 and "PORTLINE_SECRET_KEY" in result.stderr
