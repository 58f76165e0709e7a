"""The test vectors (verifier/vectors/) and the JSON Schemas (verifier/schemas/): the engine
reproduces every vector byte for byte, the standalone verifier accepts the valid ones and
refuses the invalid ones at the rule they break, and exports validate against the schemas."""

import json
import subprocess
import sys
from pathlib import Path

import jsonschema_rs
import pytest

from portline.allocation import services
from portline.allocation.selectors import round_export_write
from portline.scheduling.models import Port
from tests.allocation.conftest import LOCAL_VALUE
from tests.allocation.vectors import INVALID, VECTORS, all_vectors
from tests.allocation.verifier_module import VERIFIER_PATH
from tests.factories.allocation import RequestSpec, make_requests

ROOT = Path(__file__).resolve().parents[2] / "verifier"
VECTORS_DIR = ROOT / "vectors"
SCHEMAS = {
    name: jsonschema_rs.Draft202012Validator(
        json.loads((ROOT / "schemas" / f"{name}.schema.json").read_text())
    )
    for name in ("round", "requests", "results")
}


def _rows(path: Path) -> list[dict]:
    lines = path.read_text().splitlines()
    header = lines[0].split(",")
    return [dict(zip(header, line.split(","), strict=True)) for line in lines[1:]]


def _verify(directory, *extra):
    return subprocess.run(  # noqa: S603 - our own script, fixed arguments
        [sys.executable, str(VERIFIER_PATH), str(directory), *extra],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


def test_the_engine_reproduces_every_stored_vector_byte_for_byte():
    built = all_vectors()
    assert sorted(built) == sorted(p.name for p in VECTORS_DIR.iterdir() if p.is_dir())
    for name, files in built.items():
        for filename, text in files.items():
            assert (VECTORS_DIR / name / filename).read_text() == text, f"{name}/{filename}"


@pytest.mark.parametrize("name", sorted(VECTORS))
def test_the_standalone_verifier_matches_every_valid_vector(name):
    folder = VECTORS_DIR / name
    expected = dict(part.split("=") for part in (folder / "expected.txt").read_text().split()[1:])
    extra = ["--commitment", expected["commitment"]] if "commitment" in expected else []
    run = _verify(folder, *extra)
    assert run.returncode == 0, run.stdout
    assert run.stdout.startswith("MATCH") and expected["result_digest"] in run.stdout
    meta = json.loads((folder / "round.json").read_text())
    assert SCHEMAS["round"].is_valid(meta)
    for row in _rows(folder / "requests.csv"):
        assert SCHEMAS["requests"].is_valid(row)
    for row in _rows(folder / "results.csv"):
        assert SCHEMAS["results"].is_valid(row)


@pytest.mark.parametrize("name", sorted(INVALID))
def test_the_standalone_verifier_refuses_what_the_specification_forbids(name):
    folder = VECTORS_DIR / name
    run = _verify(folder)
    assert run.returncode == 1
    assert run.stdout.startswith((folder / "expected.txt").read_text().strip()), run.stdout


def test_the_schemas_refuse_a_group_of_eleven_and_a_version_2_round_without_its_commitment():
    row = _rows(VECTORS_DIR / "invalid-group-size-11" / "requests.csv")[2]
    assert row["group_size"] == "11" and not SCHEMAS["requests"].is_valid(row)
    meta = json.loads((VECTORS_DIR / "v2-basic" / "round.json").read_text())
    del meta["commitment"]
    assert not SCHEMAS["round"].is_valid(meta)


@pytest.mark.django_db
def test_a_real_export_validates_against_the_schemas(round_date, admin_user, tmp_path):
    Port.objects.filter(code="SYS").update(daily_capacity=5)
    make_requests(round_date, [RequestSpec(size=1 + i % 3, second="BRO") for i in range(9)])
    services.round_freeze(actor=admin_user, round_date=round_date, beacon_source="local")
    services.round_beacon_set(
        actor=admin_user, round_date=round_date, value=LOCAL_VALUE, local=True
    )
    round_obj = services.round_allocate(actor=admin_user, round_date=round_date)
    round_export_write(round_obj, tmp_path)
    meta = json.loads((tmp_path / "round.json").read_text())
    errors = [str(e) for e in SCHEMAS["round"].iter_errors(meta)]
    assert not errors
    assert all(SCHEMAS["requests"].is_valid(r) for r in _rows(tmp_path / "requests.csv"))
    assert all(SCHEMAS["results"].is_valid(r) for r in _rows(tmp_path / "results.csv"))
