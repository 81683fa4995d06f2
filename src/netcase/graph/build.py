"""``build_networks``: statements → typed graph → person graph → hubs → Leiden → ids → roles → scores.

One run writes its answer in one transaction, replacing the previous run's members, objects,
hubs and assessments; ``networks`` keeps every id ever issued (status ``active`` or ``retired``).
"""

from __future__ import annotations

import json
import time
import uuid
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np

from netcase.access.viewer import Viewer
from netcase.graph.communities import cells as find_cells
from netcase.graph.communities import leiden, match_ids, person_igraph
from netcase.graph.config import GraphConfig
from netcase.graph.facts import load_facts_for_run
from netcase.graph.load import canonical_statements, fetch, load_edges, load_nodes
from netcase.graph.project import Projection, cut_participation, is_value_node, project
from netcase.graph.records import co_recorded, same_vehicle
from netcase.graph.roles import MemberLinks, infer_roles
from netcase.store import Store


@dataclass
class BuildResult:
    run_id: str
    persons: int
    links: int
    networks: int
    hubs: int
    seconds: float
    timings: dict[str, float]


def _communities(proj: Projection, cfg: GraphConfig) -> tuple[Any, np.ndarray]:
    rows, cols, w = proj.edge_list()
    g = person_igraph(len(proj.persons), rows, cols, w)
    g.vs["name"] = list(proj.persons)
    return g, leiden(g, cfg)


