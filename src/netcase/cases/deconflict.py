"""Target deconfliction under the pointer model (RISSafe, Case Explorer, N-DEx).

Two investigations of different agencies conflict when a target of one is the same entity as a
target of the other (both map to one canonical id through ``resolved``), or when the two targets
share a strong identifier: an E.164 phone, an account, a plate or a document number. Those are
alerts of level ``conflict``. Two weaker kinds of evidence raise alerts of level ``possible``:

* ``possible_same``: the resolver scored a pair of records of the two targets' people at or above
  ``POSSIBLE_PROBABILITY`` but below its merge threshold, so it kept them apart (its review band:
  a misspelt name and a missing date of birth, a birth date ten days off);
* ``name_dob``: the two targets' own records carry the same name (a given name and a surname in
  common after the resolver's name normaliser, ``netcase.resolve.normalise.parse_name``) and the
  same date of birth, or one a clerk's slip away: day and month swapped, or one digit different.

Each alert keeps its evidence: the kinds in ``basis`` and, per kind, a sentence saying why the two
targets are thought to be one person (``Conflict.evidence``, written into the notices; ``alerts_for``
rebuilds it for the alerts it shows). Each side is told only that a conflict exists, why, and whom
to call: the other agency, its lead agent and contact. Never the other case's number, district,
predicate, compartment, targets or any identifier the asking side did not already hold.

Alerts are a function of the stored targets and the current ``resolved`` table. ``evaluate``
recomputes them after every ingest or resolution run and records what changed: a merge that puts
two targets on one canonical id creates an alert, a split or a "not same" judgement (which the
resolver turns into two canonical ids) withdraws it. Alerts are never deleted; the log keeps
their history.
"""

from __future__ import annotations

import hashlib
import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime
from typing import Any

from netcase.access.viewer import Viewer
from netcase.cases.identifiers import normalize_name
from netcase.cases.investigations import case_filter
from netcase.store import Store

STRONG_KEYS: tuple[str, ...] = ("phone", "account", "plate", "document")
# Kinds that alone make an alert of level "possible" (any other kind makes it a "conflict").
POSSIBLE_KINDS: tuple[str, ...] = ("possible_same", "name_dob")
# A pair the resolver scored this high, but below its merge threshold, is a possible conflict. On
# the small synthetic worlds (seeds 7-11) no cross-agency pair of different people had a link above
# the review floor (0.5) at all; the true pairs it recovers scored 0.97 (docs/cases.md).
POSSIBLE_PROBABILITY = 0.8
BASIS_LABEL = {
    "same_entity": "resolved to the same person",
    "phone": "same telephone number",
    "account": "same financial account",
    "plate": "same vehicle plate",
    "document": "same identity document number",
    "possible_same": "possibly the same person (the resolver's review band)",
    "name_dob": "same name and date of birth",
}


@dataclass(frozen=True)
class Conflict:
    """Two targets of two investigations of different agencies that point at the same person."""

    alert_id: str
    target_a: str
    target_b: str
    investigation_a: str
    investigation_b: str
    basis: tuple[str, ...]
    evidence: dict[str, str] = field(default_factory=dict, compare=False)

    @property
    def level(self) -> str:
        return alert_level(self.basis)


@dataclass
class DeconflictionRun:
    """What one evaluation found: alerts that appeared, were withdrawn, and all active now."""

    run_id: str
    at: datetime
    new: list[Conflict] = field(default_factory=list)
    withdrawn: list[str] = field(default_factory=list)
    active: list[Conflict] = field(default_factory=list)


def alert_id(target_a: str, target_b: str) -> str:
    """Stable id of the alert between two targets (order-free)."""
    a, b = sorted((target_a, target_b))
    return "DA-" + hashlib.sha1(f"{a}\x1f{b}".encode()).hexdigest()[:16]


