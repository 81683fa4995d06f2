"""Target deconfliction under the pointer model (RISSafe, Case Explorer, N-DEx).

Two investigations of different agencies conflict when a target of one is the same entity as a
target of the other (both map to one canonical id through ``resolved``), or when the two targets
share a strong identifier: an E.164 phone, an account, a plate or a document number. Each side is
told only that a conflict exists and whom to call: the other agency, its lead agent and contact.
Never the other case's number, district, predicate, compartment, targets or any identifier the
asking side did not already hold.

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
from datetime import datetime
from typing import Any

from netcase.access.viewer import Viewer
from netcase.cases.identifiers import normalize_name
from netcase.cases.investigations import case_filter
from netcase.store import Store

STRONG_KEYS: tuple[str, ...] = ("phone", "account", "plate", "document")
BASIS_LABEL = {
    "same_entity": "resolved to the same person",
    "phone": "same telephone number",
    "account": "same financial account",
    "plate": "same vehicle plate",
    "document": "same identity document number",
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
    """Every conflicting pair of targets now, from ``case_targets``, ``investigations``, ``resolved``.

    Targets are grouped by canonical id and by each strong identifier, and pairs are formed only
    inside a group, so the work is proportional to the conflicts, not to all pairs of targets.
    """
    rows = store.query(
        "SELECT t.target_id, t.investigation_id, i.agency, coalesce(r.canonical_id, t.entity_id), "
        "t.phone, t.account, t.plate, t.document, t.name, t.dob, t.entity_id FROM case_targets t "
        "JOIN investigations i ON i.investigation_id = t.investigation_id "
        "LEFT JOIN resolved r ON r.entity_id = t.entity_id"
    )
    info = {r[0]: (r[1], r[2]) for r in rows}
    groups: dict[tuple[str, str], list[str]] = defaultdict(list)
    for target_id, _inv, _agency, canonical, phone, account, plate, document, _name, _dob, _mention in rows:
        if canonical:
            groups[("same_entity", canonical)].append(target_id)
        for key, value in zip(STRONG_KEYS, (phone, account, plate, document), strict=True):
            if value:
                groups[(key, str(value))].append(target_id)
    entity_of = {r[0]: r[3] for r in rows}
    mention_of = {r[0]: r[10] for r in rows}
    person_of = {r[0]: (r[8], r[9]) for r in rows}
    not_same = not_same_pairs(store)
    bases: dict[tuple[str, str], set[str]] = defaultdict(set)
    for (kind, _value), members in groups.items():
        if len(members) < 2:
            continue
        for a, b in itertools.combinations(sorted(set(members)), 2):
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
            bases[(a, b)].add(kind)
    out = []
    for (a, b), kinds in sorted(bases.items()):
        out.append(Conflict(alert_id(a, b), a, b, info[a][0], info[b][0], tuple(sorted(kinds))))
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
            f"SELECT a.alert_id, a.status, a.basis, a.first_seen, a.last_change, "
            f"a.investigation_{own} AS own_investigation, a.target_{own} AS own_target, "
            f"a.investigation_{other} AS other_investigation, "
            "oi.agency AS other_agency, oi.lead_agent AS other_lead_agent, oi.contact_phone AS other_phone, "
            "oi.contact_email AS other_email FROM deconfliction_alerts a "
            f"JOIN investigations oi ON oi.investigation_id = a.investigation_{other}{cond}"
        )
        out.extend(store.query_dicts(sql, params))
    return out


def alerts_for(
    store: Store, viewer: Viewer, *, investigation_id: str | None = None, status: str | None = "active",
    alert_ids: list[str] | None = None,
) -> list[dict[str, Any]]:
    """The alert sides ``viewer`` is owed: for each investigation they may see, its conflicts.

    Each item holds the viewer's own investigation and target (their own data, so safe to show),
    what kind of match it is with the viewer's own matching value, and the other side's point of
    contact. Nothing else of the other case is read from the store.
    """
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
            "SELECT target_id, name, phone, account, plate, document FROM case_targets WHERE target_id = ?",
            (side["own_target"],),
        )[0]
        kinds = side["basis"].split(",")
        matched = {k: target[k] for k in kinds if k in STRONG_KEYS and target.get(k)}
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
    lines = [
        f"DECONFLICTION {item['status'].upper()} {item['alert_id']}",
        f"Your case: {own}",
        f"Conflict: {reasons}" + (f" ({matched})" if matched else ""),
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
