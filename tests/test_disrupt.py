"""Disruption planning: R, strategies, constraints, capacity, recovery, money, the command."""

from __future__ import annotations

import json
from pathlib import Path

import igraph as ig
import pytest
from typer.testing import CliRunner

from conftest import shared_dataset
from netcase.cli import build_app
from netcase.disrupt import dismantle as dm
from netcase.disrupt.capacity import (
    Corridor,
    MemberState,
    OpNetwork,
    RecoveryConfig,
    capacity,
    load_recovery_config,
    simulate_recovery,
)
from netcase.disrupt.io import GraphFormatError, read_graph
from netcase.disrupt.money import Payment, plan_seizures
from netcase.disrupt.plan import plan_disruption
from netcase.store import Store


def named(g: ig.Graph, **attrs: list[object]) -> ig.Graph:
    g.vs["name"] = [f"n{i}" for i in range(g.vcount())]
    for key, values in attrs.items():
        g.vs[key] = values
    return g


# ----------------------------------------------------------------------------- R and curves


def test_robustness_star_by_hand() -> None:
    # Star: centre 0 and 4 leaves. Removing the centre first leaves singletons:
    # s(1..4) = 1/5, s(5) = 0, so R = (1/5)·(4/5) = 0.16.
    adj = dm.simple_adjacency(ig.Graph.Star(5))
    curve = dm.dismantling_curve(adj, [0, 1, 2, 3, 4])
    assert curve == [5, 1, 1, 1, 1, 0]
    assert dm.robustness(curve) == pytest.approx(4 / 25)
    # A leaf first: s(1) = 4/5, then centre: 1/5 ... → (4 + 1 + 1 + 1 + 0) / 25.
    assert dm.robustness(dm.dismantling_curve(adj, [1, 0, 2, 3, 4])) == pytest.approx(7 / 25)


def test_robustness_path_by_hand() -> None:
    # Path 0-1-2-3-4, order 2, 1, 3, 0, 4: largest components 2, 2, 1, 1, 0 → R = 6/25.
    adj = dm.simple_adjacency(ig.Graph(n=5, edges=[(0, 1), (1, 2), (2, 3), (3, 4)]))
    curve = dm.dismantling_curve(adj, [2, 1, 3, 0, 4])
    assert curve == [5, 2, 2, 1, 1, 0]
    assert dm.robustness(curve) == pytest.approx(6 / 25)
    assert dm.removals_to_fraction(curve, 0.3) == 3
    with pytest.raises(ValueError):
        dm.dismantling_curve(adj, [0, 1, 2])


def test_adaptive_degree_recomputes() -> None:
    # H1 and H2 (degree 7) share neighbour Y (degree 5 = H1 + H2 + 3 leaves); Z has 4 leaves.
    # Static degree would take Y third; after H1 and H2 go, Y has 3 ties and Z (4) comes first.
    edges = []
    nxt = 4  # 0 = H1, 1 = H2, 2 = Y, 3 = Z
    for hub in (0, 1):
        edges.append((hub, 2))
        for _ in range(6):
            edges.append((hub, nxt))
            nxt += 1
    for owner, leaves in ((2, 3), (3, 4)):
        for _ in range(leaves):
            edges.append((owner, nxt))
            nxt += 1
    g = ig.Graph(n=nxt, edges=edges)
    adj = dm.simple_adjacency(g)
    static = sorted(range(nxt), key=lambda v: (-g.degree(v), v))[:3]
    adaptive = dm.adaptive_degree(adj, [True] * nxt)[:3]
    assert static == [0, 1, 2]
    assert adaptive == [0, 1, 3]


def test_adaptive_betweenness_equals_global_recomputation() -> None:
    g = ig.Graph.Erdos_Renyi(n=40, m=70)
    adj = dm.simple_adjacency(g)
    ours = dm.adaptive_betweenness(adj, [True] * 40)
    # Naive reference: exact betweenness of the whole remaining graph after every removal.
    h = g.copy()
    ref = []
    while h.ecount():
        bt = h.betweenness(directed=False)
        deg = h.degree()
        v = min((i for i in range(40) if deg[i] > 0), key=lambda i: (-round(bt[i], 9), -deg[i], i))
        ref.append(v)
        h.delete_edges(h.incident(v))
    assert [round(x) for x in ours] == ref


