"""Entity-resolution figures: accuracy on the synthetic world, and speed at 100k–1M records.

Accuracy: for each noise level, generate a world (``netcase.synth.generate``), ingest it
(``netcase.ingest``), resolve, and score the clusters against ``truth/records.csv`` with pairwise
and B-cubed precision/recall/F1, next to a naive baseline (exact normalised full name + birth date).

Organisations are scored in the same runs: the world's organisation mentions (each agency's label
for a smuggling organisation, one per subject of a case report) against the organisation of the
people the report links to them (``truth/persons.csv``), next to a name-only baseline; and sampled
companies (``organisation_mentions``: legal forms, RFC/NIT/RTN/EIN, shared names) against their
drawn truth.

Speed: person-mention tables drawn by ``netcase.resolve.sample.person_mentions`` (Hispanic name pools
with agency-style variations), written as statements into a fresh DuckDB store and resolved from
there (train + score + cluster + write), timed, with peak memory (ru_maxrss of a child process).

Spark: the same store resolved on DuckDB (training the model) and then, with that saved model, on
Spark in local mode (``--backend spark``); time, CPU and the peak memory of the whole process tree
(Python and the JVM), and whether the clusters are the same.

    python bench/resolve.py accuracy [--scale small] [--noise low,default,high] [--companies 2000]
    python bench/resolve.py speed [--sizes 100000,300000,1000000]
    python bench/resolve.py spark [--size 100000]
"""

from __future__ import annotations

import argparse
import json
import os
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
    from netcase.eval.resolution import read_org_truth, read_truth, score
    from netcase.ingest.engine import ingest_paths
    from netcase.ingest.registry import default_loaders
    from netcase.resolve.engine import resolve
    from netcase.resolve.normalise import org_name
    from netcase.resolve.org_features import org_member_records
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
            "JOIN resolved r ON r.entity_id = m.entity_id WHERE m.schema = 'Person'"
        )
    }
    s = score(pred, truth)
    b = score(naive_clusters(store), truth)
    org_truth = read_org_truth(world, org_member_records(store))
    canon = dict(store.query("SELECT entity_id, canonical_id FROM resolved"))
    org_names = dict(store.query(
        "SELECT entity_id, min(value) FROM statements WHERE schema = 'Organization' AND prop = 'name' GROUP BY 1"))
    o = score({k: canon.get(k, k) for k in org_truth}, org_truth)
    ob = score({k: org_name(org_names.get(k)).key or k for k in org_truth}, org_truth)
    store.close()
    return {"noise": noise, "records": s.records, "people": s.true_entities, "found": s.predicted_entities,
            "seconds": seconds, "model": result, "splink": s, "naive": b, "orgs": o, "orgs_naive": ob,
            "org_labels": len(set(org_names.values()))}


def companies_accuracy(n: int, seed: int) -> tuple[object, object, int, float]:
    """Sampled companies resolved through a store: scores, name-only scores, mentions, seconds."""
    from netcase.eval.resolution import score
    from netcase.resolve.engine import resolve
    from netcase.resolve.normalise import org_name
    from netcase.resolve.sample import organisation_mentions, person_mentions, write_statements
    from netcase.store import open_store

    companies = list(organisation_mentions(n, seed=seed))
    with tempfile.TemporaryDirectory() as tmp:
        store = open_store(f"{tmp}/companies.duckdb")
        write_statements(store, (m for m, _ in person_mentions(200, seed=seed)))
        write_statements(store, (m for m, _ in companies), schema="Company")
        t0 = time.perf_counter()
        resolve(store)
        seconds = time.perf_counter() - t0
        canon = dict(store.query("SELECT entity_id, canonical_id FROM resolved"))
        store.close()
    truth = {m.entity_id: o for m, o in companies}
    naive = {m.entity_id: f"{org_name(m.props['name'][0]).key}|{(m.props.get('jurisdiction') or [''])[0]}"
             for m, _ in companies}
    return score(canon, truth), score(naive, truth), len(companies), seconds


