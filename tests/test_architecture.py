"""The code base keeps its written shape: apps depend on each other in the order
docs/architecture.md gives (import-linter contracts), reach each other by plain imports, and
its docs and comments speak of the software, not of how it was made."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PORTLINE = ROOT / "portline"

# Loading by path what cannot be imported by name: the standalone verifier script, and a
# migration module whose name starts with a digit.
IMPORTLIB_ALLOWED = {
    "portline/allocation/management/commands/lottery_verify.py",
    "portline/audit/maintenance.py",
}


def _python_files():
    for path in sorted(PORTLINE.rglob("*.py")):
        if "migrations" not in path.parts:
            yield path


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run(  # noqa: S603 - the project's own tool, fixed arguments
        [str(lint), "--no-cache"], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-2000:]
    assert "0 broken" in result.stdout


def test_apps_reach_each_other_by_plain_imports():
    found = []
    for path in _python_files():
        relative = path.relative_to(ROOT).as_posix()
        text = path.read_text(encoding="utf-8")
        if relative not in IMPORTLIB_ALLOWED and re.search(
            r"^\s*(import|from) importlib", text, re.M
        ):
            found.append(relative)
        if re.search(r"getattr\(\s*(module|models|services|geofence)\b", text):
            found.append(relative)
    assert found == []
    assert not (PORTLINE / "inspection" / "integrations.py").exists()


PROCESS_WORDS = re.compile(
    r"\b(issues? [0-9#]+|issue's|this issue|later issues?|another issue|task [0-9]+|"
    r"review(er)? (said|asked)|point [0-9]+(-[0-9]+)?)\b",
    re.IGNORECASE,
)


def _comments_and_docstrings(text: str) -> str:
    lines = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    lines += re.findall(r'"""(.*?)"""', text, re.S)
    return "\n".join(lines)


def test_docs_and_comments_have_no_development_process_words():
    found = []
    for path in [*sorted((ROOT / "docs").rglob("*.md")), ROOT / "README.md"]:
        for match in PROCESS_WORDS.finditer(path.read_text(encoding="utf-8")):
            found.append((path.relative_to(ROOT).as_posix(), match.group(0)))
    for path in [*_python_files(), *sorted((ROOT / "benchmarks").glob("*.py"))]:
        for match in PROCESS_WORDS.finditer(_comments_and_docstrings(path.read_text("utf-8"))):
            found.append((path.relative_to(ROOT).as_posix(), match.group(0)))
    assert found == []


ORM_CALL = re.compile(
    r"\.objects\.|\.(filter|exclude|annotate|aggregate|select_for_update|get_or_create)\("
)


def test_interfaces_call_selectors_and_services_not_the_orm():
    found = []
    for package in ("portals", "api"):
        for path in sorted((PORTLINE / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for number, line in enumerate(path.read_text("utf-8").splitlines(), start=1):
                if ORM_CALL.search(line):
                    found.append(f"{path.relative_to(ROOT).as_posix()}:{number}")
    assert found == []
