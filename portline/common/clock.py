"""The one clock. Tests freeze it with freezegun; code never calls datetime.now() itself."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    return timezone.now()


def today_in(tz_name: str) -> dt.date:
    from zoneinfo import ZoneInfo

    return now().astimezone(ZoneInfo(tz_name)).date()
