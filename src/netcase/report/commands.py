"""``netcase brief``: the leadership brief as PDF or HTML."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from netcase.cliutil import DbOption


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    @app.command()
    def brief(
        db: DbOption = "netcase.duckdb",
        out: Annotated[Path, typer.Option(help="Output file: .pdf or .html.")] = Path("brief.pdf"),
        as_user: Annotated[str | None, typer.Option("--as", help="Read as this user (their roles and "
                                                    "compartments); default: the local analyst.")] = None,
    ) -> None:
        """Render the leadership brief: top networks and changes, trends, prosecutions, partners."""
        from netcase.access.identity import viewer_for
        from netcase.access.viewer import Viewer
        from netcase.cliutil import console, fail, open_db
        from netcase.report.brief import write_brief

        if out.suffix.lower() not in (".pdf", ".html", ".htm"):
            raise fail("--out must end in .pdf or .html")
        store = open_db(db, must_exist=True)
        try:
            viewer = viewer_for(store, as_user) if as_user else Viewer.local()
            path = write_brief(store, viewer, out)
        finally:
            store.close()
        console.print(f"brief written to {path} ({path.stat().st_size:,} bytes)")