def alert_level(basis: tuple[str, ...] | list[str]) -> str:
    """``conflict`` when any kind is one person or a shared strong identifier, else ``possible``."""
    return "possible" if basis and all(k in POSSIBLE_KINDS for k in basis) else "conflict"


def dob_relation(a: Date | None, b: Date | None) -> str | None:
    """How two recorded dates of birth agree: "equal", "day and month swapped", "one digit apart",
    or None (unknown, or further apart than one slip of a clerk)."""
    if a is None or b is None:
        return None
    if a == b:
        return "equal"
    if (a.year, a.month, a.day) == (b.year, b.day, b.month):
        return "day and month swapped"
    ia, ib = a.isoformat(), b.isoformat()
    if sum(x != y for x, y in zip(ia, ib, strict=True)) == 1:
        return "one digit apart"
    return None


def name_keys(name: str | None) -> set[tuple[str, str]]:
    """(given name, surname) keys of a name: every form of its first given name (nicknames expanded)
    with each of its surnames, after the resolver's name normaliser. Empty for a name missing either
    part, or whose given name is only an initial."""
    from netcase.resolve.normalise import parse_name

    parsed = parse_name(name or "")
    surnames = [s for s in (parsed.surname1, parsed.surname2) if s and len(s) > 1]
    givens = [g for g in parsed.given_alts if len(g) > 1]
    return {(g, s) for g in givens for s in surnames}


def _evidence_sentence(kind: str, detail: str | None = None) -> str:
    if kind == "same_entity":
        return "the resolver put both targets' records on one person"
    if kind in STRONG_KEYS:
        return BASIS_LABEL[kind]
    if kind == "possible_same":
        return (f"the resolver scored a link between the two targets' records at {detail} but kept them "
                "apart (below its merge threshold): possibly the same person")
    if kind == "name_dob":
        return f"same given name and surname, dates of birth {detail}"
    return BASIS_LABEL.get(kind, kind)


def candidate_links(store: Store, canonical_ids: set[str], floor: float = POSSIBLE_PROBABILITY,
                    ) -> dict[frozenset[str], float]:
    """The resolver's strongest scored pair between the clusters of two of ``canonical_ids`` that it
    did not merge (``resolve_edges`` at or above ``floor``), per pair of canonical ids.

    Reads only the clusters' members and the pairs that touch them (ids bound as one array).
    """
    wanted = sorted(canonical_ids)
    if not wanted or not store.table_exists("resolve_edges"):
        return {}
    in_wanted = "IN (SELECT unnest(CAST(? AS VARCHAR[])))"
    cluster_of = {c: c for c in wanted}
    cluster_of.update(store.query(f"SELECT entity_id, canonical_id FROM resolved WHERE canonical_id {in_wanted}",
                                  [wanted]))
    members = sorted(cluster_of)
    out: dict[frozenset[str], float] = {}
    # Most pairs among the members lie inside one cluster; only those between two are returned.
    for ca, cb, p in store.query(
            "SELECT coalesce(ra.canonical_id, e.entity_l), coalesce(rb.canonical_id, e.entity_r), "
            "max(e.match_probability) FROM resolve_edges e LEFT JOIN resolved ra ON ra.entity_id = e.entity_l "
            "LEFT JOIN resolved rb ON rb.entity_id = e.entity_r WHERE e.match_probability >= ? "
            f"AND e.entity_l {in_wanted} AND e.entity_r {in_wanted} "
            "AND coalesce(ra.canonical_id, e.entity_l) <> coalesce(rb.canonical_id, e.entity_r) GROUP BY 1, 2",
            [floor, members, members]):
        if ca in canonical_ids and cb in canonical_ids:
            key = frozenset((ca, cb))
            out[key] = max(out.get(key, 0.0), float(p))
    return out


def _name_tokens(name: str | None) -> set[str]:
    norm = normalize_name(name) or ""
    return {t for t in norm.split() if len(t) > 2 and t not in ("DEL", "LOS", "LAS")}


