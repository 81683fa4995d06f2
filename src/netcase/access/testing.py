"""Builders for tests of the access layer (and of other stages that need marked statements).

Real rows in the real ``statements`` table: nothing here bypasses the policy, it only saves every
test from spelling out 24 columns.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any

from netcase import hooks
from netcase.model.statement import STATEMENT_COLUMNS
from netcase.store import Store

_counter = itertools.count()


def statement_row(
    entity_id: str,
    prop: str,
    value: str,
    *,
    schema: str = "Person",
    prop_type: str = "string",
    releasable_to: Iterable[str] = ("USA",),
    tlp: str = "TLP:AMBER",
    victim_sensitive: bool = False,
    compartment: str | None = None,
    predicate: str | None = "8 U.S.C. 1324 smuggling conspiracy",
    review_by: date = date(2031, 1, 1),
    ingested: datetime = datetime(2026, 1, 1),
    agency: str = "HSI",
    statement_id: str | None = None,
) -> dict[str, Any]:
    """One statement as a dict of ``STATEMENT_COLUMNS``."""
    rel = "," + ",".join(sorted(set(releasable_to), key=lambda c: (c != "USA", c))) + ","
    return {
        "id": statement_id or f"st-{next(_counter):06d}-{entity_id}-{prop}",
        "entity_id": entity_id,
        "schema": schema,
        "prop": prop,
        "prop_type": prop_type,
        "value": value,
        "original_value": None,
        "dataset": "test",
        "source_file": "test.csv",
        "source_record": "1",
        "agency": agency,
        "batch_id": "test-batch",
        "observed": None,
        "ingested": ingested,
        "caveat": "LES",
        "releasable_to": rel,
        "tlp": tlp,
        "victim_sensitive": victim_sensitive,
        "compartment": compartment,
        "predicate": predicate,
        "reliability": "B",
        "validity": "2",
        "submitting_agency": agency,
        "review_by": review_by,
    }


def insert_statements(store: Store, rows: Iterable[dict[str, Any]]) -> int:
    """Append statement dicts to the store."""
    rows = list(rows)
    with store.transaction():
        n = store.insert_rows("statements", STATEMENT_COLUMNS, [[r[c] for c in STATEMENT_COLUMNS] for r in rows])
        for batch_id in sorted({r["batch_id"] for r in rows}):
            hooks.after_ingest(store, batch_id)
    return n


def write_resolved(store: Store, rows: Iterable[tuple[str, str]], run_id: str = "r1") -> int:
    """Replace the resolution with (entity_id, canonical_id) pairs, as a resolution run would
    (the stages' ``after_resolve`` hooks run in the same transaction)."""
    rows = list(rows)
    with store.transaction():
        store.execute("DELETE FROM resolved")
        n = store.insert_rows("resolved", ("entity_id", "canonical_id", "run_id"), [(e, c, run_id) for e, c in rows])
        hooks.after_resolve(store, run_id)
    return n
