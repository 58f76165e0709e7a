from __future__ import annotations

import datetime as dt
import json

import pytest

from portline.geofence import engine

HISTORY = engine.DATA_FILE.parent / "policy_history.json"


def shipped_policies() -> list[engine.PolicyData]:
    """The reported history exactly as the data migration ships it, without the database."""
    rows = json.loads(HISTORY.read_text(encoding="utf-8"))
    return [
        engine.PolicyData(
            version=row["version"],
            effective_from=dt.datetime.fromisoformat(row["effective_from"]),
            effective_to=dt.datetime.fromisoformat(row["effective_to"])
            if row["effective_to"]
            else None,
            states_mexican_nationals=frozenset(row["states_mexican_nationals"]),
            states_others=frozenset(row["states_others"]),
        )
        for row in rows
    ]


@pytest.fixture(scope="session")
def policies() -> list[engine.PolicyData]:
    return shipped_policies()
