"""The pattern rules: plain data in, findings out. No ORM, no clock, no randomness.

Each finding names its rule (`kind`), a stable `key` (the same pattern gives the same key on
every run, so a rescan adds nothing new), a severity, the counts its explanation needs and the
registrations behind it. A finding is a reason for a person to look, never a decision.

"Unrelated" groups: each registration (a group travelling together, whose members' family ties
are declared inside it) has a *family key*, the first surname word of its main applicant after
normalisation (accents, case and particles such as "de la" removed). Groups with the same family
key are counted once, as possibly related; every other pair of groups is unrelated. So a family
of eight registered as one group, or as three groups that share a surname, counts as one.
"""

from __future__ import annotations

import hashlib
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

ENGINE_VERSION = "1"

# A row for the shared-value rules: (value key, registration id, family key, people in the
# group, the group's surname words joined by spaces).
KeyedRow = tuple[str, int, str, int, str]
# A row for the staff rule: (staff account id, seconds since the epoch, registration id, people).
EntryRow = tuple[int, float, int, int]
# A row for the geofence rule: (signal id, registration id, signal kind).
SignalRow = tuple[int, int, str]

ADDRESS_HUB = "address_hub"
SPONSOR_HUB = "sponsor_hub"
PROVIDER_HUB = "provider_hub"
DOCUMENT_REUSE = "document_reuse"
PHONE_REUSE = "phone_reuse"
EMAIL_REUSE = "email_reuse"
PHOTO_REUSE = "photo_reuse"
STAFF_BURST = "staff_burst"
GEO_IMPOSSIBLE_TRAVEL = "geo_impossible_travel"
GEO_REPEATED_POINT = "geo_repeated_point"
GEO_SHARED_DEVICE = "geo_shared_device"
GEO_DECLARED_LOCATION = "geo_declared_location"

# Signal kinds stored by portline.geofence that become flags.
GEOFENCE_KINDS = {
    "impossible_travel": GEO_IMPOSSIBLE_TRAVEL,
    "repeated_point": GEO_REPEATED_POINT,
    "shared_device": GEO_SHARED_DEVICE,
    "declared_location": GEO_DECLARED_LOCATION,
}

# How the shared-value rules count: distinct unrelated families, or distinct registrations.
COUNT_FAMILIES = "families"
COUNT_REGISTRATIONS = "registrations"
SHARED_VALUE_RULES = {
    ADDRESS_HUB: COUNT_FAMILIES,
    SPONSOR_HUB: COUNT_FAMILIES,
    PROVIDER_HUB: COUNT_REGISTRATIONS,
    DOCUMENT_REUSE: COUNT_REGISTRATIONS,
    PHONE_REUSE: COUNT_FAMILIES,
    EMAIL_REUSE: COUNT_FAMILIES,
    PHOTO_REUSE: COUNT_REGISTRATIONS,
}

LOW, MEDIUM, HIGH = "low", "medium", "high"
BASE_SEVERITY = {
    ADDRESS_HUB: HIGH,
    SPONSOR_HUB: MEDIUM,
    PROVIDER_HUB: MEDIUM,
    DOCUMENT_REUSE: HIGH,
    PHONE_REUSE: LOW,
    EMAIL_REUSE: LOW,
    PHOTO_REUSE: HIGH,
    STAFF_BURST: MEDIUM,
    GEO_IMPOSSIBLE_TRAVEL: MEDIUM,
    GEO_REPEATED_POINT: LOW,
    GEO_SHARED_DEVICE: LOW,
    GEO_DECLARED_LOCATION: LOW,
}


@dataclass(frozen=True)
class Thresholds:
    """A pattern is flagged when its count reaches the threshold (see docs/integrity.md)."""

    address_hub: int = 10
    sponsor_hub: int = 10
    provider_hub: int = 50
    document_reuse: int = 2
    phone_reuse: int = 3
    email_reuse: int = 3
    photo_reuse: int = 2
    staff_burst_people: int = 60
    staff_burst_window_s: int = 3600

    def for_kind(self, kind: str) -> int:
        return int(getattr(self, kind))


@dataclass(frozen=True)
class Finding:
    kind: str
    key: str
    severity: str
    params: dict = field(hash=False)
    registration_ids: tuple[int, ...] = ()


def stable_key(kind: str, value: str) -> str:
    """The flag's key: the rule and a digest of the value (no personal data in the key)."""
    return f"{kind}:{hashlib.sha256(value.encode()).hexdigest()[:32]}"


