"""The in-memory screening index, one per process, rebuilt when a list changes.

The cache key is the tuple of (list id, version, digest) of every active list, read from the
database on each screen (one small query). When it differs from the key of the index held,
the index is rebuilt from the current entries of the active lists; screens wait for the
rebuild under a lock, so one process never builds twice for the same key. Each web or
worker process holds its own copy (about 0.5 GB and a few minutes to build for a million
entries; a few milliseconds for test-sized lists). See docs/screening.md.
"""

from __future__ import annotations

import threading

from django.db.models import F

from portline.screening.match import ListedPerson, MatchPolicy, PartialDate, WatchlistIndex
from portline.screening.models import Watchlist, WatchlistEntry
from portline.screening.names import warm_up

_lock = threading.Lock()
_held: tuple[tuple, WatchlistIndex, dict] | None = None


def _active_lists() -> list[dict]:
    return list(
        Watchlist.objects.filter(is_active=True)
        .order_by("id")
        .values("id", "name", "version", "digest")
    )


def _entries():
    rows = (
        WatchlistEntry.objects.filter(
            watchlist__is_active=True, list_version=F("watchlist__version")
        )
        .order_by("id")
        .values_list("id", "primary_name", "aliases", "dates_of_birth", "nationalities")
    )
    for pk, name, aliases, dates, nationalities in rows.iterator(chunk_size=5000):
        parsed = []
        for value in dates or ():
            try:
                parsed.append(PartialDate.parse(value))
            except ValueError:  # checked at import; an edited row must not stop the screen
                continue
        yield ListedPerson(
            pk, (name, *(aliases or ())), tuple(d for d in parsed if d), tuple(nationalities or ())
        )


def active_index(policy: MatchPolicy | None = None) -> tuple[WatchlistIndex, dict]:
    """(index, {list name: {"version", "digest"}}) for the lists active now."""
    global _held
    lists = _active_lists()
    key = (tuple((row["id"], row["version"], row["digest"]) for row in lists), policy)
    held = _held
    if held is not None and held[0] == key:
        return held[1], held[2]
    with _lock:
        held = _held
        if held is not None and held[0] == key:
            return held[1], held[2]
        warm_up()  # rigour's name data and the transliteration tables, before the build
        index = WatchlistIndex.build(_entries(), policy)
        info = {row["name"]: {"version": row["version"], "digest": row["digest"]} for row in lists}
        _held = (key, index, info)
        return index, info


def clear() -> None:
    """Drop the held index (tests; or to free memory)."""
    global _held
    with _lock:
        _held = None
