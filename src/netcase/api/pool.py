"""One store connection per worker thread.

A DuckDB connection (and a psycopg connection) must not be used by two threads at once, and
FastAPI runs plain ``def`` endpoints on a thread pool. Each thread therefore opens its own
connection to the same database on first use; DuckDB shares one database instance between the
connections of a process, so they all see the same data.
"""

from __future__ import annotations

import contextlib
import threading

from netcase.store import Store, open_store

#: DuckDB threads per query in the server. A server answers many small queries at once (one per
#: request thread); one thread per query spends the cores on requests rather than on splitting each
#: point look-up, which costs a quarter to a third less CPU per entity read (see docs/api.md).
SERVER_DUCKDB_THREADS = 1


#: How the server's PostgreSQL sessions name themselves (``pg_stat_activity.application_name``), so
#: an operator (or a benchmark) can tell them from the pipeline's.
APPLICATION_NAME = "netcase-serve"


def _named(url: str) -> str:
    if not url.startswith(("postgresql://", "postgres://")) or "application_name=" in url:
        return url
    return f"{url}{'&' if '?' in url else '?'}application_name={APPLICATION_NAME}"


class StorePool:
    """Hands each thread its own open store; ``close`` closes them all."""

    def __init__(self, url: str, duckdb_threads: int | None = SERVER_DUCKDB_THREADS) -> None:
        self.url = _named(url)
        self._duckdb_threads = duckdb_threads
        self._local = threading.local()
        self._lock = threading.Lock()
        self._all: list[Store] = []
        # Bumped by close(): a thread still holding a connection of an earlier generation (the app
        # was shut down and started again, as test clients and reloaders do) opens a fresh one.
        self._generation = 0
        # Migrate once, up front, so that per-thread connections never race on migrations.
        first = self._tuned(open_store(url))
        self._local.store = first
        self._local.generation = 0
        self._all.append(first)

    def get(self) -> Store:
        """This thread's store."""
        store = getattr(self._local, "store", None)
        if store is None or getattr(self._local, "generation", -1) != self._generation:
            store = self._tuned(open_store(self.url, migrate=False))
            self._local.store = store
            self._local.generation = self._generation
            with self._lock:
                self._all.append(store)
        return store

    def _tuned(self, store: Store) -> Store:
        if store.dialect == "duckdb" and self._duckdb_threads:
            store.execute(f"SET threads TO {int(self._duckdb_threads)}")
        return store

    def local(self) -> Store:
        """A handle that always uses the calling thread's connection.

        FastAPI may run a request's dependencies and its endpoint on different worker threads;
        a connection fetched in a dependency must not be used by the endpoint's thread while
        another request uses it. The handle resolves the connection at each call instead.
        """
        return _ThreadLocalStore(self)  # type: ignore[return-value]

    def close(self) -> None:
        """Close every connection opened by the pool."""
        with self._lock:
            for store in self._all:
                # Closing is best effort at shut-down: one failed close must not keep the rest open.
                with contextlib.suppress(Exception):
                    store.close()
            self._all.clear()
            self._generation += 1


class _ThreadLocalStore:
    """Duck-typed ``Store`` delegating every attribute to the current thread's connection."""

    def __init__(self, pool: StorePool) -> None:
        self._pool = pool

    def __getattr__(self, name: str) -> object:
        return getattr(self._pool.get(), name)
