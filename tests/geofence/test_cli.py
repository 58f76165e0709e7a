import io

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

pytestmark = pytest.mark.django_db


def _run(*args):
    out = io.StringIO()
    call_command("geofence_check", *args, stdout=out)
    return out.getvalue()


def test_cli_prints_verdict_state_and_policy_version():
    text = _run("17.0732", "-96.7266", "--at", "2024-01-01")
    assert "verdict: outside" in text and "MX-OAX Oaxaca" in text and "policy version: 1" in text
    assert "nearest eligible: MX-PUE Puebla" in text
    text = _run("17.0732", "-96.7266", "--nationality", "MX", "--at", "2024-09-01T12:00:00")
    assert "verdict: inside (accepted)" in text and "policy version: 2" in text


def test_cli_refuses_a_bad_date():
    with pytest.raises(CommandError):
        _run("17.0", "-96.7", "--at", "yesterday")


def test_portline_wrapper_exposes_the_command():
    from portline.cli import _portline_commands

    assert "geofence_check" in _portline_commands()
