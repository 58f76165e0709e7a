"""Issue 12, point 2: parameters changed after the beacon, with every digest recomputed, are
caught by the standalone verifier (against the commitment published at freeze) and by
`portline lottery verify` (against the database), and a beacon round published too early is
refused."""

import datetime as dt
import hashlib
import io
import json
import subprocess
import sys

import pytest
from django.core.management import CommandError, call_command

from portline.allocation import services
from portline.allocation.models import Round
from portline.audit.models import AuditRecord
from portline.scheduling.models import Port
from tests.allocation.conftest import LOCAL_VALUE
from tests.allocation.verifier_module import VERIFIER_PATH, verifier
from tests.factories.allocation import RequestSpec, make_requests

pytestmark = pytest.mark.django_db


@pytest.fixture
def drawn(round_date, tmp_path, admin_user):
    Port.objects.filter(code="SYS").update(daily_capacity=12)
    Port.objects.filter(code="BRO").update(daily_capacity=7)
    specs = [
        RequestSpec(
            size=1 + i % 4,
            first="SYS" if i % 3 else "BRO",
            second="NOG" if i % 5 == 0 else None,
            registered_on=dt.date(2024, 1, 1 + i % 9),
        )
        for i in range(60)
    ]
    make_requests(round_date, specs)
    round_obj = services.round_freeze(
        actor=admin_user, round_date=round_date, beacon_source="local"
    )
    services.round_beacon_set(
        actor=admin_user, round_date=round_date, value=LOCAL_VALUE, local=True
    )
    services.round_allocate(actor=admin_user, round_date=round_date)
    directory = tmp_path / "export"
    call_command("lottery_export", round_date.isoformat(), str(directory), stdout=io.StringIO())
    return round_obj, directory


def _run(directory, *extra):
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(VERIFIER_PATH), str(directory), *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def _rederive(directory, meta):
    """What a careful forger does: recompute the fingerprint, commitment, seed, the draw and
    the result digest, so that round.json, requests.csv and results.csv agree again."""
    lines = (directory / "requests.csv").read_text().splitlines()[1:]
    meta["fingerprint"] = verifier.requests_fingerprint(lines)
    meta["request_count"] = len(lines)
    commitment = hashlib.sha256(verifier.commitment_text(meta).encode()).hexdigest()
    meta["commitment"] = meta["input_digest"] = commitment
    value = meta["beacon"]["value"]
    meta["seed"] = hashlib.sha256(f"portline-seed/2|{commitment}|{value}".encode()).hexdigest()
    codes = [p["code"] for p in meta["ports"]]
    hashes, sizes, first, second, day = verifier.parse_requests(lines, codes)
    selected, reserved, standby = verifier.allocate_v2(
        bytes.fromhex(meta["seed"]),
        [p["capacity"] for p in meta["ports"]],
        [p["weights"] for p in meta["ports"]],
        meta["reserved_percent"],
        meta["standby_percent"],
        sizes,
        first,
        second,
        day,
    )
    rows = []
    for p, code in enumerate(codes):
        for rank, i in enumerate(selected[p], start=1):
            rows.append(f"{code},selected,{rank},{hashes[i]},{sizes[i]},{int(i in reserved[p])}")
        for rank, i in enumerate(standby[p], start=1):
            rows.append(f"{code},standby,{rank},{hashes[i]},{sizes[i]},0")
    (directory / "results.csv").write_text(
        verifier.RESULTS_HEADER + "\n" + "".join(r + "\n" for r in rows)
    )
    meta["result_digest"] = hashlib.sha256("".join(r + "\n" for r in rows).encode()).hexdigest()
    (directory / "round.json").write_text(json.dumps(meta, indent=2, sort_keys=True) + "\n")


def _move_places(meta):
    ports = {p["code"]: p for p in meta["ports"]}
    ports["SYS"]["capacity"] -= 3
    ports["BRO"]["capacity"] += 3


def _reserved(meta):
    meta["reserved_percent"] += 1


def _standby(meta):
    meta["standby_percent"] -= 10


def _weights(meta):
    meta["ports"][0]["weights"][1] += 1