def test_every_strategy_ends_with_no_edges_and_optimiser_is_best() -> None:
    g = ig.Graph.Barabasi(150, 2)
    plan = plan_disruption(named(g), budget=3)
    n = g.vcount()
    for name, res in plan.strategies.items():
        gone = {int(x[1:]) for x in res.order}
        assert all(a in gone or b in gone for a, b in g.get_edgelist()), name
        assert len(res.curve) == n + 1 and res.curve[-1] == 0
    best_other = min(r.robustness for k, r in plan.strategies.items() if k != "optimised")
    assert plan.recommended == "optimised"
    assert plan.strategies["optimised"].robustness <= best_other
    assert plan.order == plan.strategies["optimised"].order
    assert [t.entity_id for t in plan.targets] == plan.order[:3]


def _random_order(n: int, seed: int) -> list[int]:
    import random

    order = list(range(n))
    random.Random(seed).shuffle(order)
    return order


@pytest.mark.parametrize("k", [0, 1, 17, 60, 120])
def test_window_evaluation_equals_the_full_curve(k: int) -> None:
    """The annealer's incremental cost (tail union-find built once, window re-inserted) is the
    curve's sum computed from scratch, for any window length."""
    g = ig.Graph.Erdos_Renyi(120, m=260)
    adj = dm.simple_adjacency(g)
    order = _random_order(120, k)
    base = dm.suffix_state(adj, order, k)
    full = dm.dismantling_curve(adj, order)
    assert base.largest == full[k]
    assert sum(full[k + 1 :]) + dm.window_cost(base, order[:k]) == sum(full[1:])


def test_annealing_improves_keeps_protected_out_and_is_reproducible() -> None:
    g = ig.Graph.Barabasi(120, 2)
    adj = dm.simple_adjacency(g)
    cand = [v % 9 != 4 for v in range(120)]  # every 9th node is protected
    start = dm.complete_order(adj, dm.adaptive_degree(adj, cand), cand)
    r0 = dm.robustness(dm.dismantling_curve(adj, start))
    a, ra, done = dm.anneal(adj, start, cand, 3000, seed=7)
    b, rb, _ = dm.anneal(adj, start, cand, 3000, seed=7)
    assert done == 3000 and (a, ra) == (b, rb)
    assert sorted(a) == list(range(120)) and ra == dm.robustness(dm.dismantling_curve(adj, a))
    assert ra < r0  # adaptive degree is far from optimal on a BA graph: 3,000 moves find better
    first_protected = min(i for i, v in enumerate(a) if not cand[v])
    assert all(not cand[v] for v in a[first_protected:])  # protected people are never removed


def test_optimiser_search_budget_scales_and_is_never_worse_than_any_seed() -> None:
    small, large = dm.SearchBudget(), dm.SearchBudget()
    assert small.seconds(100, 200) < large.seconds(10_000, 20_000) <= large.max_seconds
    assert dm.SearchBudget(evaluations=50).plan(10, 10, 10) == (50, float("inf"))
    g = ig.Graph.Erdos_Renyi(80, m=160)
    adj = dm.simple_adjacency(g)
    cand = [True] * 80
    seeds = {"degree": dm.adaptive_degree(adj, cand), "corehd": dm.core_hd(adj, cand),
             "collective_influence": dm.collective_influence(adj, cand)}
    order, origin = dm.optimised(adj, cand, seeds, dm.SearchBudget(evaluations=400))
    r = dm.robustness(dm.dismantling_curve(adj, dm.complete_order(adj, order, cand)))
    for name, seed_order in seeds.items():
        assert r <= dm.robustness(dm.dismantling_curve(adj, dm.complete_order(adj, seed_order, cand))), name
    assert origin


# ----------------------------------------------------------------------------- constraints


