"""The time-slot rule: pure, documented in docs/appointments.md.

A port's day (from `opens_at` to `closes_at`, in the port's time zone) is cut into slots of
`SLOT_MINUTES`. Selected groups are taken in the round's published order (rank) and a group's
slot is fixed by the number of people placed before it at that port on that date:

    slot = min(slots - 1, floor(people_before * slots / capacity))

so people are spread evenly over the day, a group is never split (it has one time), and the
result depends only on the published order. A standby group moved up into freed places takes
the slot of the appointment that freed them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

SLOT_MINUTES = 30


@dataclass(frozen=True)
class Slot:
    index: int
    starts_at: dt.datetime  # aware, UTC
    ends_at: dt.datetime


def slot_count(opens_at: dt.time, closes_at: dt.time) -> int:
    minutes = (closes_at.hour * 60 + closes_at.minute) - (opens_at.hour * 60 + opens_at.minute)
    return max(1, minutes // SLOT_MINUTES)


def slot_index(*, people_before: int, capacity: int, slots: int) -> int:
    if capacity <= 0 or slots <= 1:
        return 0
    return min(slots - 1, (people_before * slots) // capacity)


def slot_at(*, service_date: dt.date, opens_at: dt.time, time_zone: str, index: int) -> Slot:
    start_local = dt.datetime.combine(service_date, opens_at, tzinfo=ZoneInfo(time_zone))
    start_local += dt.timedelta(minutes=SLOT_MINUTES * index)
    start = start_local.astimezone(dt.UTC)
    return Slot(index=index, starts_at=start, ends_at=start + dt.timedelta(minutes=SLOT_MINUTES))


def slots_for_groups(
    *,
    group_sizes: list[int],
    capacity: int,
    service_date: dt.date,
    opens_at: dt.time,
    closes_at: dt.time,
    time_zone: str,
) -> list[Slot]:
    """Slots for groups given in published order (one Slot per group)."""
    slots = slot_count(opens_at, closes_at)
    result = []
    before = 0
    for size in group_sizes:
        index = slot_index(people_before=before, capacity=capacity, slots=slots)
        result.append(
            slot_at(service_date=service_date, opens_at=opens_at, time_zone=time_zone, index=index)
        )
        before += size
    return result