def clearly_different(a: tuple[str | None, Any], b: tuple[str | None, Any]) -> bool:
    """True when two targets' own records say they are two people: both dates of birth are known
    and differ, and their names share no word (accents, case and order ignored)."""
    (name_a, dob_a), (name_b, dob_b) = a, b
    if dob_a is None or dob_b is None or dob_a == dob_b:
        return False
    ta, tb = _name_tokens(name_a), _name_tokens(name_b)
    return bool(ta) and bool(tb) and not (ta & tb)


def not_same_pairs(store: Store) -> set[frozenset[str]]:
    """Pairs judged "not same" by their newest analyst judgement (``resolve_judgements``): the judged
    mention ids, and the canonical ids they resolve to."""
    if not store.table_exists("resolve_judgements"):
        return set()
    rows = store.query(
        "SELECT j.entity_a, j.entity_b, j.judgement, coalesce(ra.canonical_id, j.entity_a), "
        "coalesce(rb.canonical_id, j.entity_b) FROM resolve_judgements j "
        "LEFT JOIN resolved ra ON ra.entity_id = j.entity_a LEFT JOIN resolved rb ON rb.entity_id = j.entity_b "
        "ORDER BY j.created")
    newest: dict[frozenset[str], tuple[str, frozenset[str]]] = {}
    for a, b, judgement, ca, cb in rows:
        newest[frozenset((a, b))] = (judgement, frozenset((ca, cb)))
    # Both the judged mentions and the canonical ids they resolve to now: the judgement holds for
    # these two records even where other records still tie their clusters together.
    return ({canon for judgement, canon in newest.values() if judgement == "not-same" and len(canon) == 2}
            | {pair for pair, (judgement, _c) in newest.items() if judgement == "not-same" and len(pair) == 2})


def find_conflicts(store: Store, *, cross_agency_only: bool = True) -> list[Conflict]:
    """Every conflicting pair of targets now, from ``case_targets``, ``investigations``, ``resolved``
    and the resolver's scored pairs (``resolve_edges``).

    Targets are grouped by canonical id, by each strong identifier and by each (given name, surname)
    key, and pairs are formed only inside a group or between two clusters the resolver linked below
    its threshold, so the work is proportional to the conflicts, not to all pairs of targets.
    """
    rows = store.query(
        "SELECT t.target_id, t.investigation_id, i.agency, coalesce(r.canonical_id, t.entity_id), "
        "t.phone, t.account, t.plate, t.document, t.name, t.dob, t.entity_id FROM case_targets t "
        "JOIN investigations i ON i.investigation_id = t.investigation_id "
        "LEFT JOIN resolved r ON r.entity_id = t.entity_id"
    )
    info = {r[0]: (r[1], r[2]) for r in rows}
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    by_canonical: dict[str, list[str]] = defaultdict(list)
    for target_id, _inv, _agency, canonical, phone, account, plate, document, name, dob, _mention in rows:
        if canonical:
            groups[("same_entity", canonical)].append(target_id)
            by_canonical[canonical].append(target_id)
        for key, value in zip(STRONG_KEYS, (phone, account, plate, document), strict=True):
            if value:
                groups[(key, str(value))].append(target_id)
        if dob is not None:
            for given, surname in name_keys(name):
                groups[("name_dob", f"{given}|{surname}")].append(target_id)
    entity_of = {r[0]: r[3] for r in rows}
    mention_of = {r[0]: r[10] for r in rows}
    person_of = {r[0]: (r[8], r[9]) for r in rows}
    candidates: list[tuple[str, str, str, str | None]] = []
    for (kind, _value), members in groups.items():
        if len(members) < 2:
            continue
        for a, b in itertools.combinations(sorted(set(members)), 2):
            detail = None
            if kind == "name_dob":
                detail = dob_relation(person_of[a][1], person_of[b][1])
                if detail is None:
                    continue
            candidates.append((kind, a, b, detail))
    for pair, probability in candidate_links(store, set(by_canonical)).items():
        ca, cb = sorted(pair)
        for a in by_canonical[ca]:
            for b in by_canonical[cb]:
                first, second = sorted((a, b))
                candidates.append(("possible_same", first, second, f"{probability:.2f}"))
    not_same = not_same_pairs(store)
    bases: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for kind, a, b, detail in candidates:
        inv_a, agency_a = info[a]
        inv_b, agency_b = info[b]
        if inv_a == inv_b or (cross_agency_only and agency_a == agency_b):
            continue
        if frozenset((entity_of[a], entity_of[b])) in not_same \
                or frozenset((mention_of[a], mention_of[b])) in not_same:
            # An analyst judged these two people different: a shared phone or plate is then
            # a shared object (a family car, a stash-house phone), not a shared target.
            continue
        if kind != "same_entity" and entity_of[a] != entity_of[b] and clearly_different(person_of[a], person_of[b]):
            # Two people the resolver keeps apart, with different dates of birth and no name in
            # common, who share a phone or a car: a handed-on burner or a family car, not one target.
            continue
        bases[(a, b)].setdefault(kind, _evidence_sentence(kind, detail))
    out = []
    for (a, b), kinds in sorted(bases.items()):
        if "same_entity" in kinds:
            # One person already: the weaker kinds add nothing a reader needs.
            kinds = {k: v for k, v in kinds.items() if k not in POSSIBLE_KINDS}
        out.append(Conflict(alert_id(a, b), a, b, info[a][0], info[b][0], tuple(sorted(kinds)), dict(kinds)))
    return out


