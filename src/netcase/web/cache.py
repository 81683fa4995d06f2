"""Aggregates behind the pages, kept per data version and per viewer.

Some pages summarise the whole store through the access policy (the home page's counts, the
priority networks with their facets, activity and legal status, the district trends): each is a
scan of every statement the viewer may read, seconds on the medium world. Their answer changes
only when the data changes (an ingest, a resolution or network run, a case load, a sharing
agreement recorded or revoked, a purge) or when the viewer changes (roles, compartments, country).
So each answer is kept under a key made of

- the data version: one cheap query of row counts and last-run times of the tables these pages
  read, evaluated on every request, so a new run is seen at the next page load; and
- the viewer itself (user, agency, country, roles, compartments): an answer computed for one
  user is never shown to another, and the access policy is applied exactly as before, only not
  re-run while nothing it reads has changed.

Aggregates computed only from what the access policy lets a viewer read (the network list and
its facets, a network's assessment, the trends, the map's data, the brief's figures) are the same
for every viewer with the same ``netcase.access.policy.visibility_key`` (country, compartments,
the roles' categories of facts): ``shared`` keys them by that profile instead of the person, so
one analyst's first load serves the next analyst of the same profile. Anything per person on a
page (their name, their buttons, their deconfliction alerts, audit entries) is never cached
under it.

A computation in progress is not started twice: a second request for the same key waits for the
first one's answer. ``netcase.web.warm`` fills the cache in a background thread when the server
starts (and again after the data changes), for the profiles of the store's active users.

The cache lives on the application (``app.state``), bounded, least recently used first out.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

from netcase.access.policy import visibility_key
from netcase.access.viewer import Viewer
from netcase.store import Store

T = TypeVar("T")

#: Table → the columns whose change marks new data (row count is always taken). Tables a stage
#: has not created yet are left out; they join the version once they exist.
VERSION_SOURCES: dict[str, tuple[str, ...]] = {
    # A DuckDB store's statements are a view over its facts (migration 0070): the facts' table is
    # counted there (a count over the view joins every fact to its label); PostgreSQL's table here.
    "statements": (),
    "statement_facts": (),
    "batches": ("max(finished)",),
    "resolved": (),
    "resolve_runs": ("max(finished)",),
    "protected_entities": (),
    "graph_runs": ("max(finished)",),
    "networks": ("max(last_run)", "count(*) FILTER (WHERE status = 'active')"),
    "network_assessments": (),
    "investigations": ("count(*) FILTER (WHERE status = 'open')", "max(closed)"),
    "case_targets": (),
    "deconfliction_alerts": ("count(*) FILTER (WHERE status = 'active')", "max(last_change)"),
    "court_cases": (),
    "defendants": ("count(disposition)",),
    "forfeitures": (),
    "legal_requests": ("count(decided)",),
    "sharing_agreements": ("count(revoked_at)", "max(recorded_at)", "max(revoked_at)"),
    "purges": (),
}


def present_tables(store: Store) -> frozenset[str]:
    """Which of the version's tables this store has (a stage's tables exist once it has landed;
    views are left out)."""
    return frozenset(str(r[0]) for r in store.query(
        "SELECT table_name FROM information_schema.tables WHERE table_type = 'BASE TABLE' AND table_name IN ("
        + ", ".join("?" for _ in VERSION_SOURCES) + ")", list(VERSION_SOURCES)))


def data_version(store: Store, tables: frozenset[str] | None = None) -> tuple[Any, ...]:
    """Row counts and last-run times of the tables the cached pages read.

    One small query per table: together a few milliseconds, where one statement joining them all
    costs several times that (DuckDB plans the scalar subqueries as joins)."""
    present = present_tables(store) if tables is None else tables
    out: list[Any] = []
    for table, extra in VERSION_SOURCES.items():
        if table in present:
            out.append((table, *(str(v) for v in store.query(f"SELECT {', '.join(('count(*)', *extra))} "
                                                              f"FROM {table}")[0])))
    return tuple(out)


class PageCache:
    """A bounded map from (name, data version, viewer, arguments) to a computed answer."""

    def __init__(self, max_entries: int = 512) -> None:
        self.max_entries = max_entries
        self._entries: OrderedDict[Hashable, Any] = OrderedDict()
        self._lock = threading.Lock()
        # Key → the lock held by the thread computing it (others wait for that answer).
        self._computing: dict[Hashable, threading.Lock] = {}
        self.hits = 0
        self.misses = 0
        self._tables: frozenset[str] | None = None

    def version(self, store: Store) -> tuple[Any, ...]:
        """The store's data version (which tables exist is read once: migrations make them all
        when the store is opened)."""
        if self._tables is None:
            self._tables = present_tables(store)
        return data_version(store, self._tables)

    def get(self, key: Hashable, compute: Callable[[], T]) -> T:
        """The answer stored under ``key``, computing and storing it on a miss.

        While one thread computes a key, another asking for it waits and takes that answer (a
        second scan of the store for the same thing would only slow both down)."""
        while True:
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
                    self.hits += 1
                    return self._entries[key]  # type: ignore[no-any-return]
                busy = self._computing.get(key)
                if busy is None:
                    mine = threading.Lock()
                    mine.acquire()
                    self._computing[key] = mine
                    break
            # Someone else computes it: wait until they are done, then look again (on their
            # failure the entry is still missing and this thread computes it itself).
            with busy:
                pass
        try:
            value = compute()
            with self._lock:
                self.misses += 1
                self._entries[key] = value
                self._entries.move_to_end(key)
                while len(self._entries) > self.max_entries:
                    self._entries.popitem(last=False)
            return value
        finally:
            with self._lock:
                del self._computing[key]
            mine.release()

    def __contains__(self, key: Hashable) -> bool:
        with self._lock:
            return key in self._entries


def cached(cache: PageCache, store: Store, viewer: Viewer, name: str, args: tuple[Hashable, ...],
           compute: Callable[[], T], version: tuple[Any, ...] | None = None) -> T:
    """``compute()`` for this viewer, reused while the data version is unchanged.

    ``version`` may be passed when the caller has read it already in the same request.
    """
    key = (name, version if version is not None else cache.version(store), viewer, args)
    return cache.get(key, compute)


def shared_key(name: str, version: tuple[Any, ...], viewer: Viewer, args: tuple[Hashable, ...]) -> Hashable:
    """The key of an aggregate shared by every viewer with ``viewer``'s visibility key."""
    return ("shared", name, version, visibility_key(viewer), args)


def shared(cache: PageCache, store: Store, viewer: Viewer, name: str, args: tuple[Hashable, ...],
           compute: Callable[[], T], version: tuple[Any, ...] | None = None) -> T:
    """``compute()``, reused for every viewer who reads the same statements while the data version
    is unchanged.

    Only for answers computed from what the access policy gives ``viewer`` (``statement_filter``
    and the case filters, which depend on the same country and compartments) and nothing else
    about them: two viewers with equal ``visibility_key`` provably read the same statements and
    see the same pseudonyms (tests/test_policy_visibility_key.py)."""
    key = shared_key(name, version if version is not None else cache.version(store), viewer, args)
    return cache.get(key, compute)
