"""The store contract, run against both backends."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest

from netcase.model.marking import Marking
from netcase.model.statement import STATEMENT_COLUMNS, Provenance, Statement
from netcase.store import Store, open_store


def _statements(n: int, batch: str = "b1") -> list[Statement]:
    prov = Provenance(
        dataset="test",
        source_file="t.csv",
        agency="HSI",
        batch_id=batch,
        ingested=datetime(2026, 1, 2, 3, 4, 5),
        marking=Marking.parse("LES//REL TO USA, MEX//TLP:AMBER"),
        compartment=None,
        predicate="8 U.S.C. 1324 smuggling conspiracy",
    )
    return [
        Statement.make(
            prov,
            entity_id=f"p{i}",
            schema="Person",
            prop="name",
            prop_type="name",
            value=f"Person {i}",
            original_value=f"PERSON {i}",
            source_record=f"r{i}",
            observed=date(2025, 5, 1),
        )
        for i in range(n)
    ]


def _columns(stmts: list[Statement]) -> dict[str, list[object]]:
    return {c: [getattr(s, c) for s in stmts] for c in STATEMENT_COLUMNS}


def test_migrations_apply_once_and_record_their_version(store_url: str) -> None:
    s = open_store(store_url)
    v = s.schema_version()
    assert v >= 1
    s.close()
    again = open_store(store_url)
    assert again.migrate() == []
    assert again.schema_version() == v
    again.close()


def test_statements_round_trip_with_marking_and_review_date(store: Store) -> None:
    stmts = _statements(3)
    with store.transaction():
        assert store.insert_columns("statements", _columns(stmts)) == 3
    rows = store.query_dicts("SELECT * FROM statements ORDER BY entity_id")
    assert [r["entity_id"] for r in rows] == ["p0", "p1", "p2"]
    assert rows[0]["releasable_to"] == ",USA,MEX,"
    assert rows[0]["review_by"] == date(2031, 1, 2)
    assert rows[0]["original_value"] == "PERSON 0"


def test_a_failed_transaction_leaves_nothing(store: Store) -> None:
    with pytest.raises(RuntimeError), store.transaction():
        store.insert_columns("statements", _columns(_statements(5)))
        raise RuntimeError("crash in the middle of a batch")
    assert store.scalar("SELECT count(*) FROM statements") == 0


def test_nested_transactions_join_the_outer_one(store: Store) -> None:
    with pytest.raises(ValueError), store.transaction():
        with store.transaction():
            store.insert_columns("statements", _columns(_statements(2)))
        raise ValueError("outer fails after inner finished")
    assert store.scalar("SELECT count(*) FROM statements") == 0


def test_duckdb_bulk_memory_limit_holds_during_an_ingest_and_is_put_back(tmp_path: Path) -> None:
    """Ingest bounds DuckDB's buffer pool (flat memory whatever the input) and leaves the store's
    own setting as it found it, also when the ingest fails; an in-memory store keeps its own."""
    import duckdb

    from netcase.store.duckdb import DuckDBStore

    def setting(con: duckdb.DuckDBPyConnection) -> str:
        row = con.execute("SELECT current_setting('memory_limit')").fetchone()
        assert row is not None
        return str(row[0])

    ref = duckdb.connect(":memory:")
    ref.execute("SET memory_limit = '300MB'")
    expected = setting(ref)
    store = open_store(str(tmp_path / "m.duckdb"))
    assert isinstance(store, DuckDBStore)
    before = setting(store.con)
    assert before != expected
    with pytest.raises(RuntimeError), store.memory_limit("300MB"):
        assert setting(store.con) == expected
        raise RuntimeError("a failed ingest")
    assert setting(store.con) == before
    store.close()
    mem = open_store(":memory:")
    assert isinstance(mem, DuckDBStore)
    mem_before = setting(mem.con)
    with mem.memory_limit("300MB"):
        assert setting(mem.con) == mem_before  # nowhere to spill: unchanged
    mem.close()


def test_duckdb_releases_cached_blocks_and_keeps_its_bound(tmp_path: Path) -> None:
    """The buffer pool lets go of the table blocks it kept (they are on disk: an ingest calls this
    between files, so resident memory does not grow with the store up to the bound); the bound is
    put back, the data reads back whole, and inside a transaction nothing is touched."""
    from netcase.store.duckdb import RELEASED_TO_BYTES, DuckDBStore

    store = open_store(str(tmp_path / "r.duckdb"))
    assert isinstance(store, DuckDBStore)
    # Tens of megabytes of table blocks: a store's worth of facts, whatever they say.
    store.execute("CREATE TABLE blocks AS SELECT range AS n, md5(CAST(range AS VARCHAR)) AS h FROM range(6000000)")
    store.execute("CHECKPOINT")
    default = store.scalar("SELECT current_setting('memory_limit')")

    def table_blocks() -> float:
        return float(store.scalar("SELECT coalesce(sum(memory_usage_bytes), 0) FROM duckdb_memory() "
                                  "WHERE tag = 'BASE_TABLE'") or 0)

    with store.memory_limit("300MB"):  # as an ingest runs
        bound = store.scalar("SELECT current_setting('memory_limit')")
        total = store.query("SELECT sum(n), max(h), min(h) FROM blocks")  # every block read in
        held = table_blocks()
        assert held > 96 * 2**20
        with store.transaction():
            store.release_cached_blocks()  # a transaction may need its room: untouched
            assert table_blocks() == held
        store.release_cached_blocks()
        assert table_blocks() <= RELEASED_TO_BYTES
        assert store.scalar("SELECT current_setting('memory_limit')") == bound
        assert store.query("SELECT sum(n), max(h), min(h) FROM blocks") == total
    assert store.scalar("SELECT current_setting('memory_limit')") == default
    store.release_cached_blocks()  # outside an ingest: the store's own bound comes back
    assert store.scalar("SELECT current_setting('memory_limit')") == default
    store.close()
