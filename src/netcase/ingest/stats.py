"""What is in the store: statements, entities by schema, sources, batches, quarantine by reason."""

from __future__ import annotations

from typing import Any

from netcase.store import Store


def ingest_stats(store: Store) -> dict[str, Any]:
    """Counts for ``netcase stats``; plain data, the same on DuckDB and PostgreSQL."""
    return {
        # Counted on the table that holds the facts (DuckDB's ``statements`` is a view joining labels).
        "statements": int(store.scalar(f"SELECT count(*) FROM {store.facts_table}") or 0),
        "entities": int(store.scalar(f"SELECT count(DISTINCT entity_id) FROM {store.facts_table}") or 0),
        "entities_by_schema": {
            r[0]: int(r[1])
            for r in store.query(
                "SELECT schema, count(DISTINCT entity_id) FROM statements GROUP BY schema ORDER BY schema"
            )
        },
        "sources": [
            {"dataset": r[0], "agency": r[1], "statements": int(r[2]), "entities": int(r[3]),
             "victim_sensitive": int(r[4])}
            for r in store.query(
                "SELECT dataset, agency, count(*), count(DISTINCT entity_id), "
                "sum(CASE WHEN victim_sensitive THEN 1 ELSE 0 END) "
                "FROM statements GROUP BY dataset, agency ORDER BY dataset, agency"
            )
        ],
        "batches": [
            {"batch_id": r[0], "source_file": r[1], "dataset": r[2], "agency": r[3], "rows_read": int(r[4]),
             "rows_accepted": int(r[5]), "rows_quarantined": int(r[6]), "statements": int(r[7])}
            for r in store.query(
                "SELECT batch_id, source_file, dataset, agency, rows_read, rows_accepted, rows_quarantined, "
                "statements FROM batches ORDER BY source_file, batch_id"
            )
        ],
        "quarantine_by_reason": [
            {"scope": r[0], "reason": r[1], "count": int(r[2])}
            for r in store.query(
                "SELECT coalesce(scope, 'row') AS s, reason, count(*) FROM quarantine GROUP BY s, reason "
                "ORDER BY count(*) DESC, s, reason"
            )
        ],
    }

