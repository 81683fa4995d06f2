"""Log-on with a second factor, log-off, and who-am-I."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, Response

from netcase.access import identity
from netcase.access.errors import AuthenticationError
from netcase.access.viewer import Viewer
from netcase.api.deps import StoreDep, ViewerDep
from netcase.api.schemas import LoginRequest, Me
from netcase.api.security import ACCESS_WRITE_LOCK, SESSION_COOKIE, client_ip, now

router = APIRouter(prefix="/api", tags=["auth"])


def set_session_cookie(response: Response, request: Request, token: str) -> None:
    """The session cookie: HttpOnly, SameSite=Strict (no cross-site form can use it), Secure on HTTPS."""
    response.set_cookie(
        SESSION_COOKIE, token, httponly=True, samesite="strict", secure=request.url.scheme == "https", path="/"
    )


@router.post("/auth/login", response_model=Me, summary="Log on (password and TOTP code)")
def login(body: LoginRequest, request: Request, response: Response, store: StoreDep) -> Me:
    """Start a session; the token is set as the ``netcase_session`` cookie."""
    try:
        with ACCESS_WRITE_LOCK:
            session = identity.authenticate(store, body.username, body.password, body.totp, now(), client_ip(request))
    except AuthenticationError as exc:
        raise HTTPException(status_code=401, detail=str(exc) or "log-on failed") from exc
    set_session_cookie(response, request, session.token)
    return me_of(session.viewer)


@router.post("/auth/logout", status_code=204, summary="End the session")
def logout(request: Request, store: StoreDep) -> Response:
    """End the current session (if any) and clear the cookie."""
    token = request.cookies.get(SESSION_COOKIE)
    if token:
        with ACCESS_WRITE_LOCK:
            identity.logout(store, token, now())
    response = Response(status_code=204)
    response.delete_cookie(SESSION_COOKIE, path="/")
    return response


def me_of(viewer: Viewer) -> Me:
    return Me(user=viewer.user, agency=viewer.agency, country=viewer.country, roles=sorted(viewer.roles),
              compartments=sorted(viewer.compartments))


@router.get("/me", response_model=Me, summary="Who the caller is")
def me(viewer: ViewerDep) -> Me:
    """The caller's user name, agency, country, roles and compartments."""
    return me_of(viewer)
