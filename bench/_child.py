"""Shared by the benchmarks that measure each world in a child process of its own."""

from __future__ import annotations

import queue as queues
from typing import Any


def child_result(proc: Any, queue: Any, what: str) -> Any:
    """The figures ``proc`` puts on ``queue``; a child that dies first ends the benchmark with its
    exit code instead of leaving the parent waiting for ever (its traceback is on stderr)."""
    while True:
        try:
            return queue.get(timeout=5)
        except queues.Empty:
            if not proc.is_alive():
                raise SystemExit(f"{what}: the child process ended (exit code {proc.exitcode}) without its figures") from None
