"""Integrity rules over location checks: plain data in, signals out. They never block anyone.

Thresholds are named here and described in docs/geofence.md.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from portline.geofence.engine import great_circle_m

# Faster than an airliner door to door, after allowing for both fixes' accuracy.
MAX_SPEED_KMH = 900.0
MIN_INTERVAL = dt.timedelta(minutes=1)
# Phones report 3 m at best; a smaller radius is typed in or spoofed.
MIN_PLAUSIBLE_ACCURACY_M = 1.0
# Three decimals is a 111 m grid: a real fix has many more digits.
MIN_PLAUSIBLE_DECIMALS = 4
# A family is one registration; more than this many from one device in the window is a proxy.
MAX_REGISTRATIONS_PER_DEVICE = 3
DEVICE_WINDOW = dt.timedelta(days=30)


@dataclass(frozen=True)
class Fix:
    latitude: float
    longitude: float
    accuracy_m: float | None
    at: dt.datetime


def travel_speed_kmh(previous: Fix, current: Fix) -> float:
    """Lower bound on the speed needed between two fixes (accuracies subtracted)."""
    distance = great_circle_m(
        previous.latitude, previous.longitude, current.latitude, current.longitude
    )
    slack = (previous.accuracy_m or 0.0) + (current.accuracy_m or 0.0)
    hours = max(abs(current.at - previous.at), MIN_INTERVAL).total_seconds() / 3600
    return max(0.0, distance - slack) / 1000 / hours


def is_impossible_travel(previous: Fix, current: Fix) -> bool:
    return travel_speed_kmh(previous, current) > MAX_SPEED_KMH


def decimals(value: float) -> int:
    """Digits after the point in the shortest text form of the float as received."""
    text = repr(float(value))
    if "e" in text or "E" in text:
        mantissa, _sep, exponent = text.lower().partition("e")
        places = len(mantissa.partition(".")[2].rstrip("0"))
        return max(0, places - int(exponent))
    return len(text.partition(".")[2].rstrip("0"))


def precision_problems(latitude: float, longitude: float, accuracy_m: float | None) -> list[str]:
    problems = []
    if (
        accuracy_m is not None
        and math.isfinite(accuracy_m)
        and 0 < accuracy_m < MIN_PLAUSIBLE_ACCURACY_M
    ):
        problems.append("accuracy_below_1m")
    if max(decimals(latitude), decimals(longitude)) < MIN_PLAUSIBLE_DECIMALS:
        problems.append("round_coordinates")
    return problems


def too_many_registrations_on_device(registration_count: int) -> bool:
    return registration_count > MAX_REGISTRATIONS_PER_DEVICE
