"""Demo step: target and operation deconfliction alerts, and one network's legal status."""

from __future__ import annotations

from datetime import timedelta

from netcase.demo import DemoContext


def demo_step(ctx: DemoContext) -> None:
    """Show the deconfliction alerts the hooks raised on the demo store, as each side sees them."""
    from netcase.access.viewer import Viewer
    from netcase.cases.deconflict import alerts_for, evaluate, render_alert
    from netcase.cases.operations import evaluate_operations, operation_alerts_for

    store, con = ctx.store, ctx.console
    if not store.scalar("SELECT count(*) FROM investigations"):
        con.print("no investigations ingested: nothing to deconflict")
        return
    # The synthetic world's plans span its whole period, long before today: the demo replays them
    # as of the first plan, so every operation is still ahead and every conflict is "upcoming".
    first = store.scalar("SELECT min(starts) FROM operations")
    now = first if first is not None else store.scalar("SELECT max(ingested) FROM statements")
    run = evaluate(store, now=now)
    by_basis: dict[str, int] = {}
    for c in run.active:
        for kind in c.basis:
            by_basis[kind] = by_basis.get(kind, 0) + 1
    notices = store.scalar("SELECT count(*) FROM case_notices WHERE alert_kind = 'target'")
    con.print(f"target deconfliction: {len(run.active)} conflicting target pairs across agencies "
              f"({', '.join(f'{k} {v}' for k, v in sorted(by_basis.items()))}), raised by the ingest and "
              f"resolution hooks with {notices} notices to the points of contact; re-evaluated now: "
              f"{len(run.new)} new, {len(run.withdrawn)} withdrawn")
    system = Viewer.system()
    sides = alerts_for(store, system, alert_ids=[c.alert_id for c in run.active[:2]])
    for side in sides:
        con.print(render_alert(side), style="yellow")
        con.print()
    new_ops, current = evaluate_operations(store, now=now, max_km=1.0, buffer=timedelta(hours=2))
    con.print(f"operation deconfliction (1 km, 2 h, plans replayed from {now:%Y-%m-%d}): "
              f"{len(current)} conflicts between agencies")
    for item in operation_alerts_for(store, system, current[:3]):
        c = item["contact"]
        con.print(f"  {item['kind']} {item['operation_id']} {item['starts']:%Y-%m-%d %H:%M}: "
                  f"{item['distance_km']:.2f} km from a {c['agency']} operation; call {c['lead_agent']} {c['phone']}")
    ctx.state["deconfliction_run"] = run.run_id
