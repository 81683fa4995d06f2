"""The results of later stages as the API and the pages show them, read through each stage's functions.

Networks and their assessment come from ``netcase.graph`` (``list_networks``, ``network_detail``,
``network_graph``), disruption plans from ``netcase.disrupt.plan.plan_disruption``, case records from
``netcase.cases`` (with its visibility filters), trends from ``netcase.trends.report``. A stage that
is not installed, or has not run on this store, raises ``StageUnavailable``: the API answers 503
and the page says so, never inventing data.
"""

from __future__ import annotations

import importlib.util
import json
import threading
from collections import OrderedDict, defaultdict
from datetime import date
from typing import Any

import numpy as np

from netcase.access.policy import statement_filter
from netcase.access.viewer import Viewer
from netcase.model.country import iso_alpha3
from netcase.store import Store


class StageUnavailable(RuntimeError):
    """A stage that has not landed in this installation or has not run on this store."""

    def __init__(self, stage: str, why: str) -> None:
        super().__init__(f"{stage}: {why}")
        self.stage = stage
        self.why = why


def _need(stage: str, module: str, table: str | None, store: Store) -> None:
    if importlib.util.find_spec(module) is None:
        raise StageUnavailable(stage, "not installed")
    if table is not None and (not store.table_exists(table) or not store.scalar(f"SELECT count(*) FROM {table}")):
        raise StageUnavailable(stage, "has not run on this database")


# -- networks --------------------------------------------------------------------------------------


def network_facets(store: Store, viewer: Viewer) -> dict[str, dict[str, set[str]]]:
    """Per network: the districts, corridors and countries the viewer's facts tie it to (for filters)."""
    cond, params = statement_filter(viewer, "s")
    out: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"district": set(), "corridor": set(), "country": set()})
    for nid, prop, value in store.query(
        f"SELECT o.network_id, s.prop, s.value FROM network_objects o JOIN statements s ON s.entity_id = o.object_id "
        f"WHERE s.prop IN ('nc:district', 'nc:corridor') AND {cond}",
        params,
    ):
        out[str(nid)]["district" if prop == "nc:district" else "corridor"].add(str(value))
    for nid, value in store.query(
        f"SELECT m.network_id, upper(s.value) FROM network_members m "
        f"JOIN resolved r ON r.canonical_id = m.entity_id JOIN statements s ON s.entity_id = r.entity_id "
        f"WHERE s.prop IN ('country', 'nationality') AND {cond} "
        f"UNION SELECT m.network_id, upper(s.value) FROM network_members m JOIN statements s ON s.entity_id = m.entity_id "
        f"WHERE s.prop IN ('country', 'nationality') AND {cond}",
        [*params, *params],
    ):
        # ISO alpha-3 like the rest of netcase (markings, jurisdictions, the graph), whatever the source wrote.
        out[str(nid)]["country"].add(iso_alpha3(str(value)) or str(value))
    return out


def activity_by_month(store: Store, viewer: Viewer, network_ids: list[str]) -> dict[str, dict[str, int]]:
    """Per network: dated trips, events, calls and payments per month (the activity sparkline)."""
    if not network_ids:
        return {}
    cond, params = statement_filter(viewer, "s")
    marks = ", ".join("?" for _ in network_ids)
    rows = store.query(
        f"SELECT o.network_id, substr(min(s.value), 1, 7) FROM network_objects o "
        f"JOIN statements s ON s.entity_id = o.object_id WHERE o.network_id IN ({marks}) "
        f"AND s.prop IN ('date', 'startDate') AND {cond} GROUP BY o.network_id, o.object_id",
        [*network_ids, *params],
    )
    out: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for nid, month in rows:
        if month:
            out[str(nid)][str(month)] += 1
    return out


def list_networks(store: Store, viewer: Viewer, *, district: str | None = None, corridor: str | None = None,
                  country: str | None = None, link: str | None = None) -> list[dict[str, Any]]:
    """Priority networks the viewer may see, with facets and legal status, filtered."""
    _need("graph", "netcase.graph", "network_assessments", store)
    from netcase.graph import list_networks as graph_list

    rows = graph_list(store, viewer)
    facets = network_facets(store, viewer)
    out = []
    for r in rows:
        f = facets.get(r["network_id"], {"district": set(), "corridor": set(), "country": set()})
        if district and district not in f["district"]:
            continue
        if corridor and corridor not in f["corridor"]:
            continue
        if country and (iso_alpha3(country) or country.upper()) not in f["country"]:
            continue
        if link and link not in r.get("links", []):
            continue
        r = dict(r)
        r["districts"] = sorted(f["district"])
        r["corridors"] = sorted(f["corridor"])
        r["countries"] = sorted(f["country"])
        out.append(r)
    return out


