"""The CLI round trip (freeze, beacon, run, export, verify, status) and the standalone verifier."""

import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from portline.scheduling.models import Port
from tests.allocation.conftest import LOCAL_VALUE
from tests.allocation.verifier_module import VERIFIER_PATH
from tests.factories.allocation import RequestSpec, make_requests

pytestmark = pytest.mark.django_db


def _cli(*args):
    from io import StringIO

    out = StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


@pytest.fixture
def exported(round_date, tmp_path):
    Port.objects.filter(code="SYS").update(daily_capacity=12)
    Port.objects.filter(code="BRO").update(daily_capacity=7)
    specs = [
        RequestSpec(
            size=1 + i % 4, first="SYS" if i % 3 else "BRO", second="NOG" if i % 5 == 0 else None
        )
        for i in range(60)
    ]
    make_requests(round_date, specs)
    day = round_date.isoformat()
    assert "frozen: 60 requests" in _cli("lottery_freeze", day, "--beacon", "local")
    assert "LOCAL" in _cli("lottery_beacon", day, LOCAL_VALUE, "--local")
    assert "drawn" in _cli("lottery_run", day)
    directory = tmp_path / "export"
    _cli("lottery_export", day, str(directory))
    return directory


def _verify(directory, *extra):
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(VERIFIER_PATH), str(directory), *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_export_verifies_with_the_standalone_script(exported, round_date):
    run = _verify(exported, "--beacon", LOCAL_VALUE)
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.startswith("MATCH") and "local/demo" in run.stdout
    meta = json.loads((exported / "round.json").read_text())
    assert meta["beacon"]["local"] is True and meta["request_count"] == 60
    # The export is pseudonymous: no request ids, names or dates of birth.
    text = (exported / "requests.csv").read_text()
    assert "ALC" not in text and "1990-05-17" not in text
    # `portline lottery verify` checks the database, and can run the standalone verifier too.
    assert _cli("lottery_verify", round_date.isoformat()).startswith("MATCH")
    assert _cli("lottery_verify", round_date.isoformat(), "--export", str(exported)).startswith(
        "MATCH"
    )
    status = _cli("lottery_status")
    assert round_date.isoformat() in status and "LOCAL" in status
    assert "fingerprint" in _cli("lottery_status", round_date.isoformat())


def test_a_tampered_result_is_reported_at_its_first_difference(exported):
    path = exported / "results.csv"
    lines = path.read_text().splitlines()
    port, outcome, rank, request_hash, size, reserved = lines[3].split(",")
    lines[3] = ",".join([port, outcome, rank, request_hash, size, "0" if reserved == "1" else "1"])
    path.write_text("\n".join(lines) + "\n")
    run = _verify(exported)
    assert run.returncode == 1
    assert run.stdout.startswith("DIFFERENCE results.csv line 4:")


def test_a_swapped_winner_is_reported(exported):
    path = exported / "results.csv"
    lines = path.read_text().splitlines()
    requests = (exported / "requests.csv").read_text().splitlines()[1:]
    listed = {line.split(",")[3] for line in lines[1:]}
    outsider = next(line.split(",")[0] for line in requests if line.split(",")[0] not in listed)
    fields = lines[1].split(",")
    fields[3] = outsider
    lines[1] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    run = _verify(exported)
    assert run.returncode == 1 and "results.csv line 2" in run.stdout


def test_a_tampered_request_changes_the_fingerprint(exported):
    path = exported / "requests.csv"
    lines = path.read_text().splitlines()
    fields = lines[5].split(",")
    fields[1] = str(int(fields[1]) + 1)
    lines[5] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")
    run = _verify(exported)
    assert run.returncode == 1 and run.stdout.startswith("DIFFERENCE fingerprint")


def test_a_wrong_beacon_value_or_fingerprint_is_reported(exported):
    run = _verify(exported, "--beacon", "cd" * 32)
    assert run.returncode == 1 and "beacon value" in run.stdout
    run = _verify(exported, "--fingerprint", "00" * 32)
    assert run.returncode == 1 and "fingerprint" in run.stdout


def test_commands_explain_refusals(round_date):
    with pytest.raises(CommandError):
        _cli("lottery_run", round_date.isoformat())
    with pytest.raises(CommandError):
        _cli("lottery_freeze", "not-a-date")
    make_requests(round_date, [RequestSpec()])
    assert "1 eligible requests" in _cli("lottery_freeze", round_date.isoformat(), "--dry-run")
    _cli("lottery_freeze", round_date.isoformat())
    with pytest.raises(CommandError, match="already frozen"):
        _cli("lottery_freeze", round_date.isoformat())
    with pytest.raises(CommandError, match="drand"):
        _cli("lottery_beacon", round_date.isoformat(), LOCAL_VALUE, "--local")
    assert "MATCH" in _cli(
        "lottery_verify", round_date.isoformat()
    )  # a frozen round: its fingerprint


def test_the_portline_console_command_reaches_the_lottery(round_date):
    from portline.cli import _portline_commands

    names = set(_portline_commands())
    assert {
        "lottery_freeze",
        "lottery_beacon",
        "lottery_run",
        "lottery_export",
        "lottery_verify",
        "lottery_status",
    } <= names
