"""Selection rates do not depend on nationality, submission order, time of request within the
window, or group size beyond the documented skip rule (portline.allocation.fairness).

Many rounds are simulated through the real pipeline (request ids -> salted request hashes ->
canonical order -> engine), with fixed seeds, so the test gives the same answer every run.
Chi-square p-values are computed here (no SciPy). Positive controls show the same checks catch
a first-come draw (the 2012 visa lottery's failure) and a draw that ignores group sizes.
"""

import hashlib
import math

import numpy as np
import pytest

from portline.allocation import canonical, engine
from portline.allocation.fairness import skip_rule_weights

SIZES = np.arange(1, 11)
SIZE_SHARE = np.array([0.38, 0.20, 0.16, 0.12, 0.06, 0.03, 0.02, 0.015, 0.01, 0.005])
NATIONALITIES = ["MX", "HN", "VE", "HT", "CU", "GT"]
ROUNDS, UNITS, CAPACITY, RESERVED = 300, 2000, 100, 50
P_FLOOR = 0.001


def chi2_sf(x: float, df: int) -> float:
    """P(X >= x) for a chi-square variable with `df` degrees of freedom (exact closed forms)."""
    if x <= 0:
        return 1.0
    if df % 2 == 0:
        term = total = math.exp(-x / 2)
        for i in range(1, df // 2):
            term *= (x / 2) / i
            total += term
        return min(1.0, total)
    root = math.sqrt(x)
    total = math.erfc(root / math.sqrt(2))
    term = math.sqrt(2 / math.pi) * math.exp(-x / 2) * root
    for i in range(1, (df + 1) // 2):
        total += term
        term *= x / (2 * i + 1)
    return min(1.0, total)


def test_chi2_sf_matches_known_values():
    assert chi2_sf(3.841458820694124, 1) == pytest.approx(0.05, abs=1e-9)
    assert chi2_sf(5.991464547107979, 2) == pytest.approx(0.05, abs=1e-9)
    assert chi2_sf(16.918977604620448, 9) == pytest.approx(0.05, abs=1e-9)
    assert chi2_sf(23.209251158954356, 10) == pytest.approx(0.01, abs=1e-9)


def independence_p(groups: np.ndarray, won: np.ndarray) -> float:
    """Chi-square test of independence between a category and winning (units)."""
    categories = np.unique(groups)
    table = np.array(
        [[np.sum(won[groups == c]), np.sum(~won[groups == c])] for c in categories], dtype=float
    )
    expected = table.sum(axis=1, keepdims=True) * table.sum(axis=0, keepdims=True) / table.sum()
    statistic = float(((table - expected) ** 2 / expected).sum())
    return chi2_sf(statistic, (len(categories) - 1))


def size_rule_p(sizes: np.ndarray, won: np.ndarray) -> float:
    """Goodness of fit of wins per group size to the documented skip rule."""
    share = reserved = CAPACITY * RESERVED // 100
    weights = np.array(
        skip_rule_weights([reserved, CAPACITY - share], SIZE_SHARE / SIZE_SHARE.sum())
    )
    units = np.array([np.sum(sizes == s) for s in SIZES], dtype=float)
    observed = np.array([np.sum(won[sizes == s]) for s in SIZES], dtype=float)
    expected = units * weights
    expected *= observed.sum() / expected.sum()
    statistic = float(((observed - expected) ** 2 / expected).sum())
    return chi2_sf(statistic, len(SIZES) - 1)


def simulate(draw):
    """Run ROUNDS rounds; `draw(round_number, sizes, days, request_ids)` returns a won mask."""
    rng = np.random.default_rng(20230512)
    columns = {"nationality": [], "order_decile": [], "hour": [], "size": [], "won": []}
    for number in range(ROUNDS):
        sizes = rng.choice(SIZES, size=UNITS, p=SIZE_SHARE / SIZE_SHARE.sum())
        nationality = rng.choice(NATIONALITIES, size=UNITS)
        days = rng.integers(738000, 738270, UNITS)
        seconds = np.sort(rng.integers(0, 12 * 3600, UNITS))  # request times, in id order
        request_ids = np.arange(1, UNITS + 1) + number * UNITS
        columns["won"].append(draw(number, sizes, days, request_ids))
        columns["nationality"].append(nationality)
        columns["order_decile"].append(np.arange(UNITS) * 10 // UNITS)
        columns["hour"].append(seconds // 3600)
        columns["size"].append(sizes)
    return {name: np.concatenate(parts) for name, parts in columns.items()}


def portline_draw(number, sizes, days, request_ids):
    salt = f"fairness-{number}"
    pseudonyms = canonical.request_pseudonyms(salt, request_ids)
    canonical_order = np.argsort(
        pseudonyms.reshape(-1).view("S32"), kind="stable"
    )  # export lines sorted by request hash
    result = engine.allocate(
        engine.RoundInput(
            seed=hashlib.sha256(f"beacon-{number}".encode()).digest(),
            capacities=[CAPACITY],
            reserved_percent=RESERVED,
            standby_percent=0,
            group_size=sizes[canonical_order],
            first_port=np.zeros(UNITS, dtype=int),
            second_port=np.full(UNITS, -1),
            registered_day=days[canonical_order],
        )
    )
    won = np.zeros(UNITS, dtype=bool)
    won[canonical_order[result.selected[0]]] = True
    return won


def first_come_draw(number, sizes, days, request_ids):
    """The 2012 failure: winners taken in submission order."""
    won = np.zeros(UNITS, dtype=bool)
    won[: np.searchsorted(np.cumsum(sizes), CAPACITY, side="right")] = True
    return won


def per_person_ticket_draw(number, sizes, days, request_ids):
    """A draw that gives one ticket per person (a group of ten gets ten chances)."""
    rng = np.random.default_rng(number)
    keys = rng.random(UNITS) ** (1.0 / sizes)  # weighted sampling without replacement by size
    order = np.argsort(-keys)
    won = np.zeros(UNITS, dtype=bool)
    left = CAPACITY
    for i in order:
        if sizes[i] <= left:
            won[i] = True
            left -= sizes[i]
        if left == 0:
            break
    return won


@pytest.fixture(scope="module")
def portline_rounds():
    return simulate(portline_draw)


@pytest.mark.parametrize("attribute", ["nationality", "order_decile", "hour"])
def test_winning_does_not_depend_on(portline_rounds, attribute):
    assert independence_p(portline_rounds[attribute], portline_rounds["won"]) > P_FLOOR


def test_group_size_matters_only_through_the_documented_skip_rule(portline_rounds):
    assert size_rule_p(portline_rounds["size"], portline_rounds["won"]) > P_FLOOR
    # And the rule is small where capacity is large: a group of ten at San Ysidro (385).
    weights = skip_rule_weights([192, 193], SIZE_SHARE / SIZE_SHARE.sum())
    assert weights[9] > 0.85


def test_the_checks_catch_a_first_come_draw():
    rounds = simulate(first_come_draw)
    assert independence_p(rounds["order_decile"], rounds["won"]) < 1e-9
    assert independence_p(rounds["hour"], rounds["won"]) < 1e-9


def test_the_checks_catch_a_draw_that_favours_groups():
    rounds = simulate(per_person_ticket_draw)
    assert size_rule_p(rounds["size"], rounds["won"]) < 1e-9