def facet_options(store: Store, viewer: Viewer) -> dict[str, list[str]]:
    """The values the network filters offer (only values the viewer's facts contain)."""
    facets = network_facets(store, viewer)
    opts: dict[str, set[str]] = {"district": set(), "corridor": set(), "country": set()}
    for f in facets.values():
        for k in opts:
            opts[k] |= f[k]
    links: set[str] = set()
    if store.table_exists("network_assessments"):
        for (factors,) in store.query("SELECT factors FROM network_assessments"):
            links |= {k for k in json.loads(factors).get("links", {}).get("value", {})}
    return {**{k: sorted(v) for k, v in opts.items()}, "link": sorted(links)}


def legal_status(store: Store, viewer: Viewer, member_ids: list[str]) -> dict[str, Any] | None:
    """Charged / convicted / extradited / in custody counts of members, or None without the cases stage."""
    if importlib.util.find_spec("netcase.cases") is None or not store.table_exists("court_cases"):
        return None
    from netcase.cases.prosecution import network_legal_status

    return network_legal_status(store, viewer, member_ids)


def legal_status_by_network(store: Store, viewer: Viewer, network_ids: list[str]) -> dict[str, dict[str, int]]:
    """Legal-status counts per network for many networks with one call of the cases stage
    (its per-member answer is grouped here), instead of one call per network."""
    if not network_ids or importlib.util.find_spec("netcase.cases") is None or not store.table_exists("court_cases"):
        return {}
    from netcase.cases.prosecution import network_legal_status

    marks = ", ".join("?" for _ in network_ids)
    members: dict[str, list[str]] = defaultdict(list)
    for nid, eid in store.query(f"SELECT network_id, entity_id FROM network_members WHERE network_id IN ({marks})",
                                network_ids):
        members[str(nid)].append(str(eid))
    everyone = sorted({m for ms in members.values() for m in ms})
    status = {m["canonical_id"]: m for m in network_legal_status(store, viewer, everyone)["members"]}
    canon = dict(store.query("SELECT entity_id, canonical_id FROM resolved")) if everyone else {}
    keys = ("charged", "convicted", "extradited", "in_custody", "at_large", "cleared")
    out: dict[str, dict[str, int]] = {}
    for nid, ms in members.items():
        rows = [status[c] for c in {canon.get(m, m) for m in ms} if c in status]
        out[nid] = {"members": len(rows), **{k: sum(1 for r in rows if r[k]) for k in keys}}
    return out


def network_detail(store: Store, viewer: Viewer, network_id: str) -> dict[str, Any] | None:
    """One network as the viewer may see it (graph stage's ``network_detail``) plus legal status.

    Shared by every viewer of the same need-to-know profile and kept until the data changes
    (``netcase.api.shared_reads``). A miss on a network of the latest run computes every active
    network for the profile at once: the passes over the statements cost the same for one network
    or all of them."""
    return network_detail_entry(store, viewer, network_id).value  # type: ignore[no-any-return]


def network_detail_entry(store: Store, viewer: Viewer, network_id: str) -> Any:
    """``network_detail`` as kept: an ``Entry`` with the value and its JSON text."""
    from netcase.api.shared_reads import shared_reads

    cache = shared_reads(store)
    version = cache.version(store)
    kept = cache.lookup(store, "network_detail", network_id, viewer, version)
    if kept is not None:
        return kept
    _need("graph", "netcase.graph", "networks", store)
    active = bool(store.scalar("SELECT count(*) FROM networks WHERE network_id = ? AND status = 'active'",
                               (network_id,)))
    return cache.entry(store, "network_detail", network_id, viewer,
                       lambda: compute_network_details(store, viewer, None if active else [network_id]),
                       group="active" if active else network_id, version=version)


