"""``netcase networks``, ``network``, ``hubs``, ``path``, ``export networks``, ``export graph``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import typer

from netcase.cliutil import DbOption, console, emit_json, fail, open_db

AsOption = Annotated[
    str | None,
    typer.Option("--as", envvar="NETCASE_USER", help="Account that reads (its access applies)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Machine-readable output.")]


def viewer_of(store: Any, as_user: str | None) -> Any:
    """The viewer for a command: the named account, else the local operator of an embedded store."""
    from netcase.access.viewer import Viewer

    if as_user:
        from netcase.access.errors import AccessError
        from netcase.access.identity import viewer_for

        try:
            return viewer_for(store, as_user)
        except AccessError as exc:
            raise fail(str(exc), 3) from exc
    if store.table_exists("users") and store.scalar("SELECT count(*) FROM users"):
        raise fail("this store has user accounts: say who reads with --as USER (or NETCASE_USER)")
    try:
        from netcase.access.policy import EMBEDDED_ROLES

        return Viewer.local(roles=EMBEDDED_ROLES)
    except (ImportError, AttributeError):
        return Viewer.system()


def _ensure_built(store: Any, priority: str | None = None) -> None:
    from netcase.graph.build import build_networks

    if not store.scalar("SELECT count(*) FROM graph_runs"):
        console.print("[dim]no networks built yet: building[/]")
        build_networks(store, priority_file=priority, log=lambda m: console.print(f"[dim]{m}[/]"))


def _money(v: float) -> str:
    return f"${v / 1e6:.1f}M" if v >= 1e6 else f"${v / 1e3:.0f}k"


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    networks_app = typer.Typer(help="Networks: list by priority (default) or build.", invoke_without_command=True)

    @networks_app.callback()
    def networks(
        ctx: typer.Context, db: DbOption = "netcase.duckdb", as_user: AsOption = None, json_out: JsonOption = False,
        limit: Annotated[int, typer.Option(help="Rows to show.")] = 25,
    ) -> None:
        """Networks by priority (builds them first if never built)."""
        if ctx.invoked_subcommand:
            return
        from rich.table import Table

        from netcase.graph.read import list_networks

        store = open_db(db, must_exist=True)
        try:
            _ensure_built(store)
            rows = list_networks(store, viewer_of(store, as_user))
        finally:
            store.close()
        if json_out:
            emit_json(rows)
            return
        t = Table(title=f"Networks by priority ({len(rows)})")
        for c in ("rank", "network", "label", "size", "priority", "people moved", "harm", "revenue", "links", "trend", "last activity"):
            t.add_column(c, justify="right" if c in ("rank", "size", "priority", "people moved", "revenue") else "left")
        for r in rows[:limit]:
            h = r["harm"]
            harm = f"{h['deaths']}† {h['sexual_assaults']}sa {h['kidnappings']}k {h['extortions']}e"
            t.add_row(str(r["rank"]), r["network_id"], str(r["label"] or ""), str(r["size"]), f"{r['priority']:.1f}",
                      f"{r['people_moved']:,}", harm, _money(r["revenue"]), ",".join(r["links"]), r["trend"],
                      str(r["last_activity"] or ""))
        console.print(t)

    @networks_app.command("build")
    def build(
        db: DbOption = "netcase.duckdb",
        priority: Annotated[str | None, typer.Option(help="Priority weights (TOML) overriding the packaged ones.")] = None,
        quality: Annotated[str, typer.Option(help="Leiden objective: cpm (constant Potts) or modularity.")] = "cpm",
        resolution: Annotated[float | None, typer.Option(
            help="Leiden resolution (higher: smaller networks); default 0.03 for cpm, 2.0 for modularity.")] = None,
        json_out: JsonOption = False,
    ) -> None:
        """Build the graph, cut hubs, find networks, infer roles, assess; store one run."""
        from dataclasses import asdict, replace

        from netcase.graph.build import build_networks
        from netcase.graph.config import GraphConfig

        if quality not in ("cpm", "modularity"):
            raise typer.BadParameter(f"--quality must be cpm or modularity, not {quality!r}")
        cfg = GraphConfig(quality=quality)
        if resolution is not None:
            cfg = (replace(cfg, cpm_resolution=resolution) if quality == "cpm" else replace(cfg, resolution=resolution))
        store = open_db(db, must_exist=True)
        try:
            res = build_networks(store, config=cfg, priority_file=priority,
                                 log=None if json_out else (lambda m: console.print(f"[dim]{m}[/]")))
        finally:
            store.close()
        if json_out:
            emit_json(asdict(res))
        else:
            console.print(f"run {res.run_id}: {res.networks} networks, {res.persons:,} people, {res.links:,} links, "
                          f"{res.hubs} hubs cut, {res.seconds:.1f} s")

    app.add_typer(networks_app, name="networks")

    @app.command()
    def network(
        network_id: Annotated[str, typer.Argument(help="Network id, e.g. NET-0001.")],
        db: DbOption = "netcase.duckdb", as_user: AsOption = None, json_out: JsonOption = False,
    ) -> None:
        """One network: members with roles and evidence, factors with evidence, corridors, timeline."""
        from rich.table import Table

        from netcase.graph.read import network_detail

        store = open_db(db, must_exist=True)
        try:
            _ensure_built(store)
            d = network_detail(store, network_id, viewer_of(store, as_user))
        finally:
            store.close()
        if d is None:
            raise fail(f"no network {network_id}")
        if json_out:
            emit_json(d)
            return
        console.print(f"[bold]{d['network_id']}[/] {d['label'] or ''} — {d['visible_members']} members, priority {d['priority']:.1f}")
        t = Table(title="Members")
        for c in ("entity", "name", "role", "cell", "evidence"):
            t.add_column(c)
        for m in d["members"]:
            ev = "; ".join(f"{e['rule']} ({len(e['statements'])} st.)" for e in m["evidence"] if e["role"] == m["role"])
            t.add_row(m["entity_id"], str(m["label"] or ""), m["role"], str(m["cell"] or ""), ev)
        console.print(t)
        f = Table(title="Priority factors")
        for c in ("factor", "value", "weight", "contribution", "detail", "statements"):
            f.add_column(c)
        for name, v in d["factors"].items():
            f.add_row(name, str(v["value"]), str(v["weight"]), f"{v['contribution']:.2f}", v["detail"], str(v["statement_count"]))
        console.print(f)
        for c in d["corridors"]:
            console.print(f"corridor {c['corridor']}: {c['people_moved']} people on {c['trips']} trips, {len(c['members'])} members")
        console.print(f"districts: {', '.join(d['districts']) or '—'}; protected people linked: {d['protected_people'] or 'none'}")
        for ev in d["timeline"][-15:]:
            console.print(f"  {ev['date']} {ev['type'] or ev['schema']} {ev['harm'] or ''} {ev['migrants'] or ''}")

    @app.command()
    def hubs(db: DbOption = "netcase.duckdb", json_out: JsonOption = False) -> None:
        """Values and entities cut as hubs by the latest build, and why."""
        from rich.table import Table

        from netcase.graph.read import hubs as read_hubs

        store = open_db(db, must_exist=True)
        try:
            _ensure_built(store)
            rows = read_hubs(store)
        finally:
            store.close()
        if json_out:
            emit_json(rows)
            return
        t = Table(title=f"Hubs cut ({len(rows)})")
        for c in ("node", "type", "label", "people", "rule", "reason"):
            t.add_column(c)
        for r in rows:
            t.add_row(r["node_id"], r["node_type"], str(r["label"] or ""), str(r["people"]), r["rule"], r["reason"])
        console.print(t)

    @app.command()
    def path(
        entities: Annotated[list[str], typer.Argument(help="Two or more entity ids.")],
        db: DbOption = "netcase.duckdb", as_user: AsOption = None, json_out: JsonOption = False,
        max_hops: Annotated[int, typer.Option(help="Longest path searched.")] = 6,
    ) -> None:
        """Shortest paths between entities and the network connecting them, each link with evidence."""
        from netcase.graph.path import find_paths

        if len(entities) < 2:
            raise fail("give at least two entity ids")
        store = open_db(db, must_exist=True)
        try:
            _ensure_built(store)
            res = find_paths(store, viewer_of(store, as_user), entities, max_hops=max_hops)
        finally:
            store.close()
        if json_out:
            emit_json(res)
            return
        labels = {n["id"]: n["label"] for n in res["nodes"]}
        for p in res["paths"]:
            if p["length"] is None:
                console.print(f"[yellow]no path[/] {p['from']} → {p['to']} within {max_hops} links")
                continue
            console.print(f"[bold]{p['from']} → {p['to']}[/]: {p['length']} links")
            for link in p["links"]:
                console.print(f"  {labels.get(link['from'], link['from'])} —{link['kind']}→ "
                              f"{labels.get(link['to'], link['to'])}  [dim]({link['count']} st., e.g. {link['statement']})[/]")
        if res["missing"]:
            console.print(f"[yellow]not in the graph:[/] {', '.join(res['missing'])}")

    export = groups["export"]

    @export.command("networks")
    def export_networks(
        out: Annotated[Path, typer.Option("--out", help="CSV file: entity_id,network_id,role.")],
        db: DbOption = "netcase.duckdb", as_user: AsOption = None,
    ) -> None:
        """Network membership and roles as CSV."""
        from netcase.graph.export import export_members

        store = open_db(db, must_exist=True)
        try:
            _ensure_built(store)
            n = export_members(store, viewer_of(store, as_user), out)
        finally:
            store.close()
        console.print(f"{n:,} members written to {out}")

    @export.command("graph")
    def export_graph_cmd(
        out: Annotated[Path, typer.Option("--out", help="File (graphml, gexf, ftm) or folder (i2, neo4j).")],
        fmt: Annotated[str, typer.Option("--format", help="graphml, gexf, ftm, i2 or neo4j.")] = "graphml",
        network_id: Annotated[str | None, typer.Option("--network", help="Only this network.")] = None,
        db: DbOption = "netcase.duckdb", as_user: AsOption = None,
    ) -> None:
        """The typed graph (people, values, events) for Gephi, FtM tools, i2 or Neo4j."""
        from netcase.graph.export import FORMATS, export_graph

        if fmt not in FORMATS:
            raise fail(f"--format must be one of {', '.join(FORMATS)}")
        store = open_db(db, must_exist=True)
        try:
            _ensure_built(store)
            res = export_graph(store, viewer_of(store, as_user), fmt, out, network_id)
        finally:
            store.close()
        console.print(f"{fmt}: " + ", ".join(f"{k} {v}" for k, v in res.items() if k not in ("format", "files"))
                      + f" → {', '.join(res['files'])}")
