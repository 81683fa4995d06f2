"""Server mode: PostgreSQL through psycopg 3."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import psycopg

from netcase.store.base import Store, StoreError


def adapt(sql: str) -> str:
    """netcase SQL uses ``?`` placeholders; psycopg wants ``%s`` (and a literal ``%`` doubled)."""
    return sql.replace("%", "%%").replace("?", "%s")


class PostgresStore(Store):
    dialect = "postgres"

    def __init__(self, url: str) -> None:
        super().__init__(url)
        try:
            self.con = psycopg.connect(url, autocommit=True, connect_timeout=5)
        except psycopg.Error as exc:
            raise StoreError(f"cannot connect to PostgreSQL at {url}: {exc}") from exc

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.con.execute(adapt(sql), list(params) or None)  # type: ignore[arg-type]

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        cur = self.con.execute(adapt(sql), list(params) or None)  # type: ignore[arg-type]
        return list(cur.fetchall()) if cur.description else []

    def query_columns(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        cur = self.con.execute(adapt(sql), list(params) or None)  # type: ignore[arg-type]
        cols = [d.name for d in cur.description or []]
        return cols, list(cur.fetchall()) if cur.description else []

    def insert_columns(self, table: str, columns: dict[str, list[Any]]) -> int:
        names = list(columns)
        if not names:
            return 0
        n = len(columns[names[0]])
        if n == 0:
            return 0
        with self.con.cursor() as cur, cur.copy(f"COPY {table} ({', '.join(names)}) FROM STDIN") as copy:
            for row in zip(*(columns[c] for c in names), strict=True):
                copy.write_row(row)
        return n

    def _begin(self) -> None:
        self.con.execute("BEGIN")

    def _commit(self) -> None:
        self.con.execute("COMMIT")

    def _rollback(self) -> None:
        self.con.execute("ROLLBACK")

    def table_exists(self, name: str) -> bool:
        row = self.con.execute("SELECT to_regclass(%s) IS NOT NULL", (name,)).fetchone()
        return bool(row and row[0])

    def close(self) -> None:
        self.con.close()


def reachable(url: str) -> str | None:
    """None if PostgreSQL answers at ``url``, else the reason it does not."""
    try:
        with psycopg.connect(url, connect_timeout=3) as con:
            con.execute("SELECT 1")
    except (psycopg.Error, StoreError) as exc:
        return str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
    return None
