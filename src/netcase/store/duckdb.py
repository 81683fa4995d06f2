"""The embedded default: one DuckDB file, no server."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from netcase.store.base import Store, StoreError

# Relations ``insert_select`` hands to DuckDB as local variables (see there).
_SCANNED = frozenset({"_nc_items", "_nc_facts", "_nc_ents", "_nc_srcs", "_nc_ctx"})


class DuckDBStore(Store):
    dialect = "duckdb"

    def __init__(self, path: str, *, read_only: bool = False) -> None:
        super().__init__(path)
        if path != ":memory:":
            p = Path(path)
            if p.exists() and p.is_dir():
                raise StoreError(f"{path} is a folder, not a database file")
            if not read_only:
                p.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(path, read_only=read_only)
        except duckdb.Error as exc:
            raise StoreError(f"cannot open DuckDB database {path}: {exc}") from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(sql, list(params))

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self.con.execute(sql, list(params)).fetchall()

    def query_columns(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        cur = self.con.execute(sql, list(params))
        cols = [d[0] for d in cur.description or []]
        return cols, cur.fetchall()

    def query_arrow(self, sql: str, params: Sequence[Any] = ()) -> pa.Table:
        """Rows as an Arrow table: the fast path for stages that read millions of statements."""
        # con.sql avoids the extra copy that a DB-API cursor makes when asked for Arrow.
        return self.con.sql(sql, params=list(params) or None).to_arrow_table()

    def insert_columns(self, table: str, columns: dict[str, list[Any]] | pa.Table) -> int:
        if isinstance(columns, pa.Table):  # the ingest fast path hands over Arrow as it is
            arrow = columns
        elif not columns:
            return 0
        else:
            arrow = pa.table(columns)
        if arrow.num_rows == 0:
            return 0
        names = ", ".join(arrow.column_names)
        self.con.register("_netcase_insert", arrow)
        try:
            self.con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _netcase_insert")
        finally:
            self.con.unregister("_netcase_insert")
        return arrow.num_rows

    def insert_select(
        self,
        table: str,
        names: Sequence[str],
        sql: str,
        params: dict[str, Any],
        relations: dict[str, pa.Table],
    ) -> int:
        """``INSERT INTO table (names) <sql>`` with the Arrow ``relations`` readable by ``sql``.

        The ingest fast path: statements are computed by a query over small per-chunk tables and
        appended without leaving DuckDB (no Arrow result, no second scan). Returns the rows written.

        The ingest's own relations (``_nc_items``, ``_nc_facts``, ``_nc_ents``, ``_nc_srcs``,
        ``_nc_ctx``: ``netcase.ingest.columnar``) are read through DuckDB's replacement scan of
        this frame's local variables, not registered: a view registered and unregistered inside
        an open transaction keeps its Arrow table alive until the commit, so a file of millions of
        statements held every chunk's tables (276 MB after 16 chunks of the large world's
        ``msb`` file, flat at 20 MB this way). Other names are registered as usual.
        """
        statement = f"INSERT INTO {table} ({', '.join(names)}) {sql}"
        if set(relations) <= _SCANNED:
            _nc_items = relations.get("_nc_items")  # noqa: F841 - the names are read by DuckDB
            _nc_facts = relations.get("_nc_facts")  # noqa: F841
            _nc_ents = relations.get("_nc_ents")  # noqa: F841
            _nc_srcs = relations.get("_nc_srcs")  # noqa: F841
            _nc_ctx = relations.get("_nc_ctx")  # noqa: F841
            row = self.con.execute(statement, params).fetchone()
            return int(row[0]) if row else 0
        try:
            for name, rel in relations.items():
                self.con.register(name, rel)
            row = self.con.execute(statement, params).fetchone()
        finally:
            for name in relations:
                self.con.unregister(name)
        return int(row[0]) if row else 0

    @contextmanager
    def memory_limit(self, limit: str | None) -> Iterator[None]:
        """DuckDB's ``memory_limit`` set to ``limit`` (e.g. ``"1GB"``) for a bulk write, then put back.

        DuckDB's default (80 % of RAM) lets its buffer pool keep every block a long ingest writes,
        so resident memory grows with the input; a bound makes it evict (a file database writes
        them back to the file, or spills to its ``.tmp`` folder). An in-memory database has nowhere
        to spill, so it keeps its setting, as does ``limit=None``.
        """
        if limit is None or self.url == ":memory:":
            yield
            return
        before = self.con.execute("SELECT current_setting('memory_limit')").fetchone()
        self.con.execute(f"SET memory_limit = '{limit}'")
        try:
            yield
        finally:
            # Back to the default if that is what it was (a value read back is rounded), else to it.
            self.con.execute("RESET memory_limit")
            now = self.con.execute("SELECT current_setting('memory_limit')").fetchone()
            if before and before[0] and now != before:
                self.con.execute(f"SET memory_limit = '{before[0]}'")

    def _begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def _commit(self) -> None:
        self.con.execute("COMMIT")

    def _rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def table_exists(self, name: str) -> bool:
        return bool(
            self.query("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", (name,))[0][0]
        )

    def close(self) -> None:
        self.con.close()
