"""The pages: log-in, home per role, search, entity profile, map, and the pages of later stages.

Every page gets its viewer from the session cookie (no session: redirect to the log-in page),
asks ``authorize`` before reading, and reads through the same viewer-aware functions as the API.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import quote

from fastapi import Depends, FastAPI, Form, HTTPException, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.templating import Jinja2Templates

from netcase.access import identity
from netcase.access.errors import AuthenticationError
from netcase.access.policy import visible_statements
from netcase.access.viewer import Viewer
from netcase.api import reads
from netcase.api.deps import StoreDep
from netcase.api.routers.auth import set_session_cookie
from netcase.api.search import search
from netcase.api.security import (
    ACCESS_WRITE_LOCK,
    SESSION_COOKIE,
    audit,
    audit_entity,
    audit_missing_entity,
    audit_search,
    client_ip,
    may,
    now,
    request_viewer,
    require,
)
from netcase.model.marking import Marking
from netcase.model.statement import statement_id_filter
from netcase.web.cache import shared

TEMPLATES = Jinja2Templates(directory=str(Path(__file__).parent / "templates"))


class LoginRequired(Exception):
    """Raised by the page dependency when there is no valid session."""

    def __init__(self, next_path: str) -> None:
        super().__init__(next_path)
        self.next_path = next_path


def page_viewer(request: Request, store: StoreDep) -> Viewer:
    """The session's viewer, or a redirect to the log-in page."""
    viewer = request_viewer(store, request)
    if viewer is None:
        raise LoginRequired(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
    request.state.viewer = viewer
    return viewer


PageViewer = Annotated[Viewer, Depends(page_viewer)]


@dataclass(frozen=True)
class NavItem:
    label: str
    href: str
    action: str
    current: bool = False


NAV: tuple[tuple[str, str, str], ...] = (
    ("Home", "/", "home"),
    ("Search", "/search", "search"),
    ("Priority networks", "/networks", "read:networks"),
    ("Map", "/map", "read:entities"),
    ("Investigations", "/investigations", "read:cases"),
    ("Court cases", "/court-cases", "read:cases"),
    ("Forfeitures", "/forfeitures", "read:cases"),
    ("Requests", "/requests", "read:cases"),
    ("District trends", "/trends", "read:trends"),
    ("Leadership brief", "/brief", "read:trends"),
    ("Audit log", "/audit", "read:audit"),
    ("Users", "/admin/users", "manage:users"),
)


def nav_for(viewer: Viewer, path: str) -> list[NavItem]:
    """The menu entries the viewer may use (a link never leads to a refusal)."""
    out = []
    for label, href, action in NAV:
        if action == "home" or may(viewer, action):
            current = path == href or (href != "/" and path.startswith(href))
            out.append(NavItem(label, href, action, current))
    return out


def render(request: Request, template: str, viewer: Viewer | None, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the frame's context (viewer, menu)."""
    ctx = {"request": request, "viewer": viewer, "nav": nav_for(viewer, request.url.path) if viewer else [], **context}
    return TEMPLATES.TemplateResponse(request, template, ctx, status_code=status_code)


def marking_text(row: dict[str, Any]) -> str:
    return str(Marking.from_storage(row["caveat"], row["releasable_to"], row["tlp"], bool(row["victim_sensitive"])))


def register_pages(app: FastAPI) -> None:
    """Add the page routes and the log-in redirect to ``app``."""
    from netcase.web.cache import PageCache

    app.state.page_cache = PageCache()
    app.state.search_cache = PageCache(max_entries=256)
    _warm_on_start(app)

    @app.exception_handler(LoginRequired)
    async def to_login(request: Request, exc: LoginRequired) -> Response:
        if request.headers.get("hx-request"):
            # An htmx call with an expired session: send the whole page to the log-in form.
            return Response(status_code=401, headers={"HX-Redirect": "/login?next=" + quote(exc.next_path)})
        return RedirectResponse("/login?next=" + quote(exc.next_path), status_code=303)

    from fastapi.exception_handlers import http_exception_handler
    from starlette.exceptions import HTTPException as StarletteHTTPException

    @app.exception_handler(StarletteHTTPException)
    async def page_errors(request: Request, exc: StarletteHTTPException) -> Response:
        # The API answers JSON; a person on a page gets a page saying what was refused.
        if request.url.path.startswith("/api/") or exc.status_code not in (403, 404):
            return await http_exception_handler(request, exc)
        viewer = getattr(request.state, "viewer", None)
        if exc.status_code == 404:
            return render(request, "not_found.html", viewer, status_code=404, title="Not found",
                          what="There is no page at this address.")
        return render(request, "forbidden.html", viewer, status_code=403, title="Not allowed", reason=str(exc.detail))

    @app.get("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_form(request: Request, next: str = "/") -> HTMLResponse:
        return render(request, "login.html", None, title="Log in", next=_safe_next(next))

    @app.post("/login", response_class=HTMLResponse, include_in_schema=False)
    def login_post(
        request: Request,
        store: StoreDep,
        username: Annotated[str, Form(max_length=120)],
        password: Annotated[str, Form(max_length=1024)],
        totp: Annotated[str, Form(max_length=12)],
        next: Annotated[str, Form(max_length=500)] = "/",
    ) -> Response:
        try:
            with ACCESS_WRITE_LOCK:
                session = identity.authenticate(store, username, password, totp.strip(), now(), client_ip(request))
        except AuthenticationError as exc:
            return render(request, "login.html", None, status_code=401, title="Log in", next=_safe_next(next),
                          username=username, error=str(exc) or "Log-on failed.")
        response = RedirectResponse(_safe_next(next), status_code=303)
        set_session_cookie(response, request, session.token)
        return response

    @app.post("/logout", include_in_schema=False)
    def logout_post(request: Request, store: StoreDep) -> Response:
        token = request.cookies.get(SESSION_COOKIE)
        if token:
            with ACCESS_WRITE_LOCK:
                identity.logout(store, token, now())
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(SESSION_COOKIE, path="/")
        return response

    @app.get("/", response_class=HTMLResponse, include_in_schema=False)
    def home(request: Request, store: StoreDep, viewer: PageViewer) -> HTMLResponse:
        from netcase.web import pages

        return render(request, "home.html", viewer, title="Home",
                      **pages.home_context(store, viewer, request.app.state.page_cache))

    @app.get("/search", response_class=HTMLResponse, include_in_schema=False)
    def search_page(
        request: Request,
        store: StoreDep,
        viewer: PageViewer,
        q: Annotated[str, Query(max_length=200)] = "",
        schema: Annotated[str, Query(max_length=40)] = "",
        offset: Annotated[int, Query(ge=0, le=100000)] = 0,
    ) -> HTMLResponse:
        require(viewer, "search")
        hits: list[Any] = []
        total = 0
        if len(q.strip()) >= 2:
            # The same words find the same entities for everyone with this viewer's visibility
            # profile until the data changes; the search is audited for each person all the same.
            # Kept apart from the page aggregates, so a day of searches never pushes those out.
            cache = request.app.state.search_cache
            hits, total = shared(cache, store, viewer, "search", (q.strip(), schema, offset),
                                 lambda: search(store, viewer, request.app.state.search_index, q.strip(),
                                                schema=schema or None, limit=25, offset=offset))
            audit_search(store, viewer, q.strip(), total, request)
        template = "_search_results.html" if request.headers.get("hx-request") else "search.html"
        return render(request, template, viewer, title="Search", q=q, schema=schema, hits=hits, total=total,
                      offset=offset, limit=25)

    @app.get("/entities/{entity_id}", response_class=HTMLResponse, include_in_schema=False)
    def entity_page(entity_id: str, request: Request, store: StoreDep, viewer: PageViewer) -> HTMLResponse:
        require(viewer, "read:entities")
        view = reads.entity(store, viewer, entity_id)
        if view is None:
            audit_missing_entity(store, viewer, entity_id, request)
            return render(request, "not_found.html", viewer, status_code=404, title="Not found",
                          what="No entity with this id is visible to you.")
        audit_entity(store, viewer, view, request)
        from netcase.web import pages

        return render(request, "entity.html", viewer, title=view.caption,
                      **pages.entity_context(store, viewer, view))

    @app.get("/statements/{statement_id}", response_class=HTMLResponse, include_in_schema=False)
    def statement_page(statement_id: str, request: Request, store: StoreDep, viewer: PageViewer) -> HTMLResponse:
        require(viewer, "read:entities")
        where, params = statement_id_filter("s", [statement_id])
        rows = visible_statements(store, viewer, where, params)
        if not rows:
            return render(request, "not_found.html", viewer, status_code=404, title="Not found",
                          what="No statement with this id is visible to you.")
        row = dict(rows[0])
        row["marking_text"] = marking_text(row)
        audit(store, viewer, "read:statement", object_type="statement", object_id=statement_id, request=request)
        return render(request, "statement.html", viewer, title="Statement", s=row)

    @app.get("/map", response_class=HTMLResponse, include_in_schema=False)
    def map_page(request: Request, viewer: PageViewer) -> HTMLResponse:
        require(viewer, "read:entities")
        return render(request, "map.html", viewer, title="Map")

    from netcase.web import pages

    pages.register(app)


def _warm_on_start(app: FastAPI) -> None:
    """Start ``netcase.web.warm`` with the server (after the app's own start-up), stop it before
    the app's shut-down closes the store. ``NETCASE_WARM=0`` leaves it off."""
    from contextlib import asynccontextmanager

    from netcase.web import warm

    inner = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(a: Any) -> Any:
        async with inner(a) as state:
            warmer = None
            if warm.enabled() and hasattr(a.state, "pool"):
                warmer = warm.Warmer(a.state.pool, a.state.page_cache, a.state.search_index)
                a.state.warmer = warmer
                warmer.start()
            try:
                yield state
            finally:
                if warmer is not None:
                    import asyncio

                    await asyncio.to_thread(warmer.close)

    app.router.lifespan_context = lifespan


def _safe_next(target: str) -> str:
    """Only local paths: a log-in link must not bounce the user to another site."""
    if not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


__all__ = ["HTTPException", "marking_text", "page_viewer", "render", "register_pages"]
