"""Submission cut-offs: which batch an entry made at a given moment belongs to (pure)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from zoneinfo import ZoneInfo


def cutoff_times(values: Sequence[str]) -> list[dt.time]:
    """'12:00', '18:00' as sorted times; raises ValueError for a malformed one."""
    times = sorted({dt.time.fromisoformat(v.strip()) for v in values if v.strip()})
    if not times:
        raise ValueError("at least one cut-off time is needed")
    return times


def cutoff_next(at: dt.datetime, times: Sequence[dt.time], time_zone: str) -> dt.datetime:
    """The first cut-off strictly after `at` (aware), as an aware UTC datetime. An entry made
    exactly at a cut-off belongs to the next one."""
    zone = ZoneInfo(time_zone)
    local = at.astimezone(zone)
    for days in range(3):
        day = local.date() + dt.timedelta(days=days)
        for time in times:
            candidate = dt.datetime.combine(day, time, tzinfo=zone)
            if candidate > local:
                return candidate.astimezone(dt.UTC)
    raise AssertionError("unreachable: a cut-off exists every day")
