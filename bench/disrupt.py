"""Disruption benchmark: dismantling strategies on real criminal networks and synthetic graphs,
speed, and operational capacity after arrests and recovery.

    .venv/bin/python bench/disrupt.py [--quick]

Real networks are read from ../shared/datasets/criminal-networks (undirected, weights ignored for
connectivity). Sources: Morselli, *Inside Criminal Networks* (2009) for CAVIAR and CielNet;
Natarajan for the New York cocaine and heroin networks; the UCINET covert-networks collection for
the Italian gangs; Cavallaro et al., PLOS ONE 15(8):e0236476 (2020) for Operation Montagna; de la
Mora et al., "Modeling Human Trafficking Networks in Mexico and the Limits of Dismantling
Strategies" for the trafficking network. Writes the ``disrupt`` section of docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

import igraph as ig

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section  # noqa: E402
from netcase.disrupt import dismantle as dm  # noqa: E402
from netcase.disrupt.capacity import (  # noqa: E402
    Corridor,
    MemberState,
    OpNetwork,
    capacity,
    capacity_after_recovery,
    load_recovery_config,
    select_for_capacity,
)
from netcase.disrupt.io import read_graph  # noqa: E402
from netcase.disrupt.plan import plan_disruption  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "datasets" / "criminal-networks"
REAL = [
    ("CAVIAR (Morselli)", "morselli_caviar.csv", None),
    ("CielNet (Morselli)", "morselli_cielnet.csv", None),
    ("Cocaine NY (Natarajan)", "natajaran_cocaine.csv", None),
    ("Heroin NY (Natarajan)", "natajaran_heroin.csv", None),
    ("Italian gangs (UCINET)", "ITALIAN_GANGS.csv", None),
    ("Montagna meetings (Cavallaro)", "Montagna_meetings_edgelist.csv", None),
    ("Montagna calls (Cavallaro)", "Montagna_phonecalls_edgelist.csv", None),
    ("Trafficking Mexico (de la Mora)", "human_trafficking_mexico/Data.txt", "human_trafficking_mexico/labels.csv"),
]
EXACT = dm.BetweennessSettings(exact_limit=10**9)
NAMES = ["degree", "betweenness", "collective_influence", "corehd", "optimised"]
SHORT = {"degree": "degree", "betweenness": "btw", "collective_influence": "CI₂", "corehd": "CoreHD",
         "optimised": "optimised"}


def run_all(adj: dm.Adjacency, exact_betweenness: bool) -> dict[str, tuple[float, int, float]]:
    """R, removals to < 10 % and seconds for every strategy (betweenness exact if asked)."""
    cand = [True] * len(adj)
    out: dict[str, tuple[float, int, float]] = {}
    orders: dict[str, list[int]] = {}
    fns = {
        "degree": dm.adaptive_degree,
        "betweenness": lambda a, c: dm.adaptive_betweenness(a, c, EXACT if exact_betweenness else None),
        "collective_influence": dm.collective_influence,
        "corehd": dm.core_hd,
    }
    for name, fn in fns.items():
        t0 = time.perf_counter()
        orders[name] = fn(adj, cand)
        dt = time.perf_counter() - t0
        curve = dm.dismantling_curve(adj, dm.complete_order(adj, orders[name], cand))
        out[name] = (dm.robustness(curve), dm.removals_to_fraction(curve), dt)
    t0 = time.perf_counter()
    best, _ = dm.optimised(adj, cand, orders)
    dt = time.perf_counter() - t0 + sum(v[2] for v in out.values())
    curve = dm.dismantling_curve(adj, dm.complete_order(adj, best, cand))
    out["optimised"] = (dm.robustness(curve), dm.removals_to_fraction(curve), dt)
    return out


def comparison_rows(graphs: list[tuple[str, ig.Graph, bool]]) -> tuple[list[list[object]], int, int]:
    rows: list[list[object]] = []
    hit_goal = beats = 0
    for label, g, exact in graphs:
        adj = dm.simple_adjacency(g)
        res = run_all(adj, exact)
        r_opt, r_btw = res["optimised"][0], res["betweenness"][0]
        gain = 1 - r_opt / r_btw if r_btw else 0.0
        ok = r_opt <= min(res["corehd"][0], res["collective_influence"][0]) + 1e-12
        hit_goal += gain >= 0.10
        beats += ok
        rows.append([
            label, len(adj), sum(len(a) for a in adj) // 2,
            *[f"{res[n][0]:.4f}" for n in NAMES],
            f"{gain:+.1%}", "yes" if ok else "NO",
            " / ".join(str(res[n][1]) for n in NAMES),
            f"{res['optimised'][2]:.2f}",
        ])
        print(label, rows[-1], flush=True)
    return rows, hit_goal, beats


# ----------------------------------------------------------------------------- capacity world


ROLES_PER_CELL = {"recruiter": 2, "guide": 3, "driver": 3, "stash_house_operator": 2, "lookout": 2}


def smuggling_world(seed: int, cells: int = 6) -> tuple[ig.Graph, list[Corridor]]:
    """A role-labelled smuggling organisation: a leader, two financiers, one coordinator per cell,
    cells (recruiters, guides, drivers, stash-house operators, lookouts) each serving a corridor,
    a few cross-cell ties, and migrants (protected) attached to guides and drivers."""
    rng = random.Random(seed)
    names: list[str] = []
    roles: list[str | None] = []
    protected: list[bool] = []
    edges: set[tuple[int, int]] = set()

    def add(name: str, role: str | None, prot: bool = False) -> int:
        names.append(name)
        roles.append(role)
        protected.append(prot)
        return len(names) - 1

    def tie(a: int, b: int) -> None:
        if a != b:
            edges.add((min(a, b), max(a, b)))

    leader = add("leader", "leader")
    fins = [add(f"financier{i}", "financier") for i in range(2)]
    for f in fins:
        tie(leader, f)
    corridors: list[Corridor] = []
    cell_members: list[list[int]] = []
    for c in range(cells):
        coord = add(f"c{c}-coordinator", "coordinator")
        tie(coord, leader)
        tie(coord, fins[c % 2])
        members = [coord]
        for role, count in ROLES_PER_CELL.items():
            for i in range(count):
                members.append(add(f"c{c}-{role}{i}", role))
        for i, a in enumerate(members):
            for b in members[i + 1:]:
                if a == coord or rng.random() < 0.25:
                    tie(a, b)
        cell_members.append(members)
        for m in members:
            if roles[m] in ("guide", "driver") and rng.random() < 0.7:
                for k in range(rng.randint(1, 3)):
                    tie(m, add(f"c{c}-migrant{m}-{k}", "migrant", prot=True))
        served = {names[m] for m in members} | {names[f] for f in fins} | {"leader"}
        corridors.append(Corridor(
            f"corridor{c}", ("recruiter", "guide", "driver", "stash_house_operator", "financier"),
            float(rng.randint(50, 400)), frozenset(served)))
    for _ in range(cells * 2):  # drivers and stash houses shared between cells
        a, b = rng.sample(range(cells), 2)
        tie(rng.choice(cell_members[a][1:]), rng.choice(cell_members[b][1:]))
    g = ig.Graph(n=len(names), edges=sorted(edges))
    g.vs["name"] = names
    g.vs["label"] = names
    g.vs["role"] = roles
    g.vs["protected"] = protected
    return g, corridors


def capacity_rows(seeds: list[int], budgets: list[int]) -> list[list[object]]:
    cfg = load_recovery_config()
    slow = replace(cfg, rounds=1, replacement_rate=0.3)
    acc: dict[tuple[str, int], list[tuple[float, float, float]]] = {}
    for seed in seeds:
        g, corridors = smuggling_world(seed)
        plan = plan_disruption(g, max(budgets), corridors=corridors, objective="capacity")
        index = {n: i for i, n in enumerate(g.vs["name"])}
        net = OpNetwork(list(g.vs["name"]), [{u: 1.0 for u in g.neighbors(v)} for v in range(g.vcount())],
                        [frozenset({r}) if r else frozenset() for r in g.vs["role"]], list(g.vs["protected"]),
                        corridors)
        cand = [not p for p in g.vs["protected"]]
        for k in budgets:
            for name, res in plan.strategies.items():
                if name == "capacity":
                    picks = [v for v, _, _ in select_for_capacity(net, cand, k, cfg)]
                else:
                    picks = [index[x] for x in res.order[:k]]
                now = capacity(net, MemberState.start(net, picks))
                later = capacity_after_recovery(net, picks, cfg)
                later_slow = capacity_after_recovery(net, picks, slow)
                acc.setdefault((name, k), []).append((now, later, later_slow))
    rows = []
    for (name, k), vals in sorted(acc.items(), key=lambda t: (t[0][1], t[0][0])):
        rows.append([k, name, *[f"{statistics.mean(v[i] for v in vals):.0%}" for i in range(3)]])
    return rows


# ----------------------------------------------------------------------------- main


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="skip the 10,000-node runs")
    args = ap.parse_args()
    random.seed(2026)  # igraph's generators draw from Python's random module: reproducible graphs

    real = []
    for label, path, labels in REAL:
        g = read_graph(DATA / path, labels=DATA / labels if labels else None)
        real.append((label, g, True))
    real_rows, real_goal, real_ok = comparison_rows(real)

    synth: list[tuple[str, ig.Graph, bool]] = []
    for n in (100, 1000):
        synth.append((f"BA n={n}, m=2 (exact btw)", ig.Graph.Barabasi(n, 2), True))
    sbm_sizes = [100] * 10
    pref = [[0.08 if i == j else 0.002 for j in range(10)] for i in range(10)]
    synth.append(("SBM 10×100 (exact btw)", ig.Graph.SBM(pref, sbm_sizes), True))
    synth.append(("ER n=1000, ⟨k⟩=4 (exact btw)", ig.Graph.Erdos_Renyi(1000, m=2000), True))
    synth.append(("BA n=1000, m=2 (approx btw)", ig.Graph.Barabasi(1000, 2), False))
    if not args.quick:
        synth.append(("BA n=10000, m=2 (approx btw)", ig.Graph.Barabasi(10000, 2), False))
        pref10 = [[0.02 if i == j else 0.0002 for j in range(20)] for i in range(20)]
        synth.append(("SBM 20×500 (approx btw)", ig.Graph.SBM(pref10, [500] * 20), False))
    synth_rows, synth_goal, synth_ok = comparison_rows(synth)

    # Timing: the plan API on 1,000 members (median of 3) and the command on 10,000 nodes.
    timing = []
    g1000 = ig.Graph.Barabasi(1000, 2)
    g1000.vs["name"] = [f"p{i}" for i in range(1000)]
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        plan_disruption(g1000, 10)
        runs.append(time.perf_counter() - t0)
    timing.append(["plan_disruption, BA 1,000 members, k=10 (median of 3)", f"{statistics.median(runs):.2f} s"])
    if not args.quick:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "ba10k.txt"
            g = ig.Graph.Barabasi(10000, 2)
            path.write_text("".join(f"{a} {b}\n" for a, b in g.get_edgelist()))
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "netcase.cli", "disrupt", "--graph", str(path), "--json"],
                           check=True, capture_output=True)
            timing.append(["`netcase disrupt --graph` BA 10,000 nodes, all strategies, JSON",
                           f"{time.perf_counter() - t0:.1f} s"])

    cap_rows = capacity_rows(seeds=[1, 2, 3, 4, 5], budgets=[3, 6])

    headers = ["network", "N", "M", *[f"R {SHORT[n]}" for n in NAMES], "optimised vs btw",
               "≤ CoreHD & CI", "removals to <10% (deg/btw/CI/CoreHD/opt)", "opt s"]
    total = len(real_rows) + len(synth_rows)
    body = f"""
