"""Entity-resolution figures: accuracy on the synthetic world, and speed at 100k–1M records.

Accuracy: for each noise level, generate a world (``netcase.synth.generate``), ingest it
(``netcase.ingest``), resolve, and score the clusters against ``truth/records.csv`` with pairwise
and B-cubed precision/recall/F1, next to a naive baseline (exact normalised full name + birth date).

Speed: person-mention tables drawn by ``netcase.resolve.sample.person_mentions`` (Hispanic name pools
with agency-style variations), written as statements into a fresh DuckDB store and resolved from
there (train + score + cluster + write), timed, with peak memory (ru_maxrss of a child process).

    python bench/resolve.py accuracy [--scale small] [--noise low,default,high]
    python bench/resolve.py speed [--sizes 100000,300000,1000000]
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _report import markdown_table, write_section  # noqa: E402


def naive_clusters(store) -> dict[tuple[str, str], str]:  # type: ignore[no-untyped-def]
    """Baseline: records with the same folded full name and the same birth date are one person.

    A missing birth date counts as a value: two name-only records with the same name are joined.
    """
    from netcase.resolve.features import read_person_mentions
    from netcase.resolve.normalise import fold, parse_date

    out = {}
    for m in read_person_mentions(store):
        name = (m.props.get("name") or [""])[0]
        dob = (m.props.get("birthDate") or [""])[0]
        key = f"{fold(name)}|{parse_date(dob) if dob else ''}" if name else m.entity_id
        out[(m.source_file, m.source_record)] = key
    return out


def accuracy_one(scale: str, seed: int, noise: str, work: Path) -> dict[str, object]:
    from netcase.eval.resolution import read_truth, score
    from netcase.ingest.engine import ingest_paths
    from netcase.ingest.registry import default_loaders
    from netcase.resolve.engine import resolve
    from netcase.store import open_store
    from netcase.synth import generate

    world = work / f"world-{noise}"
    generate(scale=scale, seed=seed, out=world, noise=noise)
    store = open_store(str(work / f"{noise}.duckdb"))
    ingest_paths(store, [world], default_loaders([]), stop_on_error=False)
    t0 = time.perf_counter()
    result = resolve(store)
    seconds = time.perf_counter() - t0
    truth = read_truth(world)
    pred = {
        (sf, sr): c
        for sf, sr, c in store.query(
            "SELECT m.source_file, m.source_record, r.canonical_id FROM resolve_mentions m "
            "JOIN resolved r ON r.entity_id = m.entity_id"
        )
    }
    s = score(pred, truth)
    b = score(naive_clusters(store), truth)
    store.close()
    return {"noise": noise, "records": s.records, "people": s.true_entities, "found": s.predicted_entities,
            "seconds": seconds, "model": result, "splink": s, "naive": b}


def accuracy(args: argparse.Namespace) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for noise in args.noise.split(","):
            r = accuracy_one(args.scale, args.seed, noise, Path(tmp))
            s, b = r["splink"], r["naive"]
            rows.append([noise, r["records"], r["people"], r["found"],
                         s.pair_precision, s.pair_recall, s.pair_f1, s.bcubed_f1,  # type: ignore[attr-defined]
                         b.pair_precision, b.pair_recall, b.pair_f1, b.bcubed_f1,  # type: ignore[attr-defined]
                         f"{r['seconds']:.1f}"])
            print(rows[-1], flush=True)
    body = (
        f"Synthetic world scale `{args.scale}`, seed {args.seed}; every person mention scored against "
        "`truth/records.csv`. Naive = exact folded full name + birth date.\n\n"
        + markdown_table(
            ["noise", "records", "true people", "found", "P", "R", "F1", "B³ F1",
             "naive P", "naive R", "naive F1", "naive B³ F1", "resolve s"],
            rows,
        )
    )
    write_section("resolve", "Entity resolution: accuracy", body)


SPEED_CHILD = r"""
import json, resource, sys, time
from netcase.resolve.sample import person_mentions, write_statements
from netcase.resolve.engine import resolve
from netcase.store import open_store
n, path = int(sys.argv[1]), sys.argv[2]
store = open_store(path)
t0 = time.perf_counter()
write_statements(store, (m for m, _ in person_mentions(int(n / 2.0), mentions_per_person=2.0, seed=5)))
t1 = time.perf_counter()
c0 = time.process_time()
r = resolve(store)
t2 = time.perf_counter()
print(json.dumps({"mentions": r.mentions, "entities": r.entities, "pairs": r.pairs_scored,
                  "load_s": t1 - t0, "resolve_s": t2 - t1, "cpu_s": time.process_time() - c0,
                  "timings": r.timings,
                  "peak_gb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024 / 1024}))
"""


def _load() -> str:
    try:
        return Path("/proc/loadavg").read_text().split()[0]
    except OSError:
        return "?"


def speed(args: argparse.Namespace) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for n in [int(x) for x in args.sizes.split(",")]:
            load_before = _load()
            out = subprocess.run([sys.executable, "-c", SPEED_CHILD, str(n), f"{tmp}/s{n}.duckdb"],
                                 capture_output=True, text=True, check=True)
            r = json.loads(out.stdout.strip().splitlines()[-1])
            t = r["timings"]
            rows.append([r["mentions"], r["entities"], r["pairs"], f"{r['resolve_s']:.0f}",
                         f"{r['resolve_s'] / r['mentions'] * 1e6:.0f}",
                         " / ".join(f"{t.get(k, 0):.0f}" for k in ("read", "normalise", "train", "score",
                                                                     "cluster", "write")),
                         f"{r['peak_gb']:.2f}", f"{load_before}–{_load()}"])
            print(rows[-1], flush=True)
            # Written after every size, so a long run leaves the sizes it finished.
            body = (
                "Person mentions from `netcase.resolve.sample.person_mentions` (≈2 mentions per person, "
                "Hispanic name pools with swaps, missing surnames, nicknames, date swaps), stored as "
                "statements, then `resolve()` end to end: read statements, normalise, train by EM, score, "
                "cluster, write. Phases in seconds; peak RSS of the resolving process (normalisation "
                "workers are forked and not counted); load = the machine's 1-minute load average before and "
                "after (2 cores, shared with other jobs while measured).\n\n"
                + markdown_table(["mentions", "people found", "pairs scored", "resolve s", "µs / mention",
                                  "read / normalise / train / score / cluster / write s", "peak RSS GB",
                                  "load"], rows)
            )
            write_section("resolve-speed", "Entity resolution: speed", body)


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    a = sub.add_parser("accuracy")
    a.add_argument("--scale", default="small")
    a.add_argument("--seed", type=int, default=1)
    a.add_argument("--noise", default="low,default,high")
    s = sub.add_parser("speed")
    s.add_argument("--sizes", default="100000,300000,1000000")
    args = ap.parse_args()
    _ = resource
    accuracy(args) if args.what == "accuracy" else speed(args)


if __name__ == "__main__":
    main()
