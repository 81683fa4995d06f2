"""The embedded default: one DuckDB file, no server."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa

from netcase.model.statement import STATEMENT_COLUMNS, statement_id, statement_id_filter
from netcase.store.base import Store, StoreError
from netcase.store.statement_labels import (
    FACT_COLUMNS,
    FACT_ID_SQL,
    LABEL_COLUMNS,
    STATEMENTS_SELECT,
    insert_statements,
)

# The ART index on ``statement_facts.entity_id`` (migrations 0042, 0070).
ENTITY_INDEX = "statement_facts_entity_idx"
# Indexes a bulk load builds afresh instead of keeping up to date (``deferred_indexes``): the
# facts' entity ids and values (0070, 0071), as (name, table, column).
BULK_INDEXES: tuple[tuple[str, str, str], ...] = (
    (ENTITY_INDEX, "statement_facts", "entity_id"),
    ("statement_facts_value_idx", "statement_facts", "value"),
)
# What ``release_cached_blocks`` brings the buffer pool down to, at most (bytes).
RELEASED_TO_BYTES = 32 * 2**20
# Relations ``insert_select`` hands to DuckDB as local variables (see there).
_SCANNED = frozenset({"_nc_items", "_nc_facts", "_nc_ents", "_nc_srcs", "_nc_ctx"})


_UNITS = {"bytes": 1, "KiB": 2**10, "MiB": 2**20, "GiB": 2**30, "TiB": 2**40,
          "KB": 10**3, "MB": 10**6, "GB": 10**9, "TB": 10**12}


def _setting_bytes(setting: str) -> int:
    """Bytes of a memory setting as DuckDB reads it back (``"488.2 MiB"``, ``"1.0 GiB"``)."""
    number, _, unit = setting.strip().partition(" ")
    return int(float(number) * _UNITS[unit.strip() or "bytes"])


class DuckDBStore(Store):
    dialect = "duckdb"
    # Where a statement's value lives (``statements`` is a view over it and its labels: 0070).
    facts_table = "statement_facts"

    def __init__(self, path: str, *, read_only: bool = False) -> None:
        super().__init__(path)
        if path != ":memory:":
            p = Path(path)
            if p.exists() and p.is_dir():
                raise StoreError(f"{path} is a folder, not a database file")
            if not read_only:
                p.parent.mkdir(parents=True, exist_ok=True)
        self._label_cache: dict[int, tuple[Any, ...]] = {}
        self.indexes_deferred = False  # within ``deferred_indexes``
        self._bounds: list[str] = []  # the ``memory_limit`` blocks open, innermost last
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

    def entity_statements(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        """See ``Store.entity_statements``. Two look-ups, facts by the entity index and then their
        labels by number, joined here: a join in SQL builds a hash table of every label each read
        (5.8 ms against 1.7 ms for two entities on the medium world)."""
        if not ids:
            return []
        marks = ", ".join("?" for _ in ids)
        facts = self.con.execute(
            f"SELECT {', '.join(FACT_COLUMNS)}, label FROM statement_facts WHERE entity_id IN ({marks})",
            list(ids)).fetchall()
        if not facts:
            return []
        labels = self._labels({int(f[-1]) for f in facts})
        out = []
        for f in facts:
            row = dict(zip(FACT_COLUMNS, f, strict=False))
            row.update(zip(LABEL_COLUMNS, labels[f[-1]], strict=True))
            if row["id"] is None:  # an ingested fact: its id is derived (``FACT_ID_SQL``)
                row["id"] = statement_id(row["entity_id"], row["prop"], row["value"])
            out.append({c: row[c] for c in STATEMENT_COLUMNS})
        return out

    def value_statements_sql(self, values_marks: str) -> str:
        """See ``Store.value_statements_sql``: the facts found through the index of values first
        (materialised), then joined to their labels; a scan of every fact through the view cost
        120 ms against 26 ms for three shared phone numbers on the medium world."""
        facts = f"(SELECT * FROM statement_facts WHERE value IN ({values_marks}))"
        return (f"(WITH _nc_v AS MATERIALIZED {facts} "
                f"{STATEMENTS_SELECT.format(facts='_nc_v')})")

    def facts_by_value(self, values: Sequence[str]) -> list[tuple[str, str, str, str]]:
        """See ``Store.facts_by_value``: the facts found through the index of values (migration
        0071), their labels from the connection's cache."""
        if not values:
            return []
        marks = ", ".join("?" for _ in values)
        facts = self.con.execute(f"SELECT value, entity_id, label FROM statement_facts WHERE value IN ({marks})",
                                 list(values)).fetchall()
        labels = self._labels({int(f[2]) for f in facts})
        prop, ptype = LABEL_COLUMNS.index("prop"), LABEL_COLUMNS.index("prop_type")
        return [(v, e, labels[n][prop], labels[n][ptype]) for v, e, n in facts]

    def _labels(self, numbers: set[int]) -> dict[int, tuple[Any, ...]]:
        """Label number → its ``LABEL_COLUMNS`` values, from this connection's cache or the store.

        A committed label never changes (labels are only ever added; a purge blanks facts, a
        revalidation is a row of its own), so labels read outside a transaction are kept for the
        connection's life; inside one (a label it wrote may yet be rolled back) they are not.
        """
        cache = self._label_cache
        out = {n: cache[n] for n in numbers if n in cache}
        missing = sorted(numbers - out.keys())
        if missing:
            rows = self.con.execute(f"SELECT label, {', '.join(LABEL_COLUMNS)} FROM statement_labels "
                                    f"WHERE label IN ({', '.join(map(str, missing))})").fetchall()
            for r in rows:
                out[int(r[0])] = tuple(r[1:])
            if not self._depth:
                cache.update((int(r[0]), tuple(r[1:])) for r in rows)
        return out

    def batch_statements_sql(self, batch_id: str, *, props: Sequence[str] = (),
                             prop_types: Sequence[str] = ()) -> tuple[str, list[Any]]:
        """See ``Store.batch_statements_sql``. The batch's labels (of those properties or types)
        are looked up first, and the facts read by their label numbers as constants: a batch's
        labels are one run of numbers (``LabelBook``) and its facts one run of row groups, so
        DuckDB skips the other batches' row groups by their min/max before it tests anything
        else (through the view, the planner may test every fact's value first: 340 ms against
        2 ms for a partner file's flags on the medium world), and a batch without such a
        property reads no fact at all."""
        base, params = Store.batch_statements_sql(self, batch_id, props=props, prop_types=prop_types)
        labels = [int(r[0]) for r in self.con.execute(
            f"SELECT label FROM {base.replace('statements', 'statement_labels', 1)} b", params).fetchall()]
        if not labels:
            return "(SELECT * FROM statements WHERE false)", []
        facts = (f"(SELECT * FROM statement_facts WHERE label BETWEEN {min(labels)} AND {max(labels)}"
                 f" AND label IN ({', '.join(map(str, labels))}))")
        return f"({STATEMENTS_SELECT.format(facts=facts)})", []

    def blank_statements(self, ids: Sequence[str], value: str) -> None:
        """See ``Store.blank_statements``. An ingested fact's id is derived from its value
        (migration 0072), so the id it had is stored with the blank value: it stays the same."""
        ids = list(ids)
        for i in range(0, len(ids), self.BLANK_CHUNK):
            where, params = statement_id_filter("f", ids[i : i + self.BLANK_CHUNK], id_sql=FACT_ID_SQL)
            self.execute(f"UPDATE statement_facts AS f SET id = {FACT_ID_SQL}, value = ?, original_value = NULL "
                         f"FROM statement_labels l WHERE l.label = f.label AND {where}", [value, *params])

    def insert_columns(self, table: str, columns: dict[str, list[Any]] | pa.Table) -> int:
        """Append rows; ``statements`` (a view here, migration 0070) are split into facts and labels."""
        if isinstance(columns, pa.Table):  # the ingest fast path hands over Arrow as it is
            arrow = columns
        elif not columns:
            return 0
        else:
            arrow = pa.table(columns)
        if arrow.num_rows == 0:
            return 0
        if table == "statements":
            return insert_statements(self, arrow)
        return self.append_arrow(table, arrow)

    def append_arrow(self, table: str, arrow: pa.Table) -> int:
        """Append an Arrow table's rows to ``table`` (columns by name), in their order; returns the
        rows written.

        Read through DuckDB's replacement scan of this frame's local variable, not registered: a
        view registered and unregistered inside an open transaction keeps its Arrow table alive
        until the commit (see ``insert_select``), and a file's chunks would pile up.
        """
        names = ", ".join(arrow.column_names)
        _nc_append = arrow  # noqa: F841 - read by DuckDB
        self.con.execute(f"INSERT INTO {table} ({names}) SELECT {names} FROM _nc_append").fetchall()
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
            row = self.con.execute(statement, params).fetchall()[0]
            return int(row[0]) if row else 0
        try:
            for name, rel in relations.items():
                self.con.register(name, rel)
            row = self.con.execute(statement, params).fetchall()[0]
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
        before = self._memory_setting()
        self.con.execute(f"SET memory_limit = '{limit}'")
        self._bounds.append(limit)
        try:
            yield
        finally:
            self._bounds.pop()
            self._put_memory_limit_back(before)

    def _memory_setting(self) -> str:
        return str(self.con.execute("SELECT current_setting('memory_limit')").fetchall()[0][0])

    def _put_memory_limit_back(self, before: str) -> None:
        """The bound as it was: the one a ``memory_limit`` block set, exactly, if one is open;
        else the default if that is what it was (a value read back is rounded), else ``before``."""
        if self._bounds:
            self.con.execute(f"SET memory_limit = '{self._bounds[-1]}'")
            return
        self.con.execute("RESET memory_limit")
        if before and self._memory_setting() != before:
            self.con.execute(f"SET memory_limit = '{before}'")

    def release_cached_blocks(self) -> None:
        """Let go of the blocks DuckDB's buffer pool keeps of what is already on disk.

        Between the files of a long ingest, the pool fills up to its bound (``memory_limit``) with
        blocks of the table just written, which an append-only load does not read again: resident
        memory then grows with the store up to the bound. DuckDB has no call to drop them; bringing
        its bound down for a moment evicts them (clean blocks are freed, not written), and the
        bound is put back. Outside a transaction only, where nothing in flight needs the room.
        An in-memory database keeps its blocks: they are its data.
        """
        if self.url == ":memory:" or self._depth:
            return
        before = self._memory_setting()
        try:
            self.con.execute(f"SET memory_limit = '{RELEASED_TO_BYTES}B'")
        except duckdb.Error:
            pass  # could not come down that far: whatever was freed is freed
        finally:
            self._put_memory_limit_back(before)

    def _begin(self) -> None:
        self.con.execute("BEGIN TRANSACTION")

    def _commit(self) -> None:
        self.con.execute("COMMIT")

    def _rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def migrate(self) -> list[str]:
        """Apply pending migrations, then put back any index a bulk load dropped
        (``deferred_indexes``) if that load was cut short."""
        applied = super().migrate()
        self._create_bulk_indexes()
        return applied

    def _missing_bulk_indexes(self) -> list[tuple[str, str, str]]:
        have = {r[0] for r in self.query("SELECT index_name FROM duckdb_indexes()")}
        return [ix for ix in BULK_INDEXES if ix[0] not in have and self.table_exists(ix[1])]

    def _create_bulk_indexes(self) -> None:
        needed = 0  # the bound (bytes) an index of this store needed beyond the present one, if any
        for name, table, column in self._missing_bulk_indexes():
            sql = f"CREATE INDEX IF NOT EXISTS {name} ON {table} ({column})"
            if needed:
                # The facts' indexes are of a size: the next starts where the last one fitted.
                needed = self._create_index_in_more_memory(sql, needed)
                continue
            try:
                self.con.execute(sql)
            except duckdb.OutOfMemoryException:
                needed = self._create_index_in_more_memory(sql)

    def _create_index_in_more_memory(self, sql: str, bound: int = 0) -> int:
        """Run ``sql`` (an index build short of memory) under ``bound`` bytes, or twice the present
        bound, then twice that, up to DuckDB's default bound (80 % of RAM); put the bound back and
        return the one the build fitted in.

        An ART index is built in memory whole: under a bulk load's bound (``memory_limit``) a store
        of tens of millions of facts may not fit. Given DuckDB's default bound at once, the build
        takes what it is given: 4.2 GB of resident memory for 34 M facts, which build in 1.1 GB
        under a 1 GB bound. A refused attempt costs its sort (~10 s at 34 M facts).
        """
        before = self._memory_setting()
        self.con.execute("RESET memory_limit")
        ceiling = _setting_bytes(self._memory_setting())
        bound = bound or 2 * max(_setting_bytes(before), 2**20)
        try:
            while bound < ceiling:
                self.con.execute(f"SET memory_limit = '{bound // 2**20}MiB'")
                try:
                    self.con.execute(sql)
                    return bound
                except duckdb.OutOfMemoryException:
                    bound *= 2
            self.con.execute("RESET memory_limit")
            self.con.execute(sql)
            return ceiling
        finally:
            self._put_memory_limit_back(before)

    @contextmanager
    def deferred_indexes(self) -> Iterator[None]:
        """Without the indexes a load writes most to (``BULK_INDEXES``) while the block runs; each
        built again, whole, at its end.

        ART indexes kept up to date row by row cost a medium world's ingest ~4 CPU s (the values'
        index takes 1.7 M random keys); built once at the end, ~1.5 s. For a load that is large
        beside the store (the caller decides: ``netcase.ingest.engine``). The drops and the builds
        are transactions of their own, outside the batches': a process killed in between leaves
        the store without them, and the next ``open_store`` builds them (``migrate``); reads stay
        right meanwhile, only slower.
        """
        if self._depth:
            raise StoreError("indexes cannot be deferred inside a transaction")
        have = {r[0] for r in self.query("SELECT index_name FROM duckdb_indexes()")}
        for name, _table, _column in BULK_INDEXES:
            if name in have:
                self.con.execute(f"DROP INDEX {name}")
        self.indexes_deferred = True
        try:
            yield
        finally:
            self.indexes_deferred = False
            self._create_bulk_indexes()

    def table_exists(self, name: str) -> bool:
        return bool(
            self.query("SELECT count(*) FROM information_schema.tables WHERE table_name = ?", (name,))[0][0]
        )

    def close(self) -> None:
        self.con.close()