def _service_date(meta):
    meta["service_date"] = "2030-01-01"


def _frozen_at(meta):
    meta["frozen_at"] = "2020-01-01T00:00:00.000000Z"


def _beacon(meta):
    meta["beacon"]["source"] = "drand"
    meta["beacon"]["round"] = "99999999"


def _requests(directory):
    path = directory / "requests.csv"
    lines = path.read_text().splitlines()
    fields = lines[3].split(",")
    fields[1] = "1" if fields[1] != "1" else "2"
    lines[3] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n")


TAMPERINGS = [_move_places, _reserved, _standby, _weights, _service_date, _frozen_at, _beacon]


@pytest.mark.parametrize("tamper", [*TAMPERINGS, _requests], ids=lambda f: f.__name__.strip("_"))
def test_a_forged_export_with_every_digest_recomputed_fails_against_the_published_commitment(
    drawn, tamper
):
    round_obj, directory = drawn
    published = round_obj.commitment
    assert _run(directory, "--commitment", published).stdout.startswith("MATCH")
    meta = json.loads((directory / "round.json").read_text())
    if tamper is _requests:
        tamper(directory)
    else:
        tamper(meta)
    _rederive(directory, meta)
    run = _run(directory, "--commitment", published)
    assert run.returncode == 1, run.stdout
    assert run.stdout.startswith("DIFFERENCE commitment"), run.stdout


def test_the_commitment_is_published_at_freeze_in_the_audit_log_and_on_the_round_page(
    drawn, client
):
    round_obj, directory = drawn
    meta = json.loads((directory / "round.json").read_text())
    freeze = AuditRecord.objects.get(action="allocation.round.freeze", target_id=str(round_obj.pk))
    assert freeze.data["commitment"] == meta["commitment"] == round_obj.commitment
    text = verifier.commitment_text(meta)
    assert freeze.data["commitment_text"] == text
    assert hashlib.sha256(text.encode()).hexdigest() == round_obj.commitment
    page = client.get(f"/rounds/{round_obj.round_date.isoformat()}/").content.decode()
    assert round_obj.commitment in page


def test_a_beacon_round_published_before_freeze_plus_the_delay_fails_even_if_consistent(drawn):
    _round_obj, directory = drawn
    meta = json.loads((directory / "round.json").read_text())
    meta["beacon"]["source"] = "drand"
    frozen = dt.datetime.strptime(meta["frozen_at"], "%Y-%m-%dT%H:%M:%S.%fZ")
    early = frozen.replace(tzinfo=dt.UTC) + dt.timedelta(seconds=60)
    meta["beacon"]["round"] = str(int((early.timestamp() - 1595431050) // 30) + 1)
    _rederive(directory, meta)
    run = _run(directory)
    assert run.returncode == 1 and run.stdout.startswith("DIFFERENCE beacon round"), run.stdout


@pytest.mark.parametrize(
    "change",
    [
        lambda r: r.capacities.update(SYS=r.capacities["SYS"] - 3, BRO=r.capacities["BRO"] + 3),
        lambda r: setattr(r, "reserved_percent", r.reserved_percent + 1),
        lambda r: setattr(r, "standby_percent", r.standby_percent - 10),
        lambda r: r.size_weights["SYS"].__setitem__(9, 1),
        lambda r: setattr(r, "service_date", r.service_date + dt.timedelta(days=1)),
        lambda r: setattr(r, "beacon_round", "123"),
    ],
    ids=["move-places", "reserved", "standby", "weights", "service-date", "beacon-round"],
)
def test_lottery_verify_catches_parameters_changed_in_the_database(drawn, change):
    round_obj, _directory = drawn
    stored = Round.objects.get(pk=round_obj.pk)
    change(stored)
    Round.objects.filter(pk=stored.pk).update(
        capacities=stored.capacities,
        reserved_percent=stored.reserved_percent,
        standby_percent=stored.standby_percent,
        size_weights=stored.size_weights,
        service_date=stored.service_date,
        beacon_round=stored.beacon_round,
    )
    with pytest.raises(CommandError):
        call_command("lottery_verify", round_obj.round_date.isoformat(), stdout=io.StringIO())
