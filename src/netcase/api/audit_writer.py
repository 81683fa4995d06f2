"""Group commit for the audit log: the entries of concurrent requests share one commit.

Every entity and network read writes an audit entry, and every append is a transaction that
re-signs the tree head: one commit (one fsync) per read would serialise a busy server on the
disk. Requests hand their entry to ``AuditWriter.submit`` and wait; one writer thread takes every
entry waiting, appends them with ``netcase.access.audit.append`` in one transaction (one commit,
one signature) and then releases each request. The guarantee is unchanged: a request's entry is
durable before its response is sent, and an entry that could not be written fails its request.
Batches form by themselves: while one commit runs, the next requests queue behind it.
"""

from __future__ import annotations

import queue
import threading
from concurrent.futures import Future
from typing import Any

from netcase.access import audit as audit_log
from netcase.api.pool import StorePool

_STOP = object()


class AuditWriter:
    """One writer thread per app appending queued entries in batches (see the module docstring)."""

    def __init__(self, pool: StorePool, lock: Any, max_batch: int = 512) -> None:
        self._pool = pool
        # The app's access-layer write lock: log-ons, session and token checks also append to the
        # log (directly); holding the lock keeps them from racing a batch for the tree head.
        self._lock = lock
        self._max_batch = max_batch
        self._queue: queue.SimpleQueue[Any] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._start_lock = threading.Lock()

    def submit(self, item: audit_log.Pending, timeout: float = 60.0) -> int:
        """Append ``item`` and return its sequence number once it is committed (raises if not)."""
        done: Future[int] = Future()
        self._ensure_running()
        self._queue.put((item, done))
        return done.result(timeout=timeout)

    def _ensure_running(self) -> None:
        with self._start_lock:
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(target=self._run, name="netcase-audit-writer", daemon=True)
                self._thread.start()

    def _run(self) -> None:
        while True:
            first = self._queue.get()
            if first is _STOP:
                return
            batch = [first]
            stop = False
            while len(batch) < self._max_batch:
                try:
                    nxt = self._queue.get_nowait()
                except queue.Empty:
                    break
                if nxt is _STOP:
                    stop = True
                    break
                batch.append(nxt)
            self._write(batch)
            if stop:
                return

    def _write(self, batch: list[tuple[audit_log.Pending, Future[int]]]) -> None:
        try:
            with self._lock:
                seqs = audit_log.append(self._pool.get(), [item for item, _ in batch])
        except BaseException as exc:  # every waiting request must learn its entry was not written
            for _, done in batch:
                done.set_exception(exc)
            return
        for (_, done), seq in zip(batch, seqs, strict=True):
            done.set_result(seq)

    def close(self) -> None:
        """Write what is queued, then stop the thread (it starts again on the next ``submit``)."""
        with self._start_lock:
            thread = self._thread
            if thread is not None and thread.is_alive():
                self._queue.put(_STOP)
                thread.join(timeout=60)
            self._thread = None
