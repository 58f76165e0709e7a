"""Fixed-window counters in Django's cache (the database cache in production, so every web
process shares them): "at most N events per period for this key".

A rate is written `N/period`, period one of `s`, `sec`, `min`, `hour`, `day`, optionally with
a count (`5/10min`). Used for sign-up bursts and failed logins per client address.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.core.cache import cache

from portline.common import clock

_UNITS = {"s": 1, "sec": 1, "second": 1, "min": 60, "minute": 60, "hour": 3600, "day": 86400}
_RATE = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Rate:
    limit: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> Rate:
        match = _RATE.match(text or "")
        if not match or match.group(3) not in _UNITS:
            raise ValueError(f"not a rate: {text!r} (write e.g. 20/min or 5/10min)")
        count = int(match.group(2) or 1)
        return cls(limit=int(match.group(1)), seconds=count * _UNITS[match.group(3)])


def _window(rate: Rate) -> tuple[int, int]:
    """(window number, seconds until it ends)."""
    now = clock.now().timestamp()
    number = int(now // rate.seconds)
    return number, max(1, math.ceil((number + 1) * rate.seconds - now))


def rate_count(key: str, rate: Rate) -> int | None:
    """Count one event for `key`; None while within the rate, else seconds until the window
    ends (the event is still counted, so hammering does not help)."""
    number, left = _window(rate)
    name = f"rl:{key}:{rate.seconds}:{number}"
    cache.add(name, 0, timeout=rate.seconds + 1)
    try:
        count = cache.incr(name)
    except ValueError:  # expired between add and incr
        cache.add(name, 1, timeout=rate.seconds + 1)
        count = 1
    return left if count > rate.limit else None


def rate_exceeded(key: str, rate: Rate) -> int | None:
    """Without counting: None while `key` is within the rate, else seconds left."""
    number, left = _window(rate)
    count = cache.get(f"rl:{key}:{rate.seconds}:{number}", 0)
    return left if count >= rate.limit else None
