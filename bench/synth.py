"""Benchmark: how fast the synthetic world is generated, per scale.

    .venv/bin/python bench/synth.py [--scales small,medium,large] [--seed 7] [--out DIR]

Writes its section of docs/benchmarks.md. Wall time depends on what else runs on the machine, so the
table also gives CPU time and the load average when each scale started.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import markdown_table, write_section  # noqa: E402
from netcase.synth import generate  # noqa: E402


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("--scales", default="small,medium,large")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", type=Path, default=None, help="where to write the worlds (default: a temp dir)")
    args = ap.parse_args(argv)
    base = args.out or Path(tempfile.mkdtemp(prefix="netcase-synth-bench-"))
    rows = []
    try:
        for scale in args.scales.split(","):
            load = os.getloadavg()[0]
            cpu0, wall0 = time.process_time(), time.perf_counter()
            summary = generate(scale, args.seed, base / scale)
            cpu, wall = time.process_time() - cpu0, time.perf_counter() - wall0
            size = sum(p.stat().st_size for p in (base / scale).rglob("*") if p.is_file())
            rows.append((scale, summary.records, summary.mentions, summary.persons, summary.orgs, summary.events,
                         round(wall, 1), round(cpu, 1), int(summary.records / wall), int(summary.records / cpu),
                         f"{size / 1e6:,.0f} MB", f"{load:.1f}"))
            print(rows[-1], flush=True)
    finally:
        if args.out is None:
            shutil.rmtree(base, ignore_errors=True)
    body = markdown_table(
        ["scale", "source records", "person mentions", "true persons", "orgs", "recorded events", "wall s",
         "CPU s", "records/s (wall)", "records/s (CPU)", "size", "load avg at start"],
        rows,
    )
    body += ("\n\nSource records are rows of the agency files (truth excluded). One process, one core: the "
             "generator is sequential so that a seed gives byte-identical files. CPU time is the measure that "
             "does not depend on other work sharing the machine.")
    write_section("synth", "Synthetic world generation (`netcase synth`)", body)


if __name__ == "__main__":
    main()
