"""Ingest throughput: synthetic worlds (medium, large) → a fresh DuckDB file, rows/s and peak memory.

Each scale runs in its own child process so that its peak resident memory (``ru_maxrss``) is its
own. Generation is not timed. Rows/s counts source rows (CSV rows, JSON lines) of every file the
engine loaded, agency exports and case files alike; CPU seconds are reported beside wall seconds
because the machine may be shared.

    .venv/bin/python bench/ingest.py [--scales medium,large] [--seed 1] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import markdown_table, write_section  # noqa: E402


def run_scale(scale: str, seed: int, base: Path, queue: Any) -> None:
    """Generate one world, ingest it into a fresh DuckDB file and put the figures on ``queue``."""
    from netcase.ingest.engine import ingest_paths
    from netcase.ingest.registry import default_loaders
    from netcase.store import open_store
    from netcase.synth import generate

    world = base / f"world-{scale}"
    marker = base / f"world-{scale}.complete"
    if not marker.exists():
        shutil.rmtree(world, ignore_errors=True)
        generate(scale=scale, seed=seed, out=world)
        marker.write_text("generated\n")
    db = base / f"ingest-{scale}.duckdb"
    for suffix in ("", ".wal"):
        Path(str(db) + suffix).unlink(missing_ok=True)
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    store = open_store(str(db))
    loaders = default_loaders()
    wall = time.perf_counter()
    cpu = time.process_time()
    report = ingest_paths(store, [world], loaders)
    wall = time.perf_counter() - wall
    cpu = time.process_time() - cpu
    store.close()
    totals = report.totals()
    per_file = [
        {"file": f.source_file, "rows": f.rows_read, "statements": f.statements}
        for f in report.files if f.status == "loaded"
    ]
    queue.put({
        "scale": scale,
        "files": totals.get("loaded", 0),
        "failed": [f.error for f in report.failed],
        "rows": totals.get("rows_read", 0),
        "statements": totals.get("statements", 0),
        "quarantined": totals.get("rows_quarantined", 0) + totals.get("values_quarantined", 0),
        "wall_s": wall,
        "cpu_s": cpu,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "rss_before_mb": rss_before / 1024,
        "db_mb": db.stat().st_size / 1e6,
        "per_file": per_file,
    })


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scales", default="medium,large")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--keep", type=Path, default=None, help="Folder for worlds and databases (kept).")
    args = ap.parse_args()
    base = args.keep or Path(tempfile.mkdtemp(prefix="netcase-bench-ingest-"))
    base.mkdir(parents=True, exist_ok=True)
    results = []
    try:
        ctx = mp.get_context("spawn")
        for scale in args.scales.split(","):
            queue = ctx.Queue()
            proc = ctx.Process(target=run_scale, args=(scale, args.seed, base, queue))
            proc.start()
            res = queue.get()
            proc.join()
            results.append(res)
            print(json.dumps({k: v for k, v in res.items() if k != "per_file"}), flush=True)
            report(results)  # after each scale, so a long run leaves what it measured
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


def report(results: list[dict[str, Any]]) -> None:
    """Write the benchmark section of docs/benchmarks.md."""
    import os

    load = os.getloadavg()
    rows = [
        (r["scale"], r["files"], r["rows"], r["statements"], r["quarantined"], round(r["wall_s"], 1),
         round(r["cpu_s"], 1), round(r["rows"] / r["wall_s"]), round(r["rows"] / r["cpu_s"]),
         round(r["statements"] / r["cpu_s"]), round(r["peak_rss_mb"]), round(r["db_mb"]))
        for r in results
    ]
    body = markdown_table(
        ["scale", "files", "source rows", "statements", "quarantined", "wall s", "CPU s", "rows/s (wall)",
         "rows/s (CPU)", "statements/s (CPU)", "peak RSS MB", "DuckDB MB"],
        rows,
    )
    body += (
        f"\n\nLoad average at the end: {load[0]:.1f} / {load[1]:.1f} / {load[2]:.1f} (1/5/15 min) on a shared "
        "machine; CPU seconds are this process's own. Peak RSS is the child process's maximum "
        "resident set (Python, DuckDB and the chunk in flight)."
    )
    for r in results:
        body += f"\n\n{r['scale']}: " + ", ".join(
            f"{f['file']} {f['rows']:,} rows → {f['statements']:,} statements" for f in r["per_file"]
            if not f["file"].startswith("cases/")
        )
    write_section("ingest", "Ingest throughput (DuckDB)", body)


if __name__ == "__main__":
    main()
