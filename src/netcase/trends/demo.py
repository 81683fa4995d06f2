"""Demo step: district trends and the surges flagged in them."""

from __future__ import annotations

from netcase.demo import DemoContext


def demo_step(ctx: DemoContext) -> None:
    """Print the district table of the last months and the flagged surges with their series."""
    from netcase.access.viewer import Viewer
    from netcase.trends.commands import print_report
    from netcase.trends.report import trends_report

    report = trends_report(ctx.store, Viewer.system())
    # Only the main field and case metrics, so the table fits a terminal.
    keep = {"smuggling_events", "apprehensions", "harm_incidents", "deaths", "indictments", "convictions"}
    report = {**report, "series": [s for s in report["series"] if s["metric"] in keep and s["group"] != "unknown"]}
    report["surges"] = report["surges"][:8]
    # Court dispositions run past the last field month; end the table where field reports end.
    field = [s for s in report["series"] if s["metric"] in ("smuggling_events", "apprehensions") and s["total"]]
    last = max((max((i for i, v in enumerate(s["values"]) if v), default=0) for s in field), default=-1)
    if last >= 0:
        cut = last + 1
        report["months"] = report["months"][:cut]
        report["series"] = [{**s, "values": s["values"][:cut]} for s in report["series"]]
    print_report(report, months=4, corridors=5)
