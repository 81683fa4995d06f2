"""Demo step: a disruption plan for the highest-priority network."""

from __future__ import annotations

from netcase.demo import DemoContext


def demo_step(ctx: DemoContext) -> None:
    """Plan five arrests and three seizures for the top network and show the targets."""
    from rich.table import Table

    from netcase.access.viewer import Viewer
    from netcase.disrupt.plan import plan_for_network
    from netcase.graph import list_networks

    viewer = Viewer.system()
    rows = list_networks(ctx.store, viewer)
    if not rows:
        ctx.console.print("no networks to plan for")
        return
    top = rows[0]["network_id"]
    plan = plan_for_network(ctx.store, top, viewer=viewer, budget=5, account_budget=3)
    ctx.state["disrupt_plan"] = plan
    t = Table(title=f"Network {top}: strategies (R, lower is better)")
    for c in ("strategy", "R", "removals to <10%", "capacity after", "after recovery"):
        t.add_column(c)
    for name, s in plan.strategies.items():
        t.add_row(
            name + (" ★" if name == plan.recommended else ""),
            f"{s.robustness:.4f}",
            str(s.removals_to_10pct),
            "" if s.capacity_after is None else f"{s.capacity_after:.0%}",
            "" if s.capacity_after_recovery is None else f"{s.capacity_after_recovery:.0%}",
        )
    ctx.console.print(t)
    for target in plan.targets:
        flags = f" [yellow]{'; '.join(target.flags)}[/]" if target.flags else ""
        ctx.console.print(f"{target.rank}. {target.label} — {target.reason}{flags}")
    if plan.money is not None:
        m = plan.money
        seized = ", ".join(s.node for s in m.seizures) or "none"
        ctx.console.print(f"Seize {seized}: cuts {m.share_cut:.0%} of {m.revenue:,.0f} ({m.method})")
    ctx.console.print(f"Full plan: netcase disrupt --db {ctx.db} {top} --budget 5")
