"""From the typed graph to the weighted person graph, with hubs detected and cut.

People are linked through what they share: a phone, an account, a vehicle, an address, a trip or
encounter, a call or a payment. A person is *attached* to an object directly (``Person.phone``,
``Trip.involved``) or through one intermediate object (a call between two phone numbers, a trip
made in a person's vehicle, a payment into a person's account): ``E = B + B·C`` where ``B`` holds
person–object links and ``C`` object–object links. Two people attached to the same object ``o`` are
linked with weight ``E[p,o]·E[q,o] / (r(o) − 1)``, ``r(o)`` being how many people ``o`` reaches
(Newman's collaboration weighting: an object shared by many says little about any one pair).

Hubs — objects reaching far too many people (a money-transfer paying agent, a shelter's phone, a
bus terminal) — are cut before projecting (rules in ``GraphConfig`` and docs/networks.md), and
reported. Protected people (victims, migrants) are removed before anything else: they neither
join networks nor bridge them.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import scipy.sparse as sp

from netcase.graph.config import VALUE_TYPES, GraphConfig
from netcase.graph.load import Edges, NodeInfo


def is_value_node(node: str) -> bool:
    """True for a typed-value node id (``phone:+52…``), false for an entity id."""
    head, sep, _ = node.partition(":")
    return bool(sep) and head in VALUE_TYPES


def node_type(node: str, info: NodeInfo) -> str:
    """A value node's type (``phone``…) or an entity's schema (``Thing`` when unknown)."""
    head = node.split(":", 1)[0]
    if head in VALUE_TYPES and ":" in node:
        return head
    return info.schema.get(node, "Thing")


@dataclass
class Projection:
    """The person graph and what it was made from."""

    persons: np.ndarray  # canonical person ids (not protected)
    objects: np.ndarray  # object node ids
    object_types: np.ndarray
    B: sp.csr_matrix  # persons x objects: direct links (hub columns zeroed)
    C: sp.csr_matrix  # objects x objects, symmetric (hub rows/columns zeroed)
    D: sp.csr_matrix  # persons x persons: direct links (Associate, Family…)
    reach: np.ndarray  # people each object reaches (before cuts)
    attach: sp.csr_matrix = field(default_factory=lambda: sp.csr_matrix((0, 0)))  # E = B + B·C
    weights: sp.csr_matrix = field(default_factory=lambda: sp.csr_matrix((0, 0)))  # person graph
    hubs: list[dict[str, Any]] = field(default_factory=list)
    protected_attach: dict[str, set[str]] = field(default_factory=dict)  # protected id -> objects

    def edge_list(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Upper-triangle links (i, j, weight) of the person graph."""
        up = sp.triu(self.weights, k=1).tocoo()
        return up.row, up.col, up.data


def _recency(last_seen: np.ndarray, newest: date | None, cfg: GraphConfig) -> np.ndarray:
    out = np.ones(len(last_seen))
    if newest is None:
        return out
    for i, d in enumerate(last_seen):
        if d is not None:
            age = (newest - d).days
            out[i] = max(cfg.recency_floor, 0.5 ** (max(age, 0) / cfg.half_life_days))
    return out


