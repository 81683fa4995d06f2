"""Networks measured against the synthetic world's truth (docs/sources.md, ``truth/``).

- ``oracle_resolve``: fills ``resolved`` from ``truth/records.csv`` (each person mention's true
  person) — an *oracle* resolution, named as such, to measure the networks stage alone.
- ``evaluate``: organisation recovery (ARI, NMI over true organisation members; a member in no
  predicted network counts as a singleton; also over the members some agency recorded, since a
  member absent from every record cannot be found), purity of the top 10 networks, role accuracy per role,
  ranking agreement (Spearman, NDCG@10) between priority order and truth's order.

Truth's order ranks organisations by ``harm points + people moved / 100`` with harm points as in
the packaged priority.toml (5 per death, 3 per sexual assault, 2 per kidnapping, 1 per extortion):
harm first, volume second.
"""

from __future__ import annotations

import csv
import math
from collections import Counter, defaultdict
from pathlib import Path
from typing import Any

import numpy as np
from scipy.stats import spearmanr

from netcase import hooks
from netcase.store import Store


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def oracle_resolve(store: Store, world: Path, run_id: str = "oracle") -> int:
    """Write the true person of every person mention into ``resolved``; returns rows written."""
    truth = {(r["source_file"], r["record_id"]): r["person_id"] for r in _read(world / "truth" / "records.csv")}
    rows = store.query("SELECT DISTINCT entity_id, source_file, source_record FROM statements WHERE schema = 'Person'")
    cols: dict[str, list[Any]] = {"entity_id": [], "canonical_id": [], "run_id": []}
    seen: set[str] = set()
    for eid, sf, rec in rows:
        pid = truth.get((sf, rec))
        if pid is None or eid in seen:
            continue
        seen.add(eid)
        cols["entity_id"].append(eid)
        cols["canonical_id"].append(pid)
        cols["run_id"].append(run_id)
    with store.transaction():
        store.execute("DELETE FROM resolved")
        store.insert_columns("resolved", cols)
        hooks.after_resolve(store, run_id)
    return len(cols["entity_id"])


def canonical_to_truth(store: Store, world: Path) -> dict[str, str]:
    """Each canonical person id → the true person most of its mentions belong to."""
    truth = {(r["source_file"], r["record_id"]): r["person_id"] for r in _read(world / "truth" / "records.csv")}
    rows = store.query(
        "SELECT DISTINCT coalesce(r.canonical_id, s.entity_id), s.source_file, s.source_record FROM statements s "
        "LEFT JOIN resolved r ON r.entity_id = s.entity_id WHERE s.schema = 'Person'")
    votes: dict[str, Counter[str]] = defaultdict(Counter)
    for cid, sf, rec in rows:
        pid = truth.get((sf, rec))
        if pid:
            votes[cid][pid] += 1
    return {cid: c.most_common(1)[0][0] for cid, c in votes.items()}


def _comb2(x: np.ndarray) -> float:
    return float((x * (x - 1) / 2).sum())


def ari(a: list[str], b: list[str]) -> float:
    """Adjusted Rand index of two labelings of the same items."""
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(table, (ai, bi), 1)
    n = len(a)
    s_ij, s_a, s_b = _comb2(table), _comb2(table.sum(1)), _comb2(table.sum(0))
    expected = s_a * s_b / (n * (n - 1) / 2) if n > 1 else 0.0
    top = (s_a + s_b) / 2 - expected
    return 1.0 if top == 0 else (s_ij - expected) / top


def nmi(a: list[str], b: list[str]) -> float:
    """Normalised mutual information (arithmetic mean normalisation)."""
    _, ai = np.unique(a, return_inverse=True)
    _, bi = np.unique(b, return_inverse=True)
    table = np.zeros((ai.max() + 1, bi.max() + 1))
    np.add.at(table, (ai, bi), 1)
    p = table / table.sum()
    pa, pb = p.sum(1), p.sum(0)
    nz = p > 0
    mi = float((p[nz] * np.log(p[nz] / np.outer(pa, pb)[nz])).sum())
    ha = -float((pa[pa > 0] * np.log(pa[pa > 0])).sum())
    hb = -float((pb[pb > 0] * np.log(pb[pb > 0])).sum())
    return 1.0 if ha + hb == 0 else 2 * mi / (ha + hb)


