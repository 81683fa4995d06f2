"""The cases stage's reactions to writes (see ``netcase.hooks``): alerts without anyone asking.

Both hooks run inside the writer's transaction, so a reader never sees new facts or a new
resolution without the alerts they cause, and they do only the work the write can have changed:

* ``after_ingest``: the watches are checked against this batch's statements only. Target
  deconfliction is re-evaluated only when the batch wrote targets or investigations (statements
  alone change no conflict: conflicts follow targets and ``resolved``), and event deconfliction
  only when it wrote operations.
* ``after_resolve``: target deconfliction is re-evaluated (a merge creates a conflict, a split or a
  "not same" judgement withdraws it; the work is over the targets, which are few, not over the
  statements), and the entity, name and network watches whose family of resolved mentions changed
  are checked.

New and withdrawn target alerts are sent to both points of contact as ``case_notices`` under the
pointer model (``netcase.cases.notices``). Nothing here fails an ingest for an ordinary reason: a
watch whose user is locked, or whose row cannot be read, is skipped; a store without case records
has nothing to evaluate.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from netcase.cases.notices import evaluate_and_notify, operation_notices, store_notices
from netcase.cases.operations import evaluate_operations
from netcase.cases.watch import check_watches
from netcase.store import Store

# Event deconfliction defaults of ``netcase deconflict`` (docs/cases.md).
OPERATION_MAX_KM = 1.0
OPERATION_BUFFER = timedelta(hours=2)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _wrote(store: Store, table: str, batch_id: str) -> bool:
    return bool(store.scalar(f"SELECT count(*) FROM {table} WHERE batch_id = ?", (batch_id,)))


def after_ingest(store: Store, batch_id: str) -> None:
    """Alert on what one ingested file changed: its targets and operations, and watched facts."""
    now = _now()
    if _wrote(store, "case_targets", batch_id) or _wrote(store, "investigations", batch_id):
        evaluate_and_notify(store, now=now, trigger=f"ingest:{batch_id}")
    if _wrote(store, "operations", batch_id):
        new, _current = evaluate_operations(store, now=now, max_km=OPERATION_MAX_KM, buffer=OPERATION_BUFFER)
        store_notices(store, operation_notices(store, new, now=now))
    if store.scalar("SELECT count(*) FROM watches WHERE active"):
        check_watches(store, now=now, batch_id=batch_id)


def after_resolve(store: Store, run_id: str | None) -> None:
    """Alert on what a resolution run changed: target conflicts, and watches of merged or split people."""
    now = _now()
    if store.scalar("SELECT count(*) FROM case_targets"):
        evaluate_and_notify(store, now=now, trigger=f"resolve:{run_id}", resolution_run=run_id)
    if store.scalar("SELECT count(*) FROM watches WHERE active"):
        check_watches(store, now=now, resolution_changed=True)
