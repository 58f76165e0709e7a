from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import QuerySet

from portline.common import clock
from portline.scheduling.models import Port, ProgramSettings


def program_settings_get() -> ProgramSettings:
    settings, _created = ProgramSettings.objects.get_or_create(pk=1)
    return settings


def ports_all() -> QuerySet[Port]:
    return Port.objects.order_by("name")


def ports_active() -> QuerySet[Port]:
    return Port.objects.filter(active=True).order_by("name")


@dataclass(frozen=True)
class RequestWindow:
    """One day's request window. `round_date` names the allocation round it feeds."""

    round_date: dt.date
    opens_at: dt.datetime
    closes_at: dt.datetime

    def is_open(self, at: dt.datetime) -> bool:
        return self.opens_at <= at < self.closes_at


def port_by_id(pk: int) -> Port | None:
    return Port.objects.filter(pk=pk).first()


def port_by_code(code: str) -> Port | None:
    return Port.objects.filter(code=code).first()


def request_window_for(
    *, at: dt.datetime | None = None, program: ProgramSettings | None = None
) -> RequestWindow:
    """The window of the day `at` falls on, in the window's time zone (open or not)."""
    program = program or program_settings_get()
    at = at or clock.now()
    tz = ZoneInfo(program.window_time_zone)
    local_day = at.astimezone(tz).date()
    opens = dt.datetime.combine(local_day, program.request_window_opens, tzinfo=tz)
    closes = dt.datetime.combine(local_day, program.request_window_closes, tzinfo=tz)
    if program.request_window_closes.minute == 59 and program.request_window_closes.second == 0:
        closes += dt.timedelta(minutes=1)  # "until 23:59" means up to the end of that minute
    return RequestWindow(round_date=local_day, opens_at=opens, closes_at=closes)


def request_window_next_open(*, at: dt.datetime | None = None) -> dt.datetime:
    at = at or clock.now()
    window = request_window_for(at=at)
    if at < window.opens_at:
        return window.opens_at
    return request_window_for(at=at + dt.timedelta(days=1)).opens_at
