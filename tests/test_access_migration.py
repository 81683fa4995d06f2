"""The PostgreSQL variant of the access migration is the generic one plus its index, nothing else."""

from __future__ import annotations

from importlib import resources


def test_postgres_variant_keeps_in_step() -> None:
    folder = resources.files("netcase.store.migrations")
    generic = folder.joinpath("0040_access.sql").read_text(encoding="utf-8")
    pg = folder.joinpath("0040_access.postgres.sql").read_text(encoding="utf-8")
    body = "\n".join(ln for ln in pg.splitlines()[3:])
    assert body.startswith(generic.rstrip("\n"))
    extra = body[len(generic.rstrip("\n")):].strip()
    assert extra.startswith("CREATE INDEX statements_flags_idx") and "CREATE TABLE" not in extra