def test_protected_never_chosen_and_custody_removed_first() -> None:
    # Two stars joined at their centres; centre 0 is a victim, node 6 is in custody.
    g = ig.Graph(n=10, edges=[(0, 1), (0, 2), (0, 3), (0, 5), (5, 6), (5, 7), (5, 8), (5, 9), (6, 7)])
    named(
        g,
        protected=[v == 0 for v in range(10)],
        custody=[v == 6 for v in range(10)],
        country=["USA", None, None, None, None, "MEX", None, None, None, "CAN"],
    )
    plan = plan_disruption(g, budget=3)
    assert plan.nodes == 9
    assert plan.excluded["custody"] == ["n6"]
    assert plan.protected_count == 1 and "protected" not in plan.excluded  # counted, never listed
    assert plan.excluded["outside_jurisdiction"] == ["n9"]
    for res in plan.strategies.values():
        assert "n0" not in res.order and "n6" not in res.order and "n9" not in res.order
    first = plan.targets[0]
    assert first.entity_id == "n5"
    assert first.flags == ["needs partner action or extradition request (MEX)"]


def test_victim_role_is_protected_even_without_flag() -> None:
    g = named(ig.Graph.Star(4), role=["victim", "driver", "guide", None])
    plan = plan_disruption(g, budget=2)
    assert all("n0" not in r.order for r in plan.strategies.values())


# ----------------------------------------------------------------------------- capacity and recovery


def small_ring() -> tuple[OpNetwork, list[str]]:
    """guide g, drivers d1 d2, financier f, lookout l; f tied to l twice (weight 2)."""
    names = ["g", "d1", "d2", "f", "l"]
    roles = [frozenset({"guide"}), frozenset({"driver"}), frozenset({"driver"}), frozenset({"financier"}),
             frozenset({"lookout"})]
    ties = {(0, 1): 1.0, (0, 2): 1.0, (1, 3): 1.0, (2, 3): 1.0, (3, 4): 2.0, (4, 0): 1.0}
    adj: list[dict[int, float]] = [{} for _ in names]
    for (a, b), w in ties.items():
        adj[a][b] = w
        adj[b][a] = w
    corridor = Corridor("tecun-reynosa", ("guide", "driver", "financier|coordinator"), 40.0)
    return OpNetwork(names, adj, roles, [False] * 5, [corridor]), names


def test_capacity_zero_without_the_only_financier() -> None:
    net, names = small_ring()
    assert capacity(net, MemberState.start(net)) == 1.0
    assert capacity(net, MemberState.start(net, [names.index("d1")])) == 1.0  # another driver
    assert capacity(net, MemberState.start(net, [names.index("f")])) == 0.0


def test_capacity_needs_roles_connected() -> None:
    net, names = small_ring()
    # Without d1, d2 and l the guide and the financier are in different components.
    state = MemberState.start(net, [names.index(x) for x in ("d1", "l")])
    assert capacity(net, state) == 1.0  # d2 still links g and f
    state = MemberState.start(net, [names.index(x) for x in ("d2", "d1")])
    assert capacity(net, state) == 0.0  # no driver left at all


def test_recovery_restores_the_role() -> None:
    net, names = small_ring()
    f = names.index("f")
    cfg = RecoveryConfig(rounds=1, replacement_rate=1.0, new_tie_rate=1.0, runs=1)
    state, history = simulate_recovery(net, [f], cfg, seed=3)
    assert [(names[h.removed], h.role, names[h.successor]) for h in history] == [("f", "financier", "l")]
    assert "financier" in state.roles[names.index("l")]
    assert names.index("d1") in state.adj[names.index("l")]  # new tie to the removed one's contact
    assert capacity(net, state) == 1.0
    never = RecoveryConfig(rounds=3, replacement_rate=0.0, runs=1)
    assert capacity(net, simulate_recovery(net, [f], never, seed=3)[0]) == 0.0


