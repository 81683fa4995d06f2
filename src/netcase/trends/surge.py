"""Surge detection on monthly counts: an exact conditional Poisson test against a trailing baseline.

For month *t* with count ``x`` and the ``m`` preceding months summing to ``B`` (``m`` up to
``baseline`` months, at least ``min_baseline``), the null hypothesis is that all ``m + 1`` months
share one Poisson rate. Under it, conditional on the total ``x + B``, ``x`` is Binomial(``x + B``,
``1/(m + 1)``) whatever the rate is (the Przyborowski–Wilenski conditional test for two Poisson
rates), so the one-sided p-value ``P(X >= x)`` is exact and needs no estimate of the rate.

Each series is tested at every month that has a baseline, so the p-values are Bonferroni-adjusted
by the number of months tested in that series; a month is flagged when the adjusted p-value is
below ``alpha`` *and* the surge is large enough to matter (``x >= min_count`` and ``x`` at least
``min_ratio`` times the baseline mean). The test is for counts of events (trips, harm incidents,
deaths, apprehension events, investigations, indictments): sums such as people moved come in
groups and are over-dispersed, so they are shown but not tested.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from scipy.stats import binom

TEST_NAME = "one-sided exact conditional Poisson test vs trailing baseline, Bonferroni per series"


@dataclass(frozen=True)
class Surge:
    """One flagged month, with the numbers behind it."""

    index: int
    observed: int
    baseline_months: int
    baseline_total: int
    expected: float
    p_value: float
    p_adjusted: float


def surge_tests(
    values: Sequence[float], *, baseline: int = 12, min_baseline: int = 6
) -> list[tuple[int, int, int, int, float]]:
    """(index, observed, baseline months, baseline total, raw p-value) for every testable month."""
    counts = [int(round(v)) for v in values]
    if any(c < 0 for c in counts):
        raise ValueError("counts must be non-negative")
    out = []
    for t in range(min_baseline, len(counts)):
        m = min(baseline, t)
        base = sum(counts[t - m:t])
        x = counts[t]
        n = x + base
        # P(X >= x) for X ~ Binomial(n, 1/(m+1)); sf(k) is P(X > k).
        p = 1.0 if x == 0 else float(binom.sf(x - 1, n, 1.0 / (m + 1)))
        out.append((t, x, m, base, p))
    return out


def detect_surges(
    values: Sequence[float],
    *,
    baseline: int = 12,
    min_baseline: int = 6,
    alpha: float = 0.01,
    min_count: int = 5,
    min_ratio: float = 1.5,
) -> list[Surge]:
    """Months whose count is significantly above the trailing baseline (see the module docstring)."""
    tests = surge_tests(values, baseline=baseline, min_baseline=min_baseline)
    n_tests = len(tests)
    flagged = []
    for t, x, m, base, p in tests:
        expected = base / m
        p_adj = min(1.0, p * n_tests)
        if p_adj < alpha and x >= min_count and x >= min_ratio * expected:
            flagged.append(Surge(index=t, observed=x, baseline_months=m, baseline_total=base,
                                 expected=round(expected, 3), p_value=p, p_adjusted=p_adj))
    return flagged
