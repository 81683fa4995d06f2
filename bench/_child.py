"""Shared by the benchmarks that measure each world in a child process of its own (so that its
peak resident memory is its own)."""

from __future__ import annotations

import multiprocessing as mp
import queue as queues
from collections.abc import Callable
from typing import Any


def run_in_child(target: Callable[..., None], args: tuple[Any, ...], what: str) -> Any:
    """Run ``target(*args, queue)`` in a fresh (spawned) process and return what it puts on the queue."""
    ctx = mp.get_context("spawn")
    queue = ctx.Queue()
    proc = ctx.Process(target=target, args=(*args, queue))
    proc.start()
    result = child_result(proc, queue, what)
    proc.join()
    return result


def child_result(proc: Any, queue: Any, what: str) -> Any:
    """The figures ``proc`` puts on ``queue``; a child that dies first ends the benchmark with its
    exit code instead of leaving the parent waiting for ever (its traceback is on stderr)."""
    while True:
        try:
            return queue.get(timeout=5)
        except queues.Empty:
            if not proc.is_alive():
                raise SystemExit(f"{what}: the child process ended (exit code {proc.exitcode}) without its figures") from None
