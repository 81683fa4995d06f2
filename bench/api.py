"""API latency: entity and network reads with concurrent clients over loopback.

Builds (or reuses) a store from a synthetic world run through the pipeline (ingest, resolution
from the ground truth, network build), starts ``netcase serve`` in its own process, gives each
client its own API token, and measures entity reads (``GET /api/entities/{id}``) and network reads
(``GET /api/networks/{id}``) with httpx's async client. Goal: p95 ≤ 100 ms with 20 clients on the
``medium`` world.

    .venv/bin/python bench/api.py --scale medium --clients 20 --seconds 30

The same world on PostgreSQL: ``--copy-to-postgres URL`` copies the built store into an empty
schema (URL with ``options=-csearch_path%3DSCHEMA``) and serves that; later runs pass ``--db URL``.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import warnings
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


def build_store(out: Path, scale: str, seed: int = 7) -> Path:
    """The pipeline's store for a synthetic world (reused when it exists)."""
    db = out / "netcase.duckdb"
    if db.exists():
        return db
    from netcase.eval.networks import oracle_resolve
    from netcase.graph import build_networks
    from netcase.ingest.engine import ingest_paths
    from netcase.ingest.registry import default_loaders
    from netcase.store import open_store
    from netcase.synth import generate
    from netcase.web.demo import create_demo_users

    out.mkdir(parents=True, exist_ok=True)
    generate(scale=scale, seed=seed, out=out / "world")
    store = open_store(str(db))
    try:
        ingest_paths(store, [out / "world"], default_loaders())
        oracle_resolve(store, out / "world")
        build_networks(store)
        create_demo_users(store)
    finally:
        store.close()
    return db


def copy_to_postgres(db: Path, url: str) -> str:
    """Copy the DuckDB store ``db`` table by table into the PostgreSQL store at ``url`` (migrated
    there first; the schema in its search_path must be empty), so both stores serve the same world.
    Returns ``url``."""
    import duckdb

    from netcase.store import open_store

    pg = open_store(url)
    source = duckdb.connect(str(db), read_only=True)
    try:
        mine = {r[0] for r in source.execute("SELECT table_name FROM information_schema.tables").fetchall()}
        for (table,) in pg.query("SELECT table_name FROM information_schema.tables WHERE table_schema = current_schema()"
                                 " ORDER BY table_name"):
            if table == "schema_migrations" or table not in mine:
                continue
            theirs = [r[0] for r in pg.query("SELECT column_name FROM information_schema.columns WHERE table_schema ="
                                             " current_schema() AND table_name = ? ORDER BY ordinal_position", (table,))]
            have = {r[0] for r in source.execute("SELECT column_name FROM information_schema.columns WHERE table_name = ?",
                                                 [table]).fetchall()}
            cols = [c for c in theirs if c in have]
            pg.execute(f"DELETE FROM {table}")  # rows the migrations seeded
            cur = source.execute(f"SELECT {', '.join(cols)} FROM {table}")
            while rows := cur.fetchmany(50_000):
                pg.insert_rows(table, cols, rows)
        if "statement_values" not in mine:
            # A DuckDB store indexes its facts' values in place (migration 0071); PostgreSQL keeps
            # the side table, built here from the statements just copied.
            from netcase.store import value_index

            value_index.rebuild(pg)
        pg.execute("ANALYZE")
    finally:
        source.close()
        pg.close()
    return url


