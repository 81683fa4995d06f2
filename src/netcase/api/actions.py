"""Which action of the access policy each API endpoint needs: one declarative table.

Every route under ``/api/`` is either in ``ENDPOINT_ACTIONS`` (method and path template → the
action ``netcase.access.policy.authorize`` must allow, or ``SIGNED_IN`` for "any valid session or
token, no action") or in ``PUBLIC`` (log-on, log-off, the API's own documentation). ``guard`` is
the FastAPI dependency every API router carries: it authenticates the caller, looks the endpoint
up here and asks the access layer, so no endpoint decides on its own and no endpoint can be added
without a line in this table (``undeclared_routes`` is checked when the app is built, and the
tests enumerate ``app.routes``).

A refusal is a 403 naming the action, written to the audit log (``outcome = "denied"``, the object
being the endpoint's *template* — never the concrete path, which may carry an id or a typed name).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from fastapi import HTTPException, Request
from fastapi.routing import APIRoute
from starlette.routing import BaseRoute, Route

from netcase.access import policy
from netcase.access.errors import AccessDenied
from netcase.access.viewer import Viewer
from netcase.api.security import audit, authenticate_request, bearer_token
from netcase.store import Store

#: An endpoint: HTTP method and the route's path template, as FastAPI declares it.
Endpoint = tuple[str, str]

#: The marker for endpoints any signed-in caller may use (no action of the policy is involved).
SIGNED_IN: Final = "signed-in"

#: Endpoints that need no credentials at all.
PUBLIC: frozenset[Endpoint] = frozenset({
    ("POST", "/api/auth/login"),
    ("POST", "/api/auth/logout"),
    ("GET", "/api/openapi.json"),
    ("GET", "/api/docs"),
})

#: The action each API endpoint needs (``docs/api.md`` lists the same).
ENDPOINT_ACTIONS: dict[Endpoint, str] = {
    ("GET", "/api/me"): SIGNED_IN,
    ("GET", "/api/entities"): "read:entities",
    ("GET", "/api/entities/{entity_id}"): "read:entities",
    ("GET", "/api/entities/{entity_id}/links"): "read:entities",
    ("GET", "/api/search"): "search",
    ("GET", "/api/map"): "read:entities",
    ("GET", "/api/networks"): "read:networks",
    ("GET", "/api/networks/{network_id}"): "read:networks",
    ("GET", "/api/networks/{network_id}/graph"): "read:networks",
    ("GET", "/api/networks/{network_id}/plan"): "read:plans",
    ("GET", "/api/investigations"): "read:cases",
    ("GET", "/api/investigations/{investigation_id}"): "read:cases",
    ("GET", "/api/alerts"): "read:cases",
    ("GET", "/api/court-cases"): "read:cases",
    ("GET", "/api/forfeitures"): "read:cases",
    ("GET", "/api/requests"): "read:cases",
    ("GET", "/api/trends"): "read:trends",
}

for _endpoint, _action in ENDPOINT_ACTIONS.items():
    # A typo in the table must fail at import, not let every request through or deny them all.
    if _action != SIGNED_IN and _action not in policy.ACTIONS:
        raise ValueError(f"{_endpoint}: unknown action {_action!r}")


def flat_routes(routes: Iterable[BaseRoute]) -> Iterator[BaseRoute]:
    """Every route, with included routers opened up (FastAPI ≥ 0.16x keeps an included router as
    one entry of ``app.routes`` that holds the original router, instead of copying its routes)."""
    for route in routes:
        inner = getattr(route, "original_router", None)
        if inner is not None:
            prefix = getattr(getattr(route, "include_context", None), "prefix", "") or ""
            for r in flat_routes(inner.routes):
                # A prefix added at inclusion would make the templates differ from what requests
                # report; our routers carry their own prefix, so refuse such an inclusion loudly.
                if prefix:
                    raise RuntimeError(f"API router included with prefix {prefix!r}: declare it on the router")
                yield r
        else:
            yield route


def route_endpoints(routes: Iterable[BaseRoute]) -> list[Endpoint]:
    """(method, path template) of every API route among ``routes`` (HEAD and OPTIONS left out)."""
    out: list[Endpoint] = []
    for route in flat_routes(routes):
        if not isinstance(route, APIRoute | Route) or not route.path.startswith("/api/"):
            continue
        out.extend((m, route.path) for m in sorted(route.methods or ()) if m not in ("HEAD", "OPTIONS"))
    return out


def undeclared_routes(routes: Iterable[BaseRoute]) -> list[Endpoint]:
    """API endpoints that are neither in ``ENDPOINT_ACTIONS`` nor ``PUBLIC`` (must be none)."""
    return [e for e in route_endpoints(routes) if e not in ENDPOINT_ACTIONS and e not in PUBLIC]


def endpoint_of(request: Request) -> Endpoint:
    """The (method, path template) of the route serving ``request``."""
    route = request.scope.get("route")
    path = route.path if isinstance(route, APIRoute | Route) else request.url.path
    return request.method, path


def action_of(endpoint: Endpoint) -> str | None:
    """The declared action of ``endpoint`` (``SIGNED_IN`` included), None when it is public.

    An endpoint in neither table is refused (``LookupError``): an undeclared endpoint fails closed.
    """
    if endpoint in PUBLIC:
        return None
    try:
        return ENDPOINT_ACTIONS[endpoint]
    except KeyError:
        raise LookupError(f"{endpoint[0]} {endpoint[1]} has no declared action") from None


def check(store: Store, request: Request, endpoint: Endpoint) -> Viewer | None:
    """Allow the request or raise 401/403; returns the viewer (None on a public endpoint).

    The decision is ``policy.authorize`` on the declared action: the role table narrowed by the
    token's scopes. Refusals are audited, and so are credentials that were presented but are no
    longer good (revoked or expired token, ended session): CJIS 5.4 wants failed log-ons logged.
    """
    try:
        action = action_of(endpoint)
    except LookupError as exc:
        raise HTTPException(status_code=403, detail=str(exc)) from exc
    if action is None:
        return None
    viewer, failure = authenticate_request(store, request)
    if viewer is None:
        if failure is not None:
            kind = "api_token" if bearer_token(request) else "session"
            audit(store, "anonymous", "logon", object_type=kind, object_id=None, request=request,
                  outcome="failure", details={"reason": str(failure), "endpoint": f"{endpoint[0]} {endpoint[1]}"})
        raise HTTPException(status_code=401, detail="log in first (session cookie or bearer token)",
                            headers={"WWW-Authenticate": "Bearer"})
    if action == SIGNED_IN:
        return viewer
    try:
        policy.authorize(viewer, action)
    except AccessDenied as exc:
        audit(store, viewer, action, object_type="endpoint", object_id=f"{endpoint[0]} {endpoint[1]}",
              request=request, outcome="denied", details={"reason": str(exc)})
        raise HTTPException(status_code=403, detail=str(exc) or f"not allowed: {action}") from exc
    return viewer


def guard(request: Request) -> Viewer | None:
    """The dependency of every API route: authenticate, then authorise the route's declared action.

    FastAPI caches a dependency per request, so endpoints that ask for the viewer
    (``deps.ViewerDep``) get the one checked here without a second look-up.
    """
    store: Store = request.app.state.pool.local()
    return check(store, request, endpoint_of(request))
