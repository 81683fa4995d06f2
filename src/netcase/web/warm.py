"""Filling the page cache ahead of the first visitor, in a background thread.

The aggregates behind the menu's pages (the network list with its first page of sparklines and
legal status, the district trends, the map's data, the investigations board, the leadership
brief's figures, the network assessments and drawings) take seconds to minutes of policy-filtered scans
on a large store the first time. When the server starts, and again whenever the data version
changes, this thread computes them for the store's active users, exactly as a page load would
(same functions, same cache keys):

- shared aggregates once per visibility profile (``netcase.access.policy.visibility_key``),
  only those pages some user of that profile may open (``authorize`` decides);
- the per-person ones (home-page counts, own deconfliction alerts) for each active user;
- last, every active network's assessment and drawing per profile, through the network readers'
  own cache (``netcase.api.shared_reads.warm_network_reads``).

Nothing is shown to anyone here: a page still checks its viewer and reads the cache under that
viewer's key, and audit entries are written by the page loads themselves. Set
``NETCASE_WARM=0`` to switch it off. The thread uses its own store connection (one DuckDB thread,
as the request threads). It is not given a lower priority: a page load asking for an aggregate
being warmed waits for the thread's answer rather than computing it a second time.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Callable
from typing import Any

from netcase.access.policy import visibility_key
from netcase.access.viewer import Viewer
from netcase.api.security import may
from netcase.store import Store
from netcase.web.cache import PageCache, cached

log = logging.getLogger("netcase.web.warm")

#: Network assessments warmed per profile (the top of the priority list).
TOP_NETWORKS = 3
#: Seconds between checks of the data version once warm.
RECHECK_SECONDS = 20.0


def enabled() -> bool:
    return os.environ.get("NETCASE_WARM", "1") not in ("0", "false", "no", "off")


def active_viewers(store: Store) -> list[Viewer]:
    """The viewers of the store's usable accounts (locked or disabled ones left out)."""
    from netcase.access.errors import AccessDenied
    from netcase.access.identity import viewer_for

    out = []
    for (username,) in store.query("SELECT username FROM users ORDER BY username"):
        try:
            out.append(viewer_for(store, str(username)))
        except AccessDenied:
            continue
    return out


def tasks(store: Store, cache: PageCache, search_index: Any, viewers: list[Viewer]) -> list[tuple[str, Callable[[], Any]]]:
    """(name, computation) in the order they are warmed: what most users open first."""
    from netcase.api.routers.places import map_json
    from netcase.web import pages, stages

    version = cache.version(store)
    profiles: dict[Any, list[Viewer]] = {}
    for v in viewers:
        profiles.setdefault(visibility_key(v), []).append(v)
    # The profile shared by the most users first.
    groups = sorted(profiles.values(), key=lambda vs: (-len(vs), vs[0].user))

    def able(vs: list[Viewer], action: str) -> Viewer | None:
        return next((v for v in vs if may(v, action)), None)

    out: list[tuple[str, Callable[[], Any]]] = [("search index", lambda: search_index.warm(store))]

    def home(v: Viewer) -> Any:
        return cached(cache, store, v, "home:counts", (), lambda: pages.schema_counts(store, v), version)

    def networks(v: Viewer) -> None:
        every, _ = stages.network_list(store, v, cache, version)
        stages.network_rows(store, v, cache, version, every[: stages.PAGE])

    def trends(v: Viewer) -> Any:
        return stages.trends_report(store, v, cache)

    def map_data(v: Viewer) -> Any:
        return map_json(store, v, cache)

    def board(v: Viewer) -> Any:
        return stages.investigation_board(store, v, cache, version)

    def brief(v: Viewer) -> Any:
        return stages.brief_for(store, v, cache)

    def top(v: Viewer) -> None:
        every, _ = stages.network_list(store, v, cache, version)
        for r in every[:TOP_NETWORKS]:
            stages.network_detail(store, v, cache, r["network_id"])

    def each(fn: Callable[[Viewer], Any], v: Viewer) -> Callable[[], Any]:
        return lambda: fn(v)

    out += [(f"home {v.user}", each(home, v)) for v in viewers]
    for vs in groups:
        for action, fn in (("read:networks", networks), ("read:trends", trends), ("read:entities", map_data),
                           ("read:cases", board)):
            if (who := able(vs, action)) is not None:
                out.append((f"{fn.__name__} {who.user}", each(fn, who)))
    # The board for every case reader (their own alerts), then the brief and the top networks.
    out += [(f"alerts {v.user}", each(board, v)) for v in viewers if may(v, "read:cases")]
    for action, fn in (("read:trends", brief), ("read:networks", top)):
        for vs in groups:
            if (who := able(vs, action)) is not None:
                out.append((f"{fn.__name__} {who.user}", each(fn, who)))
    # Last, every active network's assessment and drawing for every profile, kept by the network
    # readers themselves (``netcase.api.shared_reads``: the network pages and the graph API).
    readers = [vs[0] for vs in groups if able(vs, "read:networks") is not None]
    if readers:
        out.append(("network reads", lambda: _network_reads(store, readers)))
    return out


def _network_reads(store: Store, viewers: list[Viewer]) -> Any:
    try:
        from netcase.api.shared_reads import warm_network_reads
    except ImportError:  # the network readers' own cache has not landed
        return None
    return warm_network_reads(store, viewers, drawings=True)


class Warmer:
    """The background thread: warm everything, then re-warm when the data version changes."""

    def __init__(self, pool: Any, cache: PageCache, search_index: Any) -> None:
        self.pool = pool
        self.cache = cache
        self.search_index = search_index
        self.stop = threading.Event()
        self.done = threading.Event()
        self.rounds = 0
        self.thread = threading.Thread(target=self._run, name="netcase-warm", daemon=True)

    def start(self) -> None:
        self.thread.start()

    def close(self, timeout: float = 30.0) -> None:
        """Stop after the current computation and wait for it (at most ``timeout`` seconds), so the
        app's shut-down does not close the store under a running query."""
        self.stop.set()
        if self.thread.is_alive() and self.thread is not threading.current_thread():
            self.thread.join(timeout)

    def _run(self) -> None:
        warmed: tuple[Any, ...] | None = None
        while not self.stop.is_set():
            try:
                store = self.pool.get()
                version = self.cache.version(store)
                if version != warmed:
                    self._warm(store)
                    warmed = version
                    self.rounds += 1
                    self.done.set()
            except Exception:  # a store closed at shut-down, a stage not run: try again later
                log.debug("warming failed", exc_info=True)
                if self.stop.is_set():
                    return
            self.stop.wait(RECHECK_SECONDS)

    def _warm(self, store: Store) -> None:
        t0, c0 = time.perf_counter(), time.thread_time()
        viewers = active_viewers(store)
        for name, compute in tasks(store, self.cache, self.search_index, viewers):
            if self.stop.is_set():
                return
            t1 = time.perf_counter()
            try:
                compute()
            except Exception as exc:  # StageUnavailable and the like: the page will say so itself
                log.debug("warming %s: %s", name, exc)
                continue
            log.info("warmed %s in %.1f s", name, time.perf_counter() - t1)
        log.warning("netcase: page cache warmed for %d users in %.0f s (%.1f CPU s)", len(viewers),
                    time.perf_counter() - t0, time.thread_time() - c0)
