"""Load the standalone verifier (a script, not a package) for tests."""

import importlib.util
from pathlib import Path

_PATH = Path(__file__).resolve().parents[2] / "verifier" / "portline_verify.py"
_spec = importlib.util.spec_from_file_location("portline_verify", _PATH)
verifier = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(verifier)
VERIFIER_PATH = _PATH
