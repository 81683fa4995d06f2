"""Networks: events no member is attached to (a report's, a vehicle's), loosely attached groups,
and the default priority (harm first, then people moved)."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

import igraph as ig
import numpy as np

from netcase.assess.score import assess_network, load_priority, priority
from netcase.graph import build_networks
from netcase.graph.communities import leiden
from netcase.graph.config import GraphConfig
from netcase.graph.facts import Facts
from netcase.store import Store

sys.path.insert(0, str(Path(__file__).parent))
from graph_world import World, build_world  # noqa: E402


def network_of(store: Store, member: str) -> str:
    return str(store.scalar("SELECT network_id FROM network_members WHERE entity_id = ?", (member,)))


def factors_of(store: Store, nid: str) -> dict:
    return json.loads(store.scalar("SELECT factors FROM network_assessments WHERE network_id = ?", (nid,)))


def test_event_in_a_report_counts_for_the_network_of_its_subjects(duck: Store) -> None:
    build_world(duck)
    w = World()
    # A case report names B's guide as a subject (a nested part of the report) and, apart, an
    # extortion with no participant named.
    w.add("B-guide1", "Person", "name", "Guide One B", record="REP-1:s0")
    w.add("REP1-ext", "Event", "nc:eventType", "harm", date(2025, 2, 3), record="REP-1")
    w.add("REP1-ext", "Event", "nc:harmType", "extortion", date(2025, 2, 3), record="REP-1")
    w.add("REP1-ext", "Event", "date", "2025-02-03", date(2025, 2, 3), record="REP-1")
    # Another report's extortion names nobody of any network: it stays unattributed.
    w.add("REP2-ext", "Event", "nc:harmType", "extortion", date(2025, 2, 4), record="REP-2")
    w.add("REP2-ext", "Event", "date", "2025-02-04", date(2025, 2, 4), record="REP-2")
    w.write(duck)
    build_networks(duck)
    b = network_of(duck, "B-guide1")
    harm = factors_of(duck, b)["harm"]
    assert harm["value"]["extortions"] == 1
    assert duck.scalar("SELECT count(*) FROM network_objects WHERE object_id = 'REP1-ext' AND network_id = ?", (b,)) == 1
    assert duck.scalar("SELECT count(*) FROM network_objects WHERE object_id = 'REP2-ext'") == 0


def encounter(w: World, eid: str, on: date, people: list[str], migrants: int) -> None:
    """An encounter on its own record (the world's default record ids would tie it to others)."""
    for k, v in (("date", on.isoformat()), ("nc:eventType", "encounter"), ("nc:migrantCount", str(migrants)),
                 ("nc:sector", "Laredo"), *(("involved", p) for p in people)):
        w.add(eid, "Event", k, v, on, record=eid)


def test_encounter_with_only_migrants_counts_for_the_network_whose_vehicle_carried_them(duck: Store) -> None:
    build_world(duck)
    w = World()
    on = date(2025, 2, 20)
    # A truck stopped at the line with nobody but three migrants aboard: each row records the
    # migrant as the operator of a vehicle with B's plate (written with a dash this time).
    riders = ["MIG-20", "MIG-21", "MIG-22"]
    for k, mid in enumerate(riders):
        w.add(f"ENC-V{k}", "Vehicle", "registrationNumber", "TXB-99", on, record=f"ROW-{k}")
        w.add(f"ENC-V{k}", "Vehicle", "operator", mid, on, record=f"ROW-{k}")
    encounter(w, "ENC-TRUCK", on, riders, 3)
    # A group on foot: one of its two migrants crossed before in B's truck, which does not make
    # the group B's.
    encounter(w, "ENC-FOOT", date(2025, 2, 22), ["MIG-20", "MIG-23"], 2)
    w.write(duck)
    build_networks(duck)
    b = network_of(duck, "B-guide1")
    moved = factors_of(duck, b)["people_moved"]
    assert moved["value"] == 2 * 10 + 3  # B's two trips of ten, and the truck's three
    assert duck.scalar("SELECT count(*) FROM network_objects WHERE object_id = 'ENC-FOOT'") == 0


def test_loosely_attached_group_is_its_own_network() -> None:
    # Two tight groups (8 and 20 people, every pair linked) joined by a few calls between one
    # person of each: density-based Leiden alone merges the small group into the large one.
    small, large = list(range(8)), list(range(8, 28))
    edges, weights = [], []
    for group, w in ((small, 1.0), (large, 1.0)):
        for i in group:
            for j in group:
                if i < j:
                    edges.append((i, j))
                    weights.append(w)
    edges += [(0, 8), (1, 9), (2, 8)]
    weights += [2.0, 1.5, 1.5]
    g = ig.Graph(n=28, edges=edges)
    g.es["weight"] = weights
    cfg = GraphConfig(cpm_resolution=0.01)
    memb = leiden(g, cfg)
    assert len(set(memb[small])) == 1 and len(set(memb[large])) == 1
    assert memb[0] != memb[8]
    # With the split turned off the same graph is one community: the split is what separates them.
    merged = leiden(g, GraphConfig(cpm_resolution=0.01, split_max_conductance=0.0))
    assert len(set(merged.tolist())) == 1


def facts(schema: str, **props: str) -> Facts:
    f = Facts(schema=schema)
    for k, v in props.items():
        f.props[k.replace("__", ":")].append((v, f"s-{k}-{v}"))
    return f


def test_fatal_incident_without_a_count_is_at_least_one_death() -> None:
    cfg = load_priority()
    objs = {"h1": facts("Event", nc__harmType="death_suffocation", date="2025-01-01")}
    out = assess_network(list(objs), objs, [], {}, date(2025, 6, 1), cfg)
    assert out["harm"].value["deaths"] == 1
    assert out["harm"].statements == ["s-nc__harmType-death_suffocation"]


def test_default_priority_ranks_harm_first_then_people_moved() -> None:
    cfg = load_priority()
    newest = date(2025, 6, 1)

    def net(deaths: int, moved: int, cartel: bool) -> float:
        objs = {"t": facts("Trip", nc__migrantCount=str(moved), date="2025-05-01", nc__sector="Yuma")}
        if deaths:
            objs["h"] = facts("Event", nc__harmType="death_heat", nc__deaths=str(deaths), date="2025-05-02")
        if cartel:
            objs["o"] = facts("Organization", name="Cártel de Sinaloa")
        return priority(assess_network(list(objs), objs, [], {}, newest, cfg))

    # Harm outranks volume and links: ten more harm points beat a cartel link, and so do 600
    # more people moved; among equal harm and links, volume decides.
    assert net(4, 100, False) > net(2, 100, True) > net(2, 90, True)
    assert net(0, 1000, False) > net(0, 400, True)
    # One harm point weighs about a hundred people moved, as in the truth's order: two deaths (ten
    # points) outrank 600 people moved, 5,000 people moved outrank them.
    assert net(0, 5000, False) > net(2, 100, False) > net(0, 600, False)
    # Larger counts never tie (no cap): 200 deaths rank above 100.
    assert net(200, 100, False) > net(100, 100, False)
    scores = [net(d, 100, False) for d in (0, 1, 10, 100, 1000)]
    assert scores == sorted(scores) and len(set(scores)) == 5 and all(0 <= s <= 100 for s in scores)
    assert np.isclose(sum(cfg["weights"].values()), 100)


def test_small_group_mostly_tied_to_a_large_one_joins_it() -> None:
    from netcase.graph.communities import merge_attached

    # A community of 40 (a ring with chords) and a crew of four that sends most of its link weight
    # into it: the crew joins. A second crew tied to the large one by one weak link stays apart.
    edges, weights = [], []
    for i in range(40):
        for d in (1, 2, 3):
            edges.append((i, (i + d) % 40))
            weights.append(1.0)
    crew, apart = [40, 41, 42, 43], [44, 45, 46, 47]
    for grp in (crew, apart):
        for a in grp:
            for b in grp:
                if a < b:
                    edges.append((a, b))
                    weights.append(0.5)
    edges += [(c, k) for c in crew for k in (0, 5, 10)]
    weights += [1.0] * 12
    edges.append((44, 20))
    weights.append(0.2)
    g = ig.Graph(n=48, edges=edges)
    g.es["weight"] = weights
    memb = np.array([0] * 40 + [1] * 4 + [2] * 4)
    out = merge_attached(g, memb, GraphConfig())
    assert set(out[crew]) == {out[0]}
    assert set(out[apart]) == {2}
    assert (merge_attached(g, memb, GraphConfig(merge_min_share=0.0)) == memb).all()


def test_member_known_only_from_partner_police_is_a_recruiter_when_nothing_else_fires() -> None:
    from netcase.graph.roles import MemberLinks, infer_roles

    sub = ig.Graph(n=3, edges=[(0, 1), (1, 2), (0, 2)])
    sub.vs["name"] = ["P1", "P2", "P3"]
    sub.es["weight"] = [1.0, 1.0, 1.0]
    links = {
        "P1": MemberLinks(datasets={"partner_gtm": "s-gtm-1"}),
        # Also in a CBP record: the partner report alone no longer says anything.
        "P2": MemberLinks(datasets={"partner_mex": "s-mex-1", "cbp": "s-cbp-1"}),
        # A recorded role outweighs where the person was recorded.
        "P3": MemberLinks(reported=[("nc:reportedRole", "guide", "s-role")], datasets={"partner_hnd": "s-hnd"}),
    }
    roles = infer_roles(["P1", "P2", "P3"], sub, links, {}, {})
    assert roles["P1"].role == "recruiter"
    assert roles["P1"].evidence[0]["statements"] == ["s-gtm-1"]
    assert "partner police" in roles["P1"].evidence[0]["rule"]
    assert roles["P2"].role == "member"
    assert roles["P3"].role == "guide"
