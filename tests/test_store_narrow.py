"""DuckDB's narrow statements (migration 0070), its bulk-load index and the ingest's read-ahead.

The ``statements`` of a DuckDB store is a view over facts and labels: every reader must see the
same statements PostgreSQL's wide table holds, a batch's labels are one run of numbers, the entity
index is back after any load (even one cut short), and reading ahead changes no outcome.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from netcase.ingest.engine import bulk_load, discover, ingest_paths
from netcase.ingest.prefetch import prefetch
from netcase.ingest.registry import default_loaders
from netcase.model.statement import STATEMENT_COLUMNS
from netcase.store import Store, open_store
from netcase.store.duckdb import BULK_INDEXES, DuckDBStore, _setting_bytes
from netcase.store.statement_labels import FACT_COLUMNS, LABEL_COLUMNS


def _statements(store: Store) -> list[tuple[object, ...]]:
    return sorted(store.query(f"SELECT {', '.join(STATEMENT_COLUMNS)} FROM statements"), key=repr)


def _has_index(path: Path) -> bool:
    """Whether every index a bulk load may drop is there."""
    con = duckdb.connect(str(path), read_only=True)
    try:
        have = {r[0] for r in con.execute("SELECT index_name FROM duckdb_indexes()").fetchall()}
        return {name for name, _t, _c in BULK_INDEXES} <= have
    finally:
        con.close()


def test_a_batch_s_labels_are_one_run_and_hold_what_its_facts_share(tiny_world: Path, tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "n.duckdb"))
    try:
        report = ingest_paths(store, [tiny_world], default_loaders())
        assert not report.failed
        for (batch_id,) in store.query("SELECT batch_id FROM batches"):
            lo, hi, n = store.query("SELECT min(label), max(label), count(*) FROM statement_labels WHERE batch_id = ?",
                                    (batch_id,))[0]
            assert n == 0 or hi - lo + 1 == n, batch_id  # a case file may write rows, not statements
        # No two labels say the same thing, and every fact has its label.
        cols = ", ".join(LABEL_COLUMNS)
        assert store.scalar(f"SELECT count(*) FROM (SELECT DISTINCT {cols} FROM statement_labels)") == \
            store.scalar("SELECT count(*) FROM statement_labels")
        assert store.scalar("SELECT count(*) FROM statement_facts f ANTI JOIN statement_labels l USING (label)") == 0
        assert store.scalar("SELECT count(*) FROM statements") == sum(f.statements for f in report.files)
    finally:
        store.close()


def test_whole_statements_written_by_any_writer_read_back_the_same(tiny_world: Path, tmp_path: Path) -> None:
    """The generic path (fixtures, samples: ``insert_columns("statements")``) and the ingest's
    fast path store the same statements; labels already held are reused, not repeated."""
    source = open_store(str(tmp_path / "a.duckdb"))
    copy = open_store(str(tmp_path / "b.duckdb"))
    try:
        ingest_paths(source, [tiny_world], default_loaders())
        assert isinstance(source, DuckDBStore)
        arrow = source.query_arrow(f"SELECT {', '.join(STATEMENT_COLUMNS)} FROM statements")
        half = arrow.num_rows // 2
        copy.insert_columns("statements", arrow.slice(0, half))
        copy.insert_columns("statements", arrow.slice(half))
        copy.insert_columns("statements", arrow.slice(0, 0))
        assert _statements(copy) == _statements(source)
        assert copy.scalar("SELECT count(*) FROM statement_labels") == source.scalar(
            "SELECT count(*) FROM statement_labels")
    finally:
        source.close()
        copy.close()


def test_writing_statements_without_a_column_is_refused_and_writes_nothing(duck: Store) -> None:
    with pytest.raises(ValueError, match="review_by"):
        duck.insert_columns("statements", {c: ["x"] for c in STATEMENT_COLUMNS if c != "review_by"})
    assert duck.scalar("SELECT count(*) FROM statement_facts") == 0
    assert duck.scalar("SELECT count(*) FROM statement_labels") == 0


def test_a_batch_s_statements_are_read_by_its_labels(tiny_world: Path, tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "n.duckdb"))
    try:
        ingest_paths(store, [tiny_world], default_loaders())
        batch = store.scalar("SELECT batch_id FROM batches ORDER BY statements LIMIT 1")
        sql, params = store.batch_statements_sql(batch)
        assert sorted(store.query(f"SELECT {', '.join(STATEMENT_COLUMNS)} FROM {sql} b", params), key=repr) == \
            sorted(store.query(f"SELECT {', '.join(STATEMENT_COLUMNS)} FROM statements WHERE batch_id = ?", (batch,)),
                   key=repr)
        assert store.query(f"SELECT count(*) FROM {store.batch_statements_sql('no-such-batch')[0]} b") == [(0,)]
    finally:
        store.close()


def test_a_large_load_rebuilds_the_indexes_and_a_small_one_keeps_them(tiny_world: Path, tmp_path: Path) -> None:
    path = tmp_path / "n.duckdb"
    store = open_store(str(path))
    assert isinstance(store, DuckDBStore)
    files = discover([tiny_world])
    assert bulk_load(store, files)  # an empty store: any load is large beside it
    ingest_paths(store, [tiny_world], default_loaders())
    assert not bulk_load(store, files[:1])  # one small file beside a loaded world
    store.close()
    assert _has_index(path)


def test_a_store_left_without_its_bulk_indexes_gets_them_back_when_opened(tmp_path: Path) -> None:
    """A process killed between the bulk load's drop and build leaves no index; the next open builds it."""
    path = tmp_path / "n.duckdb"
    store = open_store(str(path))
    assert isinstance(store, DuckDBStore)
    with store.deferred_indexes():
        store.close()  # the "crash": the connection ends before the block's end builds the index
        assert not _has_index(path)
        reopened = open_store(str(path))
        reopened.close()
        assert _has_index(path)
        store.con = duckdb.connect(str(path))  # let the block end on a live connection


