"""Demo step: build the networks, print the top ones with their scores and the hubs cut."""

from __future__ import annotations

from netcase.demo import DemoContext


def demo_step(ctx: DemoContext) -> None:
    """Build networks on the demo store and show the five highest-priority ones."""
    from rich.table import Table

    from netcase.access.viewer import Viewer
    from netcase.graph import build_networks, list_networks

    res = build_networks(ctx.store, log=lambda m: ctx.console.print(f"[dim]{m}[/]"))
    ctx.state["graph_run"] = res.run_id
    rows = list_networks(ctx.store, Viewer.system())
    t = Table(title=f"Top networks of {res.networks} ({res.hubs} hubs cut: see `netcase hubs`)")
    for c in ("rank", "network", "label", "size", "priority", "people moved", "harm", "trend"):
        t.add_column(c)
    for r in rows[:5]:
        h = r["harm"]
        t.add_row(str(r["rank"]), r["network_id"], str(r["label"] or ""), str(r["size"]), f"{r['priority']:.1f}",
                  f"{r['people_moved']:,}", f"{h['deaths']} deaths, {h['kidnappings']} kidnappings, {h['extortions']} extortions",
                  r["trend"])
    ctx.console.print(t)
    if rows:
        ctx.console.print(f"Details: netcase network --db {ctx.db} {rows[0]['network_id']}")
