"""Investigations and their targets: register, list, show, and the visibility rule for case records.

Case records are Law Enforcement Sensitive and not releasable to partners by default: a viewer
sees an investigation if they are a U.S. viewer and either the investigation has no compartment or
the viewer holds it. The pipeline (``Viewer.system()``) sees all. Deconfliction never shows one
side the other's record: see ``netcase.cases.deconflict``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from netcase.access.viewer import Viewer
from netcase.cases.identifiers import normalize_name, normalize_phone, normalize_token
from netcase.cases.vocab import INVESTIGATION_STATUSES
from netcase.store import Store


class CaseError(ValueError):
    """A case record that cannot be stored as given."""


def case_filter(viewer: Viewer, alias: str = "i") -> tuple[str, list[Any]]:
    """SQL condition on ``investigations`` (alias ``alias``) for what ``viewer`` may read."""
    if viewer.is_system:
        return "TRUE", []
    if viewer.country.upper() != "USA":
        return "FALSE", []
    if not viewer.compartments:
        return f"{alias}.compartment IS NULL", []
    marks = ", ".join("?" for _ in viewer.compartments)
    return f"({alias}.compartment IS NULL OR {alias}.compartment IN ({marks}))", sorted(viewer.compartments)


@dataclass(frozen=True)
class Investigation:
    """What an agent registers for one investigation."""

    investigation_id: str
    agency: str
    case_number: str
    lead_agent: str
    district: str | None = None
    contact_phone: str | None = None
    contact_email: str | None = None
    status: str = "open"
    opened: date | None = None
    closed: date | None = None
    predicate: str | None = None
    compartment: str | None = None


def add_investigation(store: Store, viewer: Viewer, inv: Investigation) -> dict[str, Any]:
    """Register an investigation; the viewer must be a U.S. investigator, supervisor or analyst."""
    if not viewer.has_role("investigator", "supervisor", "analyst", "administrator"):
        raise CaseError(f"{viewer.user} may not register investigations")
    if inv.status not in INVESTIGATION_STATUSES:
        raise CaseError(f"status {inv.status!r} is not one of {', '.join(INVESTIGATION_STATUSES)}")
    if inv.compartment and not viewer.is_system and inv.compartment not in viewer.compartments:
        raise CaseError(f"{viewer.user} does not hold compartment {inv.compartment}")
    phone = normalize_phone(inv.contact_phone) if inv.contact_phone else None
    if inv.contact_phone and phone is None:
        raise CaseError(f"contact phone {inv.contact_phone!r} is not a telephone number")
    if store.scalar("SELECT count(*) FROM investigations WHERE investigation_id = ?", (inv.investigation_id,)):
        raise CaseError(f"investigation {inv.investigation_id} already exists")
    row = {
        "investigation_id": inv.investigation_id, "agency": inv.agency.upper(), "case_number": inv.case_number,
        "district": inv.district, "lead_agent": inv.lead_agent, "contact_phone": phone,
        "contact_email": inv.contact_email, "status": inv.status, "opened": inv.opened, "closed": inv.closed,
        "predicate": inv.predicate, "compartment": inv.compartment, "source_file": "netcase case add",
        "batch_id": None,
    }
    store.insert_rows("investigations", list(row), [list(row.values())])
    return row


def list_investigations(
    store: Store, viewer: Viewer, *, district: str | None = None, agency: str | None = None,
    status: str | None = None,
) -> list[dict[str, Any]]:
    """Investigations the viewer may see, newest first, with their target counts."""
    cond, params = case_filter(viewer)
    sql = (
        "SELECT i.investigation_id, i.agency, i.case_number, i.district, i.lead_agent, i.status, i.opened, "
        "i.closed, i.compartment, (SELECT count(*) FROM case_targets t WHERE t.investigation_id = "
        f"i.investigation_id) AS targets FROM investigations i WHERE {cond}"
    )
    for col, value in (("district", district), ("agency", agency), ("status", status)):
        if value:
            sql += f" AND i.{col} = ?"
            params.append(value.upper() if col == "agency" else value)
    sql += " ORDER BY i.opened DESC NULLS LAST, i.investigation_id"
    return store.query_dicts(sql, params)


def get_investigation(store: Store, viewer: Viewer, investigation_id: str) -> dict[str, Any] | None:
    """One investigation with its targets (and their canonical ids), or None if not visible."""
    cond, params = case_filter(viewer)
    rows = store.query_dicts(f"SELECT * FROM investigations i WHERE i.investigation_id = ? AND {cond}",
                             [investigation_id, *params])
    if not rows:
        return None
    inv = rows[0]
    inv["targets"] = store.query_dicts(
        "SELECT t.target_id, t.entity_id, coalesce(r.canonical_id, t.entity_id) AS canonical_id, t.name, "
        "t.dob, t.phone, t.account, t.plate, t.document, t.address FROM case_targets t "
        "LEFT JOIN resolved r ON r.entity_id = t.entity_id WHERE t.investigation_id = ? ORDER BY t.target_id",
        (investigation_id,),
    )
    return inv


def add_target(
    store: Store,
    viewer: Viewer,
    investigation_id: str,
    *,
    entity_id: str | None = None,
    name: str | None = None,
    dob: date | None = None,
    phone: str | None = None,
    account: str | None = None,
    plate: str | None = None,
    document: str | None = None,
    address: str | None = None,
    now: datetime,
) -> dict[str, Any]:
    """Add a target, as a canonical entity id or as raw identifiers.

    A target given by raw identifiers is linked to a stored person by ``link_target``; when no
    person is clearly it, the target stays unlinked and deconfliction compares its identifiers.
    """
    inv = get_investigation(store, viewer, investigation_id)
    if inv is None:
        raise CaseError(f"no investigation {investigation_id} visible to {viewer.user}")
    e164 = normalize_phone(phone) if phone else None
    if phone and e164 is None:
        raise CaseError(f"{phone!r} is not a telephone number")
    if not any((entity_id, name, e164, account, plate, document)):
        raise CaseError("a target needs an entity id, a name or a strong identifier")
    if entity_id is None:
        entity_id = link_target(store, name=name, dob=dob, phone=e164, account=account, plate=plate,
                                document=document)
    key = "\x1f".join((investigation_id, entity_id or "", name or "", str(dob or ""), e164 or "",
                       account or "", plate or "", document or ""))
    target_id = "T-" + hashlib.sha1(key.encode()).hexdigest()[:12]
    if store.scalar("SELECT count(*) FROM case_targets WHERE target_id = ?", (target_id,)):
        raise CaseError(f"the same target is already registered as {target_id}")
    row = {
        "target_id": target_id, "investigation_id": investigation_id, "entity_id": entity_id,
        "name": name, "dob": dob, "phone": e164, "account": normalize_token(account),
        "plate": normalize_token(plate), "document": normalize_token(document), "address": address,
        "added": now, "source_file": "netcase target add", "batch_id": None,
    }
    store.insert_rows("case_targets", list(row), [list(row.values())])
    return row


# A raw description is linked only when the resolver is this sure of one person and no other
# candidate comes close: a wrong link would send a deconfliction alert to the wrong agency.
LINK_PROBABILITY = 0.99
RUNNER_UP_MAX = 0.5


def link_target(
    store: Store, *, name: str | None = None, dob: date | None = None, phone: str | None = None,
    account: str | None = None, plate: str | None = None, document: str | None = None,
) -> str | None:
    """The canonical id of the one person a raw description names, or None.

    Uses the resolver's matcher (``netcase.resolve.match``: the saved Splink model, and the people
    linked to an account or plate) when a model has been trained; otherwise, or when it is not
    sure, exact matching (``match_identifiers``).
    """
    from netcase.resolve.match import match_identifiers as resolver_match

    try:
        found = resolver_match(store, name=name, dob=dob.isoformat() if dob else None, phone=phone,
                               account=account, plate=plate, id_number=document)
    except LookupError:  # no trained model yet
        found = []
    if found and found[0][1] >= LINK_PROBABILITY and (len(found) < 2 or found[1][1] <= RUNNER_UP_MAX):
        return str(found[0][0])
    return match_identifiers(store, name=name, dob=dob, phone=phone)


def match_identifiers(
    store: Store, *, name: str | None = None, dob: date | None = None, phone: str | None = None
) -> str | None:
    """The one canonical Person id with this E.164 phone, or this name and date of birth; else None.

    Exact matching only, on purpose: an agent's target must not be linked to someone else by a
    fuzzy guess. The resolver's probabilistic model links the ingested mentions.
    """
    candidates: set[str] = set()
    if phone:
        rows = store.query(
            "SELECT DISTINCT coalesce(r.canonical_id, s.entity_id) FROM statements s LEFT JOIN resolved r "
            "ON r.entity_id = s.entity_id WHERE s.schema = 'Person' AND s.prop = 'phone' AND s.value = ?",
            (phone,),
        )
        candidates |= {r[0] for r in rows}
    if not candidates and name and dob:
        rows = store.query(
            "SELECT DISTINCT n.entity_id, n.value FROM statements n JOIN statements d ON d.entity_id = "
            "n.entity_id AND d.prop = 'birthDate' AND d.value = ? WHERE n.schema = 'Person' AND n.prop = 'name'",
            (dob.isoformat(),),
        )
        wanted = normalize_name(name)
        mentions = [r[0] for r in rows if normalize_name(r[1]) == wanted]
        if mentions:
            marks = ", ".join("?" for _ in mentions)
            canon = store.query(
                f"SELECT entity_id, canonical_id FROM resolved WHERE entity_id IN ({marks})", mentions
            )
            mapped = dict(canon)
            candidates |= {mapped.get(m, m) for m in mentions}
    return next(iter(candidates)) if len(candidates) == 1 else None
