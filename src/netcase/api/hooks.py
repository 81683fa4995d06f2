"""The API's reactions to writes (see ``netcase.hooks``): keep its look-up index of linking values current."""

from __future__ import annotations

from netcase.store import Store, value_index


def after_ingest(store: Store, batch_id: str) -> None:
    """Index the new file's phones, accounts, identifiers, addresses and relation pointers."""
    value_index.add_batch(store, batch_id)
