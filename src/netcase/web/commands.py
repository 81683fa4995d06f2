"""``netcase serve``: the API and the web pages on one port."""

from __future__ import annotations

import os
from typing import Annotated

import typer

from netcase.cliutil import DbOption


def register(app: typer.Typer, groups: dict[str, typer.Typer]) -> None:
    @app.command()
    def serve(
        db: DbOption = "netcase.duckdb",
        host: Annotated[str, typer.Option(help="Address to listen on (loopback by default).")] = "127.0.0.1",
        port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
        workers_threads: Annotated[int, typer.Option("--threads", help="Worker threads for requests.")] = 40,
        workers: Annotated[int, typer.Option(
            help="Server processes (PostgreSQL only; default: one per core with PostgreSQL, one with DuckDB).",
        )] = 0,
    ) -> None:
        """Serve the JSON API (/api/, documented at /api/docs) and the web pages."""
        import uvicorn

        from netcase.api import create_app
        from netcase.cliutil import console, fail, open_db

        store = open_db(db, must_exist=True)
        dialect = store.dialect
        store.close()
        if workers < 0:
            raise fail("--workers must be 0 (automatic) or more")
        if dialect == "duckdb" and workers > 1:
            # A DuckDB file is open read-write in one process only; more processes need the server store.
            raise fail(f"--workers {workers}: a DuckDB store is served by one process; use a postgresql:// store "
                 "for several")
        processes = workers or ((os.cpu_count() or 1) if dialect == "postgres" else 1)
        console.print(f"netcase: serving {db} at http://{host}:{port}/ (API docs at /api/docs) with {processes} "
                      f"process{'es' if processes > 1 else ''}; Ctrl-C to stop")
        if processes == 1:
            uvicorn.run(create_app(db, request_threads=workers_threads), host=host, port=port, log_level="warning")
            return
        os.environ["NETCASE_DB"] = db
        os.environ["NETCASE_REQUEST_THREADS"] = str(workers_threads)
        uvicorn.run("netcase.api.app:app_from_environment", factory=True, workers=processes, host=host, port=port,
                    log_level="warning")