def compute_network_details(store: Store, viewer: Viewer,
                            network_ids: list[str] | None = None) -> dict[str, dict[str, Any] | None]:
    """``network_detail`` of the given networks (None: every active network) computed afresh, with
    one pass of each kind over the statements for all of them; None for a network none of whose
    members the viewer may see."""
    from netcase.graph.read import network_details

    details = network_details(store, viewer, network_ids)
    out: dict[str, dict[str, Any] | None] = {nid: d if d["members"] else None for nid, d in details.items()}
    shown = {nid: [m["entity_id"] for m in d["members"]] for nid, d in out.items() if d is not None}
    everyone = sorted({m for ms in shown.values() for m in ms})
    whole = legal_status(store, viewer, everyone) if everyone else None
    if whole is None:
        for nid in shown:
            out[nid]["legal"] = None  # type: ignore[index]
        return out
    by_canonical = {r["canonical_id"]: r for r in whole["members"]}
    canon: dict[str, str] = {}
    for i in range(0, len(everyone), 50_000):
        chunk = everyone[i : i + 50_000]
        canon.update({str(a): str(b) for a, b in store.query(
            "SELECT entity_id, canonical_id FROM resolved WHERE entity_id IN (SELECT unnest(CAST(? AS VARCHAR[])))",
            [chunk])})
    for nid, ms in shown.items():
        out[nid]["legal"] = _legal_of(by_canonical, sorted({canon.get(m, m) for m in ms}))  # type: ignore[index]
    return out


_LEGAL_KEYS = ("charged", "convicted", "extradited", "in_custody", "at_large", "cleared")


def _legal_of(by_canonical: dict[str, dict[str, Any]], members: list[str]) -> dict[str, Any]:
    """``network_legal_status`` of ``members`` (canonical ids) from its answer for a superset."""
    rows = [by_canonical[m] for m in members]
    counts = {"members": len(members), **{k: sum(int(bool(r[k])) for r in rows) for k in _LEGAL_KEYS},
              "not_charged": sum(int(not r["charged"]) for r in rows)}
    return {"counts": counts, "members": rows}


NODE_KINDS = {"phone": "phone", "iban": "account", "identifier": "identifier", "email": "email",
              "address": "place"}


def network_elements(store: Store, viewer: Viewer, network_id: str) -> dict[str, Any]:
    """Cytoscape elements of one network: people (by role), phones, accounts, vehicles, places,
    harm incidents, cut hubs, with dated edges and a server-side layout.

    Shared by every viewer of the same need-to-know profile and kept, layout included, until the
    data changes (``netcase.api.shared_reads``): the drawing of a run does not move between loads.
    A miss draws the network from the profile's whole graph held in memory (``GraphSnapshot``,
    read once per profile and data version), not from a new read of its neighbourhood."""
    return network_elements_entry(store, viewer, network_id).value  # type: ignore[no-any-return]


def network_elements_entry(store: Store, viewer: Viewer, network_id: str) -> Any:
    """``network_elements`` as kept: an ``Entry`` with the value and its JSON text."""
    from netcase.api.shared_reads import shared_reads
    from netcase.graph.read import network_exists

    cache = shared_reads(store)
    version = cache.version(store)
    kept = cache.lookup(store, "network_elements", network_id, viewer, version)
    if kept is not None:
        return kept
    _need("graph", "netcase.graph", "networks", store)

    def compute() -> dict[str, Any]:
        if not network_exists(store, network_id):
            return {network_id: compute_network_elements(store, viewer, network_id)}
        return {network_id: compute_network_elements(store, viewer, network_id,
                                                     snapshot=graph_snapshot(store, viewer, version))}

    return cache.entry(store, "network_elements", network_id, viewer, compute, version=version)


_SNAPSHOTS: OrderedDict[tuple[str, str, str], Any] = OrderedDict()
_SNAPSHOT_LOCK = threading.Lock()
_SNAPSHOT_FLIGHTS: dict[tuple[str, str, str], threading.Lock] = {}
#: Whole-graph snapshots kept in memory (one per recently drawn profile; each is the profile's
#: links and node info: 0.9 M links, about 0.8 GB of Python objects on the medium world).
MAX_SNAPSHOTS = 2


