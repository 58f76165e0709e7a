import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from config.env import BASE_DIR, VARS, markdown_table


def test_configuration_doc_is_generated_from_env_table():
    assert (Path(BASE_DIR) / "docs" / "configuration.md").read_text() == markdown_table(), (
        "docs/configuration.md is stale: run `portline config docs`"
    )


def test_every_variable_has_help_and_a_unique_name():
    names = [var.name for var in VARS]
    assert len(names) == len(set(names))
    assert all(var.help for var in VARS)


def test_only_config_env_reads_the_environment():
    offenders = []
    for path in (Path(BASE_DIR) / "portline").rglob("*.py"):
        text = path.read_text()
        if "os.environ" in text or "os.getenv" in text:
            offenders.append(str(path.relative_to(BASE_DIR)))
    allowed = {
        "portline/cli.py",  # sets DJANGO_SETTINGS_MODULE before Django starts
        "portline/ops/metrics_dir.py",  # sets prometheus-client's folder for processes we start
    }
    assert set(offenders) <= allowed, offenders


GATED_SETTINGS = """
import sys, time
from pathlib import Path
import config.env, config.languages, dj_database_url, portline.common.encryption  # noqa: F401
gate = Path(sys.argv[1])
while not gate.exists():
    time.sleep(0.0005)
import config.settings.base as settings
print(settings.SECRET_KEY)
"""


def test_processes_starting_together_share_one_secret_key(tmp_path):
    """Servers and workers started at the same moment with no key configured: every one gets
    the same, non-empty key from the folder (one read an empty, half-written file once, and
    every page it served failed)."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("PORTLINE_", "DJANGO_")) and key != "DATABASE_URL"
    }
    env["PORTLINE_VAR_DIR"] = str(tmp_path / "var")
    gate = tmp_path / "go"
    keys = set()
    for _round in range(5):
        shutil.rmtree(tmp_path / "var", ignore_errors=True)
        gate.unlink(missing_ok=True)
        processes = [
            subprocess.Popen(  # noqa: S603 - this interpreter, a fixed script
                [sys.executable, "-c", GATED_SETTINGS, str(gate)],
                cwd=BASE_DIR,
                env=env,
                stdout=subprocess.PIPE,
                text=True,
            )
            for _ in range(12)
        ]
        time.sleep(3)  # every process waiting at the gate
        gate.touch()
        keys = {process.communicate(timeout=120)[0].strip() for process in processes}
        assert all(process.returncode == 0 for process in processes)
        assert len(keys) == 1 and "" not in keys, keys
    assert len(keys.pop()) >= 50