def build_networks(
    store: Store,
    viewer: Viewer | None = None,
    config: GraphConfig | None = None,
    priority_file: str | None = None,
    log: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the graph, find and assess networks, store them; return the run's summary.

    ``viewer`` defaults to the system (the pipeline sees everything; reads for a person filter
    again). ``priority_file`` overrides the packaged priority weights (see netcase.assess)."""
    from netcase.assess.score import assess_run, load_priority

    viewer = viewer or Viewer.system()
    cfg = config or GraphConfig()
    say = log or (lambda _m: None)
    t0 = time.perf_counter()
    timings: dict[str, float] = {}
    started = datetime.now(UTC).replace(tzinfo=None)
    run_id = "g-" + started.strftime("%Y%m%d%H%M%S") + "-" + uuid.uuid4().hex[:6]

    edges = load_edges(store, viewer)
    info = load_nodes(store, viewer)
    timings["load"] = time.perf_counter() - t0
    say(f"loaded {len(edges):,} links, {len(info.schema):,} entities")

    t = time.perf_counter()
    proj = project(edges, info, cfg)
    g, memb = _communities(proj, cfg)
    new_hubs = cut_participation(proj, memb, cfg)
    if new_hubs:
        g, memb = _communities(proj, cfg)
    timings["project+leiden"] = time.perf_counter() - t
    say(f"{len(proj.persons):,} people, {g.ecount():,} links, {len(proj.hubs)} hubs cut")

    groups: dict[int, set[str]] = defaultdict(set)
    for i, c in enumerate(memb):
        if c >= 0:
            groups[int(c)].add(str(proj.persons[i]))
    groups = {c: m for c, m in groups.items() if len(m) >= cfg.min_network_size}

    old: dict[str, set[str]] = defaultdict(set)
    if store.table_exists("network_members"):
        for nid, eid in store.query("SELECT network_id, entity_id FROM network_members"):
            old[nid].add(eid)
    issued = [r[0] for r in store.query("SELECT network_id FROM networks")]
    ids = match_ids(groups, old, issued, cfg)

    # Members, cells, objects and protected people per network.
    t = time.perf_counter()
    pindex = {p: i for i, p in enumerate(proj.persons)}
    E = proj.attach.tocsr()
    member_rows: dict[str, list[Any]] = defaultdict(list)
    obj_rows: dict[str, list[Any]] = defaultdict(list)
    prot_rows: dict[str, list[Any]] = defaultdict(list)
    net_members: dict[str, list[str]] = {}
    net_cells: dict[str, dict[str, str | None]] = {}
    net_objects: dict[str, set[str]] = {}
    for c, mem in groups.items():
        nid = ids[c]
        vids = sorted(pindex[m] for m in mem)
        cell_of = find_cells(g, vids, cfg)
        labels = {str(proj.persons[v]): (f"{nid}/c{cell_of[v] + 1}" if v in cell_of else None) for v in vids}
        net_members[nid] = sorted(mem)
        net_cells[nid] = labels
        objs = set(E[vids].nonzero()[1].tolist())
        objs_ids = {str(proj.objects[j]) for j in objs}
        net_objects[nid] = objs_ids
        for o in sorted(objs_ids):
            if not is_value_node(o):
                obj_rows["run_id"].append(run_id)
                obj_rows["network_id"].append(nid)
                obj_rows["object_id"].append(o)
                obj_rows["schema"].append(info.schema.get(o, "Thing"))
    # Events attached to no member that a report or a vehicle ties to a network (graph/records.py).
    tr = time.perf_counter()
    member_net = {m: nid for nid, ms in net_members.items() for m in ms}
    attached = {o for objs_ids in net_objects.values() for o in objs_ids}
    extra = co_recorded(store, viewer, member_net, attached)
    extra_ids = {o for evs in extra.values() for o in evs}
    for nid, evs in same_vehicle(store, viewer, net_objects, attached | extra_ids).items():
        extra.setdefault(nid, {}).update(evs)
    for nid, evs in sorted(extra.items()):
        for o in sorted(evs):
            net_objects[nid].add(o)
            obj_rows["run_id"].append(run_id)
            obj_rows["network_id"].append(nid)
            obj_rows["object_id"].append(o)
            obj_rows["schema"].append(info.schema.get(o, "Thing"))
    timings["records"] = time.perf_counter() - tr
    # Object -> networks, so each protected person is looked up through their own objects (not
    # every person against every network: at large scale that product was most of the build).
    nets_of: dict[str, list[str]] = defaultdict(list)
    for nid, objs_ids in net_objects.items():
        for o in objs_ids:
            nets_of[o].append(nid)
    for pid, objs_set in proj.protected_attach.items():
        found = sorted({nid for o in objs_set for nid in nets_of.get(o, ())})
        for nid in found:
            prot_rows["run_id"].append(run_id)
            prot_rows["network_id"].append(nid)
            prot_rows["entity_id"].append(pid)
            prot_rows["category"].append(info.protected[pid])

    # Typed links and recorded roles of members, for roles and the assessment.
    all_members = {m for ms in net_members.values() for m in ms}
    links: dict[str, MemberLinks] = defaultdict(MemberLinks)
    in_s = np.fromiter((s in all_members for s in edges.src), dtype=bool, count=len(edges))
    in_d = np.fromiter((d in all_members for d in edges.dst), dtype=bool, count=len(edges))
    for s, d, k, n, sid in zip(edges.src[in_s], edges.dst[in_s], edges.kind[in_s], edges.count[in_s], edges.sample[in_s], strict=True):
        links[s].links.append((k, d, int(n), sid))
    for s, d, k, n, sid in zip(edges.src[in_d], edges.dst[in_d], edges.kind[in_d], edges.count[in_d], edges.sample[in_d], strict=True):
        links[d].links.append((k, s, int(n), sid))
    cs, params = canonical_statements(viewer, "s.prop IN ('nc:reportedRole', 'nc:subjectCategory')")
    rep = fetch(store, f"WITH cs AS ({cs}) SELECT cid, prop, value, id FROM cs", params)
    for cid, prop, value, sid in zip(rep["cid"], rep["prop"], rep["value"], rep["id"], strict=True):
        if cid in all_members:
            links[cid].reported.append((prop, value, sid))
    # Which datasets record each member (one statement id each), for the roles' last rule.
    member_ids = sorted(all_members)
    if member_ids:
        cs, params = canonical_statements(viewer, "s.schema = 'Person' AND s.prop = 'name'", of=member_ids)
        src = fetch(store, f"WITH cs AS ({cs}) SELECT cid, dataset, min(id) AS id FROM cs GROUP BY 1, 2", params)
        for cid, dataset, sid in zip(src["cid"], src["dataset"], src["id"], strict=True):
            if cid in all_members and dataset:
                links[cid].datasets[dataset] = sid

    strength = np.asarray(proj.weights.sum(axis=1)).ravel()
    with store.transaction():
        for table in ("network_members", "network_objects", "network_protected", "graph_hubs", "network_assessments"):
            store.execute(f"DELETE FROM {table}")
        store.insert_columns("network_objects", dict(obj_rows))
        store.insert_columns("network_protected", dict(prot_rows))
        facts = load_facts_for_run(store, viewer, run_id)
        role_of: dict[str, str] = {}
        for nid, mlist in net_members.items():
            sub = g.induced_subgraph([pindex[m] for m in mlist])
            roles = infer_roles(mlist, sub, links, facts, net_cells[nid])
            for m in mlist:
                r = roles[m]
                role_of[m] = r.role
                member_rows["run_id"].append(run_id)
                member_rows["network_id"].append(nid)
                member_rows["entity_id"].append(m)
                member_rows["cell"].append(net_cells[nid][m])
                member_rows["role"].append(r.role)
                member_rows["role_score"].append(float(r.score))
                member_rows["strength"].append(float(strength[pindex[m]]))
                member_rows["evidence"].append(json.dumps(r.evidence, ensure_ascii=False))
        store.insert_columns("network_members", dict(member_rows))
        timings["roles"] = time.perf_counter() - t
        hub_cols: dict[str, list[Any]] = defaultdict(list)
        for h in proj.hubs:
            hub_cols["run_id"].append(run_id)
            for k in ("node_id", "node_type", "people", "communities", "rule", "reason", "action"):
                hub_cols[k].append(h[k])
            hub_cols["label"].append(info.label.get(h["node_id"], h["node_id"]))
        store.insert_columns("graph_hubs", dict(hub_cols))
        # Networks: keep every id; refresh the live ones, retire the rest.
        existing = set(issued)
        store.execute("UPDATE networks SET status = 'retired' WHERE status = 'active'")
        for nid, mlist in net_members.items():
            leader = next((m for m in mlist if role_of[m] == "leader"), None)
            label = info.label.get(leader or max(mlist, key=lambda m: strength[pindex[m]]), nid)
            if nid in existing:
                store.execute("UPDATE networks SET last_run = ?, status = 'active', size = ?, label = ? WHERE network_id = ?",
                              (run_id, len(mlist), label, nid))
            else:
                store.execute("INSERT INTO networks VALUES (?, ?, ?, 'active', ?, ?)", (nid, run_id, run_id, len(mlist), label))
        t = time.perf_counter()
        assess_run(store, run_id, net_members, facts, links, info, load_priority(priority_file))
        timings["assess"] = time.perf_counter() - t
        resolved_run = store.scalar("SELECT max(run_id) FROM resolved")
        seconds = time.perf_counter() - t0
        store.execute(
            "INSERT INTO graph_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, started, datetime.now(UTC).replace(tzinfo=None), resolved_run, cfg.to_json(),
             len(proj.persons), int(g.ecount()), len(net_members), seconds),
        )
    say(f"{len(net_members)} networks in {seconds:.1f} s")
    return BuildResult(run_id, len(proj.persons), int(g.ecount()), len(net_members), len(proj.hubs), seconds, timings)