def accuracy(args: argparse.Namespace) -> None:
    rows = []
    org_rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for noise in args.noise.split(","):
            r = accuracy_one(args.scale, args.seed, noise, Path(tmp))
            s, b = r["splink"], r["naive"]
            rows.append([noise, r["records"], r["people"], r["found"],
                         s.pair_precision, s.pair_recall, s.pair_f1, s.bcubed_f1,  # type: ignore[attr-defined]
                         b.pair_precision, b.pair_recall, b.pair_f1, b.bcubed_f1,  # type: ignore[attr-defined]
                         f"{r['seconds']:.1f}"])
            o, ob = r["orgs"], r["orgs_naive"]
            org_rows.append([f"world, {noise} noise", o.records, o.true_entities, r["org_labels"],  # type: ignore[attr-defined]
                             o.predicted_entities, o.pair_precision, o.pair_recall, o.pair_f1,  # type: ignore[attr-defined]
                             o.bcubed_f1, ob.pair_precision, ob.pair_recall, ob.pair_f1])  # type: ignore[attr-defined]
            print(rows[-1], org_rows[-1], flush=True)
    if args.companies:
        c, cb, n, secs = companies_accuracy(args.companies, args.seed)
        org_rows.append([f"{args.companies:,} sampled companies", n, c.true_entities, "",  # type: ignore[attr-defined]
                         c.predicted_entities, c.pair_precision, c.pair_recall, c.pair_f1,  # type: ignore[attr-defined]
                         c.bcubed_f1, cb.pair_precision, cb.pair_recall, cb.pair_f1])  # type: ignore[attr-defined]
        print(org_rows[-1], f"{secs:.1f}s", flush=True)
    body = (
        f"Synthetic world scale `{args.scale}`, seed {args.seed}; every person mention scored against "
        "`truth/records.csv`. Naive = exact folded full name + birth date.\n\n"
        + markdown_table(
            ["noise", "records", "true people", "found", "P", "R", "F1", "B³ F1",
             "naive P", "naive R", "naive F1", "naive B³ F1", "resolve s"],
            rows,
        )
        + "\n\nOrganisations, same runs (organisation threshold 0.95). World: each organisation mention "
        "(an agency's label for a smuggling organisation, one per case-report subject) against the "
        "organisation of the people the report links to it (`truth/persons.csv`); name-only = same "
        "reduced name. Sampled companies (`organisation_mentions`, seed as above): legal forms spelled "
        "many ways, RFC/NIT/RTN/EIN in several spellings, names shared between companies; name-only = "
        "same reduced name and country.\n\n"
        + markdown_table(
            ["data", "mentions", "true orgs", "distinct labels", "found", "P", "R", "F1", "B³ F1",
             "name-only P", "name-only R", "name-only F1"],
            org_rows,
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


SPARK_CHILD = r"""
import json, sys, time
from netcase.resolve.engine import resolve
from netcase.resolve.sample import organisation_mentions, person_mentions, write_statements
from netcase.store import open_store
n, path, backend = int(sys.argv[1]), sys.argv[2], sys.argv[3]
store = open_store(path)
if backend == "duckdb":
    write_statements(store, (m for m, _ in person_mentions(int(n / 2.0), mentions_per_person=2.0, seed=5)))
    write_statements(store, (m for m, _ in organisation_mentions(max(10, n // 100), seed=5)), schema="Company")
before = dict(store.query("SELECT entity_id, canonical_id FROM resolved"))
t0, c0 = time.perf_counter(), time.process_time()
r = resolve(store, full=True, backend=backend)
seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
after = dict(store.query("SELECT entity_id, canonical_id FROM resolved"))
store.close()
print(json.dumps({"mentions": r.mentions, "entities": r.entities, "orgs": r.org_mentions,
                  "org_entities": r.org_entities, "pairs": r.pairs_scored + r.org_pairs_scored,
                  "trained": r.trained, "seconds": seconds, "python_cpu_s": cpu, "timings": r.timings,
                  "same_as_before": before == after if before else None}))
"""


def _tree(pid: int) -> list[int]:
    """``pid`` and all its descendants (from /proc), e.g. a Python process and the JVM it started."""
    children: dict[int, list[int]] = {}
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                ppid = int((d / "stat").read_text().rsplit(")", 1)[1].split()[1])
            except (OSError, IndexError, ValueError):
                continue
            children.setdefault(ppid, []).append(int(d.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def _tree_usage(pid: int) -> tuple[int, float]:
    """(resident bytes, CPU seconds) of ``pid``'s process tree now."""
    rss, cpu = 0, 0.0
    tick = os.sysconf("SC_CLK_TCK")
    for p in _tree(pid):
        try:
            rss += int(Path(f"/proc/{p}/statm").read_text().split()[1]) * os.sysconf("SC_PAGE_SIZE")
            f = Path(f"/proc/{p}/stat").read_text().rsplit(")", 1)[1].split()
            # utime + stime, and cutime + cstime of children already reaped (forked normalisers).
            cpu += (int(f[11]) + int(f[12]) + int(f[13]) + int(f[14])) / tick
        except (OSError, IndexError, ValueError):
            continue
    return rss, cpu


def run_measured(cmd: list[str]) -> tuple[dict[str, object], float, float]:
    """Run a child; its JSON result, the peak RSS (GB) and CPU seconds of its whole process tree.

    The child writes to files, not pipes: Spark's progress output would fill a pipe nobody reads
    while the tree is being polled, and the child would block on it forever.
    """
    with tempfile.TemporaryFile("w+") as out, tempfile.TemporaryFile("w+") as err:
        proc = subprocess.Popen(cmd, stdout=out, stderr=err, text=True)
        peak, cpu = 0, 0.0
        while proc.poll() is None:
            rss, c = _tree_usage(proc.pid)
            peak, cpu = max(peak, rss), max(cpu, c)
            time.sleep(1.0)
        out.seek(0)
        err.seek(0)
        if proc.returncode:
            raise RuntimeError(f"{cmd[3:]} failed:\n{err.read()[-3000:]}")
        return json.loads(out.read().strip().splitlines()[-1]), peak / 1024**3, cpu


def spark(args: argparse.Namespace) -> None:
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/spark.duckdb"
        backends = ["duckdb", "spark"]
        if args.duckdb_row:
            # Resume: a copy of a store the DuckDB step already resolved, and that step's row.
            import shutil

            shutil.copy(args.duckdb_row[0], db)
            rows.append(json.loads(args.duckdb_row[1]))
            backends = ["spark"]
        for backend in backends:
            load_before = _load()
            r, peak, cpu = run_measured([sys.executable, "-c", SPARK_CHILD, str(args.size), db, backend])
            t = r["timings"]
            rows.append([backend, r["mentions"], r["entities"], r["orgs"], r["org_entities"], r["pairs"],
                         "yes" if r["trained"] else "no (saved model)", f"{r['seconds']:.0f}",
                         f"{cpu:.0f}",
                         " / ".join(f"{t.get(k, 0):.0f}" for k in ("read", "normalise", "train", "score",
                                                                     "cluster", "organisations", "write")),
                         f"{peak:.2f}",
                         {None: "—", True: "yes", False: "NO"}[r["same_as_before"]],  # type: ignore[index]
                         f"{load_before}–{_load()}"])
            print(rows[-1], flush=True)
    body = (
        f"{args.size:,} person mentions (`person_mentions`, ≈2 per person) and {max(10, args.size // 100):,} "
        "sampled companies, stored as statements; first resolved on DuckDB (training both models), "
        "then fully re-scored on Spark 4 in local mode with the saved models (`resolve(full=True, "
        "backend='spark')`, Splink's similarity jar loaded). CPU = user+system seconds of the whole "
        "process tree (Python, forked workers, the JVM), peak RSS of that tree. *Same clusters*: the "
        "Spark run rewrote `resolved` with exactly the DuckDB run's canonical ids.\n\n"
        + markdown_table(["backend", "person mentions", "people", "org mentions", "orgs", "pairs scored",
                          "trained", "resolve s", "CPU s",
                          "read / normalise / train / score / cluster / organisations / write s",
                          "peak RSS GB", "same clusters", "load"], rows)
        + "\n\nSpark is slower on one machine: it starts a JVM, plans every Splink step as Spark SQL "
        "and shuffles between stages, where DuckDB runs the same SQL in-process. It is there for data "
        "that outgrows one machine (`NETCASE_SPARK_MASTER` points it at a cluster)."
    )
    write_section("resolve-spark", "Entity resolution: Spark backend", body)


def main() -> None:
    ap = argparse.ArgumentParser()
    sub = ap.add_subparsers(dest="what", required=True)
    a = sub.add_parser("accuracy")
    a.add_argument("--scale", default="small")
    a.add_argument("--seed", type=int, default=1)
    a.add_argument("--noise", default="low,default,high")
    a.add_argument("--companies", type=int, default=2000, help="sampled companies (0: none)")
    s = sub.add_parser("speed")
    s.add_argument("--sizes", default="100000,300000,1000000")
    k = sub.add_parser("spark")
    k.add_argument("--size", type=int, default=100_000, help="person mentions (≈2 per person)")
    k.add_argument("--duckdb-row", nargs=2, metavar=("STORE", "ROW_JSON"),
                   help="resume with a store the DuckDB step resolved and that step's printed row")
    args = ap.parse_args()
    _ = resource
    {"accuracy": accuracy, "speed": speed, "spark": spark}[args.what](args)


if __name__ == "__main__":
    main()
