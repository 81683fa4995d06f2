"""``netcase disrupt``: a disruption plan for a stored network or for any graph file."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from netcase.cliutil import DEFAULT_DB, DbOption

if TYPE_CHECKING:
    from netcase.disrupt.plan import DisruptionPlan


def _external_json(plan: DisruptionPlan, source: dict[str, Any], curves: bool) -> dict[str, Any]:
    """The external-graph JSON: every strategy's full order (labels) and R, then the pick."""
    label_of = {t.entity_id: t.label for t in plan.targets}
    data = plan.to_dict(curves=curves)
    data["graph"] = source
    for s in data["strategies"].values():
        s["order"] = [label_of.get(x, x) for x in s["order"]]
        s["R"] = s["robustness"]
    data["order"] = data["strategies"][plan.recommended]["order"]
    return data


def _print_plan(plan: DisruptionPlan, title: str) -> None:
    from rich.table import Table

    from netcase.cliutil import console

    console.print(f"[bold]{title}[/]: {plan.nodes} members, {plan.edges} ties, budget {plan.budget}, "
                  f"objective {plan.objective}")
    table = Table(title="Strategies (R: lower is better)")
    with_capacity = plan.capacity_before is not None
    cols = ["strategy", "R", "removals to <10%", "seconds"]
    if with_capacity:
        cols[3:3] = ["capacity after", "after recovery"]
    for col in cols:
        table.add_column(col, justify="left" if col == "strategy" else "right")
    for name, s in plan.strategies.items():
        mark = " ★" if name == plan.recommended else ""
        row = [name + mark, f"{s.robustness:.4f}", str(s.removals_to_10pct)]
        if with_capacity:
            row += [f"{s.capacity_after or 0:.0%}", f"{s.capacity_after_recovery or 0:.0%}"]
        table.add_row(*row, f"{s.seconds:.2f}")
    console.print(table)
    targets = Table(title=f"Targets ({plan.recommended})")
    for col in ("#", "target", "role", "country", "why", "flags"):
        targets.add_column(col)
    for t in plan.targets:
        targets.add_row(str(t.rank), t.label, t.role or "", t.country or "", t.reason, "; ".join(t.flags))
    console.print(targets)
    if plan.capacity_before is not None:
        console.print(
            f"Capacity (people moved on working corridors): before {plan.capacity_before:.0%}, right after "
            f"the arrests {plan.capacity_after:.0%}, after recovery {plan.capacity_after_recovery:.0%} "
            f"(rules: {plan.recovery_config})"
        )
    if plan.money is not None:
        m = plan.money
        money = Table(title=f"Seizures — cuts {m.share_cut:.0%} of {m.revenue:,.0f} ({m.method})")
        for col in ("seize", "amount through", "revenue cut", "statements"):
            money.add_column(col)
        for z in m.seizures:
            money.add_row(z.node, f"{z.amount_through:,.0f}", f"{z.revenue_cut:,.0f}", ", ".join(z.statement_ids[:5]))
        console.print(money)
    excluded = {k: len(v) for k, v in plan.excluded.items() if v}
    if plan.protected_count:
        excluded["protected (victims, migrants)"] = plan.protected_count
    if excluded:
        console.print("Never targeted or already removed: " + ", ".join(f"{k} {n}" for k, n in excluded.items()))
    for flag in plan.flags:
        console.print(f"[yellow]note:[/] {flag}")


def _print_plans(rows: list[dict[str, Any]]) -> None:
    from rich.table import Table

    from netcase.cliutil import console

    table = Table(title=f"Disruption plans ({len(rows)})")
    for col in ("plan", "made (UTC)", "by", "network / file", "graph run", "k", "objective", "R"):
        table.add_column(col, no_wrap=col in ("plan", "made (UTC)"))
    for r in rows:
        table.add_row(r["plan_id"], str(r["created_at"])[:16], r["made_by"], r["network_id"] or r["graph_file"],
                      r["graph_run"] or "", str(r["budget"]), r["objective"], f"{r['robustness']:.4f}")
    console.print(table)


