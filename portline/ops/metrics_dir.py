"""Where prometheus-client's per-process files go. Kept apart from portline.ops.metrics:
the variable must be set before prometheus_client is first imported in the process."""

from __future__ import annotations

import os
from pathlib import Path

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"


def multiproc_dir_prepare(path: Path) -> None:
    """Before the first process starts: use `path`, and drop files of processes now gone."""
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):
        pid = stale.stem.rpartition("_")[2]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            stale.unlink(missing_ok=True)
    os.environ[MULTIPROC_ENV] = str(path)
