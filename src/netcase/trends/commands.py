"""``netcase trends``."""

from __future__ import annotations

from typing import Annotated, Any

import typer

from netcase.cliutil import DbOption, console, emit_json


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    @app.command("trends")
    def trends(
        db: DbOption = "netcase.duckdb",
        district: Annotated[str | None, typer.Option(
            help='Only this district (and the corridors of its events), e.g. "S.D. Tex."')] = None,
        corridor: Annotated[str | None, typer.Option(
            help='Only this corridor, origin → crossing sector, e.g. "GT → Rio Grande Valley"')] = None,
        start: Annotated[str | None, typer.Option(help="First month, YYYY-MM.")] = None,
        end: Annotated[str | None, typer.Option(help="Last month, YYYY-MM.")] = None,
        alpha: Annotated[float, typer.Option(help="Family-wise error rate per series.")] = 0.01,
        months: Annotated[int, typer.Option(help="Months shown in the table.")] = 6,
        corridors: Annotated[int, typer.Option(help="Corridors shown (the busiest by people moved).")] = 10,
        as_user: Annotated[str | None, typer.Option("--as", envvar="NETCASE_USER", help="Account that reads.")] = None,
        json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Monthly series by district and by corridor (origin → crossing sector), and surges flagged by a
        stated test."""
        from netcase.cases.commands import viewer_of
        from netcase.cliutil import open_db
        from netcase.trends.report import trends_report

        with open_db(db, must_exist=True) as store:
            report = trends_report(store, viewer_of(store, as_user), district=district, corridor=corridor,
                                   start=start, end=end, alpha=alpha)
        if json_out:
            emit_json(report)
            return
        print_report(report, months, corridors)


def busiest_corridors(report: dict[str, Any], limit: int) -> list[str]:
    """The ``limit`` corridors with the most people moved and apprehended (then events), busiest first."""
    weight: dict[str, tuple[float, float]] = {}
    for s in report["series"]:
        if s["by"] != "corridor":
            continue
        people, events = weight.get(s["group"], (0.0, 0.0))
        if s["metric"] in ("people_moved", "apprehensions"):
            people += s["total"]
        elif s["metric"] in ("smuggling_events", "apprehension_events"):
            events += s["total"]
        weight[s["group"]] = (people, events)
    return sorted(weight, key=lambda g: (-weight[g][0], -weight[g][1], g))[:limit]


def print_report(report: dict[str, Any], months: int = 6, corridors: int = 10) -> None:
    """The district table and the corridor table (last ``months`` months; the ``corridors`` busiest
    corridors) and the surges, each with its series."""
    from rich.table import Table

    shown = report["months"][-months:]
    if not shown:
        console.print("no dated events or case records yet")
        return
    table = Table("district", "metric", *shown, "total", title="Trends by district (monthly)")
    for s in report["series"]:
        if s["by"] != "district" or not s["total"]:
            continue
        values = s["values"][-months:]
        table.add_row(s["group"], s["metric"], *(_fmt(v) for v in values), _fmt(s["total"]))
    if table.row_count:
        console.print(table)
    busiest = busiest_corridors(report, corridors)
    if busiest:
        rank = {g: i for i, g in enumerate(busiest)}
        ctable = Table("corridor (origin → crossing)", "metric", *shown, "total",
                       title=f"Trends by corridor (monthly; {len(busiest)} busiest)")
        rows = [s for s in report["series"] if s["by"] == "corridor" and s["group"] in rank and s["total"]]
        for s in sorted(rows, key=lambda s: rank[s["group"]]):
            ctable.add_row(s["group"], s["metric"], *(_fmt(v) for v in s["values"][-months:]), _fmt(s["total"]))
        console.print(ctable)
    console.print(f"[bold]Surges[/] ({report['test']}, alpha {report['alpha']}): {len(report['surges'])}")
    for f in report["surges"]:
        series = " ".join(f"{w['month'][2:]}:{_fmt(w['value'])}" for w in f["window"])
        console.print(f"  {f['by']} {f['group']} {f['metric']} {f['month']}: {f['observed']} vs "
                      f"{f['expected']:.1f}/month expected, p={f['p_value']:.2g} (adjusted {f['p_adjusted']:.2g})")
        console.print(f"    [dim]{series}[/]")


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1 or v == 0 else f"{v:.2f}"