def _store(db: str, as_user: str | None, plan: DisruptionPlan, inputs: dict[str, Any], graph_file: str) -> str:
    """Save a plan made on a graph file into ``db`` (opened for this), as the acting viewer."""
    from netcase.access.errors import AccessError
    from netcase.cliutil import fail, open_db
    from netcase.disrupt.plans import save_plan
    from netcase.graph.commands import viewer_of

    store = open_db(db)
    try:
        try:
            return save_plan(store, plan, viewer=viewer_of(store, as_user), inputs=inputs, graph_file=graph_file)
        except AccessError as exc:
            raise fail(str(exc), 3) from exc
    finally:
        store.close()


def _plans_command(db: str, as_user: str | None, plan_id: str | None, network: str | None, as_json: bool) -> None:
    """``netcase disrupt plans [PLAN_ID]``: list stored plans, or show one again."""
    from netcase.access.errors import AccessError
    from netcase.cliutil import console, emit_json, fail, open_db
    from netcase.disrupt.plans import list_plans, load_plan
    from netcase.graph.commands import viewer_of

    store = open_db(db, must_exist=True)
    try:
        viewer = viewer_of(store, as_user)
        try:
            if plan_id is None:
                rows = list_plans(store, viewer, network_id=network)
                if as_json:
                    emit_json(rows)
                else:
                    _print_plans(rows)
                return
            data = load_plan(store, viewer, plan_id)
        except AccessError as exc:
            raise fail(str(exc), 3) from exc
        except LookupError as exc:
            raise fail(str(exc)) from exc
    finally:
        store.close()
    if as_json:
        emit_json(data)
        return
    from netcase.disrupt.plan import plan_from_dict

    on = f"network {data['network_id']} (graph run {data['graph_run']})" if data["network_id"] else data["graph_file"]
    console.print(f"[bold]{plan_id}[/]: made {str(data['created_at'])[:19]} by {data['made_by']} "
                  f"({data['agency']}, {data['country']}) on {on}")
    _print_plan(plan_from_dict(data["result"]), on)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    @app.command()
    def disrupt(
        network_id: Annotated[
            str | None, typer.Argument(help="A stored network's id (with --db), or `plans` to list stored plans.")
        ] = None,
        plan_id: Annotated[str | None, typer.Argument(help="With `plans`: the stored plan to show again.")] = None,
        db: DbOption = DEFAULT_DB,
        as_user: Annotated[
            str | None,
            typer.Option("--as", envvar="NETCASE_USER", help="Account that plans (its access applies; recorded)."),
        ] = None,
        network: Annotated[str | None, typer.Option(help="With `plans`: only this network's plans.")] = None,
        save: Annotated[
            bool | None,
            typer.Option("--save/--no-save", help="Store the plan in --db (default: yes for a stored network, "
                         "no for --graph)."),
        ] = None,
        graph: Annotated[Path | None, typer.Option("--graph", help="Plan on this graph file instead.")] = None,
        graph_format: Annotated[
            str | None, typer.Option("--graph-format", help="edgelist, adjacency or graphml (default: guessed).")
        ] = None,
        labels: Annotated[Path | None, typer.Option(help="id,label CSV naming the nodes of an edge list.")] = None,
        budget: Annotated[int, typer.Option(help="People to arrest (k).")] = 5,
        accounts: Annotated[int | None, typer.Option(help="Accounts/collectors to seize (m).")] = None,
        objective: Annotated[str, typer.Option(help="connectivity or capacity.")] = "connectivity",
        protect: Annotated[list[str] | None, typer.Option(help="A label never to target (repeatable).")] = None,
        protect_matching: Annotated[
            list[str] | None, typer.Option(help="Never target labels containing this text (repeatable).")
        ] = None,
        recovery: Annotated[Path | None, typer.Option(help="Recovery rules (TOML); default: packaged.")] = None,
        curves: Annotated[bool, typer.Option(help="Include each strategy's curve in the JSON.")] = False,
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Plan arrests and seizures: key players, capacity, recovery and money chokepoints.

        Plans made for a stored network are stored with who made them and their inputs;
        `netcase disrupt plans` lists them and `netcase disrupt plans PLAN_ID` shows one again.
        """
        from netcase.cliutil import emit_json, fail

        if network_id == "plans":
            _plans_command(db, as_user, plan_id, network, as_json)
            return
        if plan_id is not None:
            raise fail(f"unexpected argument {plan_id!r} (a second argument only follows `plans`)")
        from netcase.disrupt.capacity import load_recovery_config
        from netcase.disrupt.io import GraphFormatError, read_graph
        from netcase.disrupt.plan import plan_disruption
        from netcase.disrupt.plans import plan_inputs

        if objective not in ("connectivity", "capacity"):
            raise fail(f"unknown objective {objective!r}: connectivity or capacity")
        if graph_format not in (None, "edgelist", "adjacency", "graphml"):
            raise fail(f"unknown graph format {graph_format!r}: edgelist, adjacency or graphml")
        if budget < 0:
            raise fail("--budget must be ≥ 0")
        try:
            cfg = load_recovery_config(recovery) if recovery else load_recovery_config()
        except (OSError, ValueError) as exc:
            raise fail(f"recovery rules: {exc}") from exc
        if graph is not None:
            if network_id is not None:
                raise fail("give either a NETWORK_ID or --graph, not both")
            try:
                g = read_graph(graph, graph_format, labels)  # type: ignore[arg-type]
            except GraphFormatError as exc:
                raise fail(str(exc)) from exc
            from unidecode import unidecode

            shield = set(protect or [])
            # Accent- and case-insensitive: "víctima" also matches "Victima reclutador 1".
            needles = [unidecode(t).lower() for t in protect_matching or []]
            g.vs["protected"] = [
                v["label"] in shield or any(t in unidecode(v["label"]).lower() for t in needles) for v in g.vs
            ]
            try:
                plan = plan_disruption(g, budget, objective=objective, recovery=cfg)  # type: ignore[arg-type]
            except ValueError as exc:
                raise fail(str(exc)) from exc
            source = {"file": str(graph), "format": graph_format or "guessed", "nodes": g.vcount(),
                      "edges": g.ecount()}
            if save:
                extra = {"graph": source, "protect": sorted(shield), "protect_matching": protect_matching or []}
                plan_id = _store(db, as_user, plan, plan_inputs(budget=budget, objective=objective, recovery=cfg,
                                                                 extra=extra), graph_file=str(graph))
                source["plan_id"] = plan_id
            if as_json:
                emit_json(_external_json(plan, source, curves))
            else:
                _print_plan(plan, str(graph))
            return
        if network_id is None:
            raise fail("give a NETWORK_ID (with --db) or --graph FILE")
        from netcase.access.errors import AccessError
        from netcase.cliutil import open_db
        from netcase.disrupt.plans import plan_network
        from netcase.graph.commands import viewer_of

        store = open_db(db, must_exist=True)
        try:
            viewer = viewer_of(store, as_user)
            try:
                made = plan_network(store, network_id, viewer=viewer, budget=budget, objective=objective,
                                    account_budget=accounts, recovery=cfg, save=save is not False)
            except AccessError as exc:
                raise fail(str(exc), 3) from exc
            except (LookupError, ValueError) as exc:
                raise fail(str(exc)) from exc
        finally:
            store.close()
        plan, stored = made.plan, made.plan_id
        if as_json:
            emit_json(made.to_dict(curves=curves))
        else:
            _print_plan(plan, f"network {network_id}")
            if stored:
                from netcase.cliutil import console

                console.print(f"stored as [bold]{stored}[/] (`netcase disrupt plans {stored}` shows it again)")