def test_recovery_config_packaged_and_validated(tmp_path: Path) -> None:
    cfg = load_recovery_config()
    assert cfg.rounds >= 1 and 0 <= cfg.replacement_rate <= 1
    bad = tmp_path / "r.toml"
    bad.write_text("[recovery]\nreplacement_rate = 2.0\n")
    with pytest.raises(ValueError):
        load_recovery_config(bad)
    bad.write_text("[recovery]\nspeed = 1\n")
    with pytest.raises(ValueError, match="unknown"):
        load_recovery_config(bad)


def test_capacity_objective_targets_the_sole_financier() -> None:
    # A hub of drivers (degree-central) and a peripheral sole financier.
    edges = [(0, i) for i in range(1, 7)] + [(1, 7), (7, 8)]
    roles = ["driver", "driver", "driver", "guide", "guide", "recruiter", "driver", "lookout", "financier"]
    g = named(ig.Graph(n=9, edges=edges), role=roles)
    corridors = [{"id": "c1", "needs": ["guide", "driver", "financier"], "people": 30}]
    conn = plan_disruption(g, budget=1, corridors=corridors)
    cap = plan_disruption(g, budget=1, objective="capacity", corridors=corridors,
                          recovery=RecoveryConfig(rounds=0, runs=1))
    assert conn.targets[0].entity_id == "n0"
    assert cap.targets[0].entity_id in ("n8", "n7", "n1")  # the financier or a link to them
    assert cap.capacity_after == 0.0 and cap.capacity_before == 1.0
    assert cap.recommended == "capacity"


# ----------------------------------------------------------------------------- money


def test_money_min_cut_and_budget() -> None:
    pays = [
        Payment("family1", "msb_acct", 5000, "st-1"),
        Payment("family2", "msb_acct", 3000, "st-2"),
        Payment("family3", "acct2", 4000, "st-3"),
        Payment("msb_acct", "collector", 8000, "st-4"),
        Payment("acct2", "collector", 4000, "st-5"),
        Payment("collector", "boss", 12000, "st-6"),
    ]
    plan = plan_seizures(pays, 1)
    assert plan.revenue == pytest.approx(12000)
    assert [s.node for s in plan.seizures] in (["collector"], ["boss"])  # both are 1-node cuts
    assert plan.share_cut == pytest.approx(1.0)
    plan = plan_seizures(pays, 1, protected={"boss"})
    assert [s.node for s in plan.seizures] == ["collector"]
    assert "st-4" in plan.seizures[0].statement_ids and plan.method.startswith("minimum vertex cut")
    # The families are never seized even when protected lists are empty.
    assert all(not s.node.startswith("family") for s in plan_seizures(pays).seizures)
    # With the collector protected (a cooperating witness), one seizure cannot cut it all.
    partial = plan_seizures(pays, 1, protected={"collector", "boss"})
    assert partial.seizures[0].node == "msb_acct" and partial.share_cut == pytest.approx(8000 / 12000)
    assert partial.cut_payments[0].amount == pytest.approx(12000)


# ----------------------------------------------------------------------------- files and the command


def test_reads_mexico_trafficking_network_with_labels() -> None:
    folder = shared_dataset("human_trafficking_mexico")
    g = read_graph(folder / "Data.txt", "edgelist", folder / "labels.csv")
    assert (g.vcount(), g.ecount()) == (34, 225)
    labels = set(g.vs["label"])
    assert "Cuidador 1" in labels and not any(label.startswith("\ufeff") for label in labels)
    assert any(label.startswith("Reclutador") for label in labels)


def test_reads_caviar_adjacency_with_bom() -> None:
    g = read_graph(shared_dataset("morselli_caviar.csv"))
    assert (g.vcount(), g.ecount()) == (110, 205)
    assert g.vs["label"][0] == "1"


