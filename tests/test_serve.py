"""``netcase serve``: one process on a DuckDB file, several on PostgreSQL sharing one audit chain."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from typer.testing import CliRunner

from conftest import PG_BASE, fresh_pg_url, pg_reason
from netcase.access import audit, identity
from netcase.access.viewer import Viewer
from netcase.cli import build_app
from netcase.store import open_store
from netcase.web.demo import create_demo_users

NETCASE = Path(sys.executable).parent / "netcase"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_duckdb_store_refuses_several_processes(tmp_path: Path) -> None:
    db = tmp_path / "netcase.duckdb"
    open_store(str(db)).close()
    r = CliRunner().invoke(build_app(), ["serve", "--db", str(db), "--workers", "2"])
    assert r.exit_code == 2
    assert "one process" in r.output


@pytest.fixture
def pg_url() -> Iterator[str]:
    reason = pg_reason()
    if reason:
        pytest.skip(f"PostgreSQL not available at {PG_BASE}: {reason}")
    yield from fresh_pg_url()


@pytest.mark.postgres
def test_worker_processes_on_postgres_keep_one_unbroken_audit_chain(pg_url: str) -> None:
    store_url = pg_url
    now = datetime.now(UTC).replace(tzinfo=None)
    store = open_store(store_url)
    try:
        create_demo_users(store, now=now)
        token = identity.issue_api_token(store, username="ana.analyst", name="serve-test", scopes=["read:entities"],
                                         by=Viewer.system(), now=now).token
        before = len(audit.entries(store))
    finally:
        store.close()
    port = _free_port()
    proc = subprocess.Popen([str(NETCASE), "serve", "--db", store_url, "--port", str(port), "--workers", "2"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{base}/api/openapi.json", timeout=5).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "server exited"
            assert time.monotonic() < deadline, "server did not start"
            time.sleep(0.5)

        def read(i: int) -> int:
            r = httpx.get(f"{base}/api/entities/missing-{i}", headers={"Authorization": f"Bearer {token}"}, timeout=60)
            return r.status_code

        with ThreadPoolExecutor(max_workers=12) as pool:
            codes = list(pool.map(read, range(60)))
        assert codes == [404] * 60
    finally:
        proc.terminate()
        proc.wait(timeout=60)
    store = open_store(store_url)
    try:
        # Each refused read is audited; the group-commit writers of both processes flush on shut-down.
        missing = [e for e in audit.entries(store)[before:] if e.outcome == "not_found"]
        assert len(missing) == 60
        assert audit.verify(store).ok
    finally:
        store.close()
