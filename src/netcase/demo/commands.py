"""``netcase demo``."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Annotated

import typer


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    @app.command()
    def demo(
        out: Annotated[Path, typer.Option(help="Folder for the synthetic world and the database.")] = Path("demo"),
        scale: Annotated[str, typer.Option(help="tiny, small, medium or large.")] = "small",
        seed: Annotated[int, typer.Option(help="Seed of the synthetic world.")] = 7,
        db: Annotated[str | None, typer.Option(help="Store (default: OUT/netcase.duckdb).")] = None,
        serve: Annotated[bool, typer.Option(help="Serve the web app at the end.")] = False,
        host: str = "127.0.0.1",
        port: int = 8000,
    ) -> None:
        """Run the whole flow on a fresh synthetic world and print what each stage found."""
        from netcase.cliutil import console, open_db
        from netcase.demo import DemoContext, demo_steps

        out.mkdir(parents=True, exist_ok=True)
        db_url = db or str(out / "netcase.duckdb")
        if db is None:
            # A demo always starts from an empty store: the world is regenerated from its seed.
            for suffix in ("", ".wal"):
                Path(db_url + suffix).unlink(missing_ok=True)
        store = open_db(db_url)
        ctx = DemoContext(out=out, db=db_url, store=store, console=console, scale=scale, seed=seed,
                          serve=serve, host=host, port=port)
        try:
            for stage, step in demo_steps():
                started = time.perf_counter()
                console.rule(f"[bold]{stage}")
                step(ctx)
                console.print(f"[dim]{stage} took {time.perf_counter() - started:.1f} s[/]")
        finally:
            store.close()
