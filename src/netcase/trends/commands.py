"""``netcase trends``."""

from __future__ import annotations

from typing import Annotated

import typer

from netcase.cliutil import DbOption, console, emit_json


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    @app.command("trends")
    def trends(
        db: DbOption = "netcase.duckdb",
        district: Annotated[str | None, typer.Option(help='Only this district, e.g. "S.D. Tex."')] = None,
        start: Annotated[str | None, typer.Option(help="First month, YYYY-MM.")] = None,
        end: Annotated[str | None, typer.Option(help="Last month, YYYY-MM.")] = None,
        alpha: Annotated[float, typer.Option(help="Family-wise error rate per series.")] = 0.01,
        months: Annotated[int, typer.Option(help="Months shown in the table.")] = 6,
        as_user: Annotated[str | None, typer.Option("--as", envvar="NETCASE_USER", help="Account that reads.")] = None,
        json_out: Annotated[bool, typer.Option("--json", help="Machine-readable output.")] = False,
    ) -> None:
        """Monthly series by district and corridor, and surges flagged by a stated test."""
        from netcase.cases.commands import viewer_of
        from netcase.cliutil import open_db
        from netcase.trends.report import trends_report

        with open_db(db, must_exist=True) as store:
            report = trends_report(store, viewer_of(store, as_user), district=district, start=start, end=end,
                                   alpha=alpha)
        if json_out:
            emit_json(report)
            return
        print_report(report, months)


def print_report(report: dict, months: int = 6) -> None:
    """The district table (last ``months`` months) and the surges, each with its series."""
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
    console.print(table)
    console.print(f"[bold]Surges[/] ({report['test']}, alpha {report['alpha']}): {len(report['surges'])}")
    for f in report["surges"]:
        series = " ".join(f"{w['month'][2:]}:{_fmt(w['value'])}" for w in f["window"])
        console.print(f"  {f['by']} {f['group']} {f['metric']} {f['month']}: {f['observed']} vs "
                      f"{f['expected']:.1f}/month expected, p={f['p_value']:.2g} (adjusted {f['p_adjusted']:.2g})")
        console.print(f"    [dim]{series}[/]")


def _fmt(v: float) -> str:
    return f"{v:,.0f}" if abs(v) >= 1 or v == 0 else f"{v:.2f}"
