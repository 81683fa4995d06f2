"""Networks, plans, investigations, alerts, court cases, forfeitures, requests and trends."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, HTTPException, Path, Query, Request, Response

from netcase.api import services
from netcase.api.deps import PagingDep, StoreDep, ViewerDep
from netcase.api.schemas import RecordPage
from netcase.api.security import audit

router = APIRouter(prefix="/api")

NetworkId = Annotated[str, Path(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._:\-]+$")]
Code = Annotated[str | None, Query(max_length=80, pattern=r"^[\w .,:()/\-→>]+$")]
Country = Annotated[str | None, Query(pattern=r"^[A-Za-z]{2,3}$", description="ISO 3166 code, e.g. MEX or mx.")]

UNAVAILABLE: dict[int | str, dict[str, Any]] = {503: {"description": "The stage has not landed or has not run on this store"}}


def _unavailable(exc: services.StageUnavailable) -> HTTPException:
    return HTTPException(status_code=503, detail=f"the {exc.stage} stage {exc.why}")


def _page(items: list[Any], total: int, paging: Any) -> RecordPage:
    return RecordPage(total=total, limit=paging.limit, offset=paging.offset, items=items)


@router.get("/networks", response_model=RecordPage, tags=["networks"], responses=UNAVAILABLE,
            summary="Priority networks")
def networks(store: StoreDep, viewer: ViewerDep, paging: PagingDep, district: Code = None, corridor: Code = None,
             country: Country = None, link: Code = None) -> RecordPage:
    """Networks by priority with headline factors; filter by district, corridor, country or link type."""
    try:
        rows = services.list_networks(store, viewer, district=district, corridor=corridor, country=country, link=link)
    except services.StageUnavailable as exc:
        raise _unavailable(exc) from exc
    return _page(rows[paging.offset : paging.offset + paging.limit], len(rows), paging)


@router.get("/networks/{network_id}", tags=["networks"], responses={404: {"description": "Not found or not visible"}, **UNAVAILABLE},
            summary="One network with members, roles, factors and evidence")
def network(network_id: NetworkId, request: Request, store: StoreDep, viewer: ViewerDep) -> Response:
    """Members with roles and evidence, priority factors with evidence, corridors, legal status."""
    try:
        # The answer shared by the caller's need-to-know profile, sent as the JSON text kept with it.
        kept = services.network_detail_entry(store, viewer, network_id)
    except services.StageUnavailable as exc:
        raise _unavailable(exc) from exc
    audit(store, viewer, "read:network", object_type="network", object_id=network_id, request=request,
          outcome="ok" if kept.value else "not_found")
    if kept.value is None:
        raise HTTPException(status_code=404, detail="no such network, or none of it visible to you")
    return Response(content=kept.text, media_type="application/json")


@router.get("/networks/{network_id}/graph", tags=["networks"], responses={404: {"description": "Not found or not visible"}, **UNAVAILABLE},
            summary="The network's graph as Cytoscape elements")
def network_graph(network_id: NetworkId, request: Request, store: StoreDep, viewer: ViewerDep) -> Response:
    """People (role, protected, custody), phones, accounts, vehicles, places, harm incidents, cut hubs."""
    try:
        kept = services.network_elements_entry(store, viewer, network_id)
    except services.StageUnavailable as exc:
        raise _unavailable(exc) from exc
    audit(store, viewer, "read:network", object_type="network", object_id=network_id, request=request,
          details={"part": "graph"})
    if not kept.value["nodes"]:
        raise HTTPException(status_code=404, detail="no such network, or none of it visible to you")
    return Response(content=kept.text, media_type="application/json")


@router.get("/networks/{network_id}/plan", tags=["plans"], responses={404: {"description": "Not found or not visible"}, **UNAVAILABLE},
            summary="A disruption plan for the network")
def network_plan(
    network_id: NetworkId,
    request: Request,
    store: StoreDep,
    viewer: ViewerDep,
    budget: Annotated[int, Query(ge=1, le=50, description="People to arrest.")] = 5,
    objective: Literal["connectivity", "capacity"] = "connectivity",
) -> dict[str, Any]:
    """Targets in order with reasons, every strategy's dismantling curve and robustness R."""
    try:
        plan = services.network_plan(store, viewer, network_id, budget=budget, objective=objective)
    except services.StageUnavailable as exc:
        raise _unavailable(exc) from exc
    audit(store, viewer, "read:plan", object_type="network", object_id=network_id, request=request,
          details={"budget": budget, "objective": objective})
    return plan


