"""Confidence intervals, a stratified independence test and outlier marks. Pure."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy import stats as scipy_stats


def wilson(successes: int, trials: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval for a proportion (good for small counts and rates near 0 or 1)."""
    if trials == 0:
        return (0.0, 1.0)
    z = float(scipy_stats.norm.ppf(0.5 + confidence / 2))
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z * np.sqrt(p * (1 - p) / trials + z * z / (4 * trials * trials)) / (1 + z * z / trials)
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True)
class IndependenceTest:
    statistic: float
    df: int
    p_value: float
    note: str = ""


def stratified_test(
    counts: Mapping[tuple[str, str], tuple[int, int]], min_expected: float = 5.0
) -> IndependenceTest:
    """Is selection independent of the category, given the stratum (the port)?

    `counts[(category, stratum)] = (trials, successes)`. Under independence within each
    stratum, a category expects sum over strata of trials x the stratum's rate successes.
    Pearson's statistic over selected and not-selected, df = categories - 1. Categories
    expecting fewer than `min_expected` of either are pooled into one ("other").
    """
    strata: dict[str, list[int]] = {}
    for (_cat, stratum), (n, k) in counts.items():
        total = strata.setdefault(stratum, [0, 0])
        total[0] += n
        total[1] += k
    rate = {s: (k / n if n else 0.0) for s, (n, k) in strata.items()}
    observed: dict[str, list[float]] = {}
    for (cat, stratum), (n, k) in counts.items():
        row = observed.setdefault(cat, [0.0, 0.0, 0.0])  # successes, expected successes, trials
        row[0] += k
        row[1] += n * rate[stratum]
        row[2] += n
    pooled: dict[str, list[float]] = {}
    note = ""
    for cat, (k, e, n) in observed.items():
        small = e < min_expected or (n - e) < min_expected
        key = "other" if small else cat
        if small:
            note = "small categories pooled"
        row = pooled.setdefault(key, [0.0, 0.0, 0.0])
        row[0] += k
        row[1] += e
        row[2] += n
    if len(pooled) < 2:
        return IndependenceTest(0.0, 0, 1.0, "too few categories to test")
    statistic = 0.0
    for k, e, n in pooled.values():
        if e > 0:
            statistic += (k - e) ** 2 / e
        if n - e > 0:
            statistic += ((n - k) - (n - e)) ** 2 / (n - e)
    df = len(pooled) - 1
    return IndependenceTest(statistic, df, float(scipy_stats.chi2.sf(statistic, df)), note)


def outliers(rates: Mapping[str, float], threshold: float = 3.5) -> set[str]:
    """Keys whose rate is far from the others: robust z (median and MAD) beyond `threshold`."""
    if len(rates) < 3:
        return set()
    values = np.array(list(rates.values()), dtype=float)
    median = float(np.median(values))
    mad = float(np.median(np.abs(values - median)))
    if mad > 0:
        scale = mad / 0.6745
    else:  # more than half the values equal: fall back to the mean absolute deviation
        mean_ad = float(np.mean(np.abs(values - median)))
        if mean_ad == 0:
            return set()
        scale = mean_ad * 1.253314
    return {key for key, v in rates.items() if abs(v - median) / scale > threshold}
