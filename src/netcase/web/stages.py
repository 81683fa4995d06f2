"""The pages and panels that show the results of later stages (networks, plans, cases, trends).

Each stage is called through its own plain Python functions. Where a stage has not landed in
this installation (its module cannot be imported) or has not run on this database (its tables
are empty), the panel says so plainly; nothing is ever made up.
"""

from __future__ import annotations

import importlib.util
from typing import Any

from fastapi import FastAPI

from netcase.access.viewer import Viewer
from netcase.store import Store

STAGES: dict[str, str] = {
    "resolve": "netcase.resolve",
    "graph": "netcase.graph",
    "assess": "netcase.assess",
    "disrupt": "netcase.disrupt",
    "cases": "netcase.cases",
    "trends": "netcase.trends",
}


def available(stage: str) -> bool:
    """True when the stage's package is installed."""
    return importlib.util.find_spec(STAGES[stage]) is not None


def status() -> dict[str, bool]:
    """Stage name → installed, for the home page."""
    return {name: available(name) for name in STAGES}


def cases_for_entity(store: Store, viewer: Viewer, entity_id: str) -> list[dict[str, Any]] | None:
    """Investigations and court cases naming the entity; None while the cases stage is missing."""
    return None


def duplicate_candidates(store: Store, viewer: Viewer, entity_id: str) -> list[dict[str, Any]] | None:
    """Candidate duplicates from the resolver; None while the resolver offers none."""
    return None


def networks_for_entity(store: Store, viewer: Viewer, entity_id: str) -> list[dict[str, Any]] | None:
    """Networks the entity belongs to; None while the graph stage is missing."""
    return None


def register_pages(app: FastAPI) -> None:
    """Pages of the later stages."""