def link_weights(edges: Edges, info: NodeInfo, cfg: GraphConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per edge row: weight (kind x count x recency), and the types of both ends."""
    src_t = np.array([node_type(n, info) for n in edges.src], dtype=object)
    dst_t = np.array([node_type(n, info) for n in edges.dst], dtype=object)
    # The object end decides the kind of link (a phone, a trip); person-person links count as Person.
    kind_t = np.where(src_t == "Person", dst_t, src_t)
    kw = np.array([cfg.weight_of(t) for t in kind_t])
    w = kw * (1.0 + np.log(np.maximum(edges.count, 1))) * _recency(edges.last_seen, info.last_date, cfg)
    return w, src_t, dst_t


def _hub_outliers(reach: np.ndarray, cfg: GraphConfig) -> tuple[np.ndarray, float]:
    """Objects whose reach is an outlier: log reach above Q3 + k*IQR of objects reaching >= 2."""
    linking = reach[reach >= 2]
    if len(linking) < 4:
        limit = float("inf")
    else:
        logs = np.log(linking)
        q1, q3 = np.percentile(logs, [25, 75])
        limit = float(math.exp(q3 + cfg.hub_iqr_k * max(q3 - q1, math.log(2))))
    out = (reach >= cfg.hub_abs_people) | ((reach >= cfg.hub_min_people) & (reach > limit))
    return out, limit


def project(edges: Edges, info: NodeInfo, cfg: GraphConfig) -> Projection:
    """The person graph with degree hubs cut (participation hubs are cut by ``cut_participation``)."""
    w, src_t, dst_t = link_weights(edges, info, cfg)
    prot = info.protected
    touches_protected = np.array([s in prot or d in prot for s, d in zip(edges.src, edges.dst, strict=True)], dtype=bool)
    protected_attach: dict[str, set[str]] = {}
    for s, d in zip(edges.src[touches_protected], edges.dst[touches_protected], strict=True):
        if s in prot and d not in prot:
            protected_attach.setdefault(s, set()).add(d)
        elif d in prot and s not in prot:
            protected_attach.setdefault(d, set()).add(s)
    keep = ~touches_protected & (edges.src != edges.dst)
    src, dst, w, src_t, dst_t = edges.src[keep], edges.dst[keep], w[keep], src_t[keep], dst_t[keep]
    sp_ = src_t == "Person"
    dp_ = dst_t == "Person"
    persons = np.unique(np.concatenate([src[sp_], dst[dp_]])) if len(src) else np.array([], dtype=object)
    obj_mask_s, obj_mask_d = ~sp_, ~dp_
    objects = np.unique(np.concatenate([src[obj_mask_s], dst[obj_mask_d]])) if len(src) else np.array([], dtype=object)
    pidx = {p: i for i, p in enumerate(persons)}
    oidx = {o: i for i, o in enumerate(objects)}
    otypes = np.array([node_type(o, info) for o in objects], dtype=object)
    n_p, n_o = len(persons), len(objects)

    # Person-object (B), object-object (C), person-person (D) links.
    po = sp_ ^ dp_
    pr = [pidx[s] if a else pidx[d] for s, d, a in zip(src[po], dst[po], sp_[po], strict=True)]
    oc = [oidx[d] if a else oidx[s] for s, d, a in zip(src[po], dst[po], sp_[po], strict=True)]
    B = sp.csr_matrix((w[po], (pr, oc)), shape=(n_p, n_o))
    oo = ~sp_ & ~dp_
    ci = np.array([oidx[s] for s in src[oo]], dtype=np.int64)
    cj = np.array([oidx[d] for d in dst[oo]], dtype=np.int64)
    C = sp.csr_matrix((np.concatenate([w[oo], w[oo]]), (np.concatenate([ci, cj]), np.concatenate([cj, ci]))), shape=(n_o, n_o))
    pp = sp_ & dp_
    di = np.array([pidx[s] for s in src[pp]], dtype=np.int64)
    dj = np.array([pidx[d] for d in dst[pp]], dtype=np.int64)
    D = sp.csr_matrix((np.concatenate([w[pp], w[pp]]), (np.concatenate([di, dj]), np.concatenate([dj, di]))), shape=(n_p, n_p))

    E = _attach(B, C)
    reach = np.asarray((E > 0).sum(axis=0)).ravel()
    is_hub, limit = _hub_outliers(reach, cfg)
    hubs = []
    for j in np.flatnonzero(is_hub):
        rule = "absolute" if reach[j] >= cfg.hub_abs_people else "outlier"
        why = (f"reaches {reach[j]} people (>= {cfg.hub_abs_people})" if rule == "absolute" else
               f"reaches {reach[j]} people, above the outlier limit {limit:.0f} (Q3 + {cfg.hub_iqr_k} IQR of log reach)")
        hubs.append({"node_id": objects[j], "node_type": otypes[j], "people": int(reach[j]),
                     "communities": None, "rule": rule, "reason": why, "action": "cut"})
    proj = Projection(persons, objects, otypes, B, C, D, reach, hubs=hubs, protected_attach=protected_attach)
    _cut(proj, np.flatnonzero(is_hub))
    return proj


def _attach(B: sp.csr_matrix, C: sp.csr_matrix) -> sp.csr_matrix:
    E = (B + B @ C).tocsr()
    E.eliminate_zeros()
    return E


def _cut(proj: Projection, cut: np.ndarray) -> None:
    """Remove objects ``cut`` (indices) from attachment and recompute the person weights."""
    keep = np.ones(len(proj.objects))
    keep[cut] = 0.0
    K = sp.diags(keep)
    proj.B = B = (proj.B @ K).tocsr()
    proj.C = C = (K @ proj.C @ K).tocsr()
    E = _attach(B, C)
    r = np.asarray((E > 0).sum(axis=0)).ravel()
    scale = np.where(r >= 2, 1.0 / np.maximum(r - 1, 1), 0.0)
    W = (E @ sp.diags(scale) @ E.T).tocsr() + proj.D
    W.setdiag(0)
    W.eliminate_zeros()
    proj.attach = E
    proj.weights = W.tocsr()


def cut_participation(proj: Projection, membership: np.ndarray, cfg: GraphConfig) -> list[dict[str, Any]]:
    """Cut objects whose people spread over many communities with none dominant; returns the new hubs.

    ``membership`` gives each person's community (-1 for none)."""
    E = proj.attach.tocoo()
    comm = membership[E.row]
    ok = comm >= 0
    obj, comm = E.col[ok], comm[ok]
    if not len(obj):
        return []
    pairs = np.unique(np.stack([obj, comm], axis=1), axis=0)
    # People per (object, community): count persons, not pairs.
    key = obj.astype(np.int64) * (int(comm.max()) + 1) + comm
    uk, counts = np.unique(key, return_counts=True)
    n_comm = np.bincount(pairs[:, 0], minlength=len(proj.objects))
    total = np.bincount(obj, minlength=len(proj.objects))
    biggest = np.zeros(len(proj.objects), dtype=np.int64)
    np.maximum.at(biggest, (uk // (int(comm.max()) + 1)).astype(np.int64), counts)
    share = np.where(total > 0, biggest / np.maximum(total, 1), 1.0)
    bad = np.flatnonzero((n_comm >= cfg.hub_min_communities) & (share < cfg.hub_max_share))
    new = []
    for j in bad:
        new.append({"node_id": proj.objects[j], "node_type": proj.object_types[j], "people": int(total[j]),
                    "communities": int(n_comm[j]), "rule": "participation",
                    "reason": (f"links {total[j]} people across {n_comm[j]} networks; the largest holds "
                               f"{share[j]:.0%} (< {cfg.hub_max_share:.0%})"),
                    "action": "cut"})
    if len(bad):
        _cut(proj, bad)
        proj.hubs.extend(new)
    return new