def graph_snapshot(store: Store, viewer: Viewer, version: str) -> Any:
    """The ``GraphSnapshot`` of the viewer's profile under data ``version`` (built once, shared by the
    profile's viewers only)."""
    from netcase.api.shared_reads import profile_of
    from netcase.graph.snapshot import GraphSnapshot

    key = (str(getattr(store, "url", "")), profile_of(viewer), version)
    with _SNAPSHOT_LOCK:
        if key in _SNAPSHOTS:
            _SNAPSHOTS.move_to_end(key)
            return _SNAPSHOTS[key]
        flight = _SNAPSHOT_FLIGHTS.setdefault(key, threading.Lock())
    with flight:
        with _SNAPSHOT_LOCK:
            if key in _SNAPSHOTS:
                return _SNAPSHOTS[key]
        snap = GraphSnapshot(store, viewer)
        with _SNAPSHOT_LOCK:
            _SNAPSHOTS[key] = snap
            # Snapshots of older data versions are of no further use.
            for old in [k for k in _SNAPSHOTS if k[0] == key[0] and k[2] != version]:
                del _SNAPSHOTS[old]
            while len(_SNAPSHOTS) > MAX_SNAPSHOTS:
                _SNAPSHOTS.popitem(last=False)
            _SNAPSHOT_FLIGHTS.pop(key, None)
        return snap


def compute_network_elements(store: Store, viewer: Viewer, network_id: str, *, snapshot: Any = None) -> dict[str, Any]:
    """``network_elements`` computed afresh: from the viewer's ``GraphSnapshot`` when given (no
    statement read), else from a read of the network's neighbourhood."""
    import igraph as ig

    from netcase.graph.load import load_nodes
    from netcase.graph.read import _members, hub_ids, network_graph_parts

    # Protected people are counted on the page, not drawn: the graph stage checks each one with a
    # separate policy query, which costs more than the whole rest of the drawing.
    if snapshot is not None:
        g, around, info = snapshot.network_graph_parts(_members(store, network_id))
        hubs = snapshot.hubs
    else:
        g, around, info = network_graph_parts(store, network_id, viewer)
        hubs = hub_ids(store)
    people = {v["name"]: v.attributes() for v in g.vs}
    nodes: dict[str, dict[str, Any]] = {}
    for name, a in people.items():
        nodes[name] = {"id": name, "label": a["label"], "kind": "person", "role": a["role"] or "member",
                       "protected": bool(a["protected"]), "custody": bool(a["custody"]), "country": a["country"]}
    elist: list[dict[str, Any]] = []
    other_ids: set[str] = set()
    # The members' own links (one hop) are among the two-hop links the graph was read from.
    for s, d, k, n, last in zip(around.src, around.dst, around.kind, around.count, around.last_seen, strict=True):
        s, d = str(s), str(d)
        if s not in nodes and d not in nodes:
            continue
        other = d if s in nodes else s
        if other not in nodes:
            other_ids.add(other)
        elist.append({"source": s, "target": d, "kind": str(k), "count": int(n), "date": _day(last)})
    labels, schemas = info.label, info.schema
    if snapshot is None:
        wanted = sorted(o for o in other_ids if ":" not in o or o.split(":", 1)[0] not in NODE_KINDS)
        missing = [o for o in wanted if o not in info.schema]
        if missing:
            # Entities reached only through a cut hub are not in the projection's node info.
            more = load_nodes(store, viewer, missing)
            labels, schemas = {**labels, **more.label}, {**schemas, **more.schema}
        harm_ids = _harm_incidents(store, viewer, sorted(other_ids))
    else:
        harm_ids = {o: snapshot.harm[o] for o in other_ids if o in snapshot.harm}
    for o in sorted(other_ids):
        head = o.split(":", 1)[0]
        if head in NODE_KINDS:
            kind, label = NODE_KINDS[head], o.split(":", 1)[1]
        else:
            schema = schemas.get(o, "Thing")
            kind = {"Vehicle": "vehicle", "BankAccount": "account", "Address": "place", "Event": "event",
                    "Trip": "trip", "Payment": "payment", "Call": "call"}.get(schema, "other")
            label = labels.get(o, o)
        nodes[o] = {"id": o, "label": label, "kind": kind, "hub": o in hubs, "harm": harm_ids.get(o)}
    # Value nodes seen by one member only add clutter, not structure: keep those linking two or more.
    degree: dict[str, int] = defaultdict(int)
    for e in elist:
        degree[e["source"]] += 1
        degree[e["target"]] += 1
    keep = {n for n, a in nodes.items() if a["kind"] == "person" or degree[n] >= 2 or a.get("harm") or a.get("hub")}
    elist = [e for e in elist if e["source"] in keep and e["target"] in keep]
    for e in g.es:
        a, b = g.vs[e.source]["name"], g.vs[e.target]["name"]
        elist.append({"source": a, "target": b, "kind": "link", "count": 1, "weight": round(float(e["weight"]), 3),
                      "date": None})
    order = sorted(keep)
    index = {n: i for i, n in enumerate(order)}
    lg = ig.Graph(n=len(order), edges=[(index[e["source"]], index[e["target"]]) for e in elist], directed=False)
    layout = lg.layout_fruchterman_reingold(niter=300, seed=None) if len(order) <= 3000 else lg.layout_drl()
    coords = layout.coords
    xs = [c[0] for c in coords] or [0.0]
    ys = [c[1] for c in coords] or [0.0]
    x0, y0 = min(xs), min(ys)
    span = max(max(xs) - x0, max(ys) - y0, 1e-9)
    out_nodes = []
    for n in order:
        x, y = coords[index[n]]
        out_nodes.append({"data": nodes[n], "position": {"x": round(1000 * (x - x0) / span, 1),
                                                         "y": round(1000 * (y - y0) / span, 1)}})
    dates = sorted({e["date"] for e in elist if e["date"]})
    return {"nodes": out_nodes,
            "edges": [{"data": {"id": f"e{i}", **e}} for i, e in enumerate(elist)],
            "dates": [dates[0], dates[-1]] if dates else None,
            "cut_hubs": sorted(n for n in keep if nodes[n].get("hub"))}


