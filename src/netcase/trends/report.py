"""Trends with their surges: what ``netcase trends``, the API and the brief show."""

from __future__ import annotations

from typing import Any

from netcase.access.viewer import Viewer
from netcase.store import Store
from netcase.trends.series import COUNT_METRICS, Trends, monthly_series
from netcase.trends.surge import TEST_NAME, detect_surges


def surges(trends: Trends, *, alpha: float = 0.01, baseline: int = 12, min_baseline: int = 6,
           min_count: int = 5, min_ratio: float = 1.5) -> list[dict[str, Any]]:
    """Every flagged month of every count series, each with the series window behind it."""
    out = []
    for s in trends.series:
        if s.metric not in COUNT_METRICS:
            continue
        for f in detect_surges(s.values, baseline=baseline, min_baseline=min_baseline, alpha=alpha,
                               min_count=min_count, min_ratio=min_ratio):
            lo = f.index - f.baseline_months
            out.append({
                "metric": s.metric, "by": s.by, "group": s.group, "month": trends.months[f.index],
                "observed": f.observed, "expected": f.expected, "p_value": f.p_value,
                "p_adjusted": f.p_adjusted, "baseline_months": f.baseline_months,
                "window": [{"month": trends.months[i], "value": s.values[i]} for i in range(lo, f.index + 1)],
            })
    out.sort(key=lambda x: (x["p_adjusted"], x["month"]))
    return out


def trends_report(store: Store, viewer: Viewer, *, district: str | None = None, corridor: str | None = None,
                  start: str | None = None, end: str | None = None, alpha: float = 0.01) -> dict[str, Any]:
    """The series (``by`` is ``district`` or ``corridor``) and surges one viewer may see, as plain data."""
    trends = monthly_series(store, viewer, district=district, corridor=corridor, start=start, end=end)
    return {
        "months": trends.months,
        "series": [{"metric": s.metric, "by": s.by, "group": s.group, "values": s.values,
                    "total": sum(s.values)} for s in trends.series],
        "surges": surges(trends, alpha=alpha),
        "test": TEST_NAME,
        "alpha": alpha,
    }