def test_indexes_cannot_be_deferred_inside_a_transaction(duck: Store) -> None:
    assert isinstance(duck, DuckDBStore)
    with duck.transaction(), pytest.raises(Exception, match="inside a transaction"), duck.deferred_indexes():
        pass


def test_narrow_facts_keep_only_what_varies_per_fact(duck: Store) -> None:
    cols = [r[0] for r in duck.query(
        "SELECT column_name FROM information_schema.columns WHERE table_name = 'statement_facts' ORDER BY ordinal_position")]
    assert tuple(cols) == (*FACT_COLUMNS, "label")


# -- read-ahead ---------------------------------------------------------------------------------

def test_read_ahead_yields_every_item_in_order() -> None:
    assert list(prefetch(iter(range(1000)), depth=3)) == list(range(1000))
    assert list(prefetch(iter([]))) == []


def test_a_loader_error_is_raised_to_the_consumer_after_the_items_before_it() -> None:
    def items() -> Iterator[int]:
        yield 1
        yield 2
        raise ValueError("row 3 is bad")

    got: list[int] = []
    with pytest.raises(ValueError, match="row 3 is bad"):
        for x in prefetch(items()):
            got.append(x)
    assert got == [1, 2]


def test_a_consumer_that_stops_early_stops_the_loader_and_runs_its_cleanup() -> None:
    made: list[int] = []
    closed = threading.Event()

    def items() -> Iterator[int]:
        try:
            for i in range(10_000):
                made.append(i)
                yield i
        finally:
            closed.set()

    with pytest.raises(RuntimeError, match="stop"):
        for x in prefetch(items(), depth=2):
            if x == 3:
                raise RuntimeError("stop")
    assert closed.wait(5)
    assert len(made) < 20  # it did not run on to the end