def _day(last: Any) -> str | None:
    """A link's last date as ISO text (None when unknown), from a date or a numpy datetime64."""
    if last is None:
        return None
    if isinstance(last, np.datetime64):
        return None if np.isnat(last) else str(last.astype("datetime64[D]"))
    return last.isoformat() if isinstance(last, date) else str(last)


def _harm_incidents(store: Store, viewer: Viewer, ids: list[str]) -> dict[str, str]:
    """Event ids among ``ids`` that record a harm (their harm type)."""
    if not ids:
        return {}
    cond, params = statement_filter(viewer, "s")
    out: dict[str, str] = {}
    for i in range(0, len(ids), 500):
        chunk = ids[i : i + 500]
        marks = ", ".join("?" for _ in chunk)
        for eid, harm in store.query(
            f"SELECT coalesce(r.canonical_id, s.entity_id), s.value FROM statements s LEFT JOIN resolved r "
            f"ON r.entity_id = s.entity_id WHERE s.prop = 'nc:harmType' AND coalesce(r.canonical_id, s.entity_id) "
            f"IN ({marks}) AND {cond}",
            [*chunk, *params],
        ):
            out[str(eid)] = str(harm)
    return out


def network_plan(store: Store, viewer: Viewer, network_id: str, *, budget: int = 5,
                 objective: str = "connectivity") -> dict[str, Any]:
    """A disruption plan for one network from what the viewer may see (``plan_disruption``)."""
    _need("disrupt", "netcase.disrupt.plan", "networks", store)
    from netcase.api.shared_reads import shared_reads
    from netcase.disrupt.plan import plan_disruption
    from netcase.graph import network_payments
    from netcase.graph.read import _members, _network_facts, corridors_of, network_exists

    if not network_exists(store, network_id):
        raise StageUnavailable("disrupt", "no members of this network are visible to you")
    # The person graph and the members' links from the profile's graph held in memory (the same
    # answer as the network's own read of them, without its passes over the statements).
    snap = graph_snapshot(store, viewer, shared_reads(store).version(store))
    rows = _members(store, network_id)
    g = snap.network_graph_parts(rows)[0]
    if g.vcount() == 0:
        raise StageUnavailable("disrupt", "no members of this network are visible to you")
    # The planner's jurisdiction rules use ISO alpha-3 codes; the graph may carry alpha-2 codes
    # from older graph runs (FtM's country type), which would put every member "outside jurisdiction".
    g.vs["country"] = [iso_alpha3(str(c)) if c else None for c in g.vs["country"]]
    corridors = None
    if objective == "capacity":
        members = sorted(snap.visible([r["entity_id"] for r in rows]))
        corridors = corridors_of(_network_facts(store, network_id, viewer), snap.member_links(members))
    payments = network_payments(store, network_id, viewer)
    plan = plan_disruption(g, budget, objective=objective,  # type: ignore[arg-type]
                           corridors=corridors, payments=payments)
    return plan.to_dict(curves=True)