@router.get("/investigations", response_model=RecordPage, tags=["cases"], responses=UNAVAILABLE,
            summary="Investigations")
def investigations(store: StoreDep, viewer: ViewerDep, paging: PagingDep, district: Code = None,
                   agency: Code = None, status: Code = None) -> RecordPage:
    """Investigations the caller may see, newest first, with target counts."""
    try:
        rows = services.investigations(store, viewer, district=district, agency=agency, status=status)
    except services.StageUnavailable as exc:
        raise _unavailable(exc) from exc
    return _page(rows[paging.offset : paging.offset + paging.limit], len(rows), paging)


@router.get("/investigations/{investigation_id}", tags=["cases"], responses={404: {"description": "Not found or not visible"}, **UNAVAILABLE},
            summary="One investigation with targets and court cases")
def investigation(investigation_id: NetworkId, request: Request, store: StoreDep, viewer: ViewerDep) -> dict[str, Any]:
    """The investigation, its targets and the court cases opened from it."""
    try:
        inv = services.investigation(store, viewer, investigation_id)
    except services.StageUnavailable as exc:
        raise _unavailable(exc) from exc
    if inv is None:
        raise HTTPException(status_code=404, detail="no such investigation, or not visible to you")
    audit(store, viewer, "read:investigation", object_type="investigation", object_id=investigation_id, request=request)
    return inv


@router.get("/alerts", response_model=RecordPage, tags=["cases"], responses=UNAVAILABLE,
            summary="Deconfliction alerts")
def deconfliction_alerts(store: StoreDep, viewer: ViewerDep, paging: PagingDep,
                         status: Literal["active", "withdrawn", "all"] = "active") -> RecordPage:
    """The alert sides the caller is owed: their own target, the match, the other side's contact."""
    try:
        rows = services.alerts(store, viewer, status=None if status == "all" else status)
    except services.StageUnavailable as exc:
        raise _unavailable(exc) from exc
    return _page(rows[paging.offset : paging.offset + paging.limit], len(rows), paging)


@router.get("/court-cases", response_model=RecordPage, tags=["cases"], responses=UNAVAILABLE,
            summary="Court cases")
def court_cases(store: StoreDep, viewer: ViewerDep, paging: PagingDep, district: Code = None,
                filing_type: Code = None) -> RecordPage:
    """Indictments, complaints and informations with defendant, count and disposition totals."""
    try:
        rows, total = services.court_cases(store, viewer, district=district, filing_type=filing_type,
                                           limit=paging.limit, offset=paging.offset)
    except services.StageUnavailable as exc:
        raise _unavailable(exc) from exc
    return _page(rows, total, paging)


@router.get("/forfeitures", response_model=RecordPage, tags=["cases"], responses=UNAVAILABLE, summary="Forfeitures")
def forfeitures(store: StoreDep, viewer: ViewerDep, paging: PagingDep, status: Code = None) -> RecordPage:
    """Seized and forfeited assets with value and status."""
    try:
        rows, total = services.forfeitures(store, viewer, status=status, limit=paging.limit, offset=paging.offset)
    except services.StageUnavailable as exc:
        raise _unavailable(exc) from exc
    return _page(rows, total, paging)


@router.get("/requests", response_model=RecordPage, tags=["cases"], responses=UNAVAILABLE,
            summary="Extradition and MLAT requests")
def legal_requests(store: StoreDep, viewer: ViewerDep, paging: PagingDep,
                   kind: Code = None, partner_country: Country = None, status: Code = None) -> RecordPage:
    """Requests to and from partner countries, with their status."""
    try:
        rows, total = services.legal_requests(store, viewer, kind=kind, partner_country=partner_country,
                                              status=status, limit=paging.limit, offset=paging.offset)
    except services.StageUnavailable as exc:
        raise _unavailable(exc) from exc
    return _page(rows, total, paging)


@router.get("/trends", tags=["trends"], responses=UNAVAILABLE, summary="District and corridor trends")
def trends(
    store: StoreDep,
    viewer: ViewerDep,
    district: Code = None,
    start: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="First month, YYYY-MM.")] = None,
    end: Annotated[str | None, Query(pattern=r"^\d{4}-\d{2}$", description="Last month, YYYY-MM.")] = None,
) -> dict[str, Any]:
    """Monthly series per district and corridor, with surges and the test behind them."""
    try:
        return services.trends(store, viewer, district=district, start=start, end=end)
    except services.StageUnavailable as exc:
        raise _unavailable(exc) from exc
