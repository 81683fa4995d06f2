"""Entities, their statements and links, and search."""

from __future__ import annotations

from functools import lru_cache
from typing import Annotated, Any

import orjson
from fastapi import APIRouter, HTTPException, Path, Query, Request, Response

from netcase.access.policy import statement_filter
from netcase.api import reads
from netcase.api.deps import PagingDep, StoreDep, ViewerDep
from netcase.api.schemas import (
    EntityOut,
    EntityPage,
    EntitySummary,
    LinkOut,
    SearchHitOut,
    SearchPage,
)
from netcase.api.search import search
from netcase.api.security import audit_entity, audit_missing_entity, audit_search
from netcase.model.marking import Marking
from netcase.model.schema import INTEL_SCHEMATA

router = APIRouter(prefix="/api", tags=["entities"])

EntityId = Annotated[str, Path(min_length=1, max_length=200, pattern=r"^[A-Za-z0-9._:\-]+$")]
SchemaQ = Annotated[str | None, Query(description="FollowTheMoney schema, e.g. Person.", pattern=r"^[A-Z][A-Za-z]+$")]


@lru_cache(maxsize=4096)
def _marking_text(caveat: str, releasable_to: str, tlp: str, sensitive: bool) -> str:
    # A store holds a few dozen distinct markings; each is parsed and written out once.
    return str(Marking.from_storage(caveat, releasable_to, tlp, sensitive))


def statement_json(row: dict[str, Any]) -> dict[str, Any]:
    """A stored statement row as the API shows it (``StatementOut``'s fields; marking as one string)."""
    return {
        "id": row["id"], "entity_id": row["entity_id"], "schema": row["schema"], "prop": row["prop"],
        "prop_type": row["prop_type"], "value": row["value"], "original_value": row["original_value"],
        "dataset": row["dataset"], "source_file": row["source_file"], "source_record": row["source_record"],
        "agency": row["agency"], "observed": row["observed"].isoformat() if row["observed"] else None,
        "marking": _marking_text(row["caveat"], row["releasable_to"], row["tlp"], bool(row["victim_sensitive"])),
        "compartment": row["compartment"], "reliability": row["reliability"], "validity": row["validity"],
        "review_by": row["review_by"].isoformat() if row["review_by"] else None,
    }


@router.get("/entities", response_model=EntityPage, summary="List entities")
def list_entities(store: StoreDep, viewer: ViewerDep, paging: PagingDep, schema: SchemaQ = None) -> EntityPage:
    """Canonical entities the caller may see, optionally of one schema, ordered by id."""
    if schema is not None and schema not in INTEL_SCHEMATA:
        raise HTTPException(status_code=422, detail=[{"loc": ["query", "schema"], "msg": f"unknown schema {schema!r}",
                                                      "type": "value_error"}])
    cond, params = statement_filter(viewer, "s")
    where = cond + (" AND s.schema = ?" if schema else "")
    args = [*params, *([schema] if schema else [])]
    base = (f"SELECT DISTINCT coalesce(r.canonical_id, s.entity_id) AS id FROM statements s "
            f"LEFT JOIN resolved r ON r.entity_id = s.entity_id WHERE {where}")
    total = int(store.scalar(f"SELECT count(*) FROM ({base}) t", args) or 0)
    ids = [str(r[0]) for r in store.query(f"{base} ORDER BY id LIMIT ? OFFSET ?", [*args, paging.limit, paging.offset])]
    views = reads.entities(store, viewer, ids)
    items = [EntitySummary(id=v.id, schema=v.schema, caption=v.caption, protected=v.protected)
             for i in ids if (v := views.get(i)) is not None]
    return EntityPage(total=total, limit=paging.limit, offset=paging.offset, items=items)


@router.get("/entities/{entity_id}", response_model=EntityOut, summary="One entity with its statements",
            responses={404: {"description": "No entity the caller may see"}})
def get_entity(entity_id: EntityId, request: Request, store: StoreDep, viewer: ViewerDep) -> Response:
    """The canonical entity: properties and every statement with source, agency, date and marking."""
    view = reads.entity(store, viewer, entity_id)
    if view is None:
        audit_missing_entity(store, viewer, entity_id, request)
        raise HTTPException(status_code=404, detail="no such entity, or not visible to you")
    audit_entity(store, viewer, view, request)
    # Written straight to JSON in ``EntityOut``'s shape (the schema the docs publish and the
    # schemathesis tests check): validating a freshly built model again costs more than the read.
    body = {"id": view.id, "schema": view.schema, "caption": view.caption, "protected": view.protected,
            "properties": view.props, "members": view.members,
            "statements": [statement_json(r) for r in view.statements]}
    return Response(orjson.dumps(body), media_type="application/json")


@router.get("/entities/{entity_id}/links", response_model=list[LinkOut], summary="Linked entities")
def entity_links(entity_id: EntityId, request: Request, store: StoreDep, viewer: ViewerDep) -> list[LinkOut]:
    """Relations of the entity (associates, calls, payments, trips, ownership…)."""
    view = reads.entity(store, viewer, entity_id)
    if view is None:
        raise HTTPException(status_code=404, detail="no such entity, or not visible to you")
    audit_entity(store, viewer, view, request, part="links")
    return [LinkOut(**ln.__dict__) for ln in reads.links(store, viewer, view)]


@router.get("/search", response_model=SearchPage, summary="Search names, phones, plates, accounts")
def search_entities(
    request: Request,
    store: StoreDep,
    viewer: ViewerDep,
    paging: PagingDep,
    q: Annotated[str, Query(min_length=2, max_length=200, description="Name (accents and typos tolerated), phone, plate, account…")],
    schema: SchemaQ = None,
) -> SearchPage:
    """Entities whose names or identifiers match ``q``, best first."""
    hits, total = search(store, viewer, request.app.state.search_index, q, schema=schema,
                         limit=paging.limit, offset=paging.offset)
    audit_search(store, viewer, q, total, request)
    return SearchPage(total=total, limit=paging.limit, offset=paging.offset, query=q,
                      items=[SearchHitOut(**h.as_dict()) for h in hits])
