"""Read ahead: a loader's chunks made in a thread of their own while the store writes the last.

A chunk costs Python time to make (reading, cleaning, deciding its facts: the GIL held) and store
time to write (DuckDB's SQL: the GIL released). On a machine with two cores the two can overlap:
the loader works on chunk k+1 while the store appends chunk k. The queue holds at most ``depth``
chunks, so memory stays bounded whatever the file's size.

Errors keep their meaning: an exception in the loader (a bad file, a missing column) is raised in
the caller's thread at the point it would have been without read-ahead, and a caller that stops
early (its own error, an injected failure) stops the loader before its next chunk.
"""

from __future__ import annotations

import contextlib
import queue
import threading
from collections.abc import Generator, Iterable
from typing import TypeVar

T = TypeVar("T")

_DONE = object()


class _Failed:
    def __init__(self, exc: BaseException) -> None:
        self.exc = exc


def prefetch(items: Iterable[T], depth: int = 2) -> Generator[T, None, None]:
    """``items`` made in a background thread, at most ``depth`` ahead of the consumer."""
    q: queue.Queue[object] = queue.Queue(maxsize=depth)
    stop = threading.Event()

    def put(item: object) -> bool:
        while not stop.is_set():
            try:
                q.put(item, timeout=0.1)
                return True
            except queue.Full:
                continue
        return False

    def produce() -> None:
        it = iter(items)
        try:
            for item in it:
                if not put(item):
                    break
            else:
                put(_DONE)
        except BaseException as exc:  # noqa: BLE001 - handed to the consumer, raised there
            put(_Failed(exc))
        finally:
            close = getattr(it, "close", None)
            if close is not None:
                close()  # a generator's ``finally`` (e.g. a loader freeing its connection) runs here

    thread = threading.Thread(target=produce, name="netcase-prefetch", daemon=True)
    thread.start()
    try:
        while True:
            got = q.get()
            if got is _DONE:
                return
            if isinstance(got, _Failed):
                raise got.exc
            yield got  # type: ignore[misc]
    finally:
        stop.set()
        while thread.is_alive():
            with contextlib.suppress(queue.Empty):  # unblock a producer waiting on a full queue
                q.get_nowait()
            thread.join(timeout=0.05)
