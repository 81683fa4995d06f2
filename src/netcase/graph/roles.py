"""Roles of network members, inferred from structure and event types, each with its evidence.

A role is scored from rules; each rule that fires adds weight to a role and records the statements
behind it. The highest-scoring role wins; ``member`` when nothing points anywhere. An agency's
recorded role (``nc:reportedRole``, ``nc:subjectCategory``) is one piece of evidence among
others, weighted like one structural rule, never taken as truth. Protected people never get here.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import igraph as ig
import numpy as np

from netcase.graph.facts import Facts

ROLES: tuple[str, ...] = (
    "leader", "coordinator", "recruiter", "guide", "driver", "stash_house_operator", "lookout",
    "financier",
)

# What agencies write, in English and Spanish, mapped to the roles above.
REPORTED: dict[str, str] = {
    "leader": "leader", "boss": "leader", "jefe": "leader", "lider": "leader", "líder": "leader",
    "coordinator": "coordinator", "coordinador": "coordinator", "broker": "coordinator",
    "recruiter": "recruiter", "reclutador": "recruiter", "enganchador": "recruiter",
    "guide": "guide", "guia": "guide", "guía": "guide", "coyote": "guide", "pollero": "guide",
    "driver": "driver", "transporter": "driver", "raitero": "driver", "chofer": "driver",
    "stash_house_operator": "stash_house_operator", "stash house operator": "stash_house_operator",
    "caretaker": "stash_house_operator", "cuidador": "stash_house_operator",
    "lookout": "lookout", "halcon": "lookout", "halcón": "lookout", "escolta": "lookout",
    "financier": "financier", "money collector": "financier", "money_collector": "financier",
    "collector": "financier", "cobrador": "financier", "financiero": "financier",
}
# Longest phrase first, so "stash house operator" wins over "operator"-like shorter keys.
_REPORTED_LONGEST_FIRST = tuple(sorted(REPORTED.items(), key=lambda kv: -len(kv[0])))
CATEGORY_ROLE = {"GUIDE": "guide", "DRIVER": "driver", "LOOKOUT": "lookout"}
REPORTED_WEIGHT = 1.0
# Datasets of partner countries' police reports (ingest mappings partner_gtm, partner_mex, …).
PARTNER_PREFIX = "partner_"
REPORTED_CAP = 3


@dataclass
class RoleResult:
    role: str
    score: float
    evidence: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class MemberLinks:
    """One person's typed links: (kind, other node, statements count, sample statement id)."""

    links: list[tuple[str, str, int, str]] = field(default_factory=list)
    reported: list[tuple[str, str, str]] = field(default_factory=list)  # (prop, value, statement id)
    datasets: dict[str, str] = field(default_factory=dict)  # datasets recording the person -> a statement id


def _add(scores: dict[str, float], ev: list[dict[str, Any]], role: str, w: float, rule: str,
         stmts: Sequence[str]) -> None:
    if w <= 0:
        return
    scores[role] += w
    ev.append({"role": role, "weight": round(w, 3), "rule": rule, "statements": sorted(set(stmts))[:20]})


def _event_type(f: Facts | None) -> str:
    if f is None:
        return ""
    t = f.first("nc:eventType")
    return (t or f.schema).lower()


