"""The store interface shared by the DuckDB and PostgreSQL backends.

SQL in netcase is written once, with ``?`` placeholders and types both engines accept (VARCHAR,
BIGINT, DOUBLE PRECISION, BOOLEAN, DATE, TIMESTAMP; JSON kept as VARCHAR). Each backend adapts the
placeholders and does bulk loading its own fast way (Arrow for DuckDB, COPY for PostgreSQL).
Reads that return facts to a person go through ``netcase.access`` (the viewer-aware query layer),
never straight through ``query``.
"""

from __future__ import annotations

import abc
import re
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib import resources
from pathlib import Path
from typing import Any

from netcase.model.statement import statement_id_filter

MIGRATION_RE = re.compile(r"^(\d{4})_([a-z0-9_]+?)(?:\.(duckdb|postgres))?\.sql$")


class StoreError(RuntimeError):
    """A store that cannot be opened, migrated or written."""


class Store(abc.ABC):
    """A connection to one netcase database."""

    dialect: str = ""
    # The table that holds statements' values, for the one update they ever see (retention's
    # purge): ``statements`` itself, or DuckDB's narrow facts under its ``statements`` view.
    facts_table: str = "statements"

    def __init__(self, url: str) -> None:
        self.url = url
        self._depth = 0

    # -- raw access -------------------------------------------------------------------------
    @abc.abstractmethod
    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        """Run one statement that returns nothing."""

    @abc.abstractmethod
    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        """Run one statement and return its rows."""

    @abc.abstractmethod
    def query_columns(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        """Run one statement and return its column names and rows."""

    def query_dicts(self, sql: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        cols, rows = self.query_columns(sql, params)
        return [dict(zip(cols, r, strict=True)) for r in rows]

    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        rows = self.query(sql, params)
        return rows[0][0] if rows else None

    def entity_statements_cte(self, ids_marks: str, fields: str = "*") -> str:
        """A ``WITH s AS MATERIALIZED (…)`` prefix: the statements (``fields`` of them) of the entity
        ids bound to the placeholders ``ids_marks``, found through the entity index first.

        The statements are then read from ``s``. (DuckDB's narrow store reads an entity's
        statements its own way: ``DuckDBStore.entity_statements``.)
        """
        return f"WITH s AS MATERIALIZED (SELECT {fields} FROM statements WHERE entity_id IN ({ids_marks})) "

    def entity_statements(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """Every statement of the entity ids ``ids`` (a few hundred at most), as dicts keyed by
        ``STATEMENT_COLUMNS``, found through the entity index."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        return self.query_dicts(f"{self.entity_statements_cte(marks)}SELECT * FROM s", list(ids))

    def value_statements_sql(self, values_marks: str) -> str:
        """A parenthesised relation of the statements whose value is one of the values bound to
        the placeholders ``values_marks`` (bound first, before any other of the query's)."""
        return f"(SELECT * FROM statements WHERE value IN ({values_marks}))"

    def facts_by_value(self, values: Sequence[str]) -> list[tuple[str, str, str, str]]:
        """(value, entity id, property, type) of every statement whose value is one of ``values``."""
        if not values:
            return []
        marks = ", ".join("?" for _ in values)
        return [(str(v), str(e), str(p), str(t)) for v, e, p, t in self.query(
            f"SELECT value, entity_id, prop, prop_type FROM statements WHERE value IN ({marks})", list(values))]

    def batch_statements_sql(self, batch_id: str, *, props: Sequence[str] = (),
                             prop_types: Sequence[str] = ()) -> tuple[str, list[Any]]:
        """A parenthesised subquery of the statements of one batch, and its parameters; with
        ``props`` or ``prop_types``, only the statements of those properties or of those types.

        Stage hooks read what a batch just wrote through this (``netcase.hooks``); a store whose
        ``statements`` is a view narrows the read its own way (``DuckDBStore``).
        """
        where, params = "batch_id = ?", [batch_id]
        if props or prop_types:
            alts = []
            if props:
                alts.append(f"prop IN ({', '.join('?' for _ in props)})")
            if prop_types:
                alts.append(f"prop_type IN ({', '.join('?' for _ in prop_types)})")
            where += f" AND ({' OR '.join(alts)})"
            params += [*props, *prop_types]
        return f"(SELECT * FROM statements WHERE {where})", params

    # Statements a purge blanks at a time (each id and its entity a parameter).
    BLANK_CHUNK = 2000

    def blank_statements(self, ids: Sequence[str], value: str) -> None:
        """Replace the value of the statements ``ids`` with ``value`` (and drop their original
        value), keeping their ids: a 28 CFR 23 purge. Runs in the caller's transaction."""
        ids = list(ids)
        for i in range(0, len(ids), self.BLANK_CHUNK):
            where, params = statement_id_filter("s", ids[i : i + self.BLANK_CHUNK])
            self.execute(f"UPDATE statements AS s SET value = ?, original_value = NULL WHERE {where}",
                         [value, *params])

    @abc.abstractmethod
    def insert_columns(self, table: str, columns: dict[str, list[Any]]) -> int:
        """Bulk-append rows given column-wise; returns the number of rows written."""

    def insert_rows(self, table: str, names: Sequence[str], rows: Sequence[Sequence[Any]]) -> int:
        """Bulk-append rows given row-wise."""
        if not rows:
            return 0
        cols: dict[str, list[Any]] = {n: [] for n in names}
        for row in rows:
            for n, v in zip(names, row, strict=True):
                cols[n].append(v)
        return self.insert_columns(table, cols)

    # -- transactions -------------------------------------------------------------------------
    @abc.abstractmethod
    def _begin(self) -> None: ...

    @abc.abstractmethod
    def _commit(self) -> None: ...

    @abc.abstractmethod
    def _rollback(self) -> None: ...

    @contextmanager
    def transaction(self) -> Iterator[Store]:
        """All or nothing. Nested calls join the outer transaction."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._rollback()
            raise
        self._depth = 0
        self._commit()

    @abc.abstractmethod
    def close(self) -> None: ...

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @abc.abstractmethod
    def table_exists(self, name: str) -> bool: ...

    # -- migrations ---------------------------------------------------------------------------
    def migrate(self) -> list[str]:
        """Apply every migration not yet applied, each in its own transaction; return their names."""
        if not self.table_exists("schema_migrations"):
            self.execute(
                "CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL, applied_at TIMESTAMP NOT NULL)"
            )
        done = {int(r[0]) for r in self.query("SELECT version FROM schema_migrations")}
        applied = []
        for version, name, sql in available_migrations(self.dialect):
            if version in done:
                continue
            with self.transaction():
                for stmt in split_sql(sql):
                    self.execute(stmt)
                self.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, CURRENT_TIMESTAMP)", (version, name)
                )
            applied.append(f"{version:04d}_{name}")
        return applied

    def schema_version(self) -> int:
        return int(self.scalar("SELECT coalesce(max(version), 0) FROM schema_migrations") or 0)


def split_sql(script: str) -> list[str]:
    """Split a migration script on semicolons at line ends (no procedural bodies in migrations)."""
    lines = [ln for ln in script.splitlines() if not ln.strip().startswith("--")]
    parts = re.split(r";\s*(?:\n|$)", "\n".join(lines))
    return [p.strip() for p in parts if p.strip()]


def available_migrations(dialect: str) -> list[tuple[int, str, str]]:
    """Migrations shipped in ``netcase.store.migrations``; a ``.duckdb``/``.postgres`` file overrides."""
    chosen: dict[int, tuple[str, str, bool]] = {}
    folder = resources.files("netcase.store.migrations")
    for entry in folder.iterdir():
        m = MIGRATION_RE.match(entry.name)
        if not m:
            continue
        version, name, variant = int(m.group(1)), m.group(2), m.group(3)
        if variant and variant != dialect:
            continue
        specific = variant is not None
        if version in chosen and chosen[version][2] and not specific:
            continue
        if version in chosen and not chosen[version][2] and not specific:
            raise StoreError(f"two migrations share version {version:04d}")
        chosen[version] = (name, entry.read_text(encoding="utf-8"), specific)
    return [(v, n, s) for v, (n, s, _) in sorted(chosen.items())]


def open_store(url: str | Path, *, migrate: bool = True, read_only: bool = False) -> Store:
    """Open ``postgresql://…`` with psycopg 3, anything else as a DuckDB file path (``:memory:`` too)."""
    text = str(url)
    store: Store
    if text.startswith(("postgresql://", "postgres://")):
        from netcase.store.postgres import PostgresStore

        store = PostgresStore(text)
    else:
        from netcase.store.duckdb import DuckDBStore

        store = DuckDBStore(text, read_only=read_only)
    if migrate and not read_only:
        store.migrate()
    return store
