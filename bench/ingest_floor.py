"""Ingest floor: what DuckDB alone needs on this machine to read a world's files and store its facts.

``bench/ingest.py`` measures netcase's ingest. This benchmark measures the part of that work no
change to netcase's Python can remove, with no Python in it at all, so that its target (50,000
source rows/s on two cores) can be set against what the machine can do:

1. **parse**: DuckDB's own readers (``read_csv``, ``read_json``; C++, every core) read every source
   file of the world and count its rows;
2. **append**: the very facts netcase's ingest stored for that world (``statement_facts`` of a
   finished ingest, held in memory as one Arrow table beforehand, untimed) are appended in one
   ``INSERT`` to a fresh table of the same columns and checkpointed;
3. **index**: the two ART indexes the store keeps on them (entity id, value) are built, as a bulk
   load builds them (``netcase.store.duckdb.BULK_INDEXES``).

Each step is timed alone, under the memory bound netcase's ingest runs under, in a child process
per world. Their sum is a floor: netcase's ingest does all three and more (the cleaning, the labels,
the quarantine, the hooks), so it cannot beat it; source rows divided by it is a ceiling on rows/s
for any design that stores these facts with these indexes in DuckDB on this machine.

    .venv/bin/python bench/ingest_floor.py [--scales medium,large] [--seed 1] [--keep DIR] [--repeat 3] [--no-report]

``--keep DIR`` reuses ``bench/ingest.py --keep DIR``'s worlds and databases; a world or a database
missing there is made first (untimed).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _child import run_in_child  # noqa: E402
from _report import markdown_table, write_section  # noqa: E402
from ingest import ensure_world  # noqa: E402


def ensure_ingested(scale: str, seed: int, base: Path) -> tuple[Path, Path, int]:
    """The world of ``scale`` and a DuckDB file netcase ingested it into: (world, db, source rows)."""
    from netcase.ingest.engine import ingest_paths
    from netcase.ingest.registry import default_loaders
    from netcase.store import open_store

    world = ensure_world(scale, seed, base)
    db = base / f"ingest-{scale}.duckdb"
    store = open_store(str(db))
    try:
        report = ingest_paths(store, [world], default_loaders())  # adds nothing if already ingested
        rows = int(store.query("SELECT coalesce(sum(rows_read), 0) FROM batches")[0][0])
    finally:
        store.close()
    if report.failed:
        raise SystemExit(f"{scale}: ingest failed: {[f.error for f in report.failed]}")
    return world, db, rows


def source_files(world: Path) -> list[tuple[Path, str, Any]]:
    """The files an ingest of ``world`` loads, as the engine finds them: (path, source file, loader)."""
    from netcase.ingest.engine import discover
    from netcase.ingest.registry import default_loaders

    loaders = default_loaders()
    found = [(path, *loaders.resolve(path, root)) for path, root in discover([world])]
    return [(path, source_file, loader) for path, source_file, loader in found if loader is not None]


def count_rows(con: Any, path: Path) -> int:
    """Rows of one source file through DuckDB's own reader (partners' exports may be Latin-1)."""
    if not path.stat().st_size:
        return 0
    if path.suffix in (".json", ".jsonl"):
        return int(con.execute("SELECT count(*) FROM read_json(?)", [str(path)]).fetchone()[0])
    from netcase.ingest.readers import detect_encoding

    detected = detect_encoding(path)
    encoding = "utf-8" if detected == "utf-8-sig" else detected  # DuckDB skips a BOM itself
    sql = "SELECT count(*) FROM read_csv(?, all_varchar = true, encoding = ?)"
    return int(con.execute(sql, [str(path), encoding]).fetchone()[0])


def run_scale(scale: str, seed: int, base: Path, repeat: int, queue: Any) -> None:
    """Time the three steps for one world ``repeat`` times; put the figures on ``queue``."""
    import duckdb

    from netcase.ingest.engine import INGEST_MEMORY_LIMIT
    from netcase.store.duckdb import BULK_INDEXES

    world, db, rows = ensure_ingested(scale, seed, base)
    src = duckdb.connect(str(db), read_only=True)
    columns = src.execute("SELECT column_name, data_type FROM duckdb_columns() WHERE table_name = 'statement_facts' "
                          "ORDER BY column_index").fetchall()
    facts = src.sql("SELECT * FROM statement_facts").to_arrow_table()  # in memory, untimed
    src.close()
    files = source_files(world)
    scratch = Path(tempfile.mkdtemp(prefix="netcase-floor-", dir=base))
    runs: list[dict[str, float]] = []
    try:
        for i in range(repeat):
            path = scratch / f"floor-{i}.duckdb"
            con = duckdb.connect(str(path))
            con.execute(f"SET memory_limit = '{INGEST_MEMORY_LIMIT}'")
            cpu = time.process_time()
            t = time.perf_counter()
            parsed = 0
            for f, _source_file, _loader in files:
                parsed += count_rows(con, f)
            parse_s = time.perf_counter() - t
            if parsed != rows:  # the floor must read what the ingest read
                raise SystemExit(f"{scale}: DuckDB's readers counted {parsed:,} source rows, the ingest {rows:,}")
            con.execute("CREATE TABLE facts (" + ", ".join(f'"{n}" {ty}' for n, ty in columns) + ")")
            t = time.perf_counter()
            con.register("facts_in", facts)
            con.execute("INSERT INTO facts SELECT * FROM facts_in")
            con.unregister("facts_in")
            con.execute("CHECKPOINT")
            append_s = time.perf_counter() - t
            index_s: dict[str, float] = {}
            for name, _table, column in BULK_INDEXES:
                t = time.perf_counter()
                con.execute(f"CREATE INDEX {name} ON facts ({column})")
                index_s[column] = time.perf_counter() - t
            t = time.perf_counter()
            con.execute("CHECKPOINT")
            index_s["checkpoint"] = time.perf_counter() - t
            cpu = time.process_time() - cpu
            con.close()
            path.unlink()
            runs.append({"parse_s": parse_s, "append_s": append_s, **{f"index_{k}_s": v for k, v in index_s.items()},
                         "parsed_rows": parsed, "cpu": cpu})
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    for run in runs:
        run["eval_cpu"] = evaluation_cpu(files)
    best = {k: min(r[k] for r in runs) for k in runs[0]}
    median = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    queue.put({"scale": scale, "rows": rows, "facts": facts.num_rows, "files": len(files), "runs": runs,
               "best": best, "median": median, "memory_limit": INGEST_MEMORY_LIMIT})


def evaluation_cpu(files: list[tuple[Path, str, Any]]) -> float:
    """CPU seconds netcase's loaders take to read and clean ``files`` into chunks, with no store:
    the Python side of an ingest, which the floor leaves out."""
    from datetime import UTC, datetime

    from netcase.ingest.base import LoadContext
    from netcase.ingest.engine import provenance_for

    cpu = time.process_time()
    for path, source_file, loader in files:
        prov = provenance_for(loader, source_file, "bfloor", datetime.now(UTC))
        for _chunk in loader.load(LoadContext(path=path, source_file=source_file, provenance=prov)):
            pass
    return time.process_time() - cpu


def floor_seconds(figures: dict[str, float]) -> float:
    """The floor: parse + append + every index build."""
    return sum(v for k, v in figures.items() if k.endswith("_s"))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="medium,large")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="Folder of bench/ingest.py's worlds and databases.")
    ap.add_argument("--repeat", type=int, default=3, help="Runs per world; the table gives the median and the best.")
    ap.add_argument("--no-report", action="store_true", help="Print the figures only; leave docs/benchmarks.md alone.")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="netcase-bench-floor-"))
    base.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        for scale in args.scales.split(","):
            res = run_in_child(run_scale, (scale, args.seed, base, args.repeat), scale)
            results.append(res)
            print(json.dumps({k: v for k, v in res.items() if k != "runs"}), flush=True)
            if not args.no_report:
                report(results)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


def report(results: list[dict[str, Any]]) -> None:
    """Write the ``ingest-floor`` section of docs/benchmarks.md."""
    rows = []
    for r in results:
        for which in ("median", "best"):
            f = r[which]
            floor = floor_seconds(f)
            # On this machine's cores, at best: DuckDB's floor and netcase's cleaning side by side.
            with_cleaning = max(floor, (f["cpu"] + f["eval_cpu"]) / (os.cpu_count() or 1))
            rows.append((r["scale"], which, r["rows"], r["facts"], round(f["parse_s"], 2), round(f["append_s"], 2),
                         round(f["index_entity_id_s"], 2), round(f["index_value_s"], 2),
                         round(f["index_checkpoint_s"], 2), round(floor, 2), round(f["cpu"], 1),
                         round(r["rows"] / floor), round(f["eval_cpu"], 1), round(r["rows"] / with_cleaning)))
    body = markdown_table(
        ["scale", "of runs", "source rows", "facts", "parse s", "append s", "entity index s", "value index s",
         "index checkpoint s", "floor s", "CPU s", "ceiling rows/s", "cleaning CPU s",
         "ceiling with cleaning rows/s"],
        rows,
    )
    body += (
        "\n\nDuckDB alone, no Python: it reads every source file with its own readers, appends the "
        "facts netcase's ingest stored for that world (held in memory beforehand) in one `INSERT`, and "
        "builds the two indexes the store keeps on them, each step timed alone under netcase's "
        f"ingest memory bound ({results[0]['memory_limit']}). Source rows divided by the floor is the "
        "most any ingest that stores these facts with these indexes in DuckDB could reach here; "
        "compare with the *Ingest throughput* section, measured on the same machine. *CPU s* is "
        "DuckDB's, all its threads, over the three steps: on two cores, whatever else an ingest "
        "computes (its cleaning) has the other 2 × floor − CPU seconds of the same wall time. "
        "*Cleaning CPU s* is netcase's loaders alone reading and cleaning every file into chunks, no "
        "store; *ceiling with cleaning* divides source rows by the larger of the floor and "
        "(CPU s + cleaning CPU s) / cores: perfect overlap on every core, nothing else computed. "
        f"Runs per world: {len(results[0]['runs'])}; *median* is each step's median, *best* each step's "
        "fastest run (their sum favours the target)."
    )
    write_section("ingest-floor", "Ingest floor (DuckDB alone, same facts)", body)


if __name__ == "__main__":
    main()
