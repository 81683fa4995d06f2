"""Prosecutions and outcomes: court cases, defendants, charges, dispositions, forfeitures, requests.

``network_legal_status`` answers a prosecutor's question about one network: of its members, who
is charged, convicted, extradited, in custody, and who is charged but still at large. It takes
the members' canonical ids as input so it does not depend on how the networks stage stores them.

Court records follow the case-record rule (``case_filter``): U.S. viewers only, and a case opened
from a compartmented investigation only for holders of that compartment.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from netcase.access.policy import statement_filter
from netcase.access.viewer import Viewer
from netcase.cases.identifiers import normalize_name
from netcase.cases.investigations import case_filter
from netcase.cases.vocab import disposition_class, request_surrendered
from netcase.store import Store

CUSTODY_VALUES = ("arrested", "detained", "in_custody", "custody", "si", "yes", "true")


def court_case_filter(viewer: Viewer, alias: str = "c") -> tuple[str, list[Any]]:
    """SQL condition on ``court_cases`` (alias ``alias``) for the viewer."""
    if viewer.is_system:
        return "TRUE", []
    if viewer.country.upper() != "USA":
        return "FALSE", []
    cond, params = case_filter(viewer, "ci")
    return (f"({alias}.investigation_id IS NULL OR NOT EXISTS (SELECT 1 FROM investigations ci WHERE "
            f"ci.investigation_id = {alias}.investigation_id AND NOT ({cond})))", params)


def _canonical_of(store: Store, ids: Iterable[str]) -> dict[str, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    marks = ", ".join("?" for _ in wanted)
    mapped = dict(store.query(f"SELECT entity_id, canonical_id FROM resolved WHERE entity_id IN ({marks})", wanted))
    return {i: mapped.get(i, i) for i in wanted}


def defendants_by_canonical(store: Store, viewer: Viewer) -> dict[str, list[dict[str, Any]]]:
    """Canonical id → the defendant records (with case, charges, disposition) visible to the viewer."""
    cond, params = court_case_filter(viewer)
    rows = store.query_dicts(
        "SELECT d.case_id, d.defendant_id, d.entity_id, coalesce(r.canonical_id, d.entity_id) AS canonical_id, "
        "d.name, d.dob, d.disposition, d.disposition_date, d.sentence_months, d.fine_usd, d.appeal, c.district, "
        "c.case_number, c.filing_type, c.filing_date FROM defendants d JOIN court_cases c ON c.case_id = d.case_id "
        f"LEFT JOIN resolved r ON r.entity_id = d.entity_id WHERE {cond}", params)
    charges: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    for case_id, def_id, statute, counts in store.query(
            "SELECT case_id, defendant_id, statute, counts FROM charges ORDER BY statute"):
        charges[(case_id, def_id)].append({"statute": statute, "counts": int(counts)})
    out: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in rows:
        r["charges"] = charges.get((r["case_id"], r["defendant_id"]), [])
        r["outcome"] = disposition_class(r["disposition"])
        out[r["canonical_id"]].append(r)
    return out


def extradited_canonicals(store: Store, viewer: Viewer) -> dict[str, dict[str, Any]]:
    """Canonical id → surrendered extradition request, matched to a defendant of the request's case.

    Requests name a person, not a record; they are tied to a defendant of the same court case with
    the same normalised name (and date of birth when both have one).
    """
    cond, params = court_case_filter(viewer)
    defs = store.query_dicts(
        "SELECT d.case_id, d.name, d.dob, coalesce(r.canonical_id, d.entity_id) AS canonical_id FROM defendants d "
        "JOIN court_cases c ON c.case_id = d.case_id LEFT JOIN resolved r ON r.entity_id = d.entity_id "
        f"WHERE {cond}", params)
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for d in defs:
        by_case[d["case_id"]].append(d)
    out: dict[str, dict[str, Any]] = {}
    for req in store.query_dicts("SELECT * FROM legal_requests WHERE kind = 'extradition'"):
        if not request_surrendered(req["status"]) or not req["case_id"]:
            continue
        name = normalize_name(req["person_name"])
        for d in by_case.get(req["case_id"], []):
            if normalize_name(d["name"]) == name and (not req["person_dob"] or not d["dob"]
                                                      or req["person_dob"] == d["dob"]):
                out[d["canonical_id"]] = req
    return out


def in_custody(store: Store, viewer: Viewer, canonical_ids: Iterable[str]) -> set[str]:
    """Canonical ids with an arrest or detention on record (``nc:custody``) the viewer may see."""
    ids = sorted(set(canonical_ids))
    if not ids:
        return set()
    marks = ", ".join("?" for _ in ids)
    vis, vparams = statement_filter(viewer, "s")
    values = ", ".join("?" for _ in CUSTODY_VALUES)
    rows = store.query(
        "SELECT DISTINCT coalesce(r.canonical_id, s.entity_id) FROM statements s LEFT JOIN resolved r ON "
        f"r.entity_id = s.entity_id WHERE s.prop = 'nc:custody' AND lower(s.value) IN ({values}) AND {vis} "
        f"AND coalesce(r.canonical_id, s.entity_id) IN ({marks})",
        [*CUSTODY_VALUES, *vparams, *ids])
    return {r[0] for r in rows}


def network_legal_status(store: Store, viewer: Viewer, member_ids: Iterable[str]) -> dict[str, Any]:
    """Legal status of a network's members: counts and one row per member.

    A member is *charged* if any visible court case names them as a defendant; *convicted* if any
    disposition is a plea or guilty verdict; *extradited* if a surrendered extradition request
    ties to them; *in custody* if an arrest or detention is on record; *at large* if charged, and
    neither convicted, extradited, in custody, nor cleared (acquitted or dismissed) in every case.
    """
    canon = _canonical_of(store, member_ids)
    members = sorted(set(canon.values()))
    defs = defendants_by_canonical(store, viewer)
    extradited = extradited_canonicals(store, viewer)
    custody = in_custody(store, viewer, members)
    rows = []
    counts = {"members": len(members), "charged": 0, "convicted": 0, "extradited": 0, "in_custody": 0,
              "at_large": 0, "cleared": 0, "not_charged": 0}
    for m in members:
        records = defs.get(m, [])
        outcomes = {r["outcome"] for r in records}
        charged = bool(records)
        convicted = "convicted" in outcomes
        cleared = charged and outcomes == {"acquitted_or_dismissed"}
        status = {
            "canonical_id": m,
            "charged": charged,
            "convicted": convicted,
            "extradited": m in extradited,
            "in_custody": m in custody,
            "cleared": cleared,
            "at_large": charged and not (convicted or cleared or m in extradited or m in custody),
            "cases": [{"case_id": r["case_id"], "case_number": r["case_number"], "district": r["district"],
                       "filing_type": r["filing_type"], "charges": r["charges"], "disposition": r["disposition"],
                       "sentence_months": r["sentence_months"]} for r in records],
        }
        for key in ("charged", "convicted", "extradited", "in_custody", "at_large", "cleared"):
            counts[key] += int(bool(status[key]))
        counts["not_charged"] += int(not charged)
        rows.append(status)
    return {"counts": counts, "members": rows}


def court_cases_for_investigation(store: Store, viewer: Viewer, investigation_id: str) -> list[dict[str, Any]]:
    """Court cases opened from an investigation, with defendants and charges."""
    cond, params = court_case_filter(viewer)
    cases = store.query_dicts(f"SELECT * FROM court_cases c WHERE c.investigation_id = ? AND {cond} "
                              "ORDER BY c.filing_date", [investigation_id, *params])
    defs = defendants_by_canonical(store, viewer)
    by_case: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for records in defs.values():
        for r in records:
            by_case[r["case_id"]].append(r)
    for c in cases:
        c["defendants"] = sorted(by_case.get(c["case_id"], []), key=lambda r: r["defendant_id"])
    return cases
