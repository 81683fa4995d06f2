"""The JSON API routers, all under ``/api/``."""

from __future__ import annotations

from fastapi import FastAPI


def register_api(app: FastAPI) -> None:
    """Mount every API router on ``app``."""
    from netcase.api.routers import auth, entities, places, stages

    app.include_router(auth.router, prefix="/api")
    app.include_router(entities.router, prefix="/api")
    app.include_router(places.router, prefix="/api")
    app.include_router(stages.router, prefix="/api")
