"""What every command shares: the ``--db`` option, the console, progress bars, JSON output."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.markup import escape
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    SpinnerColumn,
    TextColumn,
    TimeElapsedColumn,
)

from netcase.store import Store, StoreError, open_store

DEFAULT_DB = "netcase.duckdb"

DbOption = Annotated[
    str,
    typer.Option(
        "--db",
        envvar="NETCASE_DB",
        help="DuckDB file path, or postgresql://… for server mode.",
    ),
]

console = Console(stderr=False)
# Errors are never hard-wrapped: a person copies the file path and field name out of them.
err_console = Console(stderr=True, soft_wrap=True, highlight=False)


def fail(message: str, code: int = 2) -> typer.Exit:
    """Print an error for a person and return the exit to raise."""
    err_console.print(f"[bold red]error:[/] {escape(message)}")
    return typer.Exit(code)


def open_db(db: str, *, must_exist: bool = False) -> Store:
    """Open the store named by ``--db``, with a clear error instead of a traceback."""
    is_file = not db.startswith(("postgresql://", "postgres://")) and db != ":memory:"
    if must_exist and is_file and not Path(db).exists():
        raise fail(f"no database at {db} (run `netcase ingest --db {db} …` first)")
    try:
        return open_store(db)
    except StoreError as exc:
        raise fail(str(exc)) from exc


def _json_default(obj: Any) -> Any:
    if isinstance(obj, datetime | date):
        return obj.isoformat()
    if isinstance(obj, Decimal):
        return float(obj)
    if isinstance(obj, set | frozenset | tuple):
        return sorted(obj) if isinstance(obj, set | frozenset) else list(obj)
    if isinstance(obj, Path):
        return str(obj)
    raise TypeError(f"cannot encode {type(obj).__name__} as JSON")


def emit_json(data: Any) -> None:
    """Write ``data`` as JSON to standard output (no Rich markup, no wrapping)."""
    typer.echo(json.dumps(data, default=_json_default, ensure_ascii=False, indent=2))


@contextmanager
def progress(disable: bool | None = None) -> Iterator[Progress]:
    """A Rich progress bar for long work; off when not on a terminal unless NETCASE_PROGRESS=1."""
    if disable is None:
        disable = not (console.is_terminal or os.environ.get("NETCASE_PROGRESS") == "1")
    bar = Progress(
        SpinnerColumn(),
        TextColumn("[progress.description]{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=disable,
        transient=False,
    )
    with bar:
        yield bar