# -- cases -----------------------------------------------------------------------------------------


def _cases_needed(store: Store, table: str) -> None:
    _need("cases", "netcase.cases", None, store)
    if not store.table_exists(table):
        raise StageUnavailable("cases", "has not run on this database")


def _paged(store: Store, sql: str, params: list[Any], order: str, limit: int, offset: int) -> tuple[list[dict[str, Any]], int]:
    total = int(store.scalar(f"SELECT count(*) FROM ({sql}) t", params) or 0)
    rows = store.query_dicts(f"{sql} ORDER BY {order} LIMIT ? OFFSET ?", [*params, limit, offset])
    return rows, total


def investigations(store: Store, viewer: Viewer, *, district: str | None = None, agency: str | None = None,
                   status: str | None = None) -> list[dict[str, Any]]:
    """Investigations the viewer may see (cases stage's ``list_investigations``)."""
    _cases_needed(store, "investigations")
    from netcase.cases.investigations import list_investigations

    return list_investigations(store, viewer, district=district, agency=agency, status=status)


def investigation(store: Store, viewer: Viewer, investigation_id: str) -> dict[str, Any] | None:
    """One investigation with targets and court cases, or None."""
    _cases_needed(store, "investigations")
    from netcase.cases.investigations import get_investigation
    from netcase.cases.prosecution import court_cases_for_investigation

    inv = get_investigation(store, viewer, investigation_id)
    if inv is None:
        return None
    inv["court_cases"] = court_cases_for_investigation(store, viewer, investigation_id)
    return inv


def alerts(store: Store, viewer: Viewer, *, status: str | None = "active") -> list[dict[str, Any]]:
    """Deconfliction alerts the viewer is owed (cases stage's ``alerts_for``)."""
    _cases_needed(store, "deconfliction_alerts")
    from netcase.cases.deconflict import alerts_for

    return alerts_for(store, viewer, status=status)


