"""A whole synthetic world through the built-in mappings, on both stores."""

from __future__ import annotations

import csv
from pathlib import Path

from netcase.ingest.engine import ingest_paths
from netcase.ingest.registry import default_loaders
from netcase.ingest.stats import ingest_stats
from netcase.store import Store, open_store


def _mentions(store: Store) -> set[tuple[str, str]]:
    return {
        (r[0], r[1])
        for r in store.query("SELECT DISTINCT source_file, source_record FROM statements WHERE schema = 'Person'")
    }


def test_world_loads_the_same_on_both_stores_and_matches_the_truth(
    store_url: str, tiny_world: Path, tmp_path: Path
) -> None:
    loaders = default_loaders()
    store = open_store(store_url)
    try:
        report = ingest_paths(store, [tiny_world], loaders)
        assert not report.failed, [f.error for f in report.failed]
        loaded = {f.source_file for f in report.files if f.status == "loaded"}
        # Every agency export of docs/sources.md has a built-in mapping.
        for name in ("cbp/encounters.csv", "hsi/case_reports.jsonl", "fbi/case_reports.jsonl",
                     "dea/case_reports.jsonl", "phones/call_records.csv", "msb/wire_transfers.csv",
                     "victims/interviews.jsonl", "partners/MEX_informes.csv", "partners/GTM_informes.csv"):
            assert name in loaded, name
        assert not any(f.source_file.startswith("truth/") for f in report.files)
        stats = ingest_stats(store)
        # Every person mention of the agency exports carries the record id of the truth.
        with (tiny_world / "truth/records.csv").open(encoding="utf-8") as fh:
            truth = {(r["source_file"], r["record_id"]) for r in csv.DictReader(fh)
                     if not r["source_file"].startswith("cases/")}
        assert truth <= _mentions(store)
        assert store.scalar("SELECT count(*) FROM statements WHERE dataset = 'victim_interviews' "
                            "AND NOT victim_sensitive") == 0
        n = stats["statements"]
        again = ingest_paths(store, [tiny_world], loaders)
        assert {f.status for f in again.files} <= {"duplicate", "skipped"}
        assert store.scalar("SELECT count(*) FROM statements") == n
    finally:
        store.close()
    # The same world in a fresh DuckDB file gives the same counts (compares PostgreSQL to DuckDB).
    ref = open_store(str(tmp_path / "ref.duckdb"))
    try:
        ingest_paths(ref, [tiny_world], loaders)
        ref_stats = ingest_stats(ref)
    finally:
        ref.close()
    for key in ("statements", "entities", "entities_by_schema", "sources", "quarantine_by_reason"):
        assert stats[key] == ref_stats[key], key
    strip = [{k: v for k, v in b.items() if k != "batch_id"} for b in stats["batches"]]
    assert strip == [{k: v for k, v in b.items() if k != "batch_id"} for b in ref_stats["batches"]]