def evaluate(
    store: Store, *, now: datetime, run_id: str | None = None, resolution_run: str | None = None,
    cross_agency_only: bool = True,
) -> DeconflictionRun:
    """Recompute the alerts, store what changed (one transaction) and return it."""
    run_id = run_id or "DR-" + hashlib.sha1(now.isoformat().encode()).hexdigest()[:12]
    if resolution_run is None:
        resolution_run = store.scalar("SELECT max(run_id) FROM resolved")
    current = {c.alert_id: c for c in find_conflicts(store, cross_agency_only=cross_agency_only)}
    result = DeconflictionRun(run_id=run_id, at=now, active=list(current.values()))
    with store.transaction():
        stored = {r[0]: (r[1], r[2]) for r in store.query(
            "SELECT alert_id, status, basis FROM deconfliction_alerts")}
        log: list[tuple[Any, ...]] = []
        for aid, c in current.items():
            basis = ",".join(c.basis)
            if aid not in stored:
                store.insert_rows(
                    "deconfliction_alerts",
                    ("alert_id", "target_a", "target_b", "investigation_a", "investigation_b", "basis",
                     "status", "first_seen", "last_change", "run_id"),
                    [(aid, c.target_a, c.target_b, c.investigation_a, c.investigation_b, basis, "active",
                      now, now, run_id)],
                )
                result.new.append(c)
                log.append((run_id, aid, "new", basis, now, resolution_run))
            elif stored[aid][0] != "active":
                store.execute("UPDATE deconfliction_alerts SET status = 'active', basis = ?, last_change = ?, "
                              "run_id = ? WHERE alert_id = ?", (basis, now, run_id, aid))
                result.new.append(c)
                log.append((run_id, aid, "new", basis, now, resolution_run))
            elif stored[aid][1] != basis:
                store.execute("UPDATE deconfliction_alerts SET basis = ?, last_change = ?, run_id = ? "
                              "WHERE alert_id = ?", (basis, now, run_id, aid))
                log.append((run_id, aid, "basis_changed", basis, now, resolution_run))
        for aid, (status, basis) in stored.items():
            if status == "active" and aid not in current:
                store.execute("UPDATE deconfliction_alerts SET status = 'withdrawn', last_change = ?, "
                              "run_id = ? WHERE alert_id = ?", (now, run_id, aid))
                result.withdrawn.append(aid)
                log.append((run_id, aid, "withdrawn", basis, now, resolution_run))
        if log:
            store.insert_rows("deconfliction_log",
                              ("run_id", "alert_id", "change_kind", "basis", "changed_at", "resolution_run"), log)
    return result


