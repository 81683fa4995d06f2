"""How a request becomes a Viewer, and how the API asks the access layer for permission.

Authentication, sessions, authorisation and the audit log belong to ``netcase.access``; this
module only carries its answers over HTTP: the session cookie or the bearer token in, a
``Viewer`` out, and access-layer refusals turned into 401/403 responses.
"""

from __future__ import annotations

import threading
from datetime import UTC, datetime
from typing import Any

from fastapi import HTTPException, Request

from netcase.access import audit as audit_log
from netcase.access import identity, policy
from netcase.access.errors import AccessDenied, AccessError
from netcase.access.viewer import Viewer
from netcase.api.reads import EntityView
from netcase.store import Store

SESSION_COOKIE = "netcase_session"

# Appending to the audit log updates its single tree-head row, and checking a session updates its
# row; DuckDB connections of one process conflict when two requests write the same row at once,
# so the app's access-layer writes take turns.
ACCESS_WRITE_LOCK = threading.RLock()
# Checking an API token writes only its own row, at most once a minute, and never the audit log:
# token checks run side by side (optimistically); the rare one whose once-a-minute write collides
# with another request's (DuckDB refuses concurrent updates of one row) is retried in turn.
TOKEN_LOCK = threading.Lock()


def now() -> datetime:
    """The clock the access layer is given (UTC, naive, as stored)."""
    return datetime.now(UTC).replace(tzinfo=None)


def client_ip(request: Request) -> str:
    """The peer address (no proxy headers are trusted: the app is served on loopback or behind one)."""
    return request.client.host if request.client else "unknown"


def bearer_token(request: Request) -> str | None:
    """The token of an ``Authorization: Bearer …`` header, if any."""
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return None


def authenticate_request(store: Store, request: Request) -> tuple[Viewer | None, AccessError | None]:
    """(viewer, None) for good credentials (bearer API token first, then the session cookie);
    (None, the access layer's reason) for credentials that are no longer good; (None, None) for none."""
    token = bearer_token(request)
    cookie = request.cookies.get(SESSION_COOKIE)
    if not token and not cookie:
        return None, None
    try:
        if token:
            try:
                return identity.token_viewer(store, token, now()), None
            except AccessError:
                raise
            except Exception:  # noqa: BLE001 -- two requests touched the token's row at once (DuckDB)
                with TOKEN_LOCK:
                    return identity.token_viewer(store, token, now()), None
        assert cookie is not None
        # Checking a session refreshes its idle timer and may log an idle session off (an audit
        # entry): taken in turn with the other access-layer writes.
        with ACCESS_WRITE_LOCK:
            return identity.session_viewer(store, cookie, now()), None
    except AccessError as exc:
        return None, exc


def request_viewer(store: Store, request: Request) -> Viewer | None:
    """The viewer of a request (bearer API token first, then the session cookie); None if neither works."""
    return authenticate_request(store, request)[0]


def require(viewer: Viewer, action: str, **context: Any) -> None:
    """Ask the access layer whether ``viewer`` may do ``action``; 403 with its reason if not."""
    try:
        policy.authorize(viewer, action, **context)
    except AccessDenied as exc:
        raise HTTPException(status_code=403, detail=str(exc) or f"not allowed: {action}") from exc


def may(viewer: Viewer, action: str, **context: Any) -> bool:
    """True when ``authorize`` allows ``action`` (used to show or hide links and buttons)."""
    return bool(policy.decide(viewer, action, **context))




def audit(store: Store, viewer: Viewer | str, action: str, *, object_type: str | None = None, object_id: str | None = None,
          request: Request | None = None, outcome: str = "ok", details: dict[str, Any] | None = None) -> None:
    """Append one entry to the access layer's audit log (source ``web`` or ``api``), durable when
    this returns. Inside the app the entry goes through its group-commit writer (one commit for
    the entries of every request waiting at that moment); elsewhere it is appended directly."""
    source = "api" if request is not None and request.url.path.startswith("/api/") else "web"
    item = audit_log.pending(viewer, action, object_type=object_type, object_id=object_id, outcome=outcome,
                             details=details, now=now(), source=source)
    writer = getattr(request.app.state, "audit_writer", None) if request is not None else None
    if writer is not None:
        writer.submit(item)
        return
    with ACCESS_WRITE_LOCK:
        audit_log.append(store, [item])


def audit_entity(store: Store, viewer: Viewer, view: EntityView, request: Request | None = None,
                 part: str | None = None) -> None:
    """Record the read of one entity; a protected person is logged by pseudonym, as the access layer does."""
    if view.shielded:
        object_id = policy.pseudonym(view.id, Viewer.system(), secret=policy.pseudonym_secret(store))
        action = "read:victim"
    else:
        object_id, action = view.id, "read:entity"
    audit(store, viewer, action, object_type="entity", object_id=object_id, request=request,
          details={"part": part} if part else None)


def audit_search(store: Store, viewer: Viewer, term: str, results: int, request: Request | None = None) -> None:
    """Record a search; the access layer keeps a keyed digest of the term, never the term
    (the entry ``audit.record_search`` writes)."""
    audit(store, viewer, "search", object_type="search", object_id=audit_log.search_digest(store, term),
          request=request, details={"results": results, "length": len(term)})


def audit_missing_entity(store: Store, viewer: Viewer, entity_id: str, request: Request | None = None) -> None:
    """Record a refused or empty entity read (a protected person's id is logged by pseudonym)."""
    from netcase.api.reads import canonical_id, flagged, member_ids

    canonical = canonical_id(store, entity_id)
    _, shielded = flagged(store, member_ids(store, canonical))
    object_id = (policy.pseudonym(canonical, Viewer.system(), secret=policy.pseudonym_secret(store))
                 if shielded else entity_id)
    audit(store, viewer, "read:victim" if shielded else "read:entity", object_type="entity", object_id=object_id,
          request=request, outcome="not_found")
