"""Reads for people: networks, one network, its graph, corridors and payments — all from what the
viewer may see. Membership is the build's analytic product; every fact, link and count shown is
recomputed from the statements the viewer may read (``statement_filter``)."""

from __future__ import annotations

import json
from collections import defaultdict
from typing import Any

import igraph as ig
import numpy as np

from netcase.access.viewer import Viewer
from netcase.graph.config import GraphConfig
from netcase.graph.facts import Facts, load_facts
from netcase.graph.load import (
    ID_CHUNK,
    Edges,
    canonical_statements,
    fetch,
    in_list,
    load_edges_around,
    load_nodes,
)
from netcase.graph.project import is_value_node, project
from netcase.graph.roles import MemberLinks
from netcase.store import Store


def _members(store: Store, network_id: str) -> list[dict[str, Any]]:
    return store.query_dicts(
        "SELECT entity_id, cell, role, role_score, strength, evidence FROM network_members "
        "WHERE network_id = ? ORDER BY strength DESC, entity_id", (network_id,))


def _visible(store: Store, viewer: Viewer, ids: list[str]) -> set[str]:
    return set(load_nodes(store, viewer, ids).schema)


def hub_ids(store: Store) -> set[str]:
    return {r[0] for r in store.query("SELECT node_id FROM graph_hubs")}


def _drop(edges: Edges, nodes: set[str]) -> Edges:
    if not nodes or not len(edges):
        return edges
    keep = np.array([s not in nodes and d not in nodes for s, d in zip(edges.src, edges.dst, strict=True)], dtype=bool)
    return Edges(*(getattr(edges, f)[keep] for f in ("src", "dst", "kind", "count", "last_seen", "sample")))


def network_exists(store: Store, network_id: str) -> bool:
    return bool(store.scalar("SELECT count(*) FROM networks WHERE network_id = ?", (network_id,)))


def network_graph(
    store: Store, network_id: str, viewer: Viewer, *, include_protected: bool = False,
    config: GraphConfig | None = None,
) -> ig.Graph:
    """One network's person graph, for disruption analysis and drawing.

    Vertices: the members the viewer may see — attributes ``name`` (canonical entity id),
    ``label``, ``role``, ``cell``, ``protected`` (bool), ``custody`` (bool), ``country`` (ISO alpha-3
    or None). Edges: attribute ``weight`` (shared phones, accounts, vehicles, trips, calls,
    payments, weighted as in the build, hubs cut). With ``include_protected`` the victims and
    migrants linked to the network are added with ``protected=True`` and ``role`` 'victim' or
    'migrant', so a caller can show them; they carry no links to rank on and must never be targets.
    """
    cfg = config or GraphConfig()
    rows = _members(store, network_id)
    roles = {r["entity_id"]: r for r in rows}
    seeds = _visible(store, viewer, list(roles))
    hubs = hub_ids(store)
    edges = _drop(load_edges_around(store, viewer, sorted(seeds), hops=2), hubs) if seeds else Edges.empty()
    ent_ids = sorted({n for n in np.concatenate([edges.src, edges.dst]).tolist() if not is_value_node(n)} | seeds)
    info = load_nodes(store, viewer, ent_ids)
    protected_ids: list[str] = []
    if include_protected:
        protected_ids = [r[0] for r in store.query(
            "SELECT DISTINCT entity_id FROM network_protected WHERE network_id = ? ORDER BY entity_id", (network_id,))]
        protected_ids = [p for p in protected_ids if p in info.protected or p in _visible(store, viewer, [p])]
    proj = project(edges, info, cfg)
    names = sorted(seeds)
    idx = {p: i for i, p in enumerate(proj.persons)}
    sel = [idx[n] for n in names if n in idx]
    sub = proj.weights[sel][:, sel].tocoo() if sel else None
    pos = {n: k for k, n in enumerate(n for n in names if n in idx)}
    order = [n for n in names if n in idx] + [n for n in names if n not in idx]
    remap = {n: i for i, n in enumerate(order)}
    g = ig.Graph(n=len(order) + len(protected_ids), directed=False)
    all_names = order + protected_ids
    g.vs["name"] = all_names
    g.vs["label"] = [info.label.get(n, n) for n in all_names]
    g.vs["role"] = [roles[n]["role"] if n in roles else info.protected.get(n, "migrant") for n in all_names]
    g.vs["cell"] = [roles[n]["cell"] if n in roles else None for n in all_names]
    g.vs["protected"] = [n in protected_ids for n in all_names]
    g.vs["custody"] = [bool(info.custody.get(n)) and str(info.custody.get(n)).lower() in ("arrested", "detained", "true", "yes", "si", "sí") for n in all_names]
    g.vs["country"] = [info.country.get(n) for n in all_names]
    if sub is not None:
        inv = {k: n for n, k in pos.items()}
        es = [(remap[inv[i]], remap[inv[j]]) for i, j in zip(sub.row, sub.col, strict=True) if i < j]
        ws = [float(w) for i, j, w in zip(sub.row, sub.col, sub.data, strict=True) if i < j]
        g.add_edges(es)
        g.es["weight"] = ws
    return g


