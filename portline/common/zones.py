"""Times as people read them: a wall-clock time and the place whose clock it is.

People see "10:30, San Ysidro time", never a zone identifier such as America/Tijuana or an
abbreviation such as PST. A port's times carry the port's name; a time zone without a port
(the request window's) carries its city as the reader's language names it (ICU), or as
`portline/common/data/names/<code>.json` names it where ICU has no data for the language.
"""

from __future__ import annotations

import datetime as dt
from functools import cache
from zoneinfo import ZoneInfo

import icu
from django.utils.translation import gettext as _

from portline.common.countries import language_base, shipped_names


@cache
def _zone_city(tz_name: str, language: str) -> str:
    shipped = shipped_names(language).get("zones", {})
    if tz_name in shipped:
        return shipped[tz_name]
    zone = icu.TimeZone.createTimeZone(tz_name)
    formatter = icu.SimpleDateFormat("VVV", icu.Locale(language))
    formatter.setTimeZone(zone)
    city = formatter.format(0.0)
    return city if city and "/" not in city else tz_name.rsplit("/", 1)[-1].replace("_", " ")


def zone_city(tz_name: str, language: str | None = None) -> str:
    """The city a time zone is named after, in the reader's language ("Nueva York")."""
    return _zone_city(tz_name, language_base(language))


def time_with_place(time_text: str, place: str) -> str:
    """ "10:30, San Ysidro time" in the active language."""
    return _("%(time)s, %(place)s time") % {"time": time_text, "place": place}


def local_time(moment: dt.datetime, tz_name: str, fmt: str = "%H:%M") -> str:
    """A moment as wall-clock text in a zone (no zone name: add the place with time_with_place)."""
    return moment.astimezone(ZoneInfo(tz_name)).strftime(fmt)
