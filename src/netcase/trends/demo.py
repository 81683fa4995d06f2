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
    print_report(report, months=4)
