"""Small counts stay hidden, and nothing hidden can be worked out from what is shown."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portline.stats.suppression import (
    combine,
    pinned,
    protect_layer,
    protect_line,
    protect_table,
)

counts_strategy = st.dictionaries(
    st.tuples(
        st.sampled_from("ABCD"),
        st.sampled_from(["HT", "MX", "VE", "CU", "CO"]),
        st.sampled_from("xyz"),
    ),
    st.integers(min_value=1, max_value=60),
    min_size=1,
    max_size=30,
)


def test_line_hides_small_counts_and_a_partner():
    hidden, total_hidden = protect_line([3, 40, 25], 68, 5)
    assert hidden == [True, False, True]  # 3 alone would be total - 40 - 25
    assert total_hidden is False


def test_line_total_below_threshold_hides_everything():
    assert protect_line([1, 2], 3, 5) == ([True, True], True)


def test_threshold_zero_is_refused():
    with pytest.raises(ValueError):
        protect_line([1], 1, 0)
    with pytest.raises(ValueError):
        protect_layer(("port",), {("A",): 3}, 0)


def test_single_small_cell_is_not_pinned_by_its_row_and_column():
    cells = np.array([[2, 30, 40], [50, 60, 70], [80, 90, 11]])
    hidden = protect_table(cells, [False] * 3, [False] * 3, False, 5)
    assert hidden[0, 0]
    # the cell needs a cycle: at least four cells hidden, two in its row and two in its column
    assert hidden[0].sum() >= 2 and hidden[:, 0].sum() >= 2


@settings(max_examples=150, deadline=None)
@given(counts_strategy, st.integers(min_value=2, max_value=15))
def test_nothing_hidden_is_determined_within_a_layer(counts, threshold):
    published = protect_layer(("port", "nationality", "outcome"), counts, threshold)
    hidden = published.hidden_keys()
    for dim, cats in published.one_way.items():
        for cat, (n, is_hidden) in cats.items():
            assert is_hidden or not 0 < n < threshold, (dim, cat, n)
    for pair, cells in published.two_way.items():
        for key, (n, is_hidden) in cells.items():
            assert is_hidden or not 0 < n < threshold, (pair, key, n)
    assert pinned(published.constraints(), hidden) == set()


@settings(max_examples=60, deadline=None)
@given(counts_strategy, counts_strategy, st.integers(min_value=2, max_value=12))
def test_two_months_and_their_sum_reveal_nothing_hidden(month_a, month_b, threshold):
    """Differencing a range table and a month table: everything the range shows is a sum of
    shown month entries, so the joint system pins nothing hidden in either month."""
    dims = ("port", "nationality", "outcome")
    a = protect_layer(dims, month_a, threshold)
    b = protect_layer(dims, month_b, threshold)
    both = combine([a, b])

    def tagged(tag, published):
        lines = [[((tag, *key), sign) for key, sign in line] for line in published.constraints()]
        return lines, {(tag, *key) for key in published.hidden_keys()}

    lines_a, hidden_a = tagged("a", a)
    lines_b, hidden_b = tagged("b", b)
    lines_s, hidden_s = tagged("s", both)
    # every entry of the sum is the sum of the same entry in the months
    keys = {key[1:] for key in hidden_s} | {k for line in both.constraints() for k, _s in line}
    links = [[(("s", *k), 1), (("a", *k), -1), (("b", *k), -1)] for k in keys]
    unknown = hidden_a | hidden_b | hidden_s
    assert pinned(lines_a + lines_b + lines_s + links, unknown) == set()


def test_sum_is_hidden_when_any_part_is():
    dims = ("port",)
    a = protect_layer(dims, {("A",): 3, ("B",): 40, ("C",): 50}, 5)
    b = protect_layer(dims, {("A",): 30, ("B",): 40, ("C",): 50}, 5)
    both = combine([a, b])
    assert both.one_way["port"]["A"] == (33, True)
    assert both.one_way["port"]["B"][1] is True  # hidden in month a as A's partner
    assert both.one_way["port"]["C"] == (100, False)


def test_pinned_finds_a_lone_hidden_cell():
    """The checker itself is not blind: one hidden cell in a line is found."""
    lines = [[(("1", "port", "A"), 1), (("1", "port", "B"), 1), (("total",), -1)]]
    assert pinned(lines, {("1", "port", "A")}) == {("1", "port", "A")}
