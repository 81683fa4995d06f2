"""Exports of networks and of the typed graph: CSV of members, GraphML, GEXF, FtM JSON lines,
CSV for i2 Analyst's Notebook and for Neo4j's bulk importer (formats in docs/interchange.md).

Protected people (victims, migrants) and hubs are left out of every graph export: an export leaves
the system's access control, so it carries only targets and what links them.
"""

from __future__ import annotations

import csv
import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import igraph as ig
import numpy as np

from netcase.access.viewer import Viewer
from netcase.graph.config import VALUE_TYPES
from netcase.graph.load import (
    CHUNK,
    Edges,
    canonical_statements,
    fetch,
    iso_day,
    load_edges,
    load_edges_around,
    load_nodes,
)
from netcase.graph.project import is_value_node
from netcase.graph.read import _visible, hub_ids
from netcase.store import Store

FORMATS = ("graphml", "gexf", "ftm", "i2", "neo4j")


def export_members(store: Store, viewer: Viewer, out: Path) -> int:
    """``entity_id,network_id,role`` for every member the viewer may see; returns rows written."""
    rows = store.query("SELECT entity_id, network_id, role FROM network_members ORDER BY network_id, entity_id")
    seen = _visible(store, viewer, sorted({r[0] for r in rows}))
    n = 0
    with out.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["entity_id", "network_id", "role"])
        for r in rows:
            if r[0] in seen:
                w.writerow(r)
                n += 1
    return n


def _scope(store: Store, viewer: Viewer, network_id: str | None) -> tuple[Edges, dict[str, dict[str, Any]]]:
    """Edges and node attributes of the export: one network and what links its members, or all."""
    members: dict[str, tuple[str, str]] = {
        r[0]: (r[1], r[2]) for r in store.query("SELECT entity_id, network_id, role FROM network_members"
                                               + (" WHERE network_id = ?" if network_id else ""),
                                               (network_id,) if network_id else ())}
    if network_id:
        seeds = sorted(_visible(store, viewer, sorted(members)))
        edges = load_edges_around(store, viewer, seeds, hops=1) if seeds else Edges.empty()
    else:
        edges = load_edges(store, viewer)
    ent = sorted({n for n in set(edges.src.tolist()) | set(edges.dst.tolist()) if not is_value_node(n)})
    info = load_nodes(store, viewer, ent)
    drop = hub_ids(store) | set(info.protected)
    if network_id:
        # Other people reached through an object are kept only if they are members too.
        drop |= {n for n in ent if info.schema.get(n) == "Person" and n not in members}
    if len(edges):
        keep = np.array([s not in drop and d not in drop for s, d in zip(edges.src, edges.dst, strict=True)], dtype=bool)
        edges = Edges(*(getattr(edges, f)[keep] for f in ("src", "dst", "kind", "count", "last_seen", "sample")))
    nodes: dict[str, dict[str, Any]] = {}
    for n in sorted(set(edges.src.tolist()) | set(edges.dst.tolist())):
        if is_value_node(n):
            t, v = n.split(":", 1)
            nodes[n] = {"type": t, "label": v, "network": "", "role": ""}
        else:
            net, role = members.get(n, ("", ""))
            nodes[n] = {"type": info.schema.get(n, "Thing"), "label": info.label.get(n, n), "network": net, "role": role}
    return edges, nodes


def _igraph(edges: Edges, nodes: dict[str, dict[str, Any]]) -> ig.Graph:
    names = list(nodes)
    idx = {n: i for i, n in enumerate(names)}
    g = ig.Graph(n=len(names), edges=[(idx[s], idx[d]) for s, d in zip(edges.src, edges.dst, strict=True)], directed=True)
    g.vs["name"] = names
    for attr in ("type", "label", "network", "role"):
        g.vs[attr] = [str(nodes[n][attr]) for n in names]
    g.es["kind"] = [str(k) for k in edges.kind]
    g.es["count"] = [int(c) for c in edges.count]
    g.es["last_seen"] = [iso_day(d) for d in edges.last_seen]
    g.es["statement"] = [str(s) for s in edges.sample]
    return g


