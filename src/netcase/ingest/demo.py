"""The demo's ingest step: load the synthetic world and show what came in, and what was refused."""

from __future__ import annotations

import time
from pathlib import Path

from rich.table import Table

from netcase.demo import DemoContext
from netcase.ingest.commands import print_report
from netcase.ingest.engine import ingest_paths
from netcase.ingest.registry import default_loaders
from netcase.ingest.stats import ingest_stats


def demo_step(ctx: DemoContext) -> None:
    """Ingest ``ctx.state["world"]`` into ``ctx.store``; print by agency, source, schema, quarantine."""
    world = Path(ctx.state.get("world") or ctx.out / "world")
    started = time.perf_counter()
    report = ingest_paths(ctx.store, [world], default_loaders(), stop_on_error=False)
    seconds = time.perf_counter() - started
    ctx.state["ingest_report"] = report
    print_report(report, ctx.console)
    stats = ingest_stats(ctx.store)

    by_agency = Table(title="Statements by agency")
    by_agency.add_column("agency")
    by_agency.add_column("statements", justify="right")
    by_agency.add_column("entities", justify="right")
    by_agency.add_column("victim-sensitive", justify="right")
    for row in ctx.store.query(
        "SELECT agency, count(*), count(DISTINCT entity_id), "
        "sum(CASE WHEN victim_sensitive THEN 1 ELSE 0 END) FROM statements GROUP BY agency ORDER BY agency"
    ):
        by_agency.add_row(row[0], f"{row[1]:,}", f"{row[2]:,}", f"{row[3]:,}")
    ctx.console.print(by_agency)

    by_schema = Table(title="Entities by schema")
    by_schema.add_column("schema")
    by_schema.add_column("entities", justify="right")
    for schema, n in stats["entities_by_schema"].items():
        by_schema.add_row(schema, f"{n:,}")
    ctx.console.print(by_schema)

    quarantine = Table(title="Quarantine (what was refused, and why)")
    quarantine.add_column("scope")
    quarantine.add_column("reason")
    quarantine.add_column("count", justify="right")
    for q in stats["quarantine_by_reason"][:12]:
        quarantine.add_row(q["scope"], q["reason"], f"{q['count']:,}")
    ctx.console.print(quarantine)
    rows = report.totals().get("rows_read", 0)
    ctx.console.print(
        f"ingested {rows:,} source rows into {stats['statements']:,} statements about "
        f"{stats['entities']:,} entities in {seconds:.1f} s ({rows / max(seconds, 1e-9):,.0f} rows/s)"
    )
