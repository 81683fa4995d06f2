"""The access stage's reactions to writes (see ``netcase.hooks``): keep who is protected current."""

from __future__ import annotations

from netcase.access import protected
from netcase.store import Store


def after_ingest(store: Store, batch_id: str) -> None:
    """New statements may flag a victim or a minor: protect them before anyone can read them."""
    protected.add_batch(store, batch_id)


def after_resolve(store: Store, run_id: str | None) -> None:
    """A merge spreads a flag to more mentions, a split withdraws it: recompute the whole set."""
    protected.refresh(store)
