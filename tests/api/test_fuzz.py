"""Schemathesis against a live server: every operation of the published schema, with positive
and negative data (examples, coverage and fuzzing phases) and then the stateful phase (links
between operations), every check (server errors, statuses, content types, headers, bodies,
schema-valid input accepted, schema-violating input refused, required headers, methods).

The server is Django's live server (a real HTTP server on a free port, in a thread of this
process, on the test database); schemathesis runs as its own process (`st run`), bounded by
time so the whole test takes about 45 seconds. Exceptions to "schema-valid input is accepted"
are listed, each with its reason, in tests/api/schemathesis.toml.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from portline.accounts.services import api_token_create
from tests.api.test_access import draft_registration
from tests.conftest import open_window_all_day
from tests.factories import UserFactory

CONFIG = Path(__file__).with_name("schemathesis.toml")
ST = Path(sys.executable).with_name("st")
UNLIMITED = "100000/min"


def _run(url: str, token: str, phases: str, seconds: int, tmp_path: Path) -> None:
    command = [
        str(ST),
        "--config-file",
        str(CONFIG),
        "run",
        f"{url}/api/v1/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--phases",
        phases,
        "--mode",
        "all",  # positive and negative data
        "--checks",
        "all",
        "--max-examples",
        "2",
        "--max-time",
        str(seconds),
        "--workers",
        "1",
        "--generation-deterministic",
        "--exclude-path",
        "/api/v1/auth/token/revoke",  # would end the run's own token (tested in test_journey)
        "--no-color",
        "--report-dir",
        str(tmp_path / phases.replace(",", "-")),
    ]
    result = subprocess.run(  # noqa: S603 - our own command line, no outside input
        command, capture_output=True, text=True, timeout=seconds + 60, check=False, cwd=tmp_path
    )
    summary = result.stdout[result.stdout.find("FAILURES") :] or result.stdout[-3000:]
    assert result.returncode == 0, summary[:8000] + result.stderr[-2000:]
    assert "No issues found" in result.stdout or " passed" in result.stdout, result.stdout[-2000:]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_the_live_api_holds_to_its_schema(live_server, settings, tmp_path):
    # Limits for outsiders would answer 429 to most generated calls and hide the logic.
    settings.PORTLINE_API_ANONYMOUS_RATE = UNLIMITED
    settings.PORTLINE_SIGNUP_RATE_PER_ADDRESS = UNLIMITED
    settings.PORTLINE_SIGNUP_RATE_TOTAL = UNLIMITED
    settings.PORTLINE_LOGIN_FAILURE_LIMIT_PER_ADDRESS = 100_000
    settings.AXES_ENABLED = False
    open_window_all_day()
    user = UserFactory()
    draft_registration(user, people=2)  # something real behind the ids the fuzzer guesses
    _token, raw = api_token_create(user=user)
    _run(live_server.url, raw, "examples,coverage,fuzzing", 20, tmp_path)
    _run(live_server.url, raw, "stateful", 10, tmp_path)
