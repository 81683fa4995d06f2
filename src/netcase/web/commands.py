"""``netcase serve``: the API and the web pages on one port."""

from __future__ import annotations

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
    ) -> None:
        """Serve the JSON API (/api/, documented at /api/docs) and the web pages."""
        import anyio.to_thread
        import uvicorn

        from netcase.api import create_app
        from netcase.cliutil import console, open_db

        open_db(db, must_exist=True).close()
        application = create_app(db)

        @application.on_event("startup")
        async def _threads() -> None:
            anyio.to_thread.current_default_thread_limiter().total_tokens = workers_threads

        console.print(f"netcase: serving {db} at http://{host}:{port}/ (API docs at /api/docs); Ctrl-C to stop")
        uvicorn.run(application, host=host, port=port, log_level="warning")