def default_out(scale: str) -> Path:
    """Where a scale's world and store are kept between runs (outside the repository)."""
    import tempfile

    return Path(tempfile.gettempdir()) / "netcase-bench" / scale


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_server(db: Path | str, port: int, workers: int = 0) -> subprocess.Popen[bytes]:
    """``netcase serve`` in its own process (with ``workers`` worker processes; 0: its default);
    returns once it answers."""
    import httpx

    proc = subprocess.Popen([str(ROOT / ".venv" / "bin" / "netcase"), "serve", "--db", str(db), "--port", str(port),
                             "--workers", str(workers)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    deadline = time.time() + 120
    while time.time() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/login", timeout=2).status_code == 200:
                settle(proc.pid, db)
                return proc
        except httpx.HTTPError:
            time.sleep(0.3)
    proc.kill()
    raise RuntimeError("the server did not start: " + (proc.stderr.read().decode() if proc.stderr else ""))


def settle(pid: int, db: Path | str, limit: float = 900.0) -> None:
    """Wait until the server has finished its start-up work (warming its caches, building the
    search index): its processes, and on PostgreSQL its sessions' backends, use under a tenth of a
    core for three seconds running."""
    def used() -> float:
        return process_cpu(pid) + backends_cpu(server_backends(db))

    deadline = time.time() + limit
    quiet = 0
    last = used()
    while time.time() < deadline and quiet < 3:
        time.sleep(1.0)
        now = used()
        quiet = quiet + 1 if now - last < 0.1 else 0
        last = now


def prepare(db: Path | str, clients: int) -> tuple[list[str], list[str], list[str]]:
    """API tokens (one per client, for the analyst), entity ids and network ids to read."""
    from netcase.access import identity
    from netcase.access.viewer import Viewer
    from netcase.store import open_store

    store = open_store(str(db))
    try:
        now = datetime.now(UTC).replace(tzinfo=None)
        tokens = [identity.issue_api_token(store, username="ana.analyst", name=f"bench-{i}",
                                           scopes=["read:entities", "read:networks", "search"],
                                           by=Viewer.system(), now=now).token for i in range(clients)]
        people = [str(r[0]) for r in store.query(
            "SELECT DISTINCT coalesce(r.canonical_id, s.entity_id) FROM statements s LEFT JOIN resolved r "
            "ON r.entity_id = s.entity_id WHERE s.schema = 'Person' AND s.prop = 'name' AND NOT s.victim_sensitive "
            "AND s.compartment IS NULL AND s.releasable_to LIKE '%,USA,%' "
            # A minor's facts are for victim services only: the analyst's read of one is a 404.
            "AND coalesce(r.canonical_id, s.entity_id) NOT IN (SELECT entity_id FROM protected_entities "
            "WHERE kind = 'minor') ORDER BY 1 LIMIT 5000")]
        networks = [str(r[0]) for r in store.query("SELECT network_id FROM networks WHERE status = 'active'")]
    finally:
        store.close()
    return tokens, people, networks


class _Connection:
    """One keep-alive HTTP/1.1 connection speaking just enough of the protocol for GET requests.

    The load tool must cost little next to the server it measures, on the same two cores: httpx
    spends about 2 CPU ms per request, this about a tenth of that."""

    def __init__(self, host: str, port: int, token: str) -> None:
        self.host, self.port = host, port
        self.head = f"Host: {host}:{port}\r\nAuthorization: Bearer {token}\r\nAccept: application/json\r\n\r\n"
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def get(self, path: str) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        assert self.reader is not None
        self.writer.write(f"GET {path} HTTP/1.1\r\n{self.head}".encode())
        status_line = await self.reader.readline()
        if not status_line:
            raise ConnectionError("the server closed the connection")
        status = int(status_line.split()[1])
        length, chunked, close = 0, False, False
        while (line := await self.reader.readline()) not in (b"\r\n", b""):
            name, _, value = line.decode("latin-1").partition(":")
            name, value = name.strip().lower(), value.strip().lower()
            if name == "content-length":
                length = int(value)
            elif name == "transfer-encoding" and "chunked" in value:
                chunked = True
            elif name == "connection" and value == "close":
                close = True
        if chunked:
            parts = []
            while (size := int((await self.reader.readline()).strip(), 16)) > 0:
                parts.append(await self.reader.readexactly(size))
                await self.reader.readline()
            await self.reader.readline()
            body = b"".join(parts)
        else:
            body = await self.reader.readexactly(length)
        if close:
            await self.close()
        return status, body

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            self.writer = self.reader = None


async def run_load(base: str, tokens: list[str], paths: list[str], seconds: float,
                   timeout: float = 900.0) -> tuple[list[float], int]:
    """Each client reads random paths back to back for ``seconds`` over its own keep-alive
    connection; returns latencies (ms) and errors (a non-200 answer, a timeout, a dropped
    connection: each counted with its time)."""
    from urllib.parse import urlsplit

    parts = urlsplit(base)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    latencies: list[float] = []
    errors = 0
    failures: Counter[str] = Counter()
    stop = time.perf_counter() + seconds

    async def client(token: str, seed: int) -> None:
        nonlocal errors
        rnd = random.Random(seed)
        conn = _Connection(host, port, token)
        try:
            while time.perf_counter() < stop:
                t0 = time.perf_counter()
                try:
                    path = rnd.choice(paths)
                    status, _ = await asyncio.wait_for(conn.get(path), timeout)
                    ok = status == 200
                    if not ok:
                        failures[str(status)] += 1
                except (TimeoutError, OSError, ConnectionError, asyncio.IncompleteReadError, ValueError) as exc:
                    ok = False
                    failures[type(exc).__name__] += 1
                    await conn.close()
                latencies.append((time.perf_counter() - t0) * 1000)
                errors += int(not ok)
        finally:
            await conn.close()

    await asyncio.gather(*(client(t, i) for i, t in enumerate(tokens)))
    if failures:
        print("errors by kind:", dict(failures), flush=True)
    return latencies, errors


def _stat(pid: int) -> list[str]:
    return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()


def process_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by process ``pid``, its threads and its live child
    processes (the server's worker processes) (Linux /proc)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = _stat(int(entry.name))
        except (OSError, IndexError):
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def server_backends(db: Path | str) -> list[int]:
    """PostgreSQL backend processes of the server's sessions (``application_name`` netcase-serve)."""
    if not str(db).startswith("postgres"):
        return []
    from netcase.store import open_store

    store = open_store(str(db), migrate=False)
    try:
        return [int(r[0]) for r in store.query(
            "SELECT pid FROM pg_stat_activity WHERE application_name = 'netcase-serve'")]
    finally:
        store.close()


def backends_cpu(pids: list[int]) -> float:
    """CPU seconds used so far by the PostgreSQL backends ``pids`` (those still running)."""
    total = 0
    for pid in pids:
        try:
            fields = _stat(pid)
        except (OSError, IndexError):
            continue
        total += int(fields[11]) + int(fields[12])
    return total / os.sysconf("SC_CLK_TCK")


def pct(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> None:
    warnings.filterwarnings("ignore")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="medium")
    ap.add_argument("--out", type=Path, default=None,
                    help="Folder for the world and store (default: TMPDIR/netcase-bench/SCALE, reused).")
    ap.add_argument("--clients", type=int, default=20)
    ap.add_argument("--seconds", type=float, default=30.0, help="New requests are started for this long.")
    ap.add_argument("--timeout", type=float, default=900.0, help="Per-request timeout (s).")
    ap.add_argument("--workloads", default="entity,network", help="Comma-separated: entity, network.")
    ap.add_argument("--section", default="api",
                    help="Section of docs/benchmarks.md to write (one per configuration: api, api-postgres, …).")
    ap.add_argument("--copy-to-postgres", default=None, metavar="URL",
                    help="Copy the built DuckDB store into this PostgreSQL store (empty schema) and serve that.")
    ap.add_argument("--workers", type=int, default=0,
                    help="Server processes (netcase serve --workers; 0: one per core on PostgreSQL, one on DuckDB).")
    ap.add_argument("--no-report", action="store_true", help="Print the table only; leave docs/benchmarks.md alone.")
    ap.add_argument("--db", default=None,
                    help="Serve this existing store instead (e.g. a postgresql:// URL holding the same world).")
    args = ap.parse_args()
    out = args.out or default_out(args.scale)
    t0 = time.perf_counter()
    db: Path | str = args.db or build_store(out, args.scale)
    if args.copy_to_postgres:
        db = copy_to_postgres(Path(db), args.copy_to_postgres)
    print(f"store ready in {time.perf_counter() - t0:.0f} s: {db}", flush=True)
    tokens, people, networks = prepare(db, args.clients)
    port = free_port()
    proc = start_server(db, port, args.workers)
    processes = args.workers or ((os.cpu_count() or 1) if str(db).startswith("postgres") else 1)
    base = f"http://127.0.0.1:{port}"
    rows = []
    try:
        wanted = set(args.workloads.split(","))
        for name, paths in (("entity read", [f"/api/entities/{p}" for p in people]),
                            ("network read", [f"/api/networks/{n}" for n in networks])):
            if not paths or name.split()[0] not in wanted:
                continue
            started = time.perf_counter()
            cpu0, client0, load0 = process_cpu(proc.pid), time.process_time(), os.getloadavg()[0]
            backends = server_backends(db)
            pg0 = backends_cpu(backends)
            lat, errors = asyncio.run(run_load(base, tokens, paths, args.seconds, args.timeout))
            wall = time.perf_counter() - started
            server_cpu, client_cpu = process_cpu(proc.pid) - cpu0, time.process_time() - client0
            pg_cpu = backends_cpu(server_backends(db)) - pg0  # sessions opened during the load count from 0
            load = f"{load0:.1f} → {os.getloadavg()[0]:.1f}"
            rows.append((name, args.clients, len(lat), len(lat) / wall, pct(lat, 50), pct(lat, 95), pct(lat, 99),
                         errors, round(wall, 1), processes, round(server_cpu, 1),
                         round(1000 * server_cpu / max(len(lat), 1), 2), round(pg_cpu, 1), round(client_cpu, 1), load))
            print(rows[-1], flush=True)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
    body = (f"Scale `{args.scale}` ({len(people):,} readable people sampled, {len(networks):,} networks), "
            f"{args.clients} concurrent clients with their own API tokens (analyst), {args.seconds:.0f} s per "
            f"workload, `netcase serve` ({processes} process{'es' if processes > 1 else ''}) over loopback, "
            f"{'PostgreSQL' if str(db).startswith('postgres') else 'DuckDB'} store. Every read goes through the access "
            "policy and entity/network reads are written to the audit log. Goal: p95 ≤ 100 ms.\n\n"
            + "Server CPU is the `netcase serve` processes' user+system seconds during the workload (2 cores: at "
            "most 2 × wall), also per request; PostgreSQL CPU the database backends serving the server's sessions; client CPU the "
            "load generator's; load is the 1-minute load average before → after (the "
            "machine is shared, so wall time is inflated while other jobs run).\n\n"
            + markdown_table(("workload", "clients", "requests", "req/s", "p50 ms", "p95 ms", "p99 ms", "errors",
                              "wall s", "server processes", "server CPU s", "server CPU ms/request",
                              "PostgreSQL CPU s", "client CPU s", "load"), rows))
    if args.no_report:
        print(body)
        return
    title = "API latency (bench/api.py)" + ("" if args.section == "api" else f": {args.section}")
    write_section(args.section, title, body,
                  command=f"python bench/api.py --scale {args.scale} --clients {args.clients} --seconds {args.seconds:g} "
                          f"--workloads {args.workloads}" + (f" --workers {args.workers}" if args.workers else "")
                          + (" --db URL" if args.db else "")
                          + ("" if args.section == "api" else f" --section {args.section}"))
    os.environ.pop("NETCASE_DB", None)


if __name__ == "__main__":
    main()