def _side_rows(store: Store, alert_ids: list[str] | None, status: str | None) -> list[dict[str, Any]]:
    """Each alert twice, once per side; ``own_*`` from that side, ``other_*`` only the contact."""
    where, params = [], []
    if status:
        where.append("a.status = ?")
        params.append(status)
    if alert_ids is not None:
        if not alert_ids:
            return []
        where.append(f"a.alert_id IN ({', '.join('?' for _ in alert_ids)})")
        params.extend(alert_ids)
    cond = (" WHERE " + " AND ".join(where)) if where else ""
    out: list[dict[str, Any]] = []
    for own, other in (("a", "b"), ("b", "a")):
        sql = (
            f"SELECT a.alert_id, a.status, a.basis, a.first_seen, a.last_change, a.target_a, a.target_b, "
            f"a.investigation_{own} AS own_investigation, a.target_{own} AS own_target, "
            f"a.investigation_{other} AS other_investigation, "
            "oi.agency AS other_agency, oi.lead_agent AS other_lead_agent, oi.contact_phone AS other_phone, "
            "oi.contact_email AS other_email FROM deconfliction_alerts a "
            f"JOIN investigations oi ON oi.investigation_id = a.investigation_{other}{cond}"
        )
        out.extend(store.query_dicts(sql, params))
    return out


def pair_evidence(store: Store, target_a: str, target_b: str, kinds: list[str] | tuple[str, ...]) -> dict[str, str]:
    """Why two targets are thought to be one person, per kind of ``basis``, as things stand now.

    The sentences name no value of either target (each side sees its own values as ``matched_on``).
    """
    rows = {r[0]: r[1:] for r in store.query(
        "SELECT t.target_id, coalesce(r.canonical_id, t.entity_id), t.dob FROM case_targets t "
        "LEFT JOIN resolved r ON r.entity_id = t.entity_id WHERE t.target_id IN (?, ?)", (target_a, target_b))}
    out: dict[str, str] = {}
    for kind in kinds:
        detail = None
        if kind == "name_dob" and target_a in rows and target_b in rows:
            detail = dob_relation(rows[target_a][1], rows[target_b][1])
        elif kind == "possible_same" and target_a in rows and target_b in rows:
            ca, cb = rows[target_a][0], rows[target_b][0]
            link = candidate_links(store, {ca, cb}).get(frozenset((ca, cb))) if ca and cb else None
            detail = f"{link:.2f}" if link is not None else None
        out[kind] = _evidence_sentence(kind, detail) if kind not in POSSIBLE_KINDS or detail else BASIS_LABEL.get(kind, kind)
    return out


