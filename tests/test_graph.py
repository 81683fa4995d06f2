"""Graph and networks on a hand-made world (tests/graph_world.py) and on the tiny synthetic world."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import igraph as ig

from netcase.access.viewer import Viewer
from netcase.graph import build_networks, network_detail, network_graph
from netcase.graph.config import GraphConfig
from netcase.graph.path import find_paths
from netcase.store import Store

sys.path.insert(0, str(Path(__file__).parent))
from graph_world import World, build_world  # noqa: E402


def members_of(store: Store) -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for nid, eid in store.query("SELECT network_id, entity_id FROM network_members"):
        out.setdefault(nid, set()).add(eid)
    return out


def test_networks_found_and_hub_cut(store: Store) -> None:
    truth = build_world(store)
    res = build_networks(store)
    assert res.networks >= 2
    nets = members_of(store)
    # No network mixes the two organisations.
    for mem in nets.values():
        assert not (mem & set(truth["A"]) and mem & set(truth["B"]))
    # The shelter's phone reaches 32 people (30 migrants, a guide of each network) and is cut,
    # with its reason shown; it does not glue A and B.
    hubs = {r[0]: r for r in store.query("SELECT node_id, people, rule, reason FROM graph_hubs")}
    phone = "phone:+528001234567"
    assert phone in hubs and hubs[phone][1] == 32
    assert "reaches 32 people" in hubs[phone][3]


def test_protected_and_clients_never_members(duck: Store) -> None:
    truth = build_world(duck)
    build_networks(duck)
    everyone = {e for m in members_of(duck).values() for e in m}
    assert not everyone & set(truth["protected"])
    assert not any(e.startswith("REL-") for e in everyone)  # relatives who only pay fees
    # Protected people seen with a network are counted there, never ranked.
    assert duck.scalar("SELECT count(*) FROM network_protected WHERE entity_id = 'VIC-1'") >= 1
    for (factors,) in duck.query("SELECT factors FROM network_assessments"):
        assert "VIC-1" not in factors and "MIG-0" not in factors


def test_ids_stable_across_runs_and_growth(duck: Store) -> None:
    truth = build_world(duck)
    build_networks(duck)
    first = {nid: mem for nid, mem in members_of(duck).items()}
    build_networks(duck)
    assert members_of(duck) == first
    a_id = next(nid for nid, mem in first.items() if "A-driver" in mem)
    # Growth: a new driver joins network A through the vehicle and a trip.
    w = World()
    w.person("A-newdriver", "New Driver", phone="+5265699999")
    for k in range(3):
        w.event(f"A-trip-new{k}", "Trip", date(2025, 4, 2 + k), ["A-newdriver", "A-driver", truth["A"][2]],
                nc__migrantCount=12)
    w.write(duck)
    build_networks(duck)
    after = members_of(duck)
    # The grown network keeps an old id (its own, or the one it merged into) and all its members.
    grown = next(nid for nid, mem in after.items() if "A-driver" in mem)
    assert grown in first
    assert "A-newdriver" in after[grown] and first[a_id] <= after[grown]
    # Networks not touched keep their ids and members.
    for nid, mem in first.items():
        if not mem & set(truth["A"]) and nid in after:
            assert after[nid] == mem


def test_scores_traced_to_statements(duck: Store) -> None:
    build_world(duck)
    build_networks(duck)
    ids = {r[0] for r in duck.query("SELECT id FROM statements")}
    for nid, factors in duck.query("SELECT network_id, factors FROM network_assessments"):
        f = json.loads(factors)
        assert set(f) >= {"people_moved", "harm", "revenue", "links", "reach", "trend", "recency"}
        for name, v in f.items():
            assert set(v["statements"]) <= ids, (nid, name)
            if v["normalized"] > 0 and name not in ("trend",):
                assert v["statements"], (nid, name)


def test_nationality_does_not_move_scores(tmp_path: Path) -> None:
    from netcase.store import open_store

    scores = []
    for k, nat in enumerate(("MEX", "HND")):
        s = open_store(str(tmp_path / f"n{k}.duckdb"))
        build_world(s, nationality_a=nat)
        build_networks(s)
        scores.append(sorted((round(p, 6), f) for p, f in s.query("SELECT priority, factors FROM network_assessments")))
        s.close()
    assert scores[0] == scores[1]


def test_network_graph_for_disruption(duck: Store) -> None:
    truth = build_world(duck)
    build_networks(duck)
    nid = duck.scalar("SELECT network_id FROM network_members WHERE entity_id = 'B-driver'")
    g = network_graph(duck, nid, Viewer.system())
    assert isinstance(g, ig.Graph)
    assert set(g.vs["name"]) == members_of(duck)[nid]
    assert set(g.vs.attributes()) >= {"name", "label", "role", "protected", "custody", "country"}
    # The disruption planner reads ISO alpha-3 codes.
    assert set(g.vs["country"]) == {"MEX"}
    assert not any(g.vs["protected"]) and g.ecount() > 0 and all(w > 0 for w in g.es["weight"])
    g2 = network_graph(duck, nid, Viewer.system(), include_protected=True)
    assert g2.vcount() >= g.vcount()
    assert set(truth["B"]) >= set(g.vs["name"])


def test_viewer_sees_only_releasable(duck: Store) -> None:
    build_world(duck)
    build_networks(duck)
    nid = duck.scalar("SELECT network_id FROM network_members WHERE entity_id = 'A-driver'")
    partner = Viewer(user="x", agency="PNC", country="SLV", roles=frozenset({"analyst"}))
    d = network_detail(duck, nid, partner)
    assert d is not None and d["visible_members"] == 0  # nothing is releasable to SLV


def test_path_finds_connection(duck: Store) -> None:
    build_world(duck)
    build_networks(duck)
    res = find_paths(duck, Viewer.system(), ["A-leader", "A-driver"])
    p = res["paths"][0]
    assert p["length"] is not None and p["length"] <= 4
    assert all(link["statement"] for link in p["links"])
    # Hubs never connect: the two guides share only the shelter's phone, which is cut.
    res = find_paths(duck, Viewer.system(), ["A-guide2", "B-guide2"], max_hops=3)
    assert res["paths"][0]["length"] is None


def test_tiny_world_recovers_organisations(tiny_world: Path, tmp_path: Path) -> None:
    from netcase.eval.networks import evaluate, oracle_resolve
    from netcase.ingest.engine import ingest_paths
    from netcase.ingest.registry import default_loaders
    from netcase.store import open_store

    s = open_store(str(tmp_path / "t.duckdb"))
    ingest_paths(s, [tiny_world], default_loaders())
    oracle_resolve(s, tiny_world)
    res = build_networks(s, config=GraphConfig())
    assert res.networks >= 3
    e = evaluate(s, tiny_world)
    assert e["purity_top10"] >= 0.8
    assert e["protected_in_networks"] <= 0.02 * e["in_networks"] + 2
    s.close()


def test_country_codes_become_alpha3() -> None:
    from netcase.graph.load import iso_alpha3

    assert [iso_alpha3(c) for c in ("mx", "GT", "slv", "us", "", None, "zz")] == ["MEX", "GTM", "SLV", "USA", None, None, None]


def _people_world() -> World:
    w = World()
    for pid in ("COL", "RCV", "M1", "M2", "M3"):
        w.person(pid, f"Person {pid}", phone=f"+52656{len(pid)}{ord(pid[-1])}1")
    # A collector paid by three different relatives; a receiver paid three times by one sender.
    for k in range(3):
        w.person(f"REL-{k}", f"Relative {k}", "USA")
        w.payment(f"PAY-C{k}", f"REL-{k}", "COL", 900.0, "AGENT-1", date(2025, 3, 2 + k))
        w.payment(f"PAY-R{k}", "REL-9", "RCV", 200.0, "AGENT-2", date(2025, 3, 2 + k))
    w.person("REL-9", "Relative Nine", "USA")
    # Three case-report subjects, each with the report's own Organization entity of one name.
    for k, name in enumerate(("Los Primos", "LOS PRIMOS", "los primos")):
        w.add(f"ORG-{k}", "Organization", "name", name)
        w.add(f"MEM-{k}", "Membership", "member", f"M{k + 1}")
        w.add(f"MEM-{k}", "Membership", "organization", f"ORG-{k}")
    return w


def test_collectors_stay_and_organisation_names_link_members(duck: Store) -> None:
    from netcase.graph.load import load_edges, load_nodes
    from netcase.graph.project import project

    _people_world().write(duck)
    viewer = Viewer.system()
    proj = project(load_edges(duck, viewer), load_nodes(duck, viewer), GraphConfig())
    # Paid by three people: a collector, kept; paid by one: a client, left out; senders are clients.
    assert "COL" not in proj.clients and "RCV" in proj.clients and "REL-0" in proj.clients
    # Members filed under one organisation name (case, accents, spacing aside) are linked.
    idx = {p: i for i, p in enumerate(proj.persons)}
    w = proj.weights.toarray()
    assert w[idx["M1"], idx["M2"]] > 0 and w[idx["M2"], idx["M3"]] > 0
    assert "orgname:los primos" in set(proj.objects)
