"""The one FastAPI application: the JSON API under ``/api/`` and the pages for people.

``create_app(db)`` opens the store (migrating it once), shares a per-thread connection pool, the
audit log's group-commit writer and the search index with every route, serves the vendored front-end libraries from
``/static/vendor/`` and sets a Content-Security-Policy that allows only this origin: the app works
air-gapped and a page cannot call home.
"""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI, Request, Response
from fastapi.staticfiles import StaticFiles

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


def create_app(db: str) -> FastAPI:
    """The application serving the store at ``db`` (a DuckDB path or a postgresql:// URL)."""
    pool = StorePool(db)
    audit_writer = AuditWriter(pool, ACCESS_WRITE_LOCK)

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        # Everything loaded so far (modules, the FtM model, the app) lives as long as the server:
        # without this, each full collection of the cyclic garbage collector walks all of it again,
        # which took about 40 % of the server's CPU under load (py-spy, see docs/api.md).
        gc.collect()
        gc.freeze()
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

    @app.middleware("http")
    async def security_headers(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        response = await call_next(request)
        response.headers["Content-Security-Policy"] = CSP
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Referrer-Policy"] = "no-referrer"
        response.headers["X-Frame-Options"] = "DENY"
        if not request.url.path.startswith("/static/"):
            response.headers["Cache-Control"] = "no-store"
        return response

    from netcase.api.routers import check_declared, register_api
    from netcase.web.routes import register_pages

    register_api(app)
    register_pages(app)
    check_declared(app)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    return app