def _network_facts(store: Store, network_id: str, viewer: Viewer) -> dict[str, Facts]:
    objs = [r[0] for r in store.query("SELECT object_id FROM network_objects WHERE network_id = ?", (network_id,))]
    return load_facts(store, viewer, objs)


def _member_links(store: Store, viewer: Viewer, members: list[str]) -> dict[str, MemberLinks]:
    edges = load_edges_around(store, viewer, members, hops=1) if members else Edges.empty()
    ms = set(members)
    links: dict[str, MemberLinks] = defaultdict(MemberLinks)
    for s, d, k, n, sid in zip(edges.src, edges.dst, edges.kind, edges.count, edges.sample, strict=True):
        if s in ms:
            links[s].links.append((k, d, int(n), sid))
        if d in ms:
            links[d].links.append((k, s, int(n), sid))
    return links


def network_corridors(store: Store, network_id: str, viewer: Viewer) -> list[dict[str, Any]]:
    """Corridors the network serves: ``corridor``, ``people_moved``, ``trips``, ``members`` (ids of
    members on those trips, directly or through their vehicle), ``statements``."""
    facts = _network_facts(store, network_id, viewer)
    members = sorted(_visible(store, viewer, [r["entity_id"] for r in _members(store, network_id)]))
    return corridors_of(facts, _member_links(store, viewer, members))


def corridors_of(facts: dict[str, Facts], links: dict[str, MemberLinks]) -> list[dict[str, Any]]:
    """The corridors of ``network_corridors`` from facts and member links already loaded."""
    vehicles_of: dict[str, set[str]] = defaultdict(set)
    on: dict[str, set[str]] = defaultdict(set)
    for m, ml in links.items():
        for _k, o, _n, _s in ml.links:
            on[o].add(m)
            vehicles_of[m].add(o)
    trip_vehicle: dict[str, set[str]] = defaultdict(set)
    for oid, f in facts.items():
        for v in f.values("vehicle"):
            trip_vehicle[oid].add(v)
    out: dict[str, dict[str, Any]] = {}
    for oid, f in facts.items():
        for corridor in f.values("nc:corridor") or ([] if f.schema != "Trip" else ["unknown"]):
            c = out.setdefault(corridor, {"corridor": corridor, "people_moved": 0, "trips": 0, "members": set(), "statements": []})
            c["trips"] += 1
            c["people_moved"] += int(f.number("nc:migrantCount"))
            c["members"] |= on.get(oid, set())
            c["statements"] += f.ids("nc:corridor") + f.ids("nc:migrantCount")
    for c in out.values():
        c["members"] = sorted(c["members"])
    return sorted(out.values(), key=lambda c: -c["people_moved"])


def network_payments(store: Store, network_id: str, viewer: Viewer) -> list[dict[str, Any]]:
    """Payments touching the network: ``payment_id``, ``payer``, ``beneficiary``, ``payer_account``,
    ``beneficiary_account`` (canonical ids), ``amount`` (float or None), ``date``, ``statement_id``."""
    objs = [r[0] for r in store.query(
        "SELECT object_id FROM network_objects WHERE network_id = ? AND schema = 'Payment'", (network_id,))]
    out: dict[str, dict[str, Any]] = {}
    for i in range(0, len(objs), ID_CHUNK):
        chunk = objs[i : i + ID_CHUNK]
        cs, params = canonical_statements(
            viewer, f"s.prop IN ('payer', 'beneficiary', 'payerAccount', 'beneficiaryAccount', 'amount', 'amountUsd', 'date') "
            f"AND {in_list('coalesce(r.canonical_id, s.entity_id)')}", [chunk], of=chunk)
        cols = fetch(store, f"WITH cs AS ({cs}) SELECT cid, prop, vcid, id FROM cs ORDER BY cid, prop, id", params)
        for cid, prop, v, sid in zip(cols["cid"], cols["prop"], cols["vcid"], cols["id"], strict=True):
            p = out.setdefault(cid, {"payment_id": cid, "payer": None, "beneficiary": None, "payer_account": None,
                                     "beneficiary_account": None, "amount": None, "date": None, "statement_id": sid})
            key = {"payerAccount": "payer_account", "beneficiaryAccount": "beneficiary_account", "amountUsd": "amount"}.get(prop, prop)
            if key == "amount":
                try:
                    p["amount"] = float(v)
                    p["statement_id"] = sid
                except ValueError:
                    pass
            elif p.get(key) is None:
                p[key] = v
    return [out[k] for k in sorted(out)]


