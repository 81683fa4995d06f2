"""What other stages do when facts or resolution change, inside the writer's transaction.

A stage reacts to a write by having a module ``netcase.<stage>.hooks`` with either or both of

* ``after_ingest(store, batch_id)`` -- called once per ingested file, inside the transaction that
  wrote its statements, so readers never see the new facts without their consequences (a victim
  flag without the protection it triggers, a watched phone without its alert);
* ``after_resolve(store, run_id)`` -- called inside the transaction that rewrote ``resolved``
  (``run_id`` is ``None`` for a rewrite that is not a resolution run, e.g. test fixtures).

Hooks run in ``HOOK_ORDER``: the access stage first (it derives who is protected, which later
hooks rely on), then the others. A stage without a hooks module contributes nothing, as with CLI
commands and demo steps. A hook that raises aborts the writer's transaction: nothing is half-written.
"""

from __future__ import annotations

import importlib
import importlib.util
from collections.abc import Callable
from functools import cache
from typing import Any

from netcase.store import Store

HOOK_ORDER: tuple[str, ...] = ("access", "api", "graph", "assess", "cases", "trends", "web")


@cache
def _hooks(name: str) -> tuple[Callable[..., Any], ...]:
    found: list[Callable[..., Any]] = []
    for stage in HOOK_ORDER:
        module_name = f"netcase.{stage}.hooks"
        if importlib.util.find_spec(module_name) is None:
            continue
        fn = getattr(importlib.import_module(module_name), name, None)
        if callable(fn):
            found.append(fn)
    return tuple(found)


def after_ingest(store: Store, batch_id: str) -> None:
    """Run every stage's ``after_ingest`` for the statements of ``batch_id`` just written."""
    for fn in _hooks("after_ingest"):
        fn(store, batch_id)


def after_resolve(store: Store, run_id: str | None) -> None:
    """Run every stage's ``after_resolve`` for the ``resolved`` table just rewritten."""
    for fn in _hooks("after_resolve"):
        fn(store, run_id)
