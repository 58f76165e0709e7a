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
