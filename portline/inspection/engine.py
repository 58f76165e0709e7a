"""Pure rules of the case after the decision: no ORM, no clock, plain dates in and out.

- `parole_term_end`: the last day of a parole term of N months from its first day.
- `reporting_schedule`: the check-in due dates that follow from a reporting interval.
- `schedule_status`: which due dates a list of check-in dates satisfies, which are overdue.
- `add_business_days` / `address_report_deadline`: the 5-business-day address rule.
- `work_authorization_date`: the configurable eligibility rule.
"""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass
from enum import StrEnum


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year = day.year + month_index // 12
    month = month_index % 12 + 1
    return dt.date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def parole_term_end(start: dt.date, months: int) -> dt.date:
    """A term of `months` months starting on `start` ends the day before the same date N months on."""
    return add_months(start, months) - dt.timedelta(days=1)


def reporting_schedule(start: dt.date, end: dt.date, interval_days: int) -> list[dt.date]:
    """Due dates every `interval_days` after `start`, up to and including `end`."""
    if interval_days <= 0:
        return []
    dates = []
    due = start + dt.timedelta(days=interval_days)
    while due <= end:
        dates.append(due)
        due += dt.timedelta(days=interval_days)
    return dates


class DueState(StrEnum):
    DONE = "done"
    OVERDUE = "overdue"
    OPEN = "open"  # the window is open now: report any day up to the due date plus grace
    UPCOMING = "upcoming"


@dataclass(frozen=True)
class DueItem:
    due: dt.date
    window_opens: dt.date
    window_closes: dt.date
    state: DueState
    satisfied_on: dt.date | None = None


def schedule_status(
    due_dates: list[dt.date],
    check_in_dates: list[dt.date],
    today: dt.date,
    *,
    interval_days: int,
    grace_days: int,
) -> list[DueItem]:
    """Match check-ins to due dates. A check-in counts for a due date when it falls in its
    window: from the day after the previous window would normally open (due - interval + 1)
    to the due date plus the grace days. Each check-in counts once, for the earliest due date
    it can satisfy."""
    remaining = sorted(check_in_dates)
    items = []
    for due in sorted(due_dates):
        opens = due - dt.timedelta(days=interval_days - 1)
        closes = due + dt.timedelta(days=grace_days)
        hit = next((c for c in remaining if opens <= c <= closes), None)
        if hit is not None:
            remaining.remove(hit)
            items.append(DueItem(due, opens, closes, DueState.DONE, hit))
        elif today > closes:
            items.append(DueItem(due, opens, closes, DueState.OVERDUE))
        elif today >= opens:
            items.append(DueItem(due, opens, closes, DueState.OPEN))
        else:
            items.append(DueItem(due, opens, closes, DueState.UPCOMING))
    return items


def add_business_days(day: dt.date, days: int) -> dt.date:
    """`days` working days (Monday to Friday) after `day`. Public holidays are not counted
    out: the rule is the plain weekday count (documented in docs/inspection.md)."""
    current = day
    added = 0
    while added < days:
        current += dt.timedelta(days=1)
        if current.weekday() < 5:
            added += 1
    return current


def address_report_deadline(moved_on: dt.date, business_days: int) -> dt.date:
    return add_business_days(moved_on, business_days)


def work_authorization_date(parole_start: dt.date, days_after_parole: int) -> dt.date:
    return parole_start + dt.timedelta(days=days_after_parole)
