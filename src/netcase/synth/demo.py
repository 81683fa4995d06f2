"""The demo's first step: generate the synthetic world the later stages ingest."""

from __future__ import annotations

from rich.table import Table

from netcase.demo import DemoContext
from netcase.synth import WorldSummary, generate


def summary_table(summary: WorldSummary) -> Table:
    """A Rich table of the files written and their row counts."""
    table = Table(title=f"Synthetic world: {summary.scale}, seed {summary.seed}, {summary.noise} noise")
    table.add_column("file")
    table.add_column("rows", justify="right")
    for name, rows in summary.files.items():
        table.add_row(name, f"{rows:,}")
    table.add_section()
    table.add_row("[bold]source records", f"[bold]{summary.records:,}")
    table.add_row("person mentions (truth)", f"{summary.mentions:,}")
    table.add_row("true persons", f"{summary.persons:,}")
    table.add_row("organisations", f"{summary.orgs:,}")
    table.add_row("observed events", f"{summary.events:,}")
    table.caption = f"{summary.out} — {summary.seconds:.1f} s, {summary.records / max(summary.seconds, 1e-9):,.0f} records/s"
    return table


def demo_step(ctx: DemoContext) -> None:
    """Generate ``ctx.scale``/``ctx.seed`` into ``ctx.out / "world"`` and show what was written."""
    out = ctx.out / "world"
    summary = generate(scale=ctx.scale, seed=ctx.seed, out=out)
    ctx.state["world"] = out
    ctx.state["synth_summary"] = summary
    ctx.console.print(summary_table(summary))