def test_a_store_written_before_the_narrow_layout_keeps_every_statement(tiny_world: Path, tmp_path: Path) -> None:
    """Migrations 0070 and 0071 move a wide ``statements`` table (and ``statement_values``) into
    facts and labels: every statement reads back the same, the entity and value indexes exist."""
    from netcase.store.base import available_migrations, split_sql
    from netcase.store.value_index import rows

    new = open_store(str(tmp_path / "new.duckdb"))
    ingest_paths(new, [tiny_world], default_loaders())
    want = _statements(new)
    want_values = rows(new)
    assert isinstance(new, DuckDBStore)
    wide = new.query_arrow(f"SELECT {', '.join(STATEMENT_COLUMNS)} FROM statements")
    new.close()

    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TABLE schema_migrations (version INTEGER PRIMARY KEY, name VARCHAR NOT NULL,"
                " applied_at TIMESTAMP NOT NULL)")
    for version, name, sql in available_migrations("duckdb"):
        if version >= 70:
            break
        for stmt in split_sql(sql):
            con.execute(stmt)
        con.execute("INSERT INTO schema_migrations VALUES (?, ?, CURRENT_TIMESTAMP)", [version, name])
    con.register("wide", wide)
    con.execute(f"INSERT INTO statements SELECT {', '.join(STATEMENT_COLUMNS)} FROM wide")
    con.execute("INSERT INTO statement_values SELECT DISTINCT value, prop_type, entity_id FROM statements"
                " WHERE prop_type IN ('entity', 'phone')")
    con.close()

    old = open_store(str(path))
    try:
        assert old.schema_version() >= 71
        assert _statements(old) == want
        assert rows(old) == want_values
        assert not old.table_exists("statement_values")
    finally:
        old.close()
    assert _has_index(path)


class TightMemory:
    """The store's connection, refusing index builds as DuckDB does when it is short, under
    less than ``need`` bytes; it notes the bound of every attempt."""

    def __init__(self, con: duckdb.DuckDBPyConnection, need: int) -> None:
        self.con, self.need, self.attempts = con, need, list[int]()

    def execute(self, sql: str, *args: object) -> duckdb.DuckDBPyConnection:
        if sql.startswith("CREATE INDEX"):
            bound = _setting_bytes(str(self.con.execute("SELECT current_setting('memory_limit')").fetchone()[0]))  # type: ignore[index]
            self.attempts.append(bound)
            if bound < self.need:
                raise duckdb.OutOfMemoryException("Out of Memory Error: failed to allocate data of size 4.0 KiB")
        return self.con.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self.con, name)


def test_an_index_too_big_for_the_load_s_memory_bound_is_retried_under_twice_the_bound(tiny_world: Path,
                                                                                     tmp_path: Path) -> None:
    """DuckDB refuses an ART index that does not fit its memory bound; the bulk load's build then
    retries under twice the bound, then twice that (not DuckDB's default bound at once, which a
    build fills), the next index starts under the bound the last one fitted in, and the load's
    bound is put back."""
    store = open_store(str(tmp_path / "n.duckdb"))
    assert isinstance(store, DuckDBStore)

    real = store.con
    try:
        ingest_paths(store, [tiny_world], default_loaders())
        tight = TightMemory(real, need=1_000 * 2**20)
        with store.memory_limit("300MB"):
            bound = store.scalar("SELECT current_setting('memory_limit')")
            store.con = tight  # type: ignore[assignment]
            with store.deferred_indexes():
                pass
            store.con = real
            # The first index: refused under 300 MB and 600 MB, built under 1.2 GB; the second
            # starts where the first fitted. (DuckDB reads a bound back rounded: 1.1 GiB for 1,144 MiB.)
            first, second = tight.attempts[:3], tight.attempts[3:]
            assert len(first) == 3 and second == first[-1:]
            assert abs(first[0] - 300 * 10**6) < 10**6
            assert all(1.9 < b / a < 2.1 for a, b in zip(first, first[1:], strict=False))
            assert store.scalar("SELECT current_setting('memory_limit')") == bound
        assert store.scalar("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'statement_facts'") == 2
    finally:
        store.con = real
        store.close()


