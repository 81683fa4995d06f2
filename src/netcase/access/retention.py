"""28 CFR Part 23 duties: criminal predicate at submission, review within five years, purge of
what is not revalidated, and the record of every dissemination (23.20(c), (g), (h)).

Statements are append-only. A purge blanks the content of a purged statement (``value`` and
``original_value``) -- the one update the statements table ever sees -- and keeps the fact of the
purge in ``purges``; recipients of earlier disseminations of a purged statement get a row in
``notifications``. Revalidation never changes a statement: it adds a row to ``revalidations``, and
the effective review date is the later of the statement's own and its latest revalidation.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

from netcase.access.audit import record
from netcase.access.errors import AccessDenied, NoSharingAgreement
from netcase.access.policy import TASK_FORCE_ONLY_TLP, authorize, require_sharing_agreement
from netcase.access.viewer import Viewer
from netcase.model.statement import REVIEW_YEARS, default_review_by, statement_id_filter
from netcase.store import Store

PURGED_VALUE = ""


class PredicateMissing(ValueError):
    """A criminal-intelligence statement submitted without a criminal predicate (23.20(a), (c))."""


def require_predicate(predicate: str | None) -> str:
    """The predicate, stripped; ``PredicateMissing`` when there is none. Ingest calls this per batch."""
    text = (predicate or "").strip()
    if not text:
        raise PredicateMissing(
            "28 CFR 23.20(a): criminal intelligence needs a criminal predicate (reasonable suspicion of a"
            " definable criminal activity, e.g. '8 U.S.C. 1324 smuggling conspiracy')"
        )
    return text


def validate_review_by(submitted: date, review_by: date) -> date:
    """``review_by`` if it is at most five years after ``submitted`` (23.20(h)), else ``ValueError``."""
    limit = default_review_by(submitted)
    if review_by > limit:
        raise ValueError(f"review date {review_by} is more than {REVIEW_YEARS} years after submission ({limit})")
    return review_by


EFFECTIVE_REVIEW_SQL = (
    "CASE WHEN rv.new_review_by IS NOT NULL AND rv.new_review_by > s.review_by THEN rv.new_review_by"
    " ELSE s.review_by END"
)
_REVIEW_FROM = (
    "statements s LEFT JOIN (SELECT statement_id, max(new_review_by) AS new_review_by FROM revalidations"
    " GROUP BY statement_id) rv ON rv.statement_id = s.id"
    " WHERE s.id NOT IN (SELECT statement_id FROM purges)"
)


def due_for_review(store: Store, as_of: date, *, warn_days: int = 0) -> list[dict[str, Any]]:
    """Statements whose effective review date is on or before ``as_of + warn_days`` (not purged).

    Returns ids, dates, predicate and handling -- never the value: the reviewer opens the record
    through the policy if their role allows it.
    """
    horizon = as_of + timedelta(days=warn_days)
    return store.query_dicts(
        f"SELECT s.id AS statement_id, s.entity_id, s.schema, s.prop, s.agency, s.submitting_agency, s.compartment,"
        f" s.predicate, s.ingested, {EFFECTIVE_REVIEW_SQL} AS review_by FROM {_REVIEW_FROM}"
        f" AND {EFFECTIVE_REVIEW_SQL} <= ? ORDER BY review_by, s.id",
        (horizon,),
    )


def revalidate(
    store: Store,
    statement_ids: Sequence[str],
    *,
    by: Viewer,
    reason: str,
    now: datetime,
    new_review_by: date | None = None,
    source: str = "local",
) -> date:
    """Record that a reviewer found the statements still relevant; extends their review date.

    The new date is at most five years from today (default: exactly five). Returns it.
    """
    authorize(by, "retention:revalidate")
    if not reason.strip():
        raise ValueError("a revalidation needs a reason")
    if not statement_ids:
        raise ValueError("nothing to revalidate")
    today = now.date()
    target = validate_review_by(today, new_review_by or default_review_by(today))
    ids = sorted(set(statement_ids))
    where, params = statement_id_filter("s", ids)
    rows = store.query(f"SELECT s.id, {EFFECTIVE_REVIEW_SQL} FROM {_REVIEW_FROM} AND {where}", params)
    found = {r[0]: r[1] for r in rows}
    missing = sorted(set(ids) - set(found))
    if missing:
        raise ValueError(f"unknown or purged statement(s): {', '.join(missing[:5])}")
    with store.transaction():
        for sid in ids:
            store.execute(
                "INSERT INTO revalidations (statement_id, revalidated_at, by_user, reason, previous_review_by,"
                " new_review_by) VALUES (?, ?, ?, ?, ?, ?)",
                (sid, now, by.user, reason, found[sid], target),
            )
        record(store, by, "retention:revalidate", object_type="statements", object_id=ids[0] if len(ids) == 1 else None,
               now=now, source=source, details={"count": len(ids), "new_review_by": target.isoformat()})
    return target


@dataclass
class PurgeReport:
    """What a purge did."""

    as_of: date
    statement_ids: list[str] = field(default_factory=list)
    entity_ids: list[str] = field(default_factory=list)
    notifications: list[dict[str, Any]] = field(default_factory=list)


def purge(
    store: Store,
    as_of: date,
    *,
    by: Viewer,
    now: datetime,
    reason: str = "28 CFR 23.20(h): not revalidated by its review date",
    source: str = "local",
) -> PurgeReport:
    """Purge every statement whose effective review date is before ``as_of``.

    The content is blanked, the purge recorded, earlier recipients notified, and the purge audited
    -- all in one transaction.
    """
    authorize(by, "retention:purge")
    report = PurgeReport(as_of=as_of)
    rows = store.query(f"SELECT s.id, s.entity_id FROM {_REVIEW_FROM} AND {EFFECTIVE_REVIEW_SQL} < ? ORDER BY s.id",
                       (as_of,))
    if not rows:
        record(store, by, "retention:purge", now=now, source=source, details={"as_of": as_of.isoformat(), "count": 0})
        return report
    seen: set[str] = set()
    purge_rows = []
    for sid, eid in rows:
        if sid in seen:  # the same fact stored twice: one purge row is enough
            continue
        seen.add(sid)
        purge_rows.append((sid, eid, as_of, now, by.user, reason))
    report.statement_ids = [r[0] for r in purge_rows]
    report.entity_ids = sorted({r[1] for r in purge_rows})
    with store.transaction():
        store.insert_rows("purges", ("statement_id", "entity_id", "purged_on", "purged_at", "by_user", "reason"),
                          purge_rows)
        store.blank_statements(report.statement_ids, PURGED_VALUE)
        # The API's index of linking values holds copies of values: the purged ones go too.
        from netcase.store import value_index

        value_index.refresh_entities(store, report.entity_ids)
        # Answers kept for sharing between viewers (migration 0060) may quote a purged value.
        store.execute("DELETE FROM read_cache")
        recipients = store.query(
            "SELECT d.dissemination_id, d.recipient, d.recipient_agency, d.recipient_country, count(DISTINCT i.statement_id)"
            " FROM disseminations d JOIN dissemination_items i ON i.dissemination_id = d.dissemination_id"
            " JOIN purges p ON p.statement_id = i.statement_id AND p.purged_at = ? AND p.purged_on = ?"
            " GROUP BY d.dissemination_id, d.recipient, d.recipient_agency, d.recipient_country"
            " ORDER BY d.dissemination_id",
            (now, as_of),
        )
        for did, recipient, agency, country, n in recipients:
            note = {
                "notification_id": secrets.token_hex(8),
                "created_at": now,
                "recipient": recipient,
                "recipient_agency": agency,
                "recipient_country": country,
                "dissemination_id": did,
                "subject": f"Purge notice for dissemination {did}",
                "body": (f"{n} record(s) you received in dissemination {did} were purged on {as_of.isoformat()}"
                         f" under 28 CFR 23.20(h). Destroy your copies and do not rely on them."),
            }
            store.insert_rows("notifications", list(note), [list(note.values())])
            report.notifications.append(note)
        record(store, by, "retention:purge", now=now, source=source,
               details={"as_of": as_of.isoformat(), "count": len(purge_rows), "notified": len(recipients),
                        "reason": reason})
    return report


# -- dissemination (23.20(g)) ---------------------------------------------------------------------


def record_dissemination(
    store: Store,
    *,
    by: Viewer,
    recipient: str,
    recipient_agency: str,
    recipient_country: str,
    reason: str,
    kind: str,
    statement_ids: Sequence[str],
    now: datetime,
    source: str = "local",
) -> str:
    """Record an export or share of ``statement_ids`` to a recipient; returns the dissemination id.

    Exporters call this before writing the file. It checks that ``by`` may export/share, that a
    partner recipient is covered by a current sharing agreement, and that every statement is
    releasable to the recipient's country (and, for a partner, is neither task-force-only TLP nor
    victim-sensitive); otherwise it raises and records nothing but the refusal.
    """
    if kind not in ("export", "share"):
        raise ValueError("kind is 'export' or 'share'")
    if not reason.strip():
        raise ValueError("28 CFR 23.20(g): a dissemination needs a reason (need and right to know)")
    country = recipient_country.upper()
    try:
        authorize(by, kind)
        agreement = require_sharing_agreement(store, country, recipient_agency, now.date())
    except AccessDenied:
        record(store, by, kind, object_type="dissemination", outcome="denied", now=now, source=source,
               details={"recipient_agency": recipient_agency, "recipient_country": country})
        raise
    except NoSharingAgreement:
        record(store, by, kind, object_type="dissemination", outcome="denied: no sharing agreement", now=now,
               source=source, details={"recipient_agency": recipient_agency, "recipient_country": country})
        raise
    ids = sorted(set(statement_ids))
    items: list[tuple[str, str]] = []
    bad = 0
    for start in range(0, len(ids), 500):
        chunk = ids[start:start + 500]
        marks = ", ".join("?" for _ in chunk)
        for sid, eid, rel, tlp, victim in store.query(
            f"SELECT DISTINCT id, entity_id, releasable_to, tlp, victim_sensitive FROM statements WHERE id IN ({marks})",
            chunk,
        ):
            ok = f",{country}," in rel and (country == "USA" or (tlp not in TASK_FORCE_ONLY_TLP and not victim))
            bad += not ok
            items.append((sid, eid))
    if bad or len({i[0] for i in items}) != len(ids):
        record(store, by, kind, object_type="dissemination", outcome="denied: not releasable", now=now, source=source,
               details={"recipient_agency": recipient_agency, "recipient_country": country, "refused": bad,
                        "unknown": len(ids) - len({i[0] for i in items})})
        raise AccessDenied(f"{bad} statement(s) are not releasable to {country}"
                           + (" or unknown" if len({i[0] for i in items}) != len(ids) else ""))
    did = secrets.token_hex(8)
    with store.transaction():
        store.execute(
            "INSERT INTO disseminations (dissemination_id, shared_at, by_user, recipient, recipient_agency,"
            " recipient_country, reason, kind, agreement_id, items) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (did, now, by.user, recipient, recipient_agency, country, reason, kind, agreement or None, len(items)),
        )
        store.insert_rows("dissemination_items", ("dissemination_id", "statement_id", "entity_id"),
                          [(did, sid, eid) for sid, eid in items])
        record(store, by, kind, object_type="dissemination", object_id=did, now=now, source=source,
               details={"recipient_agency": recipient_agency, "recipient_country": country, "items": len(items),
                        "agreement": agreement or None})
    return did


def disseminations(store: Store, *, statement_id: str | None = None) -> list[dict[str, Any]]:
    """Dissemination records, newest first; only those including ``statement_id`` if given."""
    if statement_id is None:
        return store.query_dicts("SELECT * FROM disseminations ORDER BY shared_at DESC, dissemination_id")
    return store.query_dicts(
        "SELECT d.* FROM disseminations d WHERE d.dissemination_id IN"
        " (SELECT dissemination_id FROM dissemination_items WHERE statement_id = ?) ORDER BY d.shared_at DESC",
        (statement_id,),
    )
