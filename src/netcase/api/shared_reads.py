"""Network reads shared by viewers of one need-to-know profile, kept per data version.

A network's detail and its drawing are computed from the statements the viewer may read, several
passes over every statement (seconds on the medium world). What a viewer may read depends only on
their need-to-know profile, ``netcase.access.policy.visibility_key`` (country, compartments, the
content, victim-services and case-team roles; viewers with equal keys provably read the same
statements and see the same pseudonyms), and the answer changes only with the data. So each answer
is kept under

    (what, object id, profile, data version)

where *profile* is a digest of the visibility key and *data version* a digest of
``netcase.web.cache.data_version`` (row counts and last-run times of the tables these reads use)
and of ``FORMAT`` (bumped when the computation changes). An answer computed for one profile is
never served to another; new data (an ingest, a resolution or network run, a case load, a
sharing agreement recorded or revoked, a purge) changes the version, so the next read recomputes.
The version (with the priority weights in force) is read from the store at most once a second per process (``max_age``: a dozen small
queries, which would otherwise cost more than serving the kept answer), so new data is seen
within a second.

Answers are kept twice, each with its JSON text (the API sends that text as is: encoding a large
network's detail again costs more than the rest of the request): in memory (bounded, least recently used first out) and in the
``read_cache`` table (migration 0060), so they survive a restart and are shared by every server
process on one PostgreSQL store. Only the latest version of each (what, object, profile) is kept
in the table. Concurrent misses for one key wait for a single computation (``group``: one
computation may answer many keys, e.g. every network of a run for one profile).

Nothing per person is kept here: audit entries are written by the caller on every read.
"""

from __future__ import annotations

import hashlib
import json
import logging
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable, Mapping
from dataclasses import fields
from datetime import UTC, date, datetime
from typing import Any

from netcase.access.policy import VisibilityKey, visibility_key
from netcase.access.viewer import Viewer
from netcase.store import Store

log = logging.getLogger(__name__)

#: Bumped whenever what is cached is computed differently, so persisted answers of older code are
#: not served.
FORMAT = "netreads-1"


def _weights() -> str:
    """The priority weights in force (packaged, or the task force's own file): a detail shows the
    score they give, so new weights must not be answered from what the old ones computed."""
    from netcase.assess.score import load_priority

    return json.dumps(load_priority(), sort_keys=True, default=str)


def profile_of(viewer: Viewer) -> str:
    """A stable digest of the viewer's visibility key (the same in every process)."""
    return profile_digest(visibility_key(viewer))


def profile_digest(key: VisibilityKey) -> str:
    parts = {}
    for f in fields(key):
        v = getattr(key, f.name)
        parts[f.name] = sorted(v) if isinstance(v, frozenset) else v
    return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:32]


