"""The one FastAPI application: the JSON API under ``/api/`` and the pages for people.

``create_app(db)`` opens the store (migrating it once), shares a per-thread connection pool, the
audit log's group-commit writer and the search index with every route, serves the vendored front-end libraries from
``/static/vendor/`` and sets a Content-Security-Policy that allows only this origin: the app works
air-gapped and a page cannot call home.
"""

from __future__ import annotations

import gc
import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles
from starlette.types import ASGIApp, Message, Receive, Scope, Send

import netcase
from netcase.api.audit_writer import AuditWriter
from netcase.api.pool import StorePool
from netcase.api.search import SearchIndex
from netcase.api.security import ACCESS_WRITE_LOCK

STATIC_DIR = Path(__file__).resolve().parents[1] / "web" / "static"

# Only this origin; no inline script (pages pass data through data- attributes and JSON endpoints).
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)

API_DESCRIPTION = """
The netcase JSON API. Every answer is read through the access layer with the caller's viewer
(session cookie `netcase_session` from `POST /api/auth/login`, or `Authorization: Bearer <token>`
with an API token), so two callers may get different answers to the same request. Lists are
paginated with `limit` and `offset` and return `total`; bad parameters get a 422 naming the field.
"""


def create_app(db: str, request_threads: int | None = None) -> FastAPI:
    """The application serving the store at ``db`` (a DuckDB path or a postgresql:// URL).

    ``request_threads`` sets the size of the thread pool that runs the (blocking) endpoints.
    """
    pool = StorePool(db)
    audit_writer = AuditWriter(pool, ACCESS_WRITE_LOCK)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Everything loaded so far (modules, the FtM model, the app) lives as long as the server:
        # without this, each full collection of the cyclic garbage collector walks all of it again,
        # which took about 40 % of the server's CPU under load (py-spy, see docs/api.md).
        gc.collect()
        gc.freeze()
        if request_threads:
            import anyio.to_thread

            anyio.to_thread.current_default_thread_limiter().total_tokens = request_threads
        yield
        audit_writer.close()
        pool.close()

    app = FastAPI(
        title="netcase",
        version=netcase.__version__ if hasattr(netcase, "__version__") else "0.1.0",
        description=API_DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )

    @app.get("/api/docs", include_in_schema=False)
    def api_docs(request: Request) -> Response:
        # A plain page rendered here from the OpenAPI document: Swagger UI and ReDoc would load
        # from a CDN, and the npm Swagger UI package pulls in a telemetry dependency.
        from fastapi.templating import Jinja2Templates

        templates = Jinja2Templates(directory=str(STATIC_DIR.parent / "templates"))
        return templates.TemplateResponse(request, "api_docs.html", {"spec": app.openapi()})

    app.state.pool = pool
    app.state.audit_writer = audit_writer
    app.state.search_index = SearchIndex()
    app.state.db = db

    from netcase.api.routers import check_declared, register_api
    from netcase.web.routes import register_pages

    register_api(app)
    register_pages(app)
    check_declared(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    app.add_middleware(SecurityHeaders)
    return app


def app_from_environment() -> FastAPI:
    """``create_app`` for the store named by ``NETCASE_DB``: the factory each server worker process
    calls (``netcase serve --workers N``), since a process cannot be handed an app object."""
    return create_app(os.environ["NETCASE_DB"], request_threads=int(os.environ.get("NETCASE_REQUEST_THREADS", "40")))


_HEADERS = [
    (b"content-security-policy", CSP.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
]
_NO_STORE = (b"cache-control", b"no-store")


class SecurityHeaders:
    """Adds the security headers to every response (and ``no-store`` outside ``/static/``).

    A plain ASGI middleware: Starlette's ``@app.middleware("http")`` wraps each request in an extra
    task and stream, which cost more than a small API read itself.
    """

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        static = scope.get("path", "").startswith("/static/")

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                names = {name.lower() for name, _ in message.get("headers", [])}
                extra = [h for h in _HEADERS if h[0] not in names]
                if not static and _NO_STORE[0] not in names:
                    extra.append(_NO_STORE)
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        await self.app(scope, receive, send_with_headers)