R = (1/N)·Σ_{{q=1..N}} s(q), s(q) = largest connected component after q removals / N (lower is better;
after a strategy's own order ends the remaining nodes follow, so every R covers the same N steps).
Adaptive betweenness is **exact** (recomputed after every single removal) on the real networks and
on the rows marked "exact btw"; rows marked "approx btw" use the plan's defaults (exact only in
components ≤ 100 nodes, otherwise 32 sampled pivots and batches of size/200; above 2,000 nodes 16
pivots and batches of size/100). "optimised" is the recommended strategy (never worse than its seeds
by construction). Times in seconds include the seed strategies; the machine was shared with other
jobs (load average 12–17 on 2 cores), so times are several-fold those of an idle machine.

### Real criminal networks

{markdown_table(headers, real_rows)}

### Synthetic networks

{markdown_table(headers, synth_rows)}

Goal "recommended R ≥ 10% below adaptive betweenness": met on {real_goal + synth_goal} of {total}
networks; "never worse than CoreHD or CI": met on {real_ok + synth_ok} of {total}.

### Speed

{markdown_table(["run", "time"], timing)}

### Operational capacity after arrests and after recovery

Synthetic role-labelled organisations (`smuggling_world` in this script: a leader, two financiers,
six cells of 13 with a coordinator each, each cell serving a corridor of 50–400 people that needs
recruiter, guide, driver, stash-house operator and financier; migrants attached as protected nodes),
five seeds; recovery rules from `src/netcase/disrupt/recovery.toml` (Duijn et al. 2014 mechanism),
mean of 20 seeded recovery runs. Capacity = share of people moved on corridors still operational.

{markdown_table(["arrests k", "strategy", "capacity right after", "after recovery (default rules)",
                 "after slow recovery (1 round, rate 0.3)"], cap_rows)}
"""
    write_section("disrupt", "Disruption planning (key players, capacity, recovery)", body,
                  command="python bench/disrupt.py" + (" --quick" if args.quick else ""))


if __name__ == "__main__":
    main()
