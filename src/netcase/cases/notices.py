"""Notices to both points of contact when a deconfliction alert appears or is withdrawn.

An alert is a pair; a notice is one side of it, addressed to the lead agent of that side's own
investigation. Its text is ``render_alert`` of the side that ``alerts_for`` builds, so it obeys the
pointer model by construction: the recipient reads their own case and target, the kind of match
and whom to call, never the other case's number, district, predicate, targets or identifiers.
Operation conflicts get the same treatment from ``operation_alerts_for``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from netcase.access.viewer import Viewer
from netcase.cases.deconflict import DeconflictionRun, alerts_for, render_alert
from netcase.cases.investigations import case_filter
from netcase.cases.operations import OperationConflict, operation_alerts_for
from netcase.store import Store

NOTICE_COLUMNS: tuple[str, ...] = (
    "notice_id", "alert_kind", "alert_id", "change_kind", "investigation_id", "recipient_agency", "recipient",
    "recipient_phone", "recipient_email", "subject", "body", "created_at",
)


def _notice_id(*parts: str) -> str:
    return "CN-" + hashlib.sha1("\x1f".join(parts).encode()).hexdigest()[:16]


def _contacts(store: Store, investigation_ids: Iterable[str]) -> dict[str, tuple[Any, ...]]:
    ids = sorted({i for i in investigation_ids if i})
    if not ids:
        return {}
    marks = ", ".join("?" for _ in ids)
    return {r[0]: r[1:] for r in store.query(
        "SELECT investigation_id, agency, lead_agent, contact_phone, contact_email FROM investigations "
        f"WHERE investigation_id IN ({marks})", ids)}


def target_notices(store: Store, run: DeconflictionRun, *, now: datetime) -> list[dict[str, Any]]:
    """The notices owed for the alerts ``run`` created and withdrew: one per side, to its own contact."""
    changes = [("new", [c.alert_id for c in run.new], "active"), ("withdrawn", list(run.withdrawn), "withdrawn")]
    found = {c.alert_id: c for c in run.new}
    sides: list[tuple[str, dict[str, Any]]] = []
    for change, ids, status in changes:
        if ids:
            sides += [(change, s) for s in alerts_for(store, Viewer.system(), alert_ids=ids, status=status,
                                                      conflicts=found)]
    contacts = _contacts(store, (s["investigation_id"] for _c, s in sides))
    out = []
    for change, side in sides:
        agency, lead, phone, email = contacts.get(side["investigation_id"], (None, None, None, None))
        verb = "Withdrawn" if change != "new" else ("Possible" if side["level"] == "possible" else "New")
        out.append({
            "notice_id": _notice_id(run.run_id, side["alert_id"], side["investigation_id"], change),
            "alert_kind": "target", "alert_id": side["alert_id"], "change_kind": change,
            "investigation_id": side["investigation_id"], "recipient_agency": agency or "", "recipient": lead,
            "recipient_phone": phone, "recipient_email": email,
            "subject": f"{verb} target conflict on {side['case_number']}: call {side['contact']['agency']}",
            "body": render_alert(side), "created_at": now,
        })
    return out


def operation_notices(
    store: Store, conflicts: Sequence[OperationConflict], *, now: datetime,
) -> list[dict[str, Any]]:
    """Notices for newly found operation conflicts: each side learns its own operation and whom to call."""
    sides = operation_alerts_for(store, Viewer.system(), conflicts)
    ops = {r[0]: r[1:] for r in store.query("SELECT operation_id, investigation_id, agency FROM operations")}
    contacts = _contacts(store, (ops.get(s["operation_id"], (None, None))[0] for s in sides))
    out = []
    for side in sides:
        inv, op_agency = ops.get(side["operation_id"], (None, ""))
        agency, lead, phone, email = contacts.get(inv or "", (op_agency, None, None, None))
        c = side["contact"]
        call = ", ".join(str(v) for v in (c["lead_agent"], c["phone"], c["email"]) if v) or "their duty desk"
        body = (f"OPERATION CONFLICT {side['alert_id']}\nYour {side['kind']} {side['operation_id']} "
                f"{side['starts']:%Y-%m-%d %H:%M}-{side['ends']:%Y-%m-%d %H:%M} is {side['distance_km']:.2f} km from "
                f"a {c['agency']} operation in the same window.\nContact {c['agency']}: {call}")
        out.append({
            "notice_id": _notice_id(side["alert_id"], side["operation_id"], "new"),
            "alert_kind": "operation", "alert_id": side["alert_id"], "change_kind": "new",
            "investigation_id": inv, "recipient_agency": agency or op_agency or "", "recipient": lead,
            "recipient_phone": phone, "recipient_email": email,
            "subject": f"Operation conflict for {side['operation_id']}: call {c['agency']}",
            "body": body, "created_at": now,
        })
    return out


def store_notices(store: Store, notices: Sequence[dict[str, Any]]) -> int:
    """Append notices not stored yet (a notice id is stable, so a repeated run adds nothing)."""
    if not notices:
        return 0
    ids = sorted({n["notice_id"] for n in notices})
    marks = ", ".join("?" for _ in ids)
    known = {r[0] for r in store.query(f"SELECT notice_id FROM case_notices WHERE notice_id IN ({marks})", ids)}
    fresh: dict[str, dict[str, Any]] = {}
    for n in notices:
        if n["notice_id"] not in known:
            fresh.setdefault(n["notice_id"], n)
    store.insert_rows("case_notices", NOTICE_COLUMNS, [[n[c] for c in NOTICE_COLUMNS] for n in fresh.values()])
    return len(fresh)


def notices_for(store: Store, viewer: Viewer, *, investigation_id: str | None = None) -> list[dict[str, Any]]:
    """Notices addressed to the viewer's side: investigations they may see, of their agency unless
    they supervise (the same rule as ``alerts_for``), newest first."""
    cond, params = case_filter(viewer, "i")
    sql = ("SELECT n.notice_id, n.alert_kind, n.alert_id, n.change_kind, n.investigation_id, n.recipient_agency, "
           "n.recipient, n.subject, n.body, n.created_at, n.sent_at FROM case_notices n "
           f"JOIN investigations i ON i.investigation_id = n.investigation_id WHERE {cond}")
    args: list[Any] = list(params)
    if investigation_id:
        sql += " AND n.investigation_id = ?"
        args.append(investigation_id)
    if not viewer.is_system and not viewer.has_role("supervisor", "administrator"):
        sql += " AND i.agency = ?"
        args.append(viewer.agency.upper())
    return store.query_dicts(sql + " ORDER BY n.created_at DESC, n.notice_id", args)


def evaluate_and_notify(
    store: Store, *, now: datetime, trigger: str = "", resolution_run: str | None = None,
) -> tuple[DeconflictionRun, int]:
    """Re-evaluate target deconfliction, store what changed and notify both sides of each change.

    One transaction (it joins the caller's, e.g. an ingest or a resolution run). Returns the run and
    the number of notices written.
    """
    from netcase.cases.deconflict import evaluate

    run_id = "DR-" + hashlib.sha1(f"{trigger}\x1f{now.isoformat()}".encode()).hexdigest()[:12]
    with store.transaction():
        run = evaluate(store, now=now, run_id=run_id, resolution_run=resolution_run)
        sent = store_notices(store, target_notices(store, run, now=now))
    return run, sent
