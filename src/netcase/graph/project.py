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
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import scipy.sparse as sp

from netcase.graph.config import EVENT_SCHEMATA, VALUE_TYPES, GraphConfig
from netcase.graph.load import Edges, NodeInfo


def factorize(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(codes, uniques) of an array of strings, hashed in Arrow (sorting millions of Python
    strings with numpy is what made the first version slow)."""
    if not len(values):
        return np.array([], dtype=np.int64), np.array([], dtype=object)
    enc = pa.array(values, type=pa.string()).dictionary_encode()
    codes = enc.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    return codes, np.array(enc.dictionary.to_pylist(), dtype=object)


# Node type of an organisation's recorded name (see ``organisation_names``).
ORG_NAME = "orgname"
_NODE_PREFIXES = frozenset((*VALUE_TYPES, ORG_NAME))


def is_value_node(node: str) -> bool:
    """True for a typed-value node id (``phone:+52…``, ``orgname:los primos``), false for an entity id."""
    head, sep, _ = node.partition(":")
    return bool(sep) and head in _NODE_PREFIXES


def node_type(node: str, info: NodeInfo) -> str:
    """A value node's type (``phone``…) or an entity's schema (``Thing`` when unknown)."""
    head = node.split(":", 1)[0]
    if head in _NODE_PREFIXES and ":" in node:
        return head
    return info.schema.get(node, "Thing")


def _name_key(name: str) -> str:
    """A name compared without case, accents or punctuation ("Los Güeros" = "LOS GUEROS")."""
    flat = unicodedata.normalize("NFKD", name.casefold())
    flat = "".join(ch for ch in flat if not unicodedata.combining(ch))
    return " ".join("".join(ch if ch.isalnum() else " " for ch in flat).split())


def organisation_names(edges: Edges, info: NodeInfo) -> Edges:
    """A link person → ``orgname:<name>`` for every membership an agency recorded.

    Case reports name each subject's organisation, but every report makes its own Organization
    entity (nothing resolves organisations), so a membership links its person to nobody. The
    organisation's *name* is what the records share: two subjects an agency files under "Los
    Primos" are linked through that name. Names collide (several organisations called "Los Primos"),
    so a name node is weighted and cut like any shared object (``orgname`` weight, participation
    rule); it is never cut for its reach alone (an organisation of 200 is named in 200 records)."""
    is_member = edges.kind == "Membership.member"
    is_org = edges.kind == "Membership.organization"
    if not is_member.any() or not is_org.any():
        return Edges.empty()
    org_of = dict(zip(edges.src[is_org].tolist(), edges.dst[is_org].tolist(), strict=True))
    sample_of = dict(zip(edges.src[is_org].tolist(), edges.sample[is_org].tolist(), strict=True))
    src: list[str] = []
    dst: list[str] = []
    keep: list[int] = []
    samples: list[str] = []
    for k, (m, person) in enumerate(zip(edges.src[is_member].tolist(), edges.dst[is_member].tolist(), strict=True)):
        org = org_of.get(m)
        name = info.label.get(org, "") if org is not None and info.schema.get(org) == "Organization" else ""
        key = _name_key(name) if name and name != org else ""
        if key:
            src.append(person)
            dst.append(f"{ORG_NAME}:{key}")
            keep.append(k)
            samples.append(sample_of[m])
    rows = np.flatnonzero(is_member)[keep] if keep else np.array([], dtype=np.int64)
    return Edges(np.array(src, dtype=object), np.array(dst, dtype=object),
                 np.full(len(src), "Membership.organization", dtype=object), edges.count[rows],
                 edges.last_seen[rows], np.array(samples, dtype=object))


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
    active: np.ndarray = field(default_factory=lambda: np.array([], dtype=bool))  # neither protected nor client
    clients: set[str] = field(default_factory=set)
    hubs: list[dict[str, Any]] = field(default_factory=list)
    protected_attach: dict[str, set[str]] = field(default_factory=dict)  # protected id -> objects

    def edge_list(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Upper-triangle links (i, j, weight) of the person graph."""
        up = sp.triu(self.weights, k=1).tocoo()
        return up.row, up.col, up.data


def _recency(last_seen: np.ndarray, newest: date | None, cfg: GraphConfig) -> np.ndarray:
    if newest is None or not len(last_seen):
        return np.ones(len(last_seen))
    days = np.array(last_seen, dtype="datetime64[D]")
    age = (np.datetime64(newest, "D") - days).astype("float64")  # NaT -> nan
    rec = np.maximum(cfg.recency_floor, 0.5 ** (np.maximum(age, 0.0) / cfg.half_life_days))
    return np.where(np.isnan(age), 1.0, rec)


def link_weights(edges: Edges, info: NodeInfo, cfg: GraphConfig) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per edge row: weight (kind x count x recency), and the types of both ends."""
    # Types are looked up once per distinct node, not once per link.
    inv, uniq = factorize(np.concatenate([edges.src, edges.dst]))
    utype = np.array([node_type(n, info) for n in uniq], dtype=object)
    n = len(edges)
    src_t, dst_t = utype[inv[:n]], utype[inv[n:]]
    # The object end decides the kind of link (a phone, a trip); person-person links count as Person.
    kind_t = np.where(src_t == "Person", dst_t, src_t)
    ut, tinv = np.unique(kind_t.astype(str), return_inverse=True)
    kw = np.array([cfg.weight_of(t) for t in ut])[tinv] if len(ut) else np.array([])
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


# Links that describe a person rather than connect them (their own identity documents).
NEUTRAL_KINDS = frozenset({"Identification.holder", "Passport.holder"})
PAYMENT_KINDS = frozenset({"Payment.payer", "Payment.beneficiary"})


def customers(edges: Edges, src_t: np.ndarray, dst_t: np.ndarray, collector_min_payers: int = 3) -> set[str]:
    """People whose only links to events and things are money transfers (besides their own identity
    documents): relatives paying a migrant's fee and the ordinary senders and receivers a
    money-service business serves. They are clients, not members: they must not pull a money
    collector into a community of their own, nor form "networks" of family remittances.

    Someone paid by ``collector_min_payers`` or more different people is not a client but a
    collector (many unrelated senders to one receiver): a network's financier is often seen only
    at the paying agent's counter. Collectors stay in the person graph; the payments still link
    them to nobody (their payers are clients), but their phones, accounts and addresses do."""
    values = np.array(VALUE_TYPES, dtype=object)
    sp_, dp_ = src_t == "Person", dst_t == "Person"
    pp = sp_ & dp_
    left = sp_ & ~dp_ & ~np.isin(dst_t, values)
    right = dp_ & ~sp_ & ~np.isin(src_t, values)
    # Plain sets, not fixed-width numpy strings: at millions of links those cost gigabytes.
    anything: set[str] = set()
    other: set[str] = set()
    people = (edges.src[left], edges.dst[right])
    kinds = (edges.kind[left], edges.kind[right])
    for ps, ks in zip(people, kinds, strict=True):
        for p, k in zip(ps.tolist(), ks.tolist(), strict=True):
            if k in NEUTRAL_KINDS:
                continue
            anything.add(p)
            if k not in PAYMENT_KINDS:
                other.add(p)
    for p in edges.src[pp].tolist() + edges.dst[pp].tolist():
        anything.add(p)
        other.add(p)
    # Distinct payers per beneficiary, through the payments they share.
    pay = edges.kind == "Payment.payer"
    payers_of: dict[str, set[str]] = {}
    for payment, payer in zip(edges.src[pay].tolist(), edges.dst[pay].tolist(), strict=True):
        payers_of.setdefault(payment, set()).add(payer)
    paid_by: dict[str, set[str]] = {}
    ben = edges.kind == "Payment.beneficiary"
    for payment, person in zip(edges.src[ben].tolist(), edges.dst[ben].tolist(), strict=True):
        paid_by.setdefault(person, set()).update(payers_of.get(payment, ()))
    collectors = {p for p, payers in paid_by.items() if len(payers - {p}) >= collector_min_payers}
    return anything - other - collectors


def project(edges: Edges, info: NodeInfo, cfg: GraphConfig) -> Projection:
    """The person graph with degree hubs cut (participation hubs are cut by ``cut_participation``).

    Every person counts towards an object's reach (a phone used by eight migrants and two guides
    is a shared phone, weak evidence between the guides), but only *active* people — neither
    protected nor paying clients — get rows in the person graph: victims and migrants never join
    or bridge a network."""
    edges = Edges.concat([edges, organisation_names(edges, info)])
    w, src_t, dst_t = link_weights(edges, info, cfg)
    keep = edges.src != edges.dst
    src, dst, w, src_t, dst_t = edges.src[keep], edges.dst[keep], w[keep], src_t[keep], dst_t[keep]
    clients = customers(Edges(src, dst, edges.kind[keep], edges.count[keep], edges.last_seen[keep], edges.sample[keep]),
                        src_t, dst_t, cfg.collector_min_payers)
    sp_ = src_t == "Person"
    dp_ = dst_t == "Person"
    persons = factorize(np.concatenate([src[sp_], dst[dp_]]))[1]
    objects = factorize(np.concatenate([src[~sp_], dst[~dp_]]))[1]
    p_set, o_set = pa.array(persons, type=pa.string()), pa.array(objects, type=pa.string())
    otypes = np.array([node_type(o, info) for o in objects], dtype=object)
    n_p, n_o = len(persons), len(objects)
    active = np.array([p not in info.protected and p not in clients for p in persons], dtype=bool)

    def pos_p(a: np.ndarray) -> np.ndarray:
        return pc.index_in(pa.array(a, type=pa.string()), value_set=p_set).to_numpy(zero_copy_only=False).astype(np.int64)

    def pos_o(a: np.ndarray) -> np.ndarray:
        return pc.index_in(pa.array(a, type=pa.string()), value_set=o_set).to_numpy(zero_copy_only=False).astype(np.int64)

    # Person-object (B), object-object (C), person-person (D) links.
    po = sp_ ^ dp_
    pcol = np.where(sp_[po], src[po], dst[po])
    ocol = np.where(sp_[po], dst[po], src[po])
    B = sp.csr_matrix((w[po], (pos_p(pcol), pos_o(ocol))), shape=(n_p, n_o))
    oo = ~sp_ & ~dp_
    ci, cj = pos_o(src[oo]), pos_o(dst[oo])
    # Two-hop attachment runs only from what a person holds (a phone, a vehicle, an account) to an
    # event (a call, a trip, a payment): the caller is on the call made from their phone, but two
    # people who called the same number are not thereby linked to each other's phones.
    ev = np.isin(otypes, EVENT_SCHEMATA)
    fwd = ~ev[ci] & ev[cj]
    bwd = ev[ci] & ~ev[cj]
    rows = np.concatenate([ci[fwd], cj[bwd]])
    cols = np.concatenate([cj[fwd], ci[bwd]])
    C = sp.csr_matrix((np.concatenate([w[oo][fwd], w[oo][bwd]]), (rows, cols)), shape=(n_o, n_o))
    pp = sp_ & dp_
    di, dj = pos_p(src[pp]), pos_p(dst[pp])
    ok = active[di] & active[dj] if len(di) else np.array([], dtype=bool)
    di, dj, wd = di[ok], dj[ok], w[pp][ok]
    D = sp.csr_matrix((np.concatenate([wd, wd]), (np.concatenate([di, dj]), np.concatenate([dj, di]))), shape=(n_p, n_p))

    # Places and far-reaching holdings go before the two-hop product: a town-level address held
    # by thousands and the location of thousands of encounters would otherwise attach every
    # holder to every encounter (millions of entries) before any cut.
    direct = np.asarray((B > 0).sum(axis=0)).ravel()
    # An address value without a single digit is a town or a sector ("Ciudad de Guatemala",
    # "McAllen, Rio Grande Valley Sector"): a place where thousands live, not a shared address.
    is_place = np.array([t == "address" and not any(ch.isdigit() for ch in o) for o, t in zip(objects, otypes, strict=True)], dtype=bool)
    is_place &= direct >= 2
    # An organisation's name reaches as many people as it has members on record: only the
    # participation rule (its people fall in several networks) can show it is shared.
    named = otypes == ORG_NAME
    early = ~is_place & (direct >= cfg.hub_abs_people) & ~np.isin(otypes, EVENT_SCHEMATA) & ~named
    hubs = [{"node_id": objects[j], "node_type": otypes[j], "people": int(direct[j]), "communities": None,
             "rule": "place", "reason": f"an address with no street number (a town or sector) shared by {direct[j]} people",
             "action": "cut"} for j in np.flatnonzero(is_place)]
    hubs += [{"node_id": objects[j], "node_type": otypes[j], "people": int(direct[j]), "communities": None,
              "rule": "absolute", "reason": f"held by {direct[j]} people (>= {cfg.hub_abs_people})", "action": "cut"}
             for j in np.flatnonzero(early)]
    keep = sp.diags((~(is_place | early)).astype(float))
    E = _attach((B @ keep).tocsr(), (keep @ C @ keep).tocsr())
    reach = _reach(E, active, otypes)
    is_hub, limit = _hub_outliers(reach, cfg)
    is_hub &= ~(is_place | early | named)
    for j in np.flatnonzero(is_hub):
        rule = "absolute" if reach[j] >= cfg.hub_abs_people else "outlier"
        why = (f"reaches {reach[j]} people (>= {cfg.hub_abs_people})" if rule == "absolute" else
               f"reaches {reach[j]} people, above the outlier limit {limit:.0f} (Q3 + {cfg.hub_iqr_k} IQR of log reach)")
        hubs.append({"node_id": objects[j], "node_type": otypes[j], "people": int(reach[j]),
                     "communities": None, "rule": rule, "reason": why, "action": "cut"})
    is_hub |= is_place | early
    proj = Projection(persons, objects, otypes, B, C, D, reach, active=active, clients=clients, hubs=hubs)
    _cut(proj, np.flatnonzero(is_hub))
    prot_rows = np.flatnonzero(np.array([p in info.protected for p in persons], dtype=bool))
    sub = proj.attach.tocsr()[prot_rows].tocoo()
    for i, j in zip(sub.row, sub.col, strict=True):
        proj.protected_attach.setdefault(str(persons[prot_rows[i]]), set()).add(str(objects[j]))
    return proj


def _reach(E: sp.csr_matrix, active: np.ndarray, otypes: np.ndarray) -> np.ndarray:
    """People each object reaches. Phones, accounts, addresses count everyone who uses them (a
    phone shared by eight migrants and two guides is a public phone, weak evidence between the
    guides); events count only active people (a crossing with 70 migrants and two guides is still
    one trip the two guides made together)."""
    everyone = np.asarray((E > 0).sum(axis=0)).ravel()
    act = np.asarray((sp.diags(active.astype(float)) @ (E > 0).astype(float)).sum(axis=0)).ravel().astype(np.int64)
    is_event = np.isin(otypes, EVENT_SCHEMATA)
    return np.where(is_event, act, everyone)


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
    proj.C = C = (K @ proj.C @ K).tocsr()  # directed: holdings -> events
    E = _attach(B, C)
    r = _reach(E, proj.active, proj.object_types)
    scale = np.where(r >= 2, 1.0 / np.maximum(r - 1, 1), 0.0)
    Ea = (sp.diags(proj.active.astype(float)) @ E).tocsr()
    W = (Ea @ sp.diags(scale) @ Ea.T).tocsr() + proj.D
    W.setdiag(0)
    W.eliminate_zeros()
    proj.attach = E
    proj.weights = W.tocsr()


def cut_participation(proj: Projection, membership: np.ndarray, cfg: GraphConfig) -> list[dict[str, Any]]:
    """Cut objects whose people spread over many communities with none dominant; returns the new hubs.

    ``membership`` gives each person's community (-1 for none)."""
    E = proj.attach.tocoo()
    comm = membership[E.row]
    comm[~proj.active[E.row]] = -1
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
