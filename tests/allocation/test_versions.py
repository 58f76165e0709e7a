"""Rounds of engine version 1 keep being drawn and verified with version 1."""

import io
import json
import subprocess
import sys

import pytest
from django.core.management import call_command

from portline.allocation import selectors, services
from portline.allocation.models import Round
from portline.common.errors import ValidationFailed
from portline.scheduling.models import Port
from tests.allocation.conftest import LOCAL_VALUE
from tests.allocation.verifier_module import VERIFIER_PATH
from tests.factories.allocation import RequestSpec, make_requests

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("stored_version", ["1", ""], ids=["version-1", "frozen-before-v2"])
def test_a_version_1_round_is_drawn_and_verified_with_version_1(
    round_date, admin_user, tmp_path, stored_version
):
    Port.objects.filter(code="SYS").update(daily_capacity=9)
    make_requests(round_date, [RequestSpec(size=1 + i % 4) for i in range(30)])
    round_obj = services.round_freeze(
        actor=admin_user, round_date=round_date, beacon_source="local", engine_version="1"
    )
    assert round_obj.commitment == "" and round_obj.size_weights == {}
    # A round frozen before version 2 existed has no engine version until its beacon.
    Round.objects.filter(pk=round_obj.pk).update(engine_version=stored_version)
    services.round_beacon_set(
        actor=admin_user, round_date=round_date, value=LOCAL_VALUE, local=True
    )
    drawn = services.round_allocate(actor=admin_user, round_date=round_date)
    assert drawn.engine_version == "1"
    assert selectors.round_recheck(drawn).ok
    call_command("lottery_export", round_date.isoformat(), str(tmp_path), stdout=io.StringIO())
    meta = json.loads((tmp_path / "round.json").read_text())
    assert meta["format"] == "portline-round-export/1" and "commitment" not in meta
    run = subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(VERIFIER_PATH), str(tmp_path)],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )
    assert run.returncode == 0 and "(engine version 1)" in run.stdout, run.stdout


def test_an_unknown_engine_version_is_refused(round_date, admin_user):
    with pytest.raises(ValidationFailed):
        services.round_freeze(actor=admin_user, round_date=round_date, engine_version="3")
    assert not Round.objects.exists()
