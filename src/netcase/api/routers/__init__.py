"""The JSON API routers, all under ``/api/``, each guarded by the declared-action table."""

from __future__ import annotations

from fastapi import Depends, FastAPI


def register_api(app: FastAPI) -> None:
    """Mount every API router on ``app`` (each declares its ``/api`` prefix itself, so a route's
    path template is the same wherever FastAPI reports it), each route behind ``actions.guard``.

    ``check_declared`` (run by ``create_app`` once every route is mounted) refuses to build an app
    with a route under ``/api/`` that has no declared action.
    """
    from netcase.api.actions import guard
    from netcase.api.routers import auth, entities, places, stages

    for router in (auth.router, entities.router, places.router, stages.router):
        app.include_router(router, dependencies=[Depends(guard)])


def check_declared(app: FastAPI) -> None:
    """Raise ``RuntimeError`` if a route under ``/api/`` is neither declared nor public: an
    endpoint cannot be served without saying what the caller must be allowed to do."""
    from netcase.api.actions import undeclared_routes

    missing = undeclared_routes(app.routes)
    if missing:
        raise RuntimeError("API routes without a declared action (add them to netcase.api.actions): "
                           + ", ".join(f"{m} {p}" for m, p in missing))
