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


def test_portline_wrapper_finds_the_commands():
    from django.core.management import get_commands

    assert get_commands()["geofence_check"] == get_commands()["geofence_map"] == "portline.geofence"


def test_map_command_writes_a_deterministic_svg(tmp_path):
    first, second = tmp_path / "a.svg", tmp_path / "b.svg"
    from portline.geofence.maps import area_svg

    call_command(
        "geofence_map",
        "--policy",
        "2",
        "--group",
        "mexican",
        "--output",
        str(first),
        stdout=io.StringIO(),
    )
    area_svg.cache_clear()  # draw it again for real
    call_command(
        "geofence_map",
        "--policy",
        "2",
        "--group",
        "mexican",
        "--output",
        str(second),
        stdout=io.StringIO(),
    )
    assert first.read_bytes() == second.read_bytes() and b"Oaxaca" in first.read_bytes()
    with pytest.raises(CommandError):
        call_command("geofence_map", "--policy", "7", "--output", str(first))
