"""A missing or malformed key-encryption key stops Portline before anything is written."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _manage(tmp_path, *args, **variables):
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTLINE_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env.update(
        {
            "DJANGO_SETTINGS_MODULE": "config.settings.base",
            "PORTLINE_SECRET_KEY": secrets.token_urlsafe(64),
            "PORTLINE_VAR_DIR": str(tmp_path / "var"),
            "PORTLINE_ALLOWED_HOSTS": "portline.example.org",
            **variables,
        }
    )
    return subprocess.run(  # noqa: S603 - our own entry point
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize(
    ("variables", "message"),
    [
        ({"PORTLINE_ENV": "production"}, "PORTLINE_KEK must be set in production"),
        ({"PORTLINE_KEK": "not-a-key"}, "PORTLINE_KEK must be 32 random bytes"),
        (
            {"PORTLINE_KEK": "c2hvcnQ=", "PORTLINE_ENV": "production"},
            "PORTLINE_KEK must be 32 random bytes",
        ),
        (
            {"PORTLINE_KEK_PREVIOUS": "AAAA"},
            "PORTLINE_KEK_PREVIOUS must be 32 random bytes",
        ),
    ],
)
def test_a_missing_or_malformed_key_refuses_to_start_and_writes_nothing(
    tmp_path, variables, message
):
    result = _manage(tmp_path, "migrate", **variables)
    assert result.returncode != 0
    assert message in result.stderr and "Nothing was written" in result.stderr
    assert not (tmp_path / "var").exists()  # no database, no secret key file, nothing


def test_the_demo_key_is_a_deploy_warning(tmp_path):
    result = _manage(tmp_path, "check", "--deploy", PORTLINE_ENV="development")
    assert "portline.keys.W001" in result.stdout + result.stderr