def _plain(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def to_json(value: Any) -> str:
    """The answer as stored (dates in ISO form, sets as sorted lists, as the API sends them)."""
    return json.dumps(value, default=_plain, separators=(",", ":"))


_UNPARSED = object()


class Entry:
    """A kept answer: its JSON text (served as is, without encoding it again) and the value,
    parsed from the text when first asked for."""

    __slots__ = ("text", "_value")

    def __init__(self, text: bytes, value: Any = _UNPARSED) -> None:
        self.text = text
        self._value = value

    @property
    def value(self) -> Any:
        if self._value is _UNPARSED:
            self._value = json.loads(self.text)
        return self._value


class SharedReads:
    """Answers by (what, object id, profile, data version), in memory and in ``read_cache``."""

    def __init__(self, max_entries: int = 4096, max_age: float = 1.0) -> None:
        self.max_entries = max_entries
        #: Seconds a data version read from the store is reused by later requests of this process
        #: (reading it is a dozen small queries). New data is seen at most this late.
        self.max_age = max_age
        self._mem: OrderedDict[tuple[str, str, str, str], Entry] = OrderedDict()
        self._lock = threading.Lock()
        self._flights: dict[Hashable, threading.Lock] = {}
        self._write_lock = threading.Lock()
        self._tables: frozenset[str] | None = None
        self._has_table: bool | None = None
        self._version: tuple[float, str] | None = None
        self._version_lock = threading.Lock()
        self._preloaded: set[tuple[str, str, str]] = set()
        self.hits = 0
        self.loaded = 0
        self.computed = 0

    def version(self, store: Store) -> str:
        """The digest of the store's data version and ``FORMAT`` (re-read after ``max_age`` s).

        One thread re-reads it; requests arriving meanwhile use the version read before (a
        dozen queries that cost PostgreSQL a fifth of a second would otherwise run once per
        waiting request, every second)."""
        from netcase.web.cache import data_version, present_tables

        seen = self._version
        if seen is not None and time.monotonic() - seen[0] < self.max_age:
            return seen[1]
        if not self._version_lock.acquire(blocking=seen is None):
            assert seen is not None
            return seen[1]
        try:
            seen = self._version
            if seen is not None and time.monotonic() - seen[0] < self.max_age:
                return seen[1]
            if self._tables is None:
                self._tables = present_tables(store)
            raw = repr((FORMAT, data_version(store, self._tables), _weights()))
            digest = hashlib.sha256(raw.encode()).hexdigest()[:32]
            self._version = (time.monotonic(), digest)
            return digest
        finally:
            self._version_lock.release()

    def persisted(self, store: Store) -> bool:
        """Whether the store has the ``read_cache`` table (migrations run when a store is opened)."""
        if self._has_table is None:
            self._has_table = store.table_exists("read_cache")
        return self._has_table

    def _remember(self, key: tuple[str, str, str, str], entry: Entry) -> None:
        with self._lock:
            self._mem[key] = entry
            self._mem.move_to_end(key)
            while len(self._mem) > self.max_entries:
                self._mem.popitem(last=False)

    def peek(self, store: Store, what: str, object_id: str, profile: str, version: str) -> Entry | None:
        """The kept entry, from memory, else from the table; None when there is none."""
        key = (what, object_id, profile, version)
        with self._lock:
            entry = self._mem.get(key)
            if entry is not None:
                self._mem.move_to_end(key)
                self.hits += 1
                return entry
        if not self.persisted(store):
            return None
        group = (what, profile, version)
        if group not in self._preloaded:
            with self._lock:
                flight = self._flights.setdefault(("preload", *group), threading.Lock())
            # One thread loads a profile's answers; requests arriving meanwhile wait for it rather
            # than each reading the same tens of megabytes again.
            with flight:
                if group not in self._preloaded:
                    # The first look in the table for this profile and version takes all its answers
                    # in one query (a new process would otherwise pay one query per object).
                    rows = store.query("SELECT object_id, payload FROM read_cache WHERE what = ? AND profile = ? "
                                       "AND version = ?", group)
                    for oid, text in rows:
                        self._remember((what, str(oid), profile, version), Entry(str(text).encode()))
                    with self._lock:
                        self.loaded += len(rows)
                        self._preloaded.add(group)
            with self._lock:
                return self._mem.get(key)
        rows = store.query("SELECT payload FROM read_cache WHERE what = ? AND object_id = ? AND profile = ? "
                           "AND version = ?", (what, object_id, profile, version))
        if not rows:
            return None
        entry = Entry(str(rows[0][0]).encode())
        self._remember(key, entry)
        with self._lock:
            self.loaded += 1
        return entry

    def lookup(self, store: Store, what: str, object_id: str, viewer: Viewer,
               version: str | None = None) -> Entry | None:
        """The entry kept for the viewer's profile under the current data version, if any."""
        return self.peek(store, what, object_id, profile_of(viewer), version or self.version(store))

    def entry(self, store: Store, what: str, object_id: str, viewer: Viewer,
              compute: Callable[[], Mapping[str, Any]], *, group: str | None = None,
              version: str | None = None) -> Entry:
        """The answer for ``object_id`` as ``viewer``'s profile reads it.

        On a miss ``compute()`` runs once (concurrent callers of the same ``group`` wait for it)
        and returns answers by object id: every one is kept, and the one for ``object_id`` is
        returned (None when it gives none)."""
        profile = profile_of(viewer)
        version = version or self.version(store)
        found = self.peek(store, what, object_id, profile, version)
        if found is not None:
            return found
        flight_key = (what, group or object_id, profile, version)
        with self._lock:
            flight = self._flights.setdefault(flight_key, threading.Lock())
        with flight:
            found = self.peek(store, what, object_id, profile, version)
            if found is not None:
                return found
            answers = dict(compute())
            answers.setdefault(object_id, None)
            kept = self.put_many(store, what, profile, version, answers)
            with self._lock:
                self.computed += 1
                self._flights.pop(flight_key, None)
            return kept[object_id]

    def get(self, store: Store, what: str, object_id: str, viewer: Viewer,
            compute: Callable[[], Mapping[str, Any]], *, group: str | None = None,
            version: str | None = None) -> Any:
        """``entry(...).value``."""
        return self.entry(store, what, object_id, viewer, compute, group=group, version=version).value

    def put_many(self, store: Store, what: str, profile: str, version: str,
                 answers: Mapping[str, Any]) -> dict[str, Entry]:
        """Keep ``answers`` (object id → answer) in memory and in the table (best effort there: a
        failed write only costs a recomputation later); returns them as kept."""
        payloads = {oid: to_json(v) for oid, v in answers.items()}
        kept = {oid: Entry(text.encode()) for oid, text in payloads.items()}
        for oid, entry in kept.items():
            self._remember((what, oid, profile, version), entry)
        if not self.persisted(store):
            return kept
        now = datetime.now(UTC).replace(tzinfo=None)
        ids = list(payloads)
        try:
            with self._write_lock, store.transaction():
                # Older versions are of no use to anyone: data changes only move forward.
                store.execute("DELETE FROM read_cache WHERE what = ? AND profile = ? AND version <> ?",
                              (what, profile, version))
                store.execute("DELETE FROM read_cache WHERE what = ? AND profile = ? AND object_id IN "
                              "(SELECT unnest(CAST(? AS VARCHAR[])))", (what, profile, ids))
                store.insert_rows("read_cache", ("what", "object_id", "profile", "version", "computed_at", "payload"),
                                  [(what, oid, profile, version, now, text) for oid, text in payloads.items()])
        except Exception:  # noqa: BLE001 - a cache write must never fail a read
            log.warning("read_cache: could not keep %d %s answers", len(ids), what, exc_info=True)
        return kept

    def forget(self) -> None:
        """Drop the in-memory answers and the remembered data version (the table keeps its own)."""
        with self._lock:
            self._mem.clear()
            self._preloaded.clear()
            self._version = None


_REGISTRY: dict[str, SharedReads] = {}
_REGISTRY_LOCK = threading.Lock()


def shared_reads(store: Store) -> SharedReads:
    """The process's shared-read cache for the store at ``store.url``."""
    url = str(getattr(store, "url", ""))
    with _REGISTRY_LOCK:
        cache = _REGISTRY.get(url)
        if cache is None:
            cache = _REGISTRY[url] = SharedReads()
        return cache


# -- warming ahead ---------------------------------------------------------------------------------


def active_profiles(store: Store) -> list[Viewer]:
    """One viewer per distinct need-to-know profile among the usable accounts (neither locked nor
    disabled), the most recently logged-in first: whom to warm the shared reads for."""
    from netcase.access.errors import AccessError
    from netcase.access.identity import viewer_for

    if not store.table_exists("users"):
        return []
    names = [str(r[0]) for r in store.query(
        "SELECT username FROM users WHERE NOT coalesce(locked, FALSE) AND NOT coalesce(disabled, FALSE) "
        "ORDER BY last_login_at DESC NULLS LAST, username")]
    out: dict[str, Viewer] = {}
    for name in names:
        try:
            viewer = viewer_for(store, name)
        except AccessError:
            continue
        out.setdefault(profile_of(viewer), viewer)
    return list(out.values())


def warm_network_reads(store: Store, viewers: list[Viewer] | None = None, *,
                       drawings: bool = False) -> dict[str, int]:
    """Compute and keep every active network's detail for each profile (default: those of the
    store's usable accounts) unless already kept for the current data version, and with
    ``drawings`` every active network's drawing too; returns how many profiles were computed and
    how many were already warm. Call it after a network build, or in a background thread when a
    server starts (a read of a network being warmed waits for this computation, never repeats it)."""
    from netcase.api import services

    if not store.table_exists("networks"):
        return {"computed": 0, "warm": 0}
    cache = shared_reads(store)
    version = cache.version(store)
    done = {"computed": 0, "warm": 0}
    nets = [str(r[0]) for r in store.query("SELECT network_id FROM networks WHERE status = 'active' ORDER BY network_id")]
    for viewer in active_profiles(store) if viewers is None else viewers:
        profile = profile_of(viewer)
        kept = {str(w): int(n) for w, n in store.query(
            "SELECT c.what, count(*) FROM read_cache c JOIN networks n ON n.network_id = c.object_id "
            "WHERE n.status = 'active' AND c.profile = ? AND c.version = ? GROUP BY c.what",
            (profile, version))} if cache.persisted(store) else {}
        warm = kept.get("network_detail", 0) == len(nets) and (not drawings or kept.get("network_elements", 0) == len(nets))
        if warm:
            done["warm"] += 1
            continue
        if kept.get("network_detail", 0) != len(nets):
            flight_key = ("network_detail", "active", profile, version)
            with cache._lock:
                flight = cache._flights.setdefault(flight_key, threading.Lock())
            with flight:
                cache.put_many(store, "network_detail", profile, version,
                               services.compute_network_details(store, viewer, None))
        if drawings and kept.get("network_elements", 0) != len(nets):
            # One network at a time through the cache (a page asking for one meanwhile gets it),
            # then all kept in the table too (some may have come from memory only).
            drawn = {nid: services.network_elements_entry(store, viewer, nid).value for nid in nets}
            cache.put_many(store, "network_elements", profile, version, drawn)
        done["computed"] += 1
    return done
