"""FastAPI dependencies shared by the routers: this thread's store and the request's (authorised) viewer."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, HTTPException, Query, Request

from netcase.access.viewer import Viewer
from netcase.api.actions import guard
from netcase.store import Store


async def get_store(request: Request) -> Store:
    """The app's store, always used through the calling thread's own connection.

    ``async`` because it does no I/O: FastAPI then runs it on the event loop instead of handing it
    to a worker thread (each hand-over costs a thread switch per request)."""
    return request.app.state.pool.local()  # type: ignore[no-any-return]


StoreDep = Annotated[Store, Depends(get_store)]


async def api_viewer(viewer: Annotated[Viewer | None, Depends(guard)]) -> Viewer:
    """The caller's viewer, already authenticated and authorised for the endpoint by ``guard``
    (the same dependency every API router carries, computed once per request)."""
    if viewer is None:
        # Only a public endpoint gets no viewer from the guard; one asking for a viewer is a bug.
        raise HTTPException(status_code=401, detail="log in first (session cookie or bearer token)",
                            headers={"WWW-Authenticate": "Bearer"})
    return viewer


ViewerDep = Annotated[Viewer, Depends(api_viewer)]


class Paging:
    """``limit`` and ``offset`` of a list request, validated (422 names the field)."""

    def __init__(
        self,
        limit: Annotated[int, Query(ge=1, le=500, description="Items per page (1–500).")] = 50,
        offset: Annotated[int, Query(ge=0, le=1_000_000, description="Items to skip.")] = 0,
    ) -> None:
        self.limit = limit
        self.offset = offset


PagingDep = Annotated[Paging, Depends(Paging)]
