"""DuckDB's narrow statements: facts with a label number, labels with what facts share.

A DuckDB store keeps ``statements`` as a view (migration 0070) over ``statement_facts`` (id, entity,
value, original value, record, observed date, label) and ``statement_labels`` (schema, property,
type, provenance, marking, compartment, 28 CFR 23 fields). Readers never see the split; writers
come through here:

* ``LabelBook`` numbers the labels of one transaction's writes, adding each new one to
  ``statement_labels`` once (the ingest's fast path asks it per chunk, for a few hundred labels);
* ``insert_statements`` appends whole statements (``STATEMENT_COLUMNS``, Arrow), splitting them
  in SQL: the path of every writer that is not the ingest (fixtures, samples, tests).

PostgreSQL keeps the wide table; nothing here applies to it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from netcase.model.statement import STATEMENT_COLUMNS, statement_id_sql

if TYPE_CHECKING:
    from netcase.store.duckdb import DuckDBStore

# What a label holds, in the order of its table's columns after ``label``.
LABEL_COLUMNS: tuple[str, ...] = (
    "schema", "prop", "prop_type", "dataset", "source_file", "agency", "batch_id", "ingested", "caveat",
    "releasable_to", "tlp", "victim_sensitive", "compartment", "predicate", "reliability", "validity",
    "submitting_agency", "review_by",
)
# What a fact holds beside its label.
FACT_COLUMNS: tuple[str, ...] = ("id", "entity_id", "value", "original_value", "source_record", "observed")
# An ingested fact stores no id (NULL): its id is derived from its entity, property and value, the
# text of ``netcase.model.statement.statement_id`` (migration 0072). Other writers' ids are kept.
FACT_ID_SQL = f"coalesce(f.id, {statement_id_sql('f.entity_id', 'l.prop', 'f.value')})"
# The statements of the facts in ``{facts}``: the ``statements`` view's definition (migration 0072).
STATEMENTS_SELECT = (
    f"SELECT {FACT_ID_SQL} AS id, f.entity_id, l.schema, l.prop, l.prop_type, f.value, f.original_value, "
    "l.dataset, l.source_file, "
    "f.source_record, l.agency, l.batch_id, f.observed, l.ingested, l.caveat, l.releasable_to, l.tlp, "
    "l.victim_sensitive, l.compartment, l.predicate, l.reliability, l.validity, l.submitting_agency, l.review_by "
    "FROM {facts} f JOIN statement_labels l ON l.label = f.label"
)
# Columns a label may leave empty (compared with IS NOT DISTINCT FROM).
_NULLABLE = frozenset({"compartment", "predicate"})

assert set(LABEL_COLUMNS) | set(FACT_COLUMNS) == set(STATEMENT_COLUMNS)
assert not set(LABEL_COLUMNS) & set(FACT_COLUMNS)


class LabelBook:
    """The label numbers of one writer, handed out in order, each label written once.

    Numbers continue from the highest in ``statement_labels`` (read at first use, inside the
    writer's transaction: a DuckDB file has one writer). A label already in the book keeps its
    number; ``number`` writes the new ones in one append. Keep a book for one transaction: labels
    written in a transaction that rolls back are gone with it.
    """

    def __init__(self, store: DuckDBStore) -> None:
        self.store = store
        self._known: dict[tuple[Any, ...], int] = {}
        self._next: int | None = None

    def number(self, labels: Sequence[tuple[Any, ...]]) -> list[int]:
        """The label number of each tuple (``LABEL_COLUMNS`` order), adding unknown ones to the store."""
        if self._next is None:
            self._next = int(self.store.scalar("SELECT coalesce(max(label), 0) FROM statement_labels") or 0) + 1
        new: list[tuple[Any, ...]] = []
        out: list[int] = []
        for lab in labels:
            got = self._known.get(lab)
            if got is None:
                got = self._known[lab] = self._next
                self._next += 1
                new.append(lab)
            out.append(got)
        if new:
            cols: dict[str, list[Any]] = {"label": [self._known[lab] for lab in new]}
            for i, name in enumerate(LABEL_COLUMNS):
                cols[name] = [lab[i] for lab in new]
            arrow = pa.table(cols, schema=label_schema())
            self.store.append_arrow("statement_labels", arrow)
        return out


def label_schema() -> pa.Schema:
    """The Arrow schema of ``statement_labels`` rows."""
    types: dict[str, pa.DataType] = {"ingested": pa.timestamp("us"), "victim_sensitive": pa.bool_(),
                                     "review_by": pa.date32()}
    return pa.schema([("label", pa.int32())] + [(c, types.get(c, pa.string())) for c in LABEL_COLUMNS])


def _same(a: str, b: str) -> str:
    """SQL for label columns ``a.c`` and ``b.c`` being equal, for every label column."""
    return " AND ".join(
        f"{a}.{c} IS NOT DISTINCT FROM {b}.{c}" if c in _NULLABLE else f"{a}.{c} = {b}.{c}" for c in LABEL_COLUMNS
    )


def insert_statements(store: DuckDBStore, statements: pa.Table) -> int:
    """Append whole statements (``STATEMENT_COLUMNS``) to a narrow store; returns the rows written.

    The distinct labels of the input that the store lacks are numbered after its highest and
    added; the facts are appended with their label's number. Runs in the caller's transaction, or
    in one of its own.
    """
    if statements.num_rows == 0:
        return 0
    missing = set(STATEMENT_COLUMNS) - set(statements.column_names)
    if missing:
        raise ValueError(f"statements lack column(s): {', '.join(sorted(missing))}")
    cols = ", ".join(LABEL_COLUMNS)
    facts = ", ".join(f"i.{c}" for c in FACT_COLUMNS)
    with store.transaction():
        con = store.con
        _nc_statements_in = statements  # noqa: F841 - read by DuckDB's replacement scan
        con.execute(f"""
            INSERT INTO statement_labels (label, {cols})
            SELECT CAST((SELECT coalesce(max(label), 0) FROM statement_labels) + row_number() OVER (ORDER BY first)
                        AS INTEGER), * EXCLUDE (first)
            FROM (
                SELECT {cols}, min(rn) AS first FROM (SELECT *, row_number() OVER () AS rn FROM _nc_statements_in) i
                WHERE NOT EXISTS (SELECT 1 FROM statement_labels l WHERE {_same('l', 'i')})
                GROUP BY ALL
            )
        """)
        row = con.execute(f"""
            INSERT INTO statement_facts ({', '.join(FACT_COLUMNS)}, label)
            SELECT {facts}, l.label FROM _nc_statements_in i
            JOIN (SELECT min(label) AS label, {cols} FROM statement_labels GROUP BY ALL) l ON {_same('l', 'i')}
        """).fetchall()[0]
    return int(row[0]) if row else 0