def alerts_for(
    store: Store, viewer: Viewer, *, investigation_id: str | None = None, status: str | None = "active",
    alert_ids: list[str] | None = None, conflicts: dict[str, Conflict] | None = None,
) -> list[dict[str, Any]]:
    """The alert sides ``viewer`` is owed: for each investigation they may see, its conflicts.

    Each item holds the viewer's own investigation and target (their own data, so safe to show),
    what kind of match it is with the viewer's own matching value, its level (``conflict`` or
    ``possible``) and evidence (why the two targets are thought to be one person, without the
    other's values), and the other side's point of contact. Nothing else of the other case is read
    from the store. ``conflicts`` (alert id -> ``Conflict``, as ``evaluate`` just found them) saves
    rebuilding the evidence of active alerts.
    """
    evidence_of: dict[str, dict[str, str]] = {}
    cond, params = case_filter(viewer, "i")
    visible = {r[0]: r for r in store.query(
        f"SELECT i.investigation_id, i.case_number, i.agency FROM investigations i WHERE {cond}", params)}
    items = []
    for side in _side_rows(store, alert_ids, status):
        own_inv = side["own_investigation"]
        if own_inv not in visible or (investigation_id and own_inv != investigation_id):
            continue
        if not viewer.is_system and not viewer.has_role("supervisor", "administrator") \
                and visible[own_inv][2] != viewer.agency.upper():
            # An agent is alerted about their own agency's cases; supervisors see all they may read.
            continue
        target = store.query_dicts(
            "SELECT target_id, name, dob, phone, account, plate, document FROM case_targets WHERE target_id = ?",
            (side["own_target"],),
        )[0]
        kinds = side["basis"].split(",")
        matched = {k: target[k] for k in kinds if k in STRONG_KEYS and target.get(k)}
        if "name_dob" in kinds:
            matched.update({k: v for k, v in (("name", target["name"]), ("dob", target["dob"])) if v})
        aid = side["alert_id"]
        if aid not in evidence_of:
            if conflicts and aid in conflicts:
                evidence_of[aid] = dict(conflicts[aid].evidence)
            elif side["status"] == "active":
                evidence_of[aid] = pair_evidence(store, side["target_a"], side["target_b"], kinds)
            else:
                evidence_of[aid] = {k: BASIS_LABEL.get(k, k) for k in kinds}
        items.append({
            "alert_id": side["alert_id"],
            "status": side["status"],
            "first_seen": side["first_seen"],
            "last_change": side["last_change"],
            "investigation_id": own_inv,
            "case_number": visible[own_inv][1],
            "target_id": target["target_id"],
            "target_name": target["name"],
            "basis": kinds,
            "level": alert_level(kinds),
            "evidence": [evidence_of[aid].get(k, BASIS_LABEL.get(k, k)) for k in kinds],
            "matched_on": matched,
            "contact": {
                "agency": side["other_agency"],
                "lead_agent": side["other_lead_agent"],
                "phone": side["other_phone"],
                "email": side["other_email"],
            },
        })
    items.sort(key=lambda x: (x["investigation_id"], x["alert_id"]))
    return items


def render_alert(item: dict[str, Any]) -> str:
    """One alert side as text for its point of contact (pointer model: who to call, nothing more)."""
    reasons = "; ".join(BASIS_LABEL.get(k, k) for k in item["basis"])
    own = f"{item['case_number']} ({item['investigation_id']}), target {item['target_id']}"
    if item.get("target_name"):
        own += f" {item['target_name']}"
    matched = ", ".join(f"{k} {v}" for k, v in item["matched_on"].items())
    contact = item["contact"]
    call = ", ".join(str(v) for v in (contact["lead_agent"], contact["phone"], contact["email"]) if v)
    level = item.get("level", "conflict")
    lines = [
        f"DECONFLICTION {item['status'].upper()} {item['alert_id']}"
        + (" (possible: lower confidence)" if level == "possible" else ""),
        f"Your case: {own}",
        f"Conflict: {reasons}" + (f" ({matched})" if matched else ""),
        *(f"Evidence: {e}" for e in item.get("evidence", [])),
        f"Contact {contact['agency']}: {call}",
    ]
    return "\n".join(lines)


def alert_history(store: Store, alert_id_: str | None = None) -> list[dict[str, Any]]:
    """The log of alert changes (new, withdrawn, basis_changed), oldest first."""
    sql = "SELECT run_id, alert_id, change_kind, basis, changed_at, resolution_run FROM deconfliction_log"
    params: list[Any] = []
    if alert_id_:
        sql += " WHERE alert_id = ?"
        params.append(alert_id_)
    return store.query_dicts(sql + " ORDER BY changed_at, run_id, alert_id", params)