def list_networks(store: Store, viewer: Viewer) -> list[dict[str, Any]]:
    """Networks of the latest run by priority: id, label, size, priority, rank, headline factors.
    For a viewer other than the system, sizes count only members they may see and networks with
    none are left out."""
    rows = store.query_dicts(
        "SELECT n.network_id, n.label, n.size, a.priority, a.rank, a.factors FROM networks n "
        "JOIN network_assessments a ON a.network_id = n.network_id WHERE n.status = 'active' ORDER BY a.rank")
    if not viewer.is_system:
        mem: dict[str, list[str]] = defaultdict(list)
        for nid, eid in store.query("SELECT network_id, entity_id FROM network_members"):
            mem[nid].append(eid)
        seen = _visible(store, viewer, sorted({e for v in mem.values() for e in v}))
        kept = []
        for r in rows:
            n = sum(1 for e in mem[r["network_id"]] if e in seen)
            if n:
                r["size"] = n
                kept.append(r)
        rows = kept
    out = []
    for r in rows:
        f = json.loads(r.pop("factors"))
        r["people_moved"] = f["people_moved"]["value"]
        r["harm"] = f["harm"]["value"]
        r["revenue"] = f["revenue"]["value"]
        r["trend"] = f["trend"]["value"]
        r["last_activity"] = f["recency"]["value"]
        r["links"] = [k for k, v in f["links"]["value"].items() if v]
        out.append(r)
    return out


def network_detail(store: Store, network_id: str, viewer: Viewer) -> dict[str, Any] | None:
    """One network: members with roles and evidence, factors with evidence (recomputed from what the
    viewer may see), corridors, districts, timeline, protected people (counted, never listed)."""
    from netcase.assess.score import assess_network, load_priority, priority

    head = store.query_dicts("SELECT network_id, label, status, size, first_run, last_run FROM networks WHERE network_id = ?", (network_id,))
    if not head:
        return None
    rows = _members(store, network_id)
    info = load_nodes(store, viewer, [r["entity_id"] for r in rows])
    visible = set(info.schema)
    facts = _network_facts(store, network_id, viewer)
    links = _member_links(store, viewer, sorted(visible))
    members = []
    for r in rows:
        if r["entity_id"] not in visible:
            continue
        ev = json.loads(r["evidence"])
        members.append({"entity_id": r["entity_id"], "label": info.label.get(r["entity_id"]), "role": r["role"],
                        "role_score": r["role_score"], "cell": r["cell"], "strength": round(r["strength"], 3),
                        "evidence": ev})
    if not viewer.is_system:
        # Evidence lists only statements this viewer may read.
        ids = sorted({s for m in members for e in m["evidence"] for s in e["statements"]})
        ok = _readable_ids(store, viewer, ids)
        for m in members:
            for e in m["evidence"]:
                e["statements"] = [s for s in e["statements"] if s in ok]
            # A rule whose statements the viewer may not read is not shown (its wording would
            # reveal what they cannot see).
            m["evidence"] = [e for e in m["evidence"] if e["statements"]]
    newest = store.scalar("SELECT max(observed) FROM statements")
    factors = assess_network(list(facts), facts, sorted(visible), links, newest, load_priority())
    prot = store.query("SELECT category, count(DISTINCT entity_id) FROM network_protected WHERE network_id = ? GROUP BY category ORDER BY category", (network_id,))
    timeline = []
    for oid, f in facts.items():
        d = f.first("date") or f.first("startDate")
        if f.schema in ("Trip", "Event", "Call", "Payment") and d:
            timeline.append({"date": d[:10], "object_id": oid, "schema": f.schema, "type": f.first("nc:eventType"),
                             "harm": f.first("nc:harmType"), "migrants": int(f.number("nc:migrantCount")) or None,
                             "corridor": f.first("nc:corridor"), "district": f.first("nc:district"),
                             "statements": f.ids("date") + f.ids("startDate")})
    timeline.sort(key=lambda t: (t["date"], t["object_id"]))
    return {
        **head[0], "visible_members": len(members), "priority": priority(factors),
        "factors": {k: v.as_dict() for k, v in factors.items()},
        "members": members,
        "corridors": corridors_of(facts, links),
        "districts": factors["reach"].value["districts"],
        "protected_people": {c: int(n) for c, n in prot},
        "timeline": timeline,
    }


def _readable_ids(store: Store, viewer: Viewer, ids: list[str]) -> set[str]:
    from netcase.access.policy import statement_filter

    out: set[str] = set()
    cond, params = statement_filter(viewer, "s")
    for i in range(0, len(ids), ID_CHUNK):
        chunk = ids[i : i + ID_CHUNK]
        out |= {r[0] for r in store.query(f"SELECT s.id FROM statements s WHERE {cond} AND {in_list('s.id')}", [*params, chunk])}
    return out


def hubs(store: Store) -> list[dict[str, Any]]:
    """Hubs cut by the latest build, most far-reaching first, with the rule and reason."""
    return store.query_dicts("SELECT node_id, node_type, label, people, communities, rule, reason, action "
                             "FROM graph_hubs ORDER BY people DESC, node_id")
