"""Per-store settings of the access layer, kept in the ``access_config`` table.

Secrets generated here (the pseudonym key, the audit signing key when no key file is configured)
are created on first use with ``secrets`` and never leave the store except through the functions
that use them.
"""

from __future__ import annotations

import secrets

from netcase.store import Store


def get_config(store: Store, key: str) -> str | None:
    """The value of ``key``, or None."""
    value = store.scalar("SELECT value FROM access_config WHERE key = ?", (key,))
    return None if value is None else str(value)


def set_config(store: Store, key: str, value: str) -> None:
    """Set ``key`` to ``value`` (insert or replace)."""
    with store.transaction():
        store.execute("DELETE FROM access_config WHERE key = ?", (key,))
        store.execute("INSERT INTO access_config (key, value) VALUES (?, ?)", (key, value))


def secret_bytes(store: Store, key: str, nbytes: int = 32) -> bytes:
    """A random per-store secret stored under ``key``, created on first use."""
    value = get_config(store, key)
    if value is None:
        value = secrets.token_hex(nbytes)
        set_config(store, key, value)
    return bytes.fromhex(value)
