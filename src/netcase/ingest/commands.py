"""``netcase ingest``, ``netcase stats`` and ``netcase mappings``."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from netcase.cliutil import DbOption

if TYPE_CHECKING:
    from rich.console import Console

    from netcase.ingest.engine import IngestReport


def print_report(report: IngestReport, console: Console) -> None:
    """Accepted/quarantined counts by source and by reason, as Rich tables."""
    from collections import Counter

    from rich.table import Table

    table = Table(title="Ingested files", show_lines=False)
    for col, justify in (("file", "left"), ("status", "left"), ("dataset", "left"), ("agency", "left"),
                         ("rows", "right"), ("accepted", "right"), ("rows quar.", "right"),
                         ("values quar.", "right"), ("statements", "right")):
        table.add_column(col, justify=justify, overflow="fold")  # type: ignore[arg-type]
    reasons: Counter[tuple[str, str]] = Counter()
    for f in report.files:
        status = f.status if f.status != "duplicate" else f"duplicate of {f.earlier_batch}"
        table.add_row(f.source_file, status, f.dataset or "", f.agency or "", f"{f.rows_read:,}",
                      f"{f.rows_accepted:,}", f"{f.rows_quarantined:,}", f"{f.values_quarantined:,}",
                      f"{f.statements:,}")
        for reason, n in f.reasons.items():
            reasons[(f.source_file, reason)] += n
    console.print(table)
    if reasons:
        rt = Table(title="Quarantined by source and reason")
        rt.add_column("file", overflow="fold")
        rt.add_column("reason", overflow="fold")
        rt.add_column("count", justify="right")
        for (src, reason), n in sorted(reasons.items(), key=lambda kv: (kv[0][0], -kv[1])):
            rt.add_row(src, reason, f"{n:,}")
        console.print(rt)
    t = report.totals()
    console.print(
        f"[bold]{t.get('loaded', 0)}[/] loaded, {t.get('duplicate', 0)} already ingested, "
        f"{t.get('skipped', 0)} skipped (no loader), {t.get('failed', 0)} failed; "
        f"{t.get('rows_read', 0):,} rows, {t.get('statements', 0):,} statements"
    )


def print_stats(stats: dict[str, Any], console: Console) -> None:
    """``netcase stats`` as Rich tables."""
    from rich.table import Table

    console.print(f"[bold]{stats['statements']:,}[/] statements about [bold]{stats['entities']:,}[/] entities")
    t = Table(title="Entities by schema")
    t.add_column("schema")
    t.add_column("entities", justify="right")
    for schema, n in stats["entities_by_schema"].items():
        t.add_row(schema, f"{n:,}")
    console.print(t)
    s = Table(title="Sources")
    for c in ("dataset", "agency", "statements", "entities", "victim-sensitive"):
        s.add_column(c, justify="right" if c not in ("dataset", "agency") else "left")
    for r in stats["sources"]:
        s.add_row(r["dataset"], r["agency"], f"{r['statements']:,}", f"{r['entities']:,}", f"{r['victim_sensitive']:,}")
    console.print(s)
    b = Table(title="Batches")
    for c in ("batch", "file", "rows", "accepted", "quarantined", "statements"):
        b.add_column(c, justify="left" if c in ("batch", "file") else "right")
    for r in stats["batches"]:
        b.add_row(r["batch_id"], r["source_file"], f"{r['rows_read']:,}", f"{r['rows_accepted']:,}",
                  f"{r['rows_quarantined']:,}", f"{r['statements']:,}")
    console.print(b)
    q = Table(title="Quarantine by reason")
    for c in ("scope", "reason", "count"):
        q.add_column(c, justify="right" if c == "count" else "left")
    for r in stats["quarantine_by_reason"]:
        q.add_row(r["scope"], r["reason"], f"{r['count']:,}")
    console.print(q)


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    @app.command()
    def ingest(
        paths: Annotated[list[Path], typer.Argument(help="Files or folders (a folder is an ingest root).")],
        db: DbOption = "netcase.duckdb",
        mapping: Annotated[
            list[Path] | None,
            typer.Option("--mapping", "-m", help="Extra mapping file or folder of *.yaml (tried first)."),
        ] = None,
        keep_going: Annotated[bool, typer.Option(help="Go on with the next file after a failed one.")] = False,
    ) -> None:
        """Load agency exports: each file one atomic batch; bad rows to quarantine."""
        from rich.markup import escape

        from netcase.cliutil import console, err_console, fail, open_db, progress
        from netcase.ingest.engine import discover, ingest_paths
        from netcase.ingest.mapping import MappingError
        from netcase.ingest.registry import default_loaders

        for p in paths:
            if not p.exists():
                raise fail(f"{p}: no such file or folder")
        try:
            loaders = default_loaders(mapping or [])
        except MappingError as exc:
            raise fail(str(exc)) from exc
        store = open_db(db)
        files = discover(paths)
        try:
            with progress() as bar:
                task = bar.add_task("ingest", total=len(files))
                rows_task = bar.add_task("rows", total=None)

                def on_rows(source_file: str, n: int) -> None:
                    bar.update(rows_task, advance=n, description=f"rows of {source_file}")

                def on_file(res: Any) -> None:
                    bar.update(task, advance=1)

                report = ingest_paths(store, paths, loaders, on_file=on_file, on_rows=on_rows,
                                      stop_on_error=not keep_going)
        finally:
            store.close()
        print_report(report, console)
        if report.failed:
            for f in report.failed:
                # soft_wrap: a long path in the message must stay whole to be copied.
                err_console.print(f"[bold red]error:[/] {escape(f.error or '')}", soft_wrap=True)
            raise typer.Exit(1)

    @app.command()
    def stats(
        db: DbOption = "netcase.duckdb",
        as_json: Annotated[bool, typer.Option("--json", help="Print JSON.")] = False,
    ) -> None:
        """Statements, entities by schema, sources, batches and quarantined rows by reason."""
        from netcase.cliutil import console, emit_json, open_db
        from netcase.ingest.stats import ingest_stats

        store = open_db(db, must_exist=True)
        try:
            data = ingest_stats(store)
        finally:
            store.close()
        if as_json:
            emit_json(data)
        else:
            print_stats(data, console)

    @app.command()
    def mappings(
        check: Annotated[list[Path] | None, typer.Argument(help="Mapping files to validate.")] = None,
    ) -> None:
        """List the built-in mappings, or validate mapping files (exit 2 on the first error)."""
        from netcase.cliutil import console, fail
        from netcase.ingest.mapping import MappingError
        from netcase.ingest.registry import builtin_mappings, user_mappings

        try:
            found = user_mappings(check) if check else builtin_mappings()
        except MappingError as exc:
            raise fail(str(exc)) from exc
        for m in found:
            ents = ", ".join(f"{e.name}:{e.schema}" for e in m.entities) or "(FtM entities)"
            console.print(f"[bold]{m.name}[/] {', '.join(m.files)} → {m.dataset} ({m.agency}, {m.marking}); {ents}")