def severity(kind: str, count: int, threshold: int) -> str:
    """The rule's own severity, raised to high at three times its threshold."""
    base = BASE_SEVERITY[kind]
    return HIGH if count >= 3 * max(threshold, 1) else base


def _count(kind: str, members: Sequence[KeyedRow]) -> int:
    if SHARED_VALUE_RULES[kind] == COUNT_FAMILIES:
        return len({row[2] or f"#{row[1]}" for row in members})
    return len({row[1] for row in members})


def shared_value_findings(kind: str, rows: Sequence[KeyedRow], *, threshold: int) -> list[Finding]:
    """One finding per value shared by at least `threshold` unrelated groups (or registrations,
    depending on the rule). Two passes: a count per value, then the members of those that pass.
    """
    registrations_per_value = Counter(row[0] for row in rows if row[0])
    candidates = {value for value, n in registrations_per_value.items() if n >= threshold}
    members: dict[str, list[KeyedRow]] = defaultdict(list)
    for row in rows:
        if row[0] in candidates:
            members[row[0]].append(row)
    findings = []
    for value in sorted(members):
        group = members[value]
        count = _count(kind, group)
        if count < threshold:
            continue
        registration_ids = tuple(sorted({row[1] for row in group}))
        by_registration = {row[1]: row for row in group}
        surnames = {word for row in by_registration.values() for word in row[4].split() if word}
        findings.append(
            Finding(
                kind=kind,
                key=stable_key(kind, value),
                severity=severity(kind, count, threshold),
                params={
                    "count": count,
                    "threshold": threshold,
                    "groups": len(registration_ids),
                    "families": len({row[2] or f"#{row[1]}" for row in group}),
                    "people": sum(row[3] for row in by_registration.values()),
                    "surnames": len(surnames),
                    "value": value,
                },
                registration_ids=registration_ids,
            )
        )
    return findings


def staff_burst_findings(
    rows: Iterable[EntryRow], *, max_people: int, window_s: int
) -> list[Finding]:
    """One finding per burst: a partner staff account that entered at least `max_people` people
    within `window_s` seconds. Overlapping windows of one account make one burst, keyed by the
    account and the burst's first registration."""
    by_staff: dict[int, list[tuple[float, int, int]]] = defaultdict(list)
    for staff_id, at, registration_id, people in rows:
        by_staff[staff_id].append((at, registration_id, people))
    findings = []
    for staff_id in sorted(by_staff):
        entries = sorted(by_staff[staff_id])
        start, in_window = 0, 0
        # Index ranges [first, last] of windows over the limit; overlapping ones merge.
        bursts: list[list[int]] = []  # [first, last, peak]
        for end, (at, _registration_id, people) in enumerate(entries):
            in_window += people
            while at - entries[start][0] > window_s:
                in_window -= entries[start][2]
                start += 1
            if in_window >= max_people:
                if bursts and start <= bursts[-1][1]:
                    bursts[-1][1] = end
                    bursts[-1][2] = max(bursts[-1][2], in_window)
                else:
                    bursts.append([start, end, in_window])
        for first, last, peak in bursts:
            members = {entries[i][1] for i in range(first, last + 1)}
            first_at, last_at = entries[first][0], entries[last][0]
            ordered = tuple(sorted(members))
            findings.append(
                Finding(
                    kind=STAFF_BURST,
                    key=stable_key(STAFF_BURST, f"{staff_id}|{ordered[0]}"),
                    severity=severity(STAFF_BURST, peak, max_people),
                    params={
                        "count": peak,
                        "threshold": max_people,
                        "minutes": window_s // 60,
                        "groups": len(ordered),
                        "staff": staff_id,
                        "span_minutes": round((last_at - first_at) / 60),
                    },
                    registration_ids=ordered,
                )
            )
    return findings


def geofence_findings(rows: Iterable[SignalRow]) -> list[Finding]:
    """One finding per registration and kind of stored geofence signal."""
    signals: dict[tuple[str, int], list[int]] = defaultdict(list)
    for signal_id, registration_id, signal_kind in rows:
        kind = GEOFENCE_KINDS.get(signal_kind)
        if kind is not None:
            signals[(kind, registration_id)].append(signal_id)
    return [
        Finding(
            kind=kind,
            key=stable_key(kind, str(registration_id)),
            severity=BASE_SEVERITY[kind],
            params={"count": len(ids), "signals": sorted(ids)},
            registration_ids=(registration_id,),
        )
        for (kind, registration_id), ids in sorted(signals.items())
    ]
