"""Reads for people: networks, one network, its graph, corridors and payments — all from what the
viewer may see. Membership is the build's analytic product; every fact, link and count shown is
recomputed from the statements the viewer may read (``statement_filter``)."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import igraph as ig
import numpy as np

from netcase.access.viewer import Viewer
from netcase.graph.config import GraphConfig
from netcase.graph.facts import FACT_PROPS, Facts, load_facts
from netcase.graph.load import (
    ID_CHUNK,
    Edges,
    NodeInfo,
    canonical_statements,
    fetch,
    in_list,
    load_edges_around,
    load_nodes,
)
from netcase.graph.project import is_value_node, project
from netcase.graph.roles import MemberLinks
from netcase.model.statement import statement_id_filter
from netcase.store import Store


def _members(store: Store, network_id: str) -> list[dict[str, Any]]:
    return store.query_dicts(
        "SELECT entity_id, cell, role, role_score, strength, evidence FROM network_members "
        "WHERE network_id = ? ORDER BY strength DESC, entity_id", (network_id,))


def _visible(store: Store, viewer: Viewer, ids: list[str]) -> set[str]:
    return set(load_nodes(store, viewer, ids).schema)


def hub_ids(store: Store) -> set[str]:
    return {r[0] for r in store.query("SELECT node_id FROM graph_hubs")}


def drop_nodes(edges: Edges, nodes: set[str]) -> Edges:
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
    return network_graph_parts(store, network_id, viewer, include_protected=include_protected, config=config)[0]


def network_graph_parts(
    store: Store, network_id: str, viewer: Viewer, *, include_protected: bool = False,
    config: GraphConfig | None = None,
) -> tuple[ig.Graph, Edges, NodeInfo]:
    """``network_graph`` with what it was read from: the links within two hops of the visible
    members (hubs not cut) and the node info of the members and of every entity on those links
    but the hubs' (what the projection weighs), so that a caller drawing the network needs no
    second read of the same links."""
    cfg = config or GraphConfig()
    rows = _members(store, network_id)
    roles = {r["entity_id"]: r for r in rows}
    seed_info = load_nodes(store, viewer, list(roles))
    seeds = set(seed_info.schema)
    hubs = hub_ids(store)
    around = load_edges_around(store, viewer, sorted(seeds), hops=2) if seeds else Edges.empty()
    edges = drop_nodes(around, hubs)
    ent_ids = sorted({n for n in np.concatenate([edges.src, edges.dst]).tolist() if not is_value_node(n)} - seeds)
    # The members' info is read once (an entity's info depends only on its own statements).
    info = _merge(seed_info, load_nodes(store, viewer, ent_ids))
    protected_ids: list[str] = []
    if include_protected:
        protected_ids = [r[0] for r in store.query(
            "SELECT DISTINCT entity_id FROM network_protected WHERE network_id = ? ORDER BY entity_id", (network_id,))]
        protected_ids = [p for p in protected_ids if p in info.protected or p in _visible(store, viewer, [p])]
    return person_graph(roles, seeds, edges, info, cfg, protected_ids), around, info


def person_graph(roles: dict[str, dict[str, Any]], seeds: set[str], edges: Edges, info: NodeInfo, cfg: GraphConfig,
                 protected_ids: list[str] | None = None) -> ig.Graph:
    """The graph of ``network_graph`` from what it is read from: the network's member rows by id,
    the visible members, the links within two hops of them with hubs cut, their node info."""
    protected_ids = protected_ids or []
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


def _merge(a: NodeInfo, b: NodeInfo) -> NodeInfo:
    """The node info of two disjoint sets of entities, as one read of both would give it."""
    dates = [d for d in (a.last_date, b.last_date) if d is not None]
    return NodeInfo({**a.schema, **b.schema}, {**a.label, **b.label}, {**a.protected, **b.protected},
                    {**a.custody, **b.custody}, {**a.country, **b.country}, max(dates) if dates else None)


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
    return network_details(store, viewer, [network_id]).get(network_id)


def network_details(store: Store, viewer: Viewer, network_ids: Sequence[str] | None = None) -> dict[str, dict[str, Any]]:
    """``network_detail`` of many networks (``None``: every active one) with one read of each kind
    for all of them: the members' node info, the objects' facts, the members' links and the
    evidence's readability are each one pass over the statements, whatever the number of networks,
    where one network at a time costs those passes per network. Each answer is the one
    ``network_detail`` gives for that network alone; networks that do not exist are left out."""
    from netcase.assess.score import assess_network, load_priority, priority

    cols = "network_id, label, status, size, first_run, last_run"
    if network_ids is None:
        heads = store.query_dicts(f"SELECT {cols} FROM networks WHERE status = 'active' ORDER BY network_id")
    else:
        heads = store.query_dicts(f"SELECT {cols} FROM networks WHERE {in_list('network_id')} ORDER BY network_id",
                                  [list(network_ids)])
    if not heads:
        return {}
    nids = [h["network_id"] for h in heads]
    rows_of: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in store.query_dicts(
            "SELECT network_id, entity_id, cell, role, role_score, strength, evidence FROM network_members "
            f"WHERE {in_list('network_id')} ORDER BY network_id, strength DESC, entity_id", [nids]):
        rows_of[r.pop("network_id")].append(r)
    objs_of: dict[str, list[str]] = defaultdict(list)
    for nid, oid in store.query(f"SELECT network_id, object_id FROM network_objects WHERE {in_list('network_id')}",
                                [nids]):
        objs_of[str(nid)].append(str(oid))
    everyone = sorted({r["entity_id"] for rows in rows_of.values() for r in rows})
    info = load_nodes(store, viewer, everyone)
    visible = set(info.schema)
    facts = _facts_of(store, viewer, sorted({o for objs in objs_of.values() for o in objs}))
    links = _member_links(store, viewer, sorted(visible & set(everyone)))
    ok: set[str] | None = None
    if not viewer.is_system:
        # Evidence lists only statements this viewer may read.
        ok = _readable_ids(store, viewer, sorted({s for rows in rows_of.values() for r in rows if r["entity_id"] in visible
                                                  for e in json.loads(r["evidence"]) for s in e["statements"]}))
    newest = store.scalar(f"SELECT max(observed) FROM {store.facts_table}")  # the table, not a view's join
    prot: dict[str, dict[str, int]] = defaultdict(dict)
    for nid, c, n in store.query(
            "SELECT network_id, category, count(DISTINCT entity_id) FROM network_protected "
            f"WHERE {in_list('network_id')} GROUP BY network_id, category ORDER BY network_id, category", [nids]):
        prot[str(nid)][str(c)] = int(n)
    cfg = load_priority()
    out: dict[str, dict[str, Any]] = {}
    for head in heads:
        nid = head["network_id"]
        members = []
        for r in rows_of.get(nid, []):
            if r["entity_id"] not in visible:
                continue
            ev = json.loads(r["evidence"])
            if ok is not None:
                for e in ev:
                    e["statements"] = [s for s in e["statements"] if s in ok]
                # A rule whose statements the viewer may not read is not shown (its wording would
                # reveal what they cannot see).
                ev = [e for e in ev if e["statements"]]
            members.append({"entity_id": r["entity_id"], "label": info.label.get(r["entity_id"]), "role": r["role"],
                            "role_score": r["role_score"], "cell": r["cell"], "strength": round(r["strength"], 3),
                            "evidence": ev})
        seen = sorted(m["entity_id"] for m in members)
        nfacts = {o: facts[o] for o in sorted(set(objs_of.get(nid, []))) if o in facts}
        nlinks = {m: links[m] for m in seen if m in links}
        factors = assess_network(list(nfacts), nfacts, seen, nlinks, newest, cfg)
        timeline = []
        for oid, f in nfacts.items():
            d = f.first("date") or f.first("startDate")
            if f.schema in ("Trip", "Event", "Call", "Payment") and d:
                timeline.append({"date": d[:10], "object_id": oid, "schema": f.schema, "type": f.first("nc:eventType"),
                                 "harm": f.first("nc:harmType"), "migrants": int(f.number("nc:migrantCount")) or None,
                                 "corridor": f.first("nc:corridor"), "district": f.first("nc:district"),
                                 "statements": f.ids("date") + f.ids("startDate")})
        timeline.sort(key=lambda t: (t["date"], t["object_id"]))
        out[nid] = {
            **head, "visible_members": len(members), "priority": priority(factors),
            "factors": {k: v.as_dict() for k, v in factors.items()},
            "members": members,
            "corridors": corridors_of(nfacts, nlinks),
            "districts": factors["reach"].value["districts"],
            "protected_people": prot.get(nid, {}),
            "timeline": timeline,
        }
    return out


def _facts_of(store: Store, viewer: Viewer, ids: list[str]) -> dict[str, Facts]:
    """``load_facts`` of any number of objects in one pass (one array parameter)."""
    if not ids:
        return {}
    props = ", ".join(f"'{p}'" for p in FACT_PROPS)
    cs, params = canonical_statements(
        viewer, f"s.prop IN ({props}) AND {in_list('coalesce(r.canonical_id, s.entity_id)')}", [ids], of=ids)
    # In a fixed order, so that which of several equal records a factor cites does not vary.
    cols = fetch(store, f"WITH cs AS ({cs}) SELECT cid, schema, prop, value, id FROM cs ORDER BY cid, prop, id", params)
    out: dict[str, Facts] = {}
    for cid, schema, prop, value, sid in zip(cols["cid"], cols["schema"], cols["prop"], cols["value"], cols["id"],
                                             strict=True):
        f = out.get(cid)
        if f is None:
            f = out[cid] = Facts(schema=schema)
        f.props[prop].append((value, sid))
    return out


def _readable_ids(store: Store, viewer: Viewer, ids: list[str]) -> set[str]:
    from netcase.access.policy import statement_filter

    out: set[str] = set()
    cond, params = statement_filter(viewer, "s")
    for i in range(0, len(ids), ID_CHUNK):
        where, wparams = statement_id_filter("s", ids[i : i + ID_CHUNK])
        out |= {r[0] for r in store.query(f"SELECT s.id FROM statements s WHERE {cond} AND {where}", [*params, *wparams])}
    return out


def hubs(store: Store) -> list[dict[str, Any]]:
    """Hubs cut by the latest build, most far-reaching first, with the rule and reason."""
    return store.query_dicts("SELECT node_id, node_type, label, people, communities, rule, reason, action "
                             "FROM graph_hubs ORDER BY people DESC, node_id")