def infer_roles(
    members: Sequence[str],
    sub: ig.Graph,
    links: dict[str, MemberLinks],
    facts: dict[str, Facts],
    cells: dict[str, str | None],
) -> dict[str, RoleResult]:
    """Role per member. ``sub`` is the network's person graph (vertex ``name`` = entity id)."""
    idx = {n: i for i, n in enumerate(sub.vs["name"])} if sub.vcount() else {}
    strength = np.array(sub.strength(weights="weight")) if sub.vcount() else np.array([])
    btw = np.array(sub.betweenness(weights=[1.0 / max(w, 1e-9) for w in sub.es["weight"]])) if sub.ecount() else np.zeros(sub.vcount())
    n = max(sub.vcount(), 1)
    btw_norm = btw / max(((n - 1) * (n - 2)) / 2, 1)
    # Operational exposure: how many trips/encounters/harm events a member took part in directly.
    ops: dict[str, int] = {}
    for m in members:
        ml = links.get(m, MemberLinks())
        ops[m] = sum(1 for _k, o, _c, _s in ml.links if facts.get(o) is not None and facts[o].schema in ("Trip", "Event"))
    ops_median = float(np.median(list(ops.values()))) if ops else 0.0
    top_strength = float(strength.max()) if len(strength) else 0.0

    out: dict[str, RoleResult] = {}
    for m in members:
        scores: dict[str, float] = defaultdict(float)
        ev: list[dict[str, Any]] = []
        ml = links.get(m, MemberLinks())
        # 1. What agencies recorded (evidence, capped so repetition cannot outvote structure).
        rep: dict[str, list[str]] = defaultdict(list)
        for prop, value, sid in ml.reported:
            v = value.strip().lower()
            role = REPORTED.get(v) if prop == "nc:reportedRole" else CATEGORY_ROLE.get(value.strip().upper())
            if role:
                rep[role].append(sid)
        # 2. What they did: typed links to vehicles, trips, places, payments, calls.
        by: dict[str, list[tuple[str, int, str]]] = defaultdict(list)
        for kind, other, cnt, sid in ml.links:
            f = facts.get(other)
            et = _event_type(f)
            schema = f.schema if f else kind.split(".", 1)[0]
            if kind in ("Vehicle.owner", "Vehicle.operator", "Trip.vehicle") or schema == "Vehicle":
                by["vehicle"].append((other, cnt, sid))
            if schema == "Payment" and kind.endswith(("beneficiary", "beneficiaryAccount")):
                by["paid"].append((other, cnt, sid))
            if schema == "BankAccount":
                by["account"].append((other, cnt, sid))
            texts = [] if f is None else [v.lower() for p in ("summary", "description", "notes", "role", "remarks") for v in f.values(p)]
            if f is not None and schema in ("Membership", "UnknownLink", "Associate"):
                # A link's own role text ("named by the interviewee as guide") is a recorded role.
                for text in f.values("role"):
                    low = text.lower()
                    hit = next((r for k, r in _REPORTED_LONGEST_FIRST if k in low), None)
                    if hit:
                        rep[hit].extend(f.ids("role"))
            if "stash" in et or any("stash" in t for t in texts):
                by["stash"].append((other, cnt, sid))
            if et in ("smuggling_trip", "trip") or schema == "Trip":
                by["trip"].append((other, cnt, sid))
            if et == "encounter":
                by["encounter"].append((other, cnt, sid))
            if et == "recruitment" or "recruit" in et:
                by["recruit"].append((other, cnt, sid))
            if schema == "Call":
                by["call"].append((other, cnt, sid))
        for role, rsids in rep.items():
            _add(scores, ev, role, REPORTED_WEIGHT * min(len(rsids), REPORTED_CAP) / REPORTED_CAP + 0.5,
                 f"recorded as {role} by {len(rsids)} record(s)", rsids)

        def sids(key: str, by: dict[str, list[tuple[str, int, str]]] = by) -> list[str]:
            return [s for _o, _c, s in by[key]]
        if by["vehicle"]:
            _add(scores, ev, "driver", 0.6 + 0.2 * min(len(by["vehicle"]), 3), f"linked to {len(by['vehicle'])} vehicle record(s)", sids("vehicle"))
        if by["paid"] or by["account"]:
            k = len(by["paid"])
            _add(scores, ev, "financier", 0.4 * math.log1p(k) + (0.3 if by["account"] else 0.0),
                 f"receives {k} payment(s)" + (" and holds an account" if by["account"] else ""), sids("paid") + sids("account"))
        if by["stash"]:
            _add(scores, ev, "stash_house_operator", 1.2, f"linked to {len(by['stash'])} stash-house record(s)", sids("stash"))
        if by["recruit"]:
            _add(scores, ev, "recruiter", 1.0, f"took part in {len(by['recruit'])} recruitment event(s)", sids("recruit"))
        if by["trip"] and not by["vehicle"]:
            _add(scores, ev, "guide", 0.3 * min(len(by["trip"]), 4), f"took part in {len(by['trip'])} trip(s) without a vehicle", sids("trip"))
        if by["encounter"] and not by["vehicle"]:
            _add(scores, ev, "guide", 0.2 * min(len(by["encounter"]), 3), f"encountered with groups {len(by['encounter'])} time(s) on foot", sids("encounter"))
        # 3. Insulation: leaders and recruiters take no part in trips, calls on seized phones or
        # payments; they appear in others' reports as the one who directs (the "from" side of an
        # association, holding accounts) or as the one who brought people in (the "to" side).
        kinds = [k for k, _o, _c, _s in ml.links]
        operational = any(k.split(".", 1)[0] in ("Call", "Trip", "Event", "Vehicle", "Payment") for k in kinds)
        out_links = [s for k, _o, _c, s in ml.links if k == "Associate.person"]
        in_links = [s for k, _o, _c, s in ml.links if k == "Associate.associate"]
        owns = [s for k, _o, _c, s in ml.links if k == "Ownership.owner"]
        if not operational:
            if len(out_links) >= 2 or owns:
                _add(scores, ev, "leader", 0.9 + 0.1 * min(len(out_links), 5),
                     f"no direct operations; directs {len(out_links)} associate(s)" + (", holds accounts" if owns else ""),
                     out_links + owns)
            elif in_links:
                _add(scores, ev, "recruiter", 0.8, "no direct operations; brought in by an associate "
                     f"({len(in_links)} link(s))", in_links)
        # 4. Where they sit: central but away from operations -> leader; broker across cells ->
        # coordinator; peripheral with calls only -> lookout.
        i = idx.get(m)
        if i is not None and top_strength > 0:
            s_rel = strength[i] / top_strength
            call_sids = sids("call")
            if s_rel >= 0.999 and ops[m] <= ops_median and sub.vcount() >= 5:
                _add(scores, ev, "leader", 1.3, "the most connected member, with few direct operations "
                     f"({ops[m]} vs median {ops_median:.0f})", call_sids[:10])
            nb_cells = {cells.get(sub.vs[j]["name"]) for j in sub.neighbors(i)} - {None}
            if btw_norm[i] >= 0.15 or len(nb_cells) >= 2:
                _add(scores, ev, "coordinator", 0.5 + btw_norm[i], f"brokers between {max(len(nb_cells), 1)} cell(s); "
                     f"betweenness {btw_norm[i]:.2f}", call_sids[:10])
            if s_rel < 0.25 and by["call"] and not (by["trip"] or by["vehicle"] or by["paid"] or by["stash"]):
                _add(scores, ev, "lookout", 0.5, "peripheral; linked by calls only", call_sids[:10])
        # 5. Nothing else on record: a member known only from partner police reports, with no
        # operation, association or recorded role, is most often a recruiter (recruiters work
        # where migrants set out and along the way, where partner police know them; the ones
        # who cross, drive, hold houses or take payments show up in other records). Weak evidence,
        # given only when no other rule fires.
        if not scores and ml.datasets and all(d.startswith(PARTNER_PREFIX) for d in ml.datasets):
            _add(scores, ev, "recruiter", 0.3, "known only from partner police reports ("
                 + ", ".join(sorted(ml.datasets)) + "), no operation on record", list(ml.datasets.values()))
        if scores:
            role = max(sorted(scores), key=lambda r: scores[r])
            out[m] = RoleResult(role, round(scores[role], 3), ev)
        else:
            out[m] = RoleResult("member", 0.0, [])
    return out