def _ftm(store: Store, viewer: Viewer, nodes: dict[str, dict[str, Any]], out: Path) -> int:
    """FtM entities (canonical ids) assembled from the viewer's statements; values stay properties."""
    from followthemoney import model

    ids = [n for n in nodes if not is_value_node(n)]
    props: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    schema: dict[str, str] = {}
    for i in range(0, len(ids), CHUNK):
        chunk = ids[i : i + CHUNK]
        marks = ", ".join("?" for _ in chunk)
        cs, params = canonical_statements(viewer, f"s.prop NOT LIKE 'nc:%' AND coalesce(r.canonical_id, s.entity_id) IN ({marks})", chunk)
        cols = fetch(store, f"WITH cs AS ({cs}) SELECT cid, schema, prop, vcid FROM cs ORDER BY cid, prop, vcid", params)
        for cid, sch, prop, v in zip(cols["cid"], cols["schema"], cols["prop"], cols["vcid"], strict=True):
            schema.setdefault(cid, sch)
            props[cid][prop].append(v)
    n = 0
    with out.open("w", encoding="utf-8") as fh:
        for cid in ids:
            if cid not in schema:
                continue
            proxy = model.make_entity(schema[cid])
            proxy.id = cid
            for prop, values in props[cid].items():
                for v in values:
                    p = proxy.schema.get(prop)
                    if p is not None and p.type.name == "entity" and v not in schema:
                        continue  # a link to something outside the export (a hub, a victim)
                    proxy.add(prop, v, quiet=True)
            fh.write(json.dumps(proxy.to_dict(), ensure_ascii=False, sort_keys=True) + "\n")
            n += 1
    return n


def export_graph(store: Store, viewer: Viewer, fmt: str, out: Path, network_id: str | None = None) -> dict[str, Any]:
    """Write the graph (one network's, or all) in ``fmt``; returns what was written."""
    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}; one of {', '.join(FORMATS)}")
    edges, nodes = _scope(store, viewer, network_id)
    if fmt == "graphml":
        _igraph(edges, nodes).write_graphml(str(out))
        return {"format": fmt, "nodes": len(nodes), "edges": len(edges), "files": [str(out)]}
    if fmt == "gexf":
        import networkx as nx

        G = nx.MultiDiGraph()
        for n, a in nodes.items():
            G.add_node(n, **{k: str(v) for k, v in a.items()})
        for s, d, k, c, last, sid in zip(edges.src, edges.dst, edges.kind, edges.count, edges.last_seen, edges.sample, strict=True):
            G.add_edge(s, d, kind=str(k), weight=int(c), last_seen=iso_day(last), statement=str(sid))
        nx.write_gexf(G, str(out))
        return {"format": fmt, "nodes": len(nodes), "edges": len(edges), "files": [str(out)]}
    if fmt == "ftm":
        written = _ftm(store, viewer, nodes, out)
        return {"format": fmt, "entities": written, "files": [str(out)]}
    out.mkdir(parents=True, exist_ok=True)
    if fmt == "i2":
        ent_path, link_path = out / "entities.csv", out / "links.csv"
        with ent_path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Entity ID", "Entity Type", "Label", "Network", "Role"])
            for n, a in nodes.items():
                w.writerow([n, a["type"], a["label"], a["network"], a["role"]])
        with link_path.open("w", newline="", encoding="utf-8") as fh:
            w = csv.writer(fh)
            w.writerow(["Link ID", "From ID", "From Type", "To ID", "To Type", "Link Type", "Count", "Last Seen", "Statement ID"])
            for k, (s, d, kind, c, last, sid) in enumerate(zip(edges.src, edges.dst, edges.kind, edges.count, edges.last_seen, edges.sample, strict=True)):
                w.writerow([f"L{k + 1}", s, nodes[s]["type"], d, nodes[d]["type"], kind, int(c), iso_day(last), sid])
        return {"format": fmt, "nodes": len(nodes), "edges": len(edges), "files": [str(ent_path), str(link_path)]}
    # neo4j-admin database import: nodes.csv and relationships.csv with :ID/:LABEL and :START_ID/:END_ID/:TYPE.
    node_path, rel_path = out / "nodes.csv", out / "relationships.csv"
    with node_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(["id:ID", "name", "network", "role", ":LABEL"])
        for n, a in nodes.items():
            label = a["type"] if a["type"] not in VALUE_TYPES else a["type"].capitalize()
            w.writerow([n, a["label"], a["network"], a["role"], f"{label};{'Value' if is_value_node(n) else 'Entity'}"])
    with rel_path.open("w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow([":START_ID", ":END_ID", ":TYPE", "count:int", "last_seen", "statement"])
        for s, d, kind, c, last, sid in zip(edges.src, edges.dst, edges.kind, edges.count, edges.last_seen, edges.sample, strict=True):
            rel = str(kind).split(".", 1)[1].replace("nc:", "").upper()
            w.writerow([s, d, rel, int(c), iso_day(last), sid])
    return {"format": fmt, "nodes": len(nodes), "edges": len(edges), "files": [str(node_path), str(rel_path)]}
