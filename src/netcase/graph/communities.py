"""Organisations: Leiden on the weighted person graph, cells inside them, ids stable across runs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import igraph as ig
import leidenalg
import numpy as np

from netcase.graph.config import GraphConfig


def person_igraph(n: int, rows: np.ndarray, cols: np.ndarray, weights: np.ndarray) -> ig.Graph:
    """An undirected weighted igraph on vertices 0..n-1."""
    g = ig.Graph(n=n, edges=np.stack([rows, cols], axis=1).tolist() if len(rows) else [], directed=False)
    g.es["weight"] = [float(x) for x in weights]
    return g


def leiden(g: ig.Graph, cfg: GraphConfig) -> np.ndarray:
    """Community per vertex (fixed seed so runs repeat), -1 when isolated.

    Each connected component is partitioned on its own: modularity compares a community with
    what the *whole* graph's degrees would predict, so on one graph of a thousand organisations a
    small organisation is below what modularity can resolve and merges with a neighbour (the
    resolution limit), while on its own component it is not. ``cfg.quality`` chooses the objective:
    ``modularity`` (RBConfiguration with ``cfg.resolution``) or ``cpm`` (constant Potts: a community
    is kept when its link density exceeds ``cfg.cpm_resolution``, whatever the graph's size)."""
    memb = np.full(g.vcount(), -1, dtype=np.int64)
    if not g.vcount():
        return memb
    nxt = 0
    for comp in g.connected_components():
        if len(comp) < 2:
            continue  # isolated people cannot be in a network
        if len(comp) < cfg.min_network_size:
            memb[comp] = nxt
            nxt += 1
            continue
        sub = g.induced_subgraph(comp)
        part = _partition(sub, cfg)
        memb[comp] = np.asarray(part, dtype=np.int64) + nxt
        nxt += max(part) + 1
    memb = absorb_fragments(g, memb, cfg.min_network_size)
    return merge_attached(g, split_weak(g, memb, cfg), cfg)


def merge_attached(g: ig.Graph, memb: np.ndarray, cfg: GraphConfig) -> np.ndarray:
    """Fold a small community into a larger one it is mostly tied to.

    The other side of CPM's one threshold: a handful of a big organisation's members (a stash
    house's crew) can hold less link weight to the organisation than the density threshold asks of
    a group next to hundreds, and stand apart although most of their links lead into it. A
    community sends ``share`` of its link weight to another when that many of its members' links
    end there; above ``cfg.merge_min_share`` it joins the larger community (the split of
    ``split_weak`` needs a share below ``cfg.split_max_conductance``, so the two never undo each
    other)."""
    if cfg.merge_min_share <= 0 or not (memb >= 0).any() or g.ecount() == 0:
        return memb
    memb = memb.copy()
    ends = np.asarray(g.get_edgelist(), dtype=np.int64)
    w = np.asarray(g.es["weight"], dtype=float)
    for _ in range(3):
        ca, cb = memb[ends[:, 0]], memb[ends[:, 1]]
        k = int(memb.max()) + 1
        vol = np.zeros(k)
        np.add.at(vol, ca[ca >= 0], w[ca >= 0])
        np.add.at(vol, cb[cb >= 0], w[cb >= 0])
        both = (ca >= 0) & (cb >= 0) & (ca != cb)
        pair: dict[tuple[int, int], float] = {}
        for a, b, x in zip(ca[both].tolist(), cb[both].tolist(), w[both].tolist(), strict=True):
            pair[(a, b)] = pair.get((a, b), 0.0) + x
            pair[(b, a)] = pair.get((b, a), 0.0) + x
        size = np.bincount(memb[memb >= 0], minlength=k)
        target: dict[int, tuple[float, int]] = {}
        for (a, b), x in pair.items():
            share = x / vol[a] if vol[a] > 0 else 0.0
            if share > cfg.merge_min_share and size[b] > size[a] and share > target.get(a, (0.0, -1))[0]:
                target[a] = (share, b)
        if not target:
            break
        moved = False
        for a, (_share, b) in sorted(target.items()):
            if b in target:  # the larger side moves too this round; join it next round
                continue
            memb[memb == a] = b
            moved = True
        if not moved:
            break
    return memb


def split_weak(g: ig.Graph, memb: np.ndarray, cfg: GraphConfig) -> np.ndarray:
    """Split off the parts of a community that hang on to it by a thread.

    CPM's one density threshold cannot fit every size: a small organisation whose coordinator
    takes a few calls from a big neighbour's coordinators passes it and merges, while a
    threshold high enough to stop that cuts big organisations into pieces. Inside each community
    a modularity split (Leiden, resolution 1) proposes parts; a part becomes a community of its
    own when its *conductance* — the weight of its links out of the part over the smaller of the
    two sides' total link weight — is below ``cfg.split_max_conductance`` and it has at least
    ``cfg.split_min_size`` people. Cells of one organisation are tied together far more tightly
    (their coordinators talk to each other), so they stay one community."""
    if cfg.split_max_conductance <= 0 or not (memb >= 0).any():
        return memb
    memb = memb.copy()
    nxt = int(memb.max()) + 1
    for c in np.unique(memb[memb >= 0]):
        vs = np.flatnonzero(memb == c)
        if len(vs) < 2 * cfg.split_min_size:
            continue
        sub = g.induced_subgraph(vs.tolist())
        if sub.ecount() == 0:
            continue
        part = np.asarray(leidenalg.find_partition(
            sub, leidenalg.RBConfigurationVertexPartition, weights="weight", resolution_parameter=1.0,
            seed=cfg.seed, n_iterations=-1).membership)
        if part.max() == 0:
            continue
        ends = np.asarray(sub.get_edgelist(), dtype=np.int64)
        w = np.asarray(sub.es["weight"], dtype=float)
        strength = np.zeros(len(vs))
        np.add.at(strength, ends[:, 0], w)
        np.add.at(strength, ends[:, 1], w)
        total = strength.sum()
        pa, pb = part[ends[:, 0]], part[ends[:, 1]]
        cross = pa != pb
        out = np.zeros(part.max() + 1)
        np.add.at(out, pa[cross], w[cross])
        np.add.at(out, pb[cross], w[cross])
        vol = np.bincount(part, weights=strength, minlength=part.max() + 1)
        size = np.bincount(part, minlength=part.max() + 1)
        cond = out / np.maximum(np.minimum(vol, total - vol), 1e-12)
        loose = [k for k in range(len(size)) if size[k] >= cfg.split_min_size and cond[k] < cfg.split_max_conductance]
        if len(loose) == len(size):
            loose = loose[1:]  # every part is loose: the first keeps the community's number
        for k in loose:
            memb[vs[part == k]] = nxt
            nxt += 1
    return memb


def _partition(sub: ig.Graph, cfg: GraphConfig) -> list[int]:
    if cfg.quality == "cpm":
        part = leidenalg.find_partition(
            sub, leidenalg.CPMVertexPartition, weights="weight", resolution_parameter=cfg.cpm_resolution,
            seed=cfg.seed, n_iterations=cfg.leiden_iterations)
    else:
        part = leidenalg.find_partition(
            sub, leidenalg.RBConfigurationVertexPartition, weights="weight",
            resolution_parameter=cfg.resolution, seed=cfg.seed, n_iterations=cfg.leiden_iterations)
    return list(part.membership)


def absorb_fragments(g: ig.Graph, memb: np.ndarray, min_size: int) -> np.ndarray:
    """Fold communities smaller than ``min_size`` into the community they are most strongly linked
    to. A high resolution keeps small organisations apart but can cut a pair off a network it
    plainly works with; a fragment with no link outside stays as it is (and is not a network)."""
    memb = memb.copy()
    for _ in range(3):
        sizes = np.bincount(memb[memb >= 0]) if (memb >= 0).any() else np.array([], dtype=np.int64)
        small = [c for c in np.flatnonzero((sizes > 0) & (sizes < min_size))]
        if not small:
            break
        changed = False
        for c in sorted(small, key=lambda c: (sizes[c], c)):
            vs = np.flatnonzero(memb == c)
            pull: dict[int, float] = {}
            for v in vs:
                for e in g.incident(int(v)):
                    u = g.es[e].target if g.es[e].source == v else g.es[e].source
                    cu = int(memb[u])
                    if cu >= 0 and cu != c:
                        pull[cu] = pull.get(cu, 0.0) + float(g.es[e]["weight"])
            if pull:
                memb[vs] = max(sorted(pull), key=lambda k: pull[k])
                changed = True
        if not changed:
            break
    return memb


def cells(g: ig.Graph, members: Sequence[int], cfg: GraphConfig) -> dict[int, int]:
    """Second-level Leiden inside one network: vertex -> cell number, empty when no clear split.

    A split is kept only when its modularity reaches ``cell_min_modularity`` and it has at least two
    cells of three or more people: small or tightly knit groups stay one cell."""
    if len(members) < cfg.cell_min_size:
        return {}
    sub = g.induced_subgraph(list(members))
    if sub.ecount() == 0:
        return {}
    part = leidenalg.find_partition(sub, leidenalg.ModularityVertexPartition, weights="weight",
                                    seed=cfg.seed, n_iterations=-1)
    sizes = np.bincount(part.membership)
    if part.modularity < cfg.cell_min_modularity or (sizes >= 3).sum() < 2:
        return {}
    return {int(members[i]): int(c) for i, c in enumerate(part.membership)}


def match_ids(
    new: Mapping[int, set[str]], old: Mapping[str, set[str]], issued: Sequence[str], cfg: GraphConfig
) -> dict[int, str]:
    """Give each new community an id: the old network it overlaps most (greedy, largest overlap
    first; overlap must cover ``match_min_overlap`` of the smaller side), else a fresh ``NET-nnnn``.

    A network therefore keeps its id when it grows, loses members, or both, as long as a core
    remains; when one splits, the larger part keeps the id."""
    pairs: list[tuple[int, int, str]] = []
    for c, mem in new.items():
        for nid, omem in old.items():
            ov = len(mem & omem)
            if ov and ov >= cfg.match_min_overlap * min(len(mem), len(omem)):
                pairs.append((ov, c, nid))
    pairs.sort(key=lambda t: (-t[0], t[1], t[2]))
    out: dict[int, str] = {}
    used: set[str] = set()
    for _ov, c, nid in pairs:
        if c in out or nid in used:
            continue
        out[c] = nid
        used.add(nid)
    nums = [int(x.split("-")[1]) for x in issued if x.startswith("NET-") and x.split("-")[1].isdigit()]
    nxt = max(nums, default=0) + 1
    # Fresh ids in a deterministic order: biggest community first, then by smallest member id.
    for c in sorted((c for c in new if c not in out), key=lambda c: (-len(new[c]), min(new[c]))):
        out[c] = f"NET-{nxt:04d}"
        nxt += 1
    return out
