"""Indicators and the priority score of each network, every factor traced to its statements.

Counting rules (docs/networks.md):

- **people moved**: ``nc:migrantCount`` over the network's trips (``Trip``, or ``Event`` with
  ``nc:eventType`` ``smuggling_trip``) and encounters; one crossing (same day, same sector) counts
  once, at its largest head count.
- **events**: trips, encounters, harm incidents and other ``Event`` entities attached to members.
- **harm**: one count per harm incident (``nc:harmType``; the same type on the same day counts
  once, as two agencies' reports of one incident); deaths add ``nc:deaths`` (a fatal incident with no
  count, at least one).
- **revenue**: the larger of the payments received by members (``amount``) and people moved x the
  configured fee per person.
- **links**: keyword matches (configurable) in linked organisations and events.
- **reach**: distinct countries, corridors and districts of the network's events and places.
- **trend**: exact binomial test of events in the last half of the window against the first.
Nationality never enters: no factor reads a person's nationality, citizenship or birthplace.
"""

from __future__ import annotations

import json
import os
import tomllib
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Any

from scipy.stats import binomtest

from netcase.graph.facts import Facts
from netcase.graph.load import NodeInfo, iso_alpha3
from netcase.graph.roles import MemberLinks
from netcase.store import Store

MAX_IDS = 200
HARM_KEYS = {"death": "deaths", "sexual_assault": "sexual_assaults", "kidnapping": "kidnappings",
             "extortion": "extortions"}


def load_priority(path: str | Path | None = None) -> dict[str, Any]:
    """The packaged weights, overridden key by key by ``path`` (or $NETCASE_PRIORITY) when given."""
    base = tomllib.loads(resources.files("netcase.assess").joinpath("priority.toml").read_text("utf-8"))
    path = path or os.environ.get("NETCASE_PRIORITY")
    if path:
        user = tomllib.loads(Path(path).read_text("utf-8"))
        for section, values in user.items():
            if isinstance(values, dict):
                base.setdefault(section, {}).update(values)
            else:
                base[section] = values
    return base


def _date(text: str | None) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(str(text)[:10])
    except ValueError:
        return None


def _norm(value: float, scale: float) -> float:
    """0 for nothing, 0.5 at ``scale``, towards 1 beyond: strictly increasing, never capped (a
    cap would tie every large network and leave their order to the minor factors)."""
    if value <= 0 or scale <= 0:
        return 0.0
    return value / (value + scale)


@dataclass
class Factor:
    name: str
    value: Any
    normalized: float
    weight: float
    detail: str
    statements: list[str] = field(default_factory=list)

    @property
    def contribution(self) -> float:
        return self.weight * self.normalized

    def as_dict(self) -> dict[str, Any]:
        ids = sorted(set(self.statements))
        return {"value": self.value, "normalized": round(self.normalized, 4), "weight": self.weight,
                "contribution": round(self.contribution, 3), "detail": self.detail,
                "statement_count": len(ids), "statements": ids[:MAX_IDS]}


def _event_type(f: Facts) -> str:
    return (f.first("nc:eventType") or f.schema).lower()


