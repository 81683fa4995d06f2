"""Find Path / Find Connecting Network (as in i2 Analyst's Notebook) on the typed graph.

Shortest paths (fewest links) between entities through people, phones, accounts, vehicles,
addresses and events, read around the given entities from the statements the viewer may see.
Hubs cut by the build and protected people are never used as stepping stones: a shared shelter
phone or a victim connects nobody.
"""

from __future__ import annotations

from itertools import combinations
from typing import Any

import igraph as ig

from netcase.access.viewer import Viewer
from netcase.graph.load import Edges, load_edges_around, load_nodes
from netcase.graph.project import is_value_node
from netcase.graph.read import hub_ids
from netcase.store import Store


def _graph(edges: Edges) -> tuple[ig.Graph, dict[str, int]]:
    names = sorted(set(edges.src.tolist()) | set(edges.dst.tolist()))
    idx = {n: i for i, n in enumerate(names)}
    g = ig.Graph(n=len(names), edges=[(idx[s], idx[d]) for s, d in zip(edges.src, edges.dst, strict=True)], directed=False)
    g.vs["name"] = names
    g.es["kind"] = list(edges.kind)
    g.es["count"] = [int(c) for c in edges.count]
    g.es["sample"] = list(edges.sample)
    return g, idx


def find_paths(store: Store, viewer: Viewer, entities: list[str], max_hops: int = 6) -> dict[str, Any]:
    """Shortest paths between every pair of ``entities`` and their union (the connecting network).

    Returns ``{"paths": [{"from", "to", "length", "links": [{"from", "to", "kind", "count",
    "statement"}]}], "nodes": [{"id", "type", "label"}], "missing": [...]}``."""
    hubs = hub_ids(store)
    radius = max(1, (max_hops + 1) // 2)
    edges = load_edges_around(store, viewer, entities, hops=radius + 1)
    ent = sorted({n for n in set(edges.src.tolist()) | set(edges.dst.tolist()) if not is_value_node(n)})
    info = load_nodes(store, viewer, ent)
    blocked = (hubs | set(info.protected)) - set(entities)
    if len(edges):
        import numpy as np

        keep = np.array([s not in blocked and d not in blocked for s, d in zip(edges.src, edges.dst, strict=True)], dtype=bool)
        edges = Edges(*(getattr(edges, f)[keep] for f in ("src", "dst", "kind", "count", "last_seen", "sample")))
    g, idx = _graph(edges)
    missing = [e for e in entities if e not in idx]
    paths: list[dict[str, Any]] = []
    used: set[int] = set()
    for a, b in combinations([e for e in entities if e in idx], 2):
        vp = g.get_shortest_paths(idx[a], to=idx[b], output="vpath")[0]
        if not vp or len(vp) - 1 > max_hops:
            paths.append({"from": a, "to": b, "length": None, "links": []})
            continue
        used |= set(vp)
        links = []
        for u, v in zip(vp, vp[1:], strict=False):
            e = g.es[g.get_eid(u, v)]
            links.append({"from": g.vs[u]["name"], "to": g.vs[v]["name"], "kind": e["kind"],
                          "count": e["count"], "statement": e["sample"]})
        paths.append({"from": a, "to": b, "length": len(vp) - 1, "links": links})
    nodes = []
    for i in sorted(used):
        n = g.vs[i]["name"]
        t = n.split(":", 1)[0] if is_value_node(n) else info.schema.get(n, "Thing")
        nodes.append({"id": n, "type": t, "label": n.split(":", 1)[1] if is_value_node(n) else info.label.get(n, n)})
    return {"paths": paths, "nodes": nodes, "missing": missing}
