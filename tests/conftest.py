"""Shared fixtures: stores on both backends, and synthetic worlds made by the generator."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from netcase.store import Store, open_store

PG_BASE = os.environ.get("NETCASE_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
SHARED = Path(__file__).resolve().parents[2] / "shared"
DATASETS = SHARED / "datasets" / "criminal-networks"


def shared_dataset(name: str) -> Path:
    """A file or folder of the real criminal-network data beside the project (``../shared``), or a
    skip saying where it was looked for: a fresh clone without it still runs every other test."""
    path = DATASETS / name
    if not path.exists():
        pytest.skip(f"real criminal-network data not found at {path} (lay ../shared beside the project)")
    return path


def _pg_unavailable() -> str | None:
    from netcase.store.postgres import reachable

    return reachable(PG_BASE)


_PG_REASON: list[str | None] = []


def pg_reason() -> str | None:
    """Why PostgreSQL cannot be used here (None when it answers); asked once per process."""
    if not _PG_REASON:
        _PG_REASON.append(_pg_unavailable())
    return _PG_REASON[0]


def fresh_pg_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a new, empty schema, dropped afterwards."""
    import psycopg

    schema = "t_" + uuid.uuid4().hex[:12]
    with psycopg.connect(PG_BASE, autocommit=True) as con:
        con.execute(f"CREATE SCHEMA {schema}")
    sep = "&" if "?" in PG_BASE else "?"
    try:
        yield f"{PG_BASE}{sep}options=-csearch_path%3D{schema}"
    finally:
        with psycopg.connect(PG_BASE, autocommit=True) as con:
            con.execute(f"DROP SCHEMA {schema} CASCADE")


@pytest.fixture(params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty store, once per backend; PostgreSQL tests skip where none answers."""
    if request.param == "duckdb":
        yield str(tmp_path / "netcase.duckdb")
        return
    reason = pg_reason()
    if reason:
        pytest.skip(f"PostgreSQL not available at {PG_BASE}: {reason}")
    yield from fresh_pg_url()


@pytest.fixture
def store(store_url: str) -> Iterator[Store]:
    s = open_store(store_url)
    try:
        yield s
    finally:
        s.close()


@pytest.fixture
def duck(tmp_path: Path) -> Iterator[Store]:
    """An empty DuckDB store, for tests that are not about backend parity."""
    s = open_store(str(tmp_path / "netcase.duckdb"))
    try:
        yield s
    finally:
        s.close()


@pytest.fixture(scope="session")
def tiny_world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny synthetic world (seed 1, default noise), generated once per test process."""
    from netcase.synth import generate

    out = tmp_path_factory.mktemp("world")
    generate(scale="tiny", seed=1, out=out)
    return out