def assess_network(
    objects: Sequence[str],
    facts: Mapping[str, Facts],
    members: Sequence[str],
    links: Mapping[str, MemberLinks],
    newest: date | None,
    cfg: Mapping[str, Any],
) -> dict[str, Factor]:
    """The factors of one network from its objects' facts (pure: data in, data out)."""
    W = cfg["weights"]
    S = cfg["scales"]
    facts_here = {o: facts[o] for o in objects if o in facts}
    trips = {o: f for o, f in facts_here.items() if f.schema == "Trip" or _event_type(f) == "smuggling_trip"}
    encounters = {o: f for o, f in facts_here.items() if _event_type(f) == "encounter"}
    events = {o: f for o, f in facts_here.items() if f.schema in ("Trip", "Event")}
    out: dict[str, Factor] = {}

    # One crossing is often on record several times (a trip in a case report, the encounter at the
    # line, a partner's report): events on the same day in the same sector count once, at their
    # largest head count.
    crossings: dict[tuple[str, str], tuple[float, list[str]]] = {}
    for f in list(trips.values()) + list(encounters.values()):
        n = f.number("nc:migrantCount")
        if not n:
            continue
        key = ((f.first("date") or f.first("startDate") or "")[:10], f.first("nc:sector") or f.first("nc:corridor") or "")
        best = crossings.get(key)
        if best is None or n > best[0]:
            crossings[key] = (n, f.ids("nc:migrantCount"))
    moved = sum(n for n, _ in crossings.values())
    ids = [i for _, ii in crossings.values() for i in ii]
    out["people_moved"] = Factor("people_moved", int(moved), _norm(moved, S["people_moved"]), W["people_moved"],
                                 f"{int(moved)} people in {len(crossings)} crossings ({len(trips)} trips, "
                                 f"{len(encounters)} encounters on record)", ids)

    ev_ids = [i for f in events.values() for i in (f.ids("nc:eventType") or f.ids("date") or f.ids("startDate"))]
    out["events"] = Factor("events", len(events), _norm(len(events), S["events"]), W["events"],
                           f"{len(trips)} trips, {len(encounters)} encounters, {len(events)} events in all", ev_ids)

    # An incident reported by two agencies is two Event entities: same type, same day -> once.
    incidents: dict[tuple[str, str], tuple[float, list[str], list[str]]] = {}
    for f in events.values():
        ht = (f.first("nc:harmType") or "").lower()
        deaths = f.number("nc:deaths")
        if not ht and not deaths:
            continue
        if not deaths and ht.startswith("death"):
            # A fatal incident whose report gives no count (a survivor's account) is at least one death.
            deaths = 1.0
        key = (ht or "death", (f.first("date") or f.first("startDate") or "")[:10])
        prev = incidents.get(key)
        if prev is None or deaths > prev[0]:
            incidents[key] = (deaths, (f.ids("nc:deaths") or f.ids("nc:harmType")) if deaths else [], f.ids("nc:harmType"))
    harm_counts: dict[str, int] = defaultdict(int)
    harm_ids: list[str] = []
    for (ht, _day), (deaths, dids, hids) in incidents.items():
        if deaths:
            harm_counts["deaths"] += int(deaths)
            harm_ids += dids
        for prefix, name in HARM_KEYS.items():
            if prefix != "death" and ht.startswith(prefix):
                harm_counts[name] += 1
                harm_ids += hids
    H = cfg["harm"]
    points = sum(H.get(k, 0) * v for k, v in harm_counts.items())
    detail = ", ".join(f"{v} {k.replace('_', ' ')}" for k, v in sorted(harm_counts.items())) or "no harm recorded"
    out["harm"] = Factor("harm", {**{k: 0 for k in HARM_KEYS.values()}, **harm_counts, "points": points},
                         _norm(points, S["harm"]), W["harm"], detail, harm_ids)

    paid = 0.0
    pay_ids: list[str] = []
    seen: set[str] = set()
    for m in members:
        for kind, other, _n, _sid in links.get(m, MemberLinks()).links:
            pf = facts.get(other)
            if pf is None or pf.schema != "Payment" or other in seen or not kind.startswith("Payment.beneficiary"):
                continue
            seen.add(other)
            paid += pf.number("amountUsd") or pf.number("amount")
            pay_ids += pf.ids("amountUsd") or pf.ids("amount")
    fee = float(cfg["revenue"]["fee_per_person_usd"])
    estimate = max(paid, moved * fee)
    out["revenue"] = Factor("revenue", round(estimate, 2), _norm(estimate, S["revenue"]), W["revenue"],
                            f"payments observed ${paid:,.0f} ({len(seen)}); people moved x ${fee:,.0f} = ${moved * fee:,.0f}",
                            pay_ids + ids)

    K = cfg["keywords"]
    found: dict[str, list[str]] = defaultdict(list)
    for f in facts_here.values():
        for prop in ("name", "summary", "description", "notes", "keywords", "topics", "nc:eventType"):
            for value, sid in f.props.get(prop, []):
                low = value.lower()
                for kind, words in K.items():
                    if any(w in low for w in words):
                        found[kind].append(sid)
    L = cfg["links"]
    share = sum(L.get(k, 0) for k in found)
    out["links"] = Factor("links", {k: bool(found.get(k)) for k in L}, min(1.0, share), W["links"],
                          ", ".join(sorted(found)) or "no links found", [i for v in found.values() for i in v])

    countries: set[str] = set()
    corridors: set[str] = set()
    districts: set[str] = set()
    reach_ids: list[str] = []
    for f in facts_here.values():
        for v, sid in f.props.get("country", []):
            countries.add(iso_alpha3(v) or v.upper())
            reach_ids.append(sid)
        for v, sid in f.props.get("nc:corridor", []):
            corridors.add(v)
            reach_ids.append(sid)
        for v, sid in f.props.get("nc:district", []):
            districts.add(v)
            reach_ids.append(sid)
    n_reach = len(countries) + len(corridors) + len(districts)
    out["reach"] = Factor("reach", {"countries": sorted(countries), "corridors": sorted(corridors), "districts": sorted(districts)},
                          _norm(n_reach, S["reach"]), W["reach"],
                          f"{len(countries)} countries, {len(corridors)} corridors, {len(districts)} districts", reach_ids)

    dated = [(d, sid) for f in events.values() for v, sid in f.props.get("date", []) + f.props.get("startDate", [])
             if (d := _date(v)) is not None]
    last = max((d for d, _ in dated), default=None)
    T = cfg["trend"]
    trend, p, n1, n2 = "steady", 1.0, 0, 0
    trend_ids: list[str] = []
    if newest is not None and dated:
        months = int(T["window_months"])
        start = newest - timedelta(days=round(months * 30.44))
        mid = newest - timedelta(days=round(months * 30.44 / 2))
        n1 = sum(1 for d, _ in dated if start < d <= mid)
        n2 = sum(1 for d, _ in dated if mid < d <= newest)
        trend_ids = [s for d, s in dated if start < d <= newest]
        if n1 + n2 >= 4:
            p = float(binomtest(n2, n1 + n2, 0.5).pvalue)
            if p < float(T["alpha"]):
                trend = "growing" if n2 > n1 else "declining"
    tval = {"growing": 1.0, "steady": 0.5, "declining": 0.0}[trend]
    out["trend"] = Factor("trend", trend, tval, W["trend"],
                          f"{n1} events then {n2} in the two halves of the last {T['window_months']} months "
                          f"(exact binomial test p = {p:.3g})", trend_ids)
    rec = 0.0
    if last is not None and newest is not None:
        age = max((newest - last).days - 30, 0)
        rec = 0.5 ** (age / 180)
    out["recency"] = Factor("recency", last.isoformat() if last else None, rec, W["recency"],
                            f"last activity {last.isoformat() if last else 'unknown'}",
                            [s for d, s in dated if d == last])
    return out