def test_an_index_that_fits_no_doubled_bound_is_built_under_duckdb_s_default(tiny_world: Path,
                                                                             tmp_path: Path) -> None:
    """Past DuckDB's default bound (80 % of RAM) there is nothing to double into: the last attempt
    runs under the default itself."""
    store = open_store(str(tmp_path / "n.duckdb"))
    assert isinstance(store, DuckDBStore)
    real = store.con
    default = _setting_bytes(str(real.execute("SELECT current_setting('memory_limit')").fetchone()[0]))  # type: ignore[index]
    try:
        ingest_paths(store, [tiny_world], default_loaders())
        with store.memory_limit("4GB"):
            refusing = TightMemory(real, need=default)
            store.con = refusing  # type: ignore[assignment]
            with store.deferred_indexes():
                pass
            store.con = real
        # The first index: 4 GB, 8 GB, 16 GB refused (on a machine with more than 20 GB), then the
        # default; the second starts there.
        seen = refusing.attempts
        assert seen[-2:] == [default, default] and all(b < default for b in seen[:-2])
        assert store.scalar("SELECT count(*) FROM duckdb_indexes() WHERE table_name = 'statement_facts'") == 2
    finally:
        store.con = real
        store.close()


@given(st.lists(st.integers(min_value=0, max_value=3000), max_size=400)
       | st.lists(st.integers(min_value=0, max_value=10**12), max_size=50))
def test_label_codes_are_numbered_as_unique_numbers_them(codes: list[int]) -> None:
    """The linear numbering of a chunk's (handling, source) codes equals ``np.unique``'s."""
    from netcase.ingest.columnar import _dense_codes

    arr = np.asarray(codes, dtype=np.int64)
    got_values, got_index = _dense_codes(arr)
    want_values, want_index = np.unique(arr, return_inverse=True)
    assert got_values.tolist() == want_values.tolist()
    assert got_index.tolist() == want_index.reshape(-1).tolist()


def test_an_entity_s_statements_read_in_two_look_ups_are_those_of_the_view(tiny_world: Path, tmp_path: Path) -> None:
    store = open_store(str(tmp_path / "n.duckdb"))
    try:
        ingest_paths(store, [tiny_world], default_loaders())
        ids = [r[0] for r in store.query("SELECT DISTINCT entity_id FROM statement_facts ORDER BY 1 LIMIT 40")]
        marks = ", ".join("?" for _ in ids)
        want = store.query_dicts(f"SELECT * FROM statements WHERE entity_id IN ({marks})", ids)
        got = store.entity_statements(ids)
        assert sorted(got, key=repr) == sorted(want, key=repr) and got
        assert all(list(r) == list(STATEMENT_COLUMNS) for r in got)
        assert store.entity_statements([]) == [] and store.entity_statements(["no-such-entity"]) == []
    finally:
        store.close()


def test_labels_read_inside_a_transaction_that_rolls_back_are_not_remembered(tiny_world: Path,
                                                                              tmp_path: Path) -> None:
    """Label numbers are reused after a rollback: an entity read must then see the new labels."""
    source = open_store(str(tmp_path / "a.duckdb"))
    store = open_store(str(tmp_path / "b.duckdb"))
    try:
        ingest_paths(source, [tiny_world], default_loaders())
        assert isinstance(source, DuckDBStore)
        arrow = source.query_arrow(f"SELECT {', '.join(STATEMENT_COLUMNS)} FROM statements ORDER BY id")
        import pyarrow.compute as pc

        one = arrow["agency"][0]
        first, second = arrow.filter(pc.equal(arrow["agency"], one)), arrow.filter(pc.not_equal(arrow["agency"], one))
        some = sorted(set(first["entity_id"].to_pylist()))[:5]
        with pytest.raises(RuntimeError), store.transaction():
            store.insert_columns("statements", first)
            assert store.entity_statements(some)  # read inside: labels 1.. of ``first``
            raise RuntimeError("roll back")
        store.insert_columns("statements", second)  # the same label numbers, other labels
        others = sorted(set(second["entity_id"].to_pylist()))[:5]
        want = store.query_dicts(f"SELECT * FROM statements WHERE entity_id IN ({', '.join('?' for _ in others)})",
                                 others)
        assert sorted(store.entity_statements(others), key=repr) == sorted(want, key=repr) and want
    finally:
        source.close()
        store.close()


