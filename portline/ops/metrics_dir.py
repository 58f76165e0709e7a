"""Where prometheus-client's per-process files go. Kept apart from portline.ops.metrics:
the variable must be set before prometheus_client is first imported in the process."""

from __future__ import annotations

import os
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"
_active: Path | None = None  # set in this process (and so in processes forked from it)


def multiproc_active() -> bool:
    return _active is not None


def multiproc_dir_prepare(path: Path) -> None:
    """Before the first process starts: use `path`, and drop files of processes now gone.
    prometheus-client reads the folder from its environment variable (not configuration:
    the value is always PORTLINE_VAR_DIR/metrics, set here for the processes we start)."""
    global _active
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        pid = stale.stem.rpartition("_")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            stale.unlink(missing_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)
    _active = path
