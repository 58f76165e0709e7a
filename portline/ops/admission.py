"""Admission control: past its capacity, a process turns applicant requests away early.

Each application-server process keeps two limits (no database work on this path):
- threads: applicant requests in flight at most `PORTLINE_WEB_THREADS -
  PORTLINE_ADMISSION_STAFF_RESERVE`, so staff pages and the officer console always find a
  free thread (their paths are exempt: settings.PORTLINE_ADMISSION_EXEMPT);
- rate (optional): a token bucket of `PORTLINE_ADMISSION_RATE` requests per second;
and, behind the shipped nginx, a request that already waited in the queue longer than
`PORTLINE_ADMISSION_QUEUE_MS` is turned away instead of being served late.

A turned-away request never reaches a view, so nothing is written. A page gets the waiting
page (HTTP 503, Retry-After, an automatic reload after that many seconds, the person's place
in line) and a signed ticket in a cookie: a returning ticket holder may borrow from the next
second's budget, so people who waited go before newcomers. The API gets HTTP 503 with
Retry-After and the usual error body (`over_capacity`), the ticket in `details.ticket`; send
it back as `X-Portline-Ticket`.
"""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core import signing
from django.core.cache import cache

TICKET_COOKIE = "portline_wait"
TICKET_HEADER = "HTTP_X_PORTLINE_TICKET"
TICKET_MAX_AGE = 15 * 60
_SALT = "portline.ops.admission.ticket"
_ISSUED_KEY = "ops:admission:issued"
_SERVED_KEY = "ops:admission:served"


@dataclass(frozen=True)
class Ticket:
    number: int  # order of arrival among turned-away people (0 when the cache is unavailable)
    first_seen: float  # when this person was first turned away (epoch seconds)


class Gate:
    """One process's limits. Thread-safe; `enter` must be paired with `leave` when admitted."""

    def __init__(self, *, max_inflight: int, rate: int, clock=time.monotonic) -> None:
        self.max_inflight = max(1, max_inflight)
        self.rate = max(0, rate)
        self.clock = clock
        self.inflight = 0
        self.tokens = float(self.rate)
        self.updated = clock()
        self._lock = threading.Lock()

    def enter(self, *, priority: bool) -> str | None:
        """None if admitted; otherwise why not: "busy" (threads) or "rate" (token bucket)."""
        with self._lock:
            if self.inflight >= self.max_inflight:
                return "busy"
            if self.rate:
                now = self.clock()
                elapsed = max(0.0, now - self.updated)
                self.tokens = min(self.rate, self.tokens + elapsed * self.rate)
                self.updated = now
                # newcomers need a whole token; ticket holders may borrow one second ahead
                if self.tokens < (-self.rate + 1 if priority else 1):
                    return "rate"
                self.tokens -= 1
            self.inflight += 1
            return None

    def leave(self) -> None:
        with self._lock:
            self.inflight -= 1


_gate: Gate | None = None
_gate_lock = threading.Lock()


def gate() -> Gate:
    global _gate
    with _gate_lock:
        if _gate is None:
            _gate = Gate(
                max_inflight=settings.PORTLINE_WEB_THREADS
                - settings.PORTLINE_ADMISSION_STAFF_RESERVE,
                rate=settings.PORTLINE_ADMISSION_RATE,
            )
        return _gate


def gate_reset(*, max_inflight: int, rate: int) -> Gate:
    """Replace this process's gate (tests; a settings change)."""
    global _gate
    with _gate_lock:
        _gate = Gate(max_inflight=max_inflight, rate=rate)
        return _gate


def exempt(path: str) -> bool:
    return path.startswith(tuple(settings.PORTLINE_ADMISSION_EXEMPT))


def queued_too_long(meta: dict, *, now: float) -> bool:
    """`X-Request-Start: t=<epoch seconds>` (nginx `$msec`) older than the queue limit."""
    limit_ms = settings.PORTLINE_ADMISSION_QUEUE_MS
    raw = meta.get("HTTP_X_REQUEST_START", "")
    if not limit_ms or not raw:
        return False
    try:
        started = float(raw.removeprefix("t="))
    except ValueError:
        return False
    return (now - started) * 1000 > limit_ms


def ticket_read(value: str | None) -> Ticket | None:
    if not value:
        return None
    try:
        data = signing.loads(value, salt=_SALT, max_age=TICKET_MAX_AGE)
        return Ticket(number=int(data["n"]), first_seen=float(data["t"]))
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return None


def ticket_sign(ticket: Ticket) -> str:
    return signing.dumps({"n": ticket.number, "t": ticket.first_seen}, salt=_SALT)


class _LocalLine:
    """Without Redis: this process's own numbering (turning someone away must stay cheap; a
    counter in the database cache would put the database back on the overloaded path)."""

    def __init__(self) -> None:
        self.issued = 0
        self.served = 0
        self.lock = threading.Lock()

    def issue(self) -> int:
        with self.lock:
            self.issued += 1
            return self.issued

    def serve(self, number: int) -> None:
        with self.lock:
            self.served = max(self.served, number)


_local_line = _LocalLine()


def _shared() -> bool:
    return bool(settings.REDIS_URL)


def ticket_issue(previous: Ticket | None, *, now: float) -> Ticket:
    """Keep a valid ticket (its place in line); else take the next number: from Redis when
    REDIS_URL is set (every process numbers from the same counter), else from this process."""
    if previous is not None:
        return previous
    if not _shared():
        return Ticket(number=_local_line.issue(), first_seen=now)
    try:
        cache.add(_ISSUED_KEY, 0, timeout=None)
        number = cache.incr(_ISSUED_KEY)
    except Exception:  # the cache is part of what may be overloaded: wait without a number
        number = 0
    return Ticket(number=number, first_seen=now)


def ticket_served(ticket: Ticket) -> None:
    """A ticket holder got in: everyone with a smaller number has been served too (about)."""
    if not _shared():
        _local_line.serve(ticket.number)
        return
    try:
        if ticket.number > (cache.get(_SERVED_KEY) or 0):
            cache.set(_SERVED_KEY, ticket.number, timeout=None)
    except Exception:  # noqa: S110 - the place shown is an estimate; never fail a request on it
        pass


def place_in_line(ticket: Ticket) -> int | None:
    if not ticket.number:
        return None
    if not _shared():
        return max(1, ticket.number - _local_line.served)
    try:
        served = cache.get(_SERVED_KEY) or 0
    except Exception:
        return None
    return max(1, ticket.number - served)


def retry_after(place: int | None, *, rate: int) -> int:
    """Seconds to wait: about one's place over the admission rate, between 2 and 30."""
    per_second = max(rate, 10)
    estimate = 5 if place is None else math.ceil(place / per_second)
    return min(30, max(2, estimate))