def _ndcg(pred_order: list[str], gain: dict[str, float], k: int = 10) -> float:
    dcg = sum(gain.get(x, 0.0) / math.log2(i + 2) for i, x in enumerate(pred_order[:k]))
    ideal = sorted(gain.values(), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg else 0.0


def evaluate(store: Store, world: Path) -> dict[str, Any]:
    """All figures of the networks stage against truth."""
    persons = {r["person_id"]: r for r in _read(world / "truth" / "persons.csv")}
    orgs = {r["org_id"]: r for r in _read(world / "truth" / "orgs.csv")}
    c2t = canonical_to_truth(store, world)
    members = store.query("SELECT entity_id, network_id, role FROM network_members")
    pred_net: dict[str, str] = {}
    pred_role: dict[str, str] = {}
    for eid, nid, role in members:
        pid = c2t.get(eid, eid)
        pred_net.setdefault(pid, nid)
        pred_role.setdefault(pid, role)
    org_members = [p for p, r in persons.items() if r["org_id"] and r["is_victim"] != "1" and r["role"] not in ("migrant", "victim", "relative")]
    # Members no agency ever recorded (absent from truth/records.csv) cannot be found by any method:
    # the figures are given over all members and over the recorded ones.
    recorded = {r["person_id"] for r in _read(world / "truth" / "records.csv")}
    truth_lab = [persons[p]["org_id"] for p in org_members]
    pred_lab = [pred_net.get(p, f"single:{p}") for p in org_members]
    # Networks holding people outside every organisation (victims, relatives, bystanders).
    outsiders = sum(1 for p in pred_net if p not in persons or not persons[p]["org_id"])
    protected_in = sum(1 for p in pred_net if p in persons and (persons[p]["is_victim"] == "1" or persons[p]["role"] in ("migrant", "victim")))

    ranks = store.query("SELECT network_id, rank, priority FROM network_assessments ORDER BY rank")
    by_net: dict[str, list[str]] = defaultdict(list)
    for p, nid in pred_net.items():
        by_net[nid].append(p)
    purity = []
    net_org: dict[str, str] = {}
    for nid, _rank, _prio in ranks[:10]:
        labs = Counter(persons[p]["org_id"] if p in persons and persons[p]["org_id"] else "-" for p in by_net[nid])
        org, n = labs.most_common(1)[0]
        purity.append(n / max(sum(labs.values()), 1))
    for nid, _rank, _prio in ranks:
        labs = Counter(persons[p]["org_id"] for p in by_net[nid] if p in persons and persons[p]["org_id"])
        if labs:
            net_org[nid] = labs.most_common(1)[0][0]

    def points(o: dict[str, str]) -> float:
        return 5 * float(o["deaths"]) + 3 * float(o["sexual_assaults"]) + 2 * float(o["kidnappings"]) + float(o["extortions"]) + float(o["migrants_moved"]) / 100

    gain = {oid: points(o) for oid, o in orgs.items()}
    # Each organisation's best-ranked network stands for it; organisations never found rank last.
    pred_order: list[str] = []
    for nid, _r, _p in ranks:
        o = net_org.get(nid)
        if o and o not in pred_order:
            pred_order.append(o)
    missing = [o for o in sorted(orgs, key=lambda o: -gain[o]) if o not in pred_order]
    full_order = pred_order + missing
    pos = {o: i for i, o in enumerate(full_order)}
    truth_order = sorted(orgs, key=lambda o: -gain[o])
    tpos = {o: i for i, o in enumerate(truth_order)}
    rho = float(spearmanr([pos[o] for o in orgs], [tpos[o] for o in orgs]).statistic) if len(orgs) > 2 else float("nan")
    # The same over the organisations found: how well the found are ordered.
    found = [o for o in orgs if o in pred_order]
    rho_found = (float(spearmanr([pos[o] for o in found], [gain[o] * -1 for o in found]).statistic)
                 if len(found) > 2 else float("nan"))

    per_role: dict[str, list[int]] = defaultdict(list)
    for p in org_members:
        if p in pred_role:
            per_role[persons[p]["role"]].append(int(pred_role[p] == persons[p]["role"]))
    return {
        "org_members": len(org_members), "in_networks": sum(1 for p in org_members if p in pred_net),
        "networks": len(ranks), "ari": ari(truth_lab, pred_lab), "nmi": nmi(truth_lab, pred_lab),
        # The same over the members placed in some network: how well the found are grouped.
        "ari_found": ari([t for t, p in zip(truth_lab, pred_lab, strict=True) if not p.startswith("single:")],
                         [p for p in pred_lab if not p.startswith("single:")]),
        "recorded_members": sum(1 for p in org_members if p in recorded),
        "ari_recorded": ari([t for t, p in zip(truth_lab, org_members, strict=True) if p in recorded],
                            [x for x, p in zip(pred_lab, org_members, strict=True) if p in recorded]),
        "nmi_recorded": nmi([t for t, p in zip(truth_lab, org_members, strict=True) if p in recorded],
                            [x for x, p in zip(pred_lab, org_members, strict=True) if p in recorded]),
        "purity_top10": float(np.mean(purity)) if purity else float("nan"),
        "outsiders_in_networks": outsiders, "protected_in_networks": protected_in,
        "spearman": rho, "spearman_found": rho_found, "ndcg10": _ndcg(full_order, gain),
        "role_accuracy": {r: (float(np.mean(v)), len(v)) for r, v in sorted(per_role.items())},
        "role_accuracy_all": float(np.mean([x for v in per_role.values() for x in v])) if per_role else float("nan"),
    }
