"""The one clock. Tests freeze it with freezegun; code never calls datetime.now() itself."""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from collections.abc import Iterator

from django.utils import timezone

# Set only inside `frozen(at)` (the demo loader); None everywhere else.
_frozen_at: contextvars.ContextVar[dt.datetime | None] = contextvars.ContextVar(
    "portline_clock_frozen", default=None
)


def now() -> dt.datetime:
    frozen_at = _frozen_at.get()
    return timezone.now() if frozen_at is None else frozen_at


@contextlib.contextmanager
def frozen(at: dt.datetime) -> Iterator[dt.datetime]:
    """Make `now()` return `at` (aware) inside the block, in this thread/context only.

    For the demo loader, which replays a past request day through the real services; tests
    use freezegun instead. Outside the block `now()` is exactly `timezone.now()`."""
    if timezone.is_naive(at):
        raise ValueError("clock.frozen needs an aware datetime")
    token = _frozen_at.set(at)
    try:
        yield at
    finally:
        _frozen_at.reset(token)


def today_in(tz_name: str) -> dt.date:
    from zoneinfo import ZoneInfo

    return now().astimezone(ZoneInfo(tz_name)).date()
