"""The pure rules engine: each rule fires on a planted pattern and stays silent on a near-miss."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from portline.integrity import rules


def _rows(value, families, start=1, people=2):
    return [(value, start + i, family, people, family) for i, family in enumerate(families)]


def test_thirty_unrelated_groups_at_one_address_are_a_hub():
    rows = _rows("A", [f"S{i}" for i in range(30)])
    [finding] = rules.shared_value_findings(rules.ADDRESS_HUB, rows, threshold=10)
    assert finding.params["count"] == 30
    assert finding.params["people"] == 60
    assert finding.severity == rules.HIGH
    assert finding.registration_ids == tuple(range(1, 31))


def test_one_family_in_many_groups_is_not_a_hub():
    rows = _rows("A", ["GARCIA"] * 8)
    assert rules.shared_value_findings(rules.ADDRESS_HUB, rows, threshold=2) == []


def test_threshold_is_inclusive_and_just_below_is_silent():
    rows = _rows("A", [f"S{i}" for i in range(10)])
    assert len(rules.shared_value_findings(rules.ADDRESS_HUB, rows, threshold=10)) == 1
    assert rules.shared_value_findings(rules.ADDRESS_HUB, rows[:9], threshold=10) == []


def test_document_reuse_counts_registrations_even_within_a_family():
    rows = _rows("HN|A123", ["GARCIA", "GARCIA"])
    [finding] = rules.shared_value_findings(rules.DOCUMENT_REUSE, rows, threshold=2)
    assert finding.kind == rules.DOCUMENT_REUSE


@given(st.lists(st.sampled_from(["A", "B", "C"]), min_size=0, max_size=40))
def test_keys_are_stable_and_independent_of_row_order(values):
    rows = [(v, i, f"F{i}", 1, "") for i, v in enumerate(values)]
    first = rules.shared_value_findings(rules.PHONE_REUSE, rows, threshold=3)
    second = rules.shared_value_findings(rules.PHONE_REUSE, list(reversed(rows)), threshold=3)
    assert [(f.key, f.registration_ids) for f in first] == [
        (f.key, f.registration_ids) for f in second
    ]
    assert all(f.params["count"] >= 3 for f in first)


def test_staff_burst_fires_inside_the_window_only():
    burst = [(7, 1000.0 + i * 30, 100 + i, 2) for i in range(40)]  # 80 people in 20 minutes
    slow = [(8, 1000.0 + i * 3600, 200 + i, 2) for i in range(40)]  # 80 people in 40 hours
    findings = rules.staff_burst_findings(burst + slow, max_people=60, window_s=3600)
    assert [f.params["staff"] for f in findings] == [7]
    assert findings[0].params["count"] == 80
    assert set(findings[0].registration_ids) == set(range(100, 140))


def test_staff_bursts_far_apart_are_two_findings():
    rows = [(7, i * 10.0, i, 10) for i in range(10)] + [
        (7, 100000.0 + i * 10, 50 + i, 10) for i in range(10)
    ]
    findings = rules.staff_burst_findings(rows, max_people=60, window_s=3600)
    assert len(findings) == 2
    assert len({f.key for f in findings}) == 2


def test_geofence_signals_become_one_finding_per_registration_and_kind():
    rows = [(1, 10, "impossible_travel"), (2, 10, "impossible_travel"), (3, 11, "shared_device")]
    rows.append((4, 12, "border_band"))  # not an integrity pattern
    findings = rules.geofence_findings(rows)
    assert [(f.kind, f.registration_ids, f.params["count"]) for f in findings] == [
        (rules.GEO_IMPOSSIBLE_TRAVEL, (10,), 2),
        (rules.GEO_SHARED_DEVICE, (11,), 1),
    ]