def test_statements_by_value_are_those_a_scan_finds_on_either_store(store: Store, tiny_world: Path) -> None:
    """``value_statements_sql`` and ``facts_by_value`` (by index on DuckDB) answer as a scan does."""
    ingest_paths(store, [tiny_world], default_loaders())
    values = [str(r[0]) for r in store.query(
        "SELECT value FROM statements WHERE prop_type IN ('phone', 'name') GROUP BY value ORDER BY count(*) DESC, value"
        " LIMIT 6")]
    marks = ", ".join("?" for _ in values)
    cols = ", ".join(f"s.{c}" for c in STATEMENT_COLUMNS)
    got = store.query(f"SELECT {cols} FROM {store.value_statements_sql(marks)} s", values)
    want = store.query(f"SELECT {cols} FROM statements s WHERE s.value IN ({marks})", values)
    assert sorted(got, key=repr) == sorted(want, key=repr) and want
    facts = store.facts_by_value(values)
    assert sorted(facts) == sorted((str(r[0]), str(r[1]), str(r[2]), str(r[3])) for r in store.query(
        f"SELECT value, entity_id, prop, prop_type FROM statements WHERE value IN ({marks})", values))
    assert store.facts_by_value([]) == []


def test_ingested_facts_store_no_id_and_are_found_by_their_derived_id(duck: Store, tiny_world: Path) -> None:
    """Migration 0072: DuckDB derives an ingested fact's id on read; a look-up by id goes through
    the entity the id names, and finds exactly the statements of those ids."""
    from netcase.model.statement import statement_entity, statement_id_filter

    assert not ingest_paths(duck, sorted((tiny_world / "partners").glob("*.csv")), default_loaders()).failed
    assert duck.scalar("SELECT count(*) FROM statement_facts WHERE id IS NOT NULL") == 0
    rows = duck.query("SELECT id, entity_id, prop, value FROM statements ORDER BY id LIMIT 7")
    ids = [r[0] for r in rows]
    assert all(statement_entity(i) == eid for i, eid, _p, _v in rows)
    where, params = statement_id_filter("s", [*ids, ids[0], f"{rows[0][1]}.0000000000000000"])
    assert "entity_id IN" in where
    found = duck.query(f"SELECT DISTINCT s.id FROM statements s WHERE {where} ORDER BY 1", params)
    assert [r[0] for r in found] == ids
    # The entity reads (Python's join of facts and labels) give the same ids as the view.
    eids = sorted({r[1] for r in rows})
    assert sorted(s["id"] for s in duck.entity_statements(eids)) == sorted(
        r[0] for r in duck.query(f"SELECT id FROM statements WHERE entity_id IN ({', '.join('?' for _ in eids)})", eids))


def test_ids_of_other_forms_are_matched_as_they_are(duck: Store) -> None:
    from netcase.access.testing import insert_statements, statement_row
    from netcase.model.statement import statement_entity, statement_id_filter

    insert_statements(duck, [statement_row("s1", "name", "Juan", statement_id="st-1"),
                             statement_row("s2", "name", "Pedro", statement_id="old.sha1")])
    assert statement_entity("st-1") is None and statement_entity("old.sha1") is None
    where, params = statement_id_filter("s", ["st-1", "old.sha1", "nope"])
    assert sorted(r[0] for r in duck.query(f"SELECT s.id FROM statements s WHERE {where}", params)) == [
        "old.sha1", "st-1"]
    assert statement_id_filter("s", []) == ("false", [])
