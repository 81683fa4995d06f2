"""Storage: one interface, two real backends (a DuckDB file and PostgreSQL), versioned migrations."""

from netcase.store.base import Store, StoreError, open_store

__all__ = ["Store", "StoreError", "open_store"]