def court_cases(store: Store, viewer: Viewer, *, district: str | None = None, filing_type: str | None = None,
                limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Court cases the viewer may see with defendant and charge counts and dispositions."""
    _cases_needed(store, "court_cases")
    from netcase.cases.prosecution import court_case_filter

    cond, params = court_case_filter(viewer, "c")
    sql = ("SELECT c.case_id, c.district, c.case_number, c.filing_type, c.filing_date, c.investigation_id, "
           "(SELECT count(*) FROM defendants d WHERE d.case_id = c.case_id) AS defendants, "
           "(SELECT coalesce(sum(g.counts), 0) FROM charges g WHERE g.case_id = c.case_id) AS counts, "
           "(SELECT string_agg(DISTINCT g.statute, '; ') FROM charges g WHERE g.case_id = c.case_id) AS statutes, "
           "(SELECT count(*) FROM defendants d WHERE d.case_id = c.case_id AND d.disposition IS NOT NULL) AS disposed "
           f"FROM court_cases c WHERE {cond}")
    args = list(params)
    if district:
        sql += " AND c.district = ?"
        args.append(district)
    if filing_type:
        sql += " AND c.filing_type = ?"
        args.append(filing_type)
    return _paged(store, sql, args, "filing_date DESC, case_id", limit, offset)


def forfeitures(store: Store, viewer: Viewer, *, status: str | None = None, limit: int = 50,
                offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Forfeitures tied to court cases the viewer may see (or to none)."""
    _cases_needed(store, "forfeitures")
    from netcase.cases.prosecution import court_case_filter

    if viewer.country.upper() != "USA" and not viewer.is_system:
        return [], 0
    cond, params = court_case_filter(viewer, "c")
    sql = ("SELECT f.forfeiture_id, f.case_id, c.case_number, c.district, f.asset_type, f.description, f.value_usd, "
           "f.status, f.event_date FROM forfeitures f LEFT JOIN court_cases c ON c.case_id = f.case_id "
           f"WHERE (f.case_id IS NULL OR c.case_id IS NULL OR ({cond}))")
    args = list(params)
    if status:
        sql += " AND f.status = ?"
        args.append(status)
    return _paged(store, sql, args, "event_date DESC NULLS LAST, forfeiture_id", limit, offset)


def legal_requests(store: Store, viewer: Viewer, *, kind: str | None = None, partner_country: str | None = None,
                   status: str | None = None, limit: int = 50, offset: int = 0) -> tuple[list[dict[str, Any]], int]:
    """Extradition and mutual-legal-assistance requests tied to visible court cases (or to none)."""
    _cases_needed(store, "legal_requests")
    from netcase.cases.prosecution import court_case_filter

    if viewer.country.upper() != "USA" and not viewer.is_system:
        return [], 0
    cond, params = court_case_filter(viewer, "c")
    sql = ("SELECT q.request_id, q.kind, q.direction, q.partner_country, q.person_name, q.case_id, c.case_number, "
           "q.status, q.sent, q.decided FROM legal_requests q LEFT JOIN court_cases c ON c.case_id = q.case_id "
           f"WHERE (q.case_id IS NULL OR c.case_id IS NULL OR ({cond}))")
    args = list(params)
    for col, value in (("kind", kind), ("partner_country", partner_country), ("status", status)):
        if value:
            sql += f" AND q.{col} = ?"
            args.append(value.upper() if col == "partner_country" else value)
    return _paged(store, sql, args, "sent DESC NULLS LAST, request_id", limit, offset)


def trends(store: Store, viewer: Viewer, *, district: str | None = None, start: str | None = None,
           end: str | None = None) -> dict[str, Any]:
    """District and corridor series with surges (trends stage's ``trends_report``)."""
    _need("trends", "netcase.trends.report", None, store)
    from netcase.trends.report import trends_report

    return trends_report(store, viewer, district=district, start=start, end=end)


def cases_for_entity(store: Store, viewer: Viewer, canonical: str, members: list[str]) -> list[dict[str, Any]]:
    """Investigations targeting the entity and court cases naming it as a defendant."""
    _cases_needed(store, "investigations")
    from netcase.cases.investigations import case_filter
    from netcase.cases.prosecution import court_case_filter

    out: list[dict[str, Any]] = []
    marks = ", ".join("?" for _ in members)
    cond, params = case_filter(viewer, "i")
    for r in store.query_dicts(
        f"SELECT DISTINCT i.investigation_id, i.case_number, i.agency, i.status FROM case_targets t "
        f"JOIN investigations i ON i.investigation_id = t.investigation_id "
        f"LEFT JOIN resolved r ON r.entity_id = t.entity_id "
        f"WHERE (t.entity_id IN ({marks}) OR r.canonical_id = ?) AND {cond}",
        [*members, canonical, *params],
    ):
        out.append({"kind": "Investigation", "label": f"{r['agency']} {r['case_number']}", "status": r["status"],
                    "href": f"/investigations/{r['investigation_id']}"})
    ccond, cparams = court_case_filter(viewer, "c")
    for r in store.query_dicts(
        f"SELECT DISTINCT c.case_id, c.case_number, c.district, d.disposition FROM defendants d "
        f"JOIN court_cases c ON c.case_id = d.case_id LEFT JOIN resolved r ON r.entity_id = d.entity_id "
        f"WHERE (d.entity_id IN ({marks}) OR r.canonical_id = ?) AND {ccond}",
        [*members, canonical, *cparams],
    ):
        out.append({"kind": "Court case", "label": f"{r['district']} {r['case_number']}",
                    "status": r["disposition"] or "pending", "href": f"/court-cases?case={r['case_id']}"})
    return out


def networks_for_entity(store: Store, viewer: Viewer, canonical: str) -> list[dict[str, Any]]:
    """Networks listing the entity as a member, with its role."""
    _need("graph", "netcase.graph", "networks", store)
    return store.query_dicts(
        "SELECT DISTINCT m.network_id, coalesce(n.label, m.network_id) AS label, m.role FROM network_members m "
        "JOIN networks n ON n.network_id = m.network_id WHERE m.entity_id = ? AND n.status = 'active'",
        (canonical,),
    )