def priority(factors: Mapping[str, Factor]) -> float:
    """Weighted sum of normalised factors, scaled to 0..100 by the total weight."""
    total = sum(f.weight for f in factors.values()) or 1.0
    return round(100.0 * sum(f.contribution for f in factors.values()) / total, 3)


def assess_run(
    store: Store,
    run_id: str,
    net_members: Mapping[str, Sequence[str]],
    facts: Mapping[str, Facts],
    links: Mapping[str, MemberLinks],
    info: NodeInfo,
    cfg: Mapping[str, Any],
) -> list[tuple[str, float]]:
    """Assess every network of a run and store ranked results; returns (network id, priority)."""
    objects: dict[str, list[str]] = defaultdict(list)
    for nid, oid in store.query("SELECT network_id, object_id FROM network_objects WHERE run_id = ?", (run_id,)):
        objects[nid].append(oid)
    scored = []
    for nid, mem in net_members.items():
        factors = assess_network(objects.get(nid, []), facts, mem, links, info.last_date, cfg)
        scored.append((nid, priority(factors), factors))
    scored.sort(key=lambda t: (-t[1], t[0]))
    cols: dict[str, list[Any]] = defaultdict(list)
    for rank, (nid, prio, factors) in enumerate(scored, 1):
        cols["run_id"].append(run_id)
        cols["network_id"].append(nid)
        cols["priority"].append(prio)
        cols["rank"].append(rank)
        cols["factors"].append(json.dumps({k: f.as_dict() for k, f in factors.items()}, ensure_ascii=False, default=str))
    store.insert_columns("network_assessments", dict(cols))
    return [(n, p) for n, p, _ in scored]