def write_formats(tmp: Path) -> dict[str, Path]:
    edges = tmp / "g.txt"
    edges.write_text("# smugglers\nana bo 2\nbo cruz 1\ncruz dan 1\ndan ana 1\ncruz eva 3\n")
    adj = tmp / "g.csv"
    adj.write_text('\ufeff"",ana,bo,cruz,dan\nana,0,1,0,1\nbo,1,0,1,0\ncruz,0,1,0,1\ndan,1,0,1,0\n', encoding="utf-8")
    gml = tmp / "g.graphml"
    g = ig.Graph(n=4, edges=[(0, 1), (1, 2), (2, 3), (1, 3)])
    g.vs["label"] = ["ana", "bo", "cruz", "dan"]
    g.es["weight"] = [1.0, 2.0, 1.0, 1.0]
    g.write_graphml(str(gml))
    return {"edgelist": edges, "adjacency": adj, "graphml": gml}


@pytest.mark.parametrize("fmt", ["edgelist", "adjacency", "graphml"])
def test_command_json_on_each_format(tmp_path: Path, fmt: str) -> None:
    path = write_formats(tmp_path)[fmt]
    result = CliRunner().invoke(
        build_app(), ["disrupt", "--graph", str(path), "--graph-format", fmt, "--budget", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    g = read_graph(path, fmt)  # type: ignore[arg-type]
    edges = [(g.vs[a]["label"], g.vs[b]["label"]) for a, b in g.get_edgelist()]
    assert set(data["strategies"]) >= {"degree", "betweenness", "collective_influence", "corehd", "optimised"}
    for name, s in data["strategies"].items():
        gone = set(s["order"])
        assert all(a in gone or b in gone for a, b in edges), name
        assert 0 < s["R"] <= 0.5
    assert data["order"] == data["strategies"][data["recommended"]]["order"]


def flat(text: str) -> str:
    """Command output with Rich's line wrapping undone."""
    return " ".join(text.split())


def test_command_table_and_errors(tmp_path: Path) -> None:
    files = write_formats(tmp_path)
    ok = CliRunner().invoke(build_app(), ["disrupt", "--graph", str(files["edgelist"]), "--budget", "1"])
    assert ok.exit_code == 0 and "optimised" in ok.output
    missing = CliRunner().invoke(build_app(), ["disrupt", "--graph", str(tmp_path / "none.txt")])
    assert missing.exit_code == 2 and "no such file" in flat(missing.output)
    ragged = tmp_path / "ragged.csv"
    ragged.write_text(",a,b,c\na,0,1,0\nb,1,0,1\n")
    bad = CliRunner().invoke(build_app(), ["disrupt", "--graph", str(ragged), "--graph-format", "adjacency"])
    assert bad.exit_code == 2 and "not a square matrix" in flat(bad.output)
    weights = tmp_path / "w.txt"
    weights.write_text("a b 1\nb c heavy\n")
    bad = CliRunner().invoke(build_app(), ["disrupt", "--graph", str(weights)])
    assert bad.exit_code == 2 and "bad weight 'heavy'" in flat(bad.output)
    negative = tmp_path / "neg.txt"
    negative.write_text("a b -1\n")
    with pytest.raises(GraphFormatError, match="bad weight"):
        read_graph(negative)


def test_graph_file_plan_saved_on_request_and_protected_never_in_it(tmp_path: Path) -> None:
    files = write_formats(tmp_path)
    db = str(tmp_path / "plans.duckdb")
    g = read_graph(files["edgelist"])
    victim = g.vs[max(range(g.vcount()), key=g.degree)]["label"]  # the hub, made a victim
    app = build_app()
    made = CliRunner().invoke(app, ["disrupt", "--graph", str(files["edgelist"]), "--budget", "2", "--json",
                                    "--save", "--db", db, "--protect", victim])
    assert made.exit_code == 0, made.output
    data = json.loads(made.output)
    assert victim not in data["order"]
    listed = CliRunner().invoke(app, ["disrupt", "plans", "--db", db, "--json"])
    (row,) = json.loads(listed.output)
    assert row["plan_id"] == data["graph"]["plan_id"] and row["graph_file"] == str(files["edgelist"])
    shown = json.loads(CliRunner().invoke(app, ["disrupt", "plans", row["plan_id"], "--db", db, "--json"]).output)
    assert shown["inputs"]["protect"] == [victim] and shown["source"] == "graph-file"
    unsaved = CliRunner().invoke(app, ["disrupt", "--graph", str(files["edgelist"]), "--db", db, "--json"])
    assert unsaved.exit_code == 0
    assert len(json.loads(CliRunner().invoke(app, ["disrupt", "plans", "--db", db, "--json"]).output)) == 1


def test_lazy_collective_influence_equals_full_recomputation() -> None:
    g = ig.Graph.Erdos_Renyi(n=60, m=110)
    adj = dm.simple_adjacency(g)
    ours = dm.collective_influence(adj, [True] * 60)
    h = g.copy()
    ref = []
    while h.ecount():
        deg = h.degree()
        def ci(i: int, h: ig.Graph = h, deg: list[int] = deg) -> int:
            ring = h.neighborhood(i, order=2, mindist=2)
            return (deg[i] - 1) * sum(deg[j] - 1 for j in ring) if deg[i] > 1 else 0
        v = min((i for i in range(60) if deg[i] > 0), key=lambda i: (-ci(i), -deg[i], i))
        ref.append(v)
        h.delete_edges(h.incident(v))
    assert ours == ref


def test_recovery_replaces_a_broker_without_role() -> None:
    # guide g – broker b – financier f, and a driver d tied to g and b: b holds no role but is
    # the only link to the money. After b's arrest g and d tie on every count (one tie to b, one
    # common contact, degree 2); g, first by index, steps into b's position and links to f.
    names = ["g", "b", "f", "d"]
    roles = [frozenset({"guide"}), frozenset(), frozenset({"financier"}), frozenset({"driver"})]
    adj: list[dict[int, float]] = [{1: 1.0, 3: 1.0}, {0: 1.0, 2: 1.0, 3: 1.0}, {1: 1.0}, {0: 1.0, 1: 1.0}]
    net = OpNetwork(names, adj, roles, [False] * 4, [Corridor("c", ("guide", "driver", "financier"), 10)])
    assert capacity(net, MemberState.start(net, [1])) == 0.0
    cfg = RecoveryConfig(rounds=1, replacement_rate=1.0, new_tie_rate=1.0, runs=1)
    state, history = simulate_recovery(net, [1], cfg, seed=0)
    assert [(h.role, names[h.successor]) for h in history] == [("(position)", "g")]
    assert capacity(net, state) == 1.0


def test_stored_plan_round_trips_and_respects_compartments(store: Store) -> None:
    """Saved on both backends; shown again equal; hidden from a viewer without the maker's compartment."""
    import random

    from netcase.access.errors import AccessDenied
    from netcase.access.viewer import Viewer
    from netcase.disrupt.plan import plan_from_dict
    from netcase.disrupt.plans import list_plans, load_plan, plan_inputs, save_plan

    random.seed(5)
    g = ig.Graph.Barabasi(60, 2)
    g.vs["name"] = [f"p{i}" for i in range(60)]
    g.vs["protected"] = [i % 10 == 0 for i in range(60)]
    plan = plan_disruption(g, 4)
    maker = Viewer.local("ana", compartments=frozenset({"op-sierra"}))
    pid = save_plan(store, plan, viewer=maker, inputs=plan_inputs(budget=4, objective="connectivity"),
                    graph_file="ba60.txt")
    (row,) = list_plans(store, maker)
    assert row["plan_id"] == pid and row["made_by"] == "ana" and row["graph_file"] == "ba60.txt"
    again = load_plan(store, maker, pid)
    assert plan_from_dict(again["result"]).order == plan.order
    assert again["robustness"] == pytest.approx(plan.strategies[plan.recommended].robustness)
    assert not {f"p{i}" for i in range(0, 60, 10)} & set(again["result"]["order"])
    outsider = Viewer.local("bo")
    assert list_plans(store, outsider) == []
    with pytest.raises(LookupError):
        load_plan(store, outsider, pid)
    with pytest.raises(AccessDenied):
        list_plans(store, Viewer.local("aud", roles=frozenset({"auditor"})))
