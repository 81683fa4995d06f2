"""The pages that show later stages' results: networks, network view, cases, trends, audit, users.

Each page reads through ``netcase.api.services`` (the stages' own functions) with the session's
viewer. Where a stage has not landed or not run, ``StageUnavailable`` becomes a plain notice on
the page; nothing is made up.
"""

from __future__ import annotations

import importlib.util
import json
from collections.abc import Callable
from typing import Annotated, Any

from fastapi import FastAPI, Form, Query, Request
from fastapi.responses import HTMLResponse, Response

from netcase.access.viewer import ROLES, Viewer
from netcase.api import services
from netcase.api.deps import StoreDep
from netcase.api.security import ACCESS_WRITE_LOCK, audit, may, now, require
from netcase.model.country import iso_alpha3
from netcase.store import Store
from netcase.web.cache import PageCache, cached, shared
from netcase.web.routes import PageViewer, render

STAGES: dict[str, str] = {
    "resolve": "netcase.resolve",
    "graph": "netcase.graph",
    "assess": "netcase.assess",
    "disrupt": "netcase.disrupt",
    "cases": "netcase.cases",
    "trends": "netcase.trends",
}
PAGE = 50


def status() -> dict[str, bool]:
    """Stage name → installed, for the home page."""
    return {name: importlib.util.find_spec(mod) is not None for name, mod in STAGES.items()}


def cases_for_entity(store: Store, viewer: Viewer, view: Any) -> list[dict[str, Any]] | None:
    """Investigations and court cases naming the entity; None while the cases stage is missing."""
    try:
        return services.cases_for_entity(store, viewer, view.id, view.members)
    except services.StageUnavailable:
        return None


def networks_for_entity(store: Store, viewer: Viewer, entity_id: str) -> list[dict[str, Any]] | None:
    """Networks the entity belongs to; None while the graph stage is missing."""
    try:
        return services.networks_for_entity(store, viewer, entity_id)
    except services.StageUnavailable:
        return None


def duplicate_candidates(store: Store, viewer: Viewer, view: Any) -> list[dict[str, Any]] | None:
    """The resolver's nearest outside candidates for a person, shown through the viewer's eyes."""
    if view.schema != "Person" or importlib.util.find_spec("netcase.resolve.analyst") is None:
        return None
    if not store.table_exists("resolve_edges") or not store.scalar("SELECT count(*) FROM resolve_runs"):
        return None
    from netcase.api import reads
    from netcase.resolve.analyst import ResolveError, explain

    try:
        exp = explain(store, view.id, near=8)
    except ResolveError:
        return []
    others = [m["other_canonical"] for m in exp.near_misses]
    # Captions come from the viewer's own reads: the resolver's tables are not access-filtered.
    views = reads.entities(store, viewer, others)
    out = []
    seen = set()
    for m in exp.near_misses:
        cid = m["other_canonical"]
        v = views.get(cid)
        if v is None or cid in seen or cid == view.id:
            continue
        seen.add(cid)
        out.append({"id": cid, "caption": v.caption, "probability": m["match_probability"],
                    "judgement": m.get("judgement"), "reason": m.get("reason")})
    return out


def trends_report(store: Store, viewer: Viewer, cache: PageCache, district: str = "") -> dict[str, Any]:
    """The trends stage's report (series and surges) for the viewer's visibility profile."""
    return shared(cache, store, viewer, "trends", (district,),
                  lambda: services.trends(store, viewer, district=district or None))


def network_detail(store: Store, viewer: Viewer, cache: PageCache, network_id: str) -> dict[str, Any] | None:
    """One run's assessment of one network as this visibility profile may see it: kept until a new run."""
    return shared(cache, store, viewer, "network", (network_id,),
                  lambda: services.network_detail(store, viewer, network_id))


def investigation_board(store: Store, viewer: Viewer, cache: PageCache, version: tuple[Any, ...],
                        status: str = "") -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """The investigations the viewer may see (the same for everyone with their country and
    compartments, the case filter's inputs) and their own deconfliction alerts (their agency's
    targets: kept for this viewer only)."""
    invs = shared(cache, store, viewer, "investigations", (status,),
                  lambda: services.investigations(store, viewer, status=status or None), version)
    alerts = cached(cache, store, viewer, "alerts", (), lambda: services.alerts(store, viewer), version)
    return invs, alerts


def brief_for(store: Store, viewer: Viewer, cache: PageCache) -> Any:
    """The leadership brief's content for ``viewer``: its figures (networks, trends, prosecutions,
    partners, all read through the access policy) are shared by the viewers with the same
    visibility profile until the data changes; the viewer named on it is this one."""
    import dataclasses

    from netcase.report.brief import build_brief

    brief = shared(cache, store, viewer, "brief", (), lambda: build_brief(store, viewer))
    return dataclasses.replace(brief, viewer=viewer)


def investigation_alerts(store: Store, viewer: Viewer, investigation_id: str) -> list[dict[str, Any]]:
    """The viewer's deconfliction alerts on one investigation (the cases stage's ``alerts_for``
    narrowed to it, so the evidence of the viewer's other alerts is not rebuilt)."""
    if importlib.util.find_spec("netcase.cases") is None or not store.table_exists("deconfliction_alerts"):
        raise services.StageUnavailable("cases", "has not run on this database")
    from netcase.cases.deconflict import alerts_for

    return alerts_for(store, viewer, investigation_id=investigation_id)


def network_list(store: Store, viewer: Viewer, cache: PageCache,
                 version: tuple[Any, ...]) -> tuple[list[dict[str, Any]], dict[str, list[str]]]:
    """The whole ranked network list and the filter options, computed once per data version and
    visibility profile; a filter or another page of the list is then a selection from it."""
    every = shared(cache, store, viewer, "networks:list", (), lambda: services.list_networks(store, viewer), version)
    options = shared(cache, store, viewer, "networks:options", (), lambda: services.facet_options(store, viewer),
                     version)
    return every, options


def network_rows(store: Store, viewer: Viewer, cache: PageCache, version: tuple[Any, ...],
                 rows: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], list[str]]:
    """One page of the list with each network's activity sparkline and legal status; the months."""
    page = [dict(r) for r in rows]
    ids = tuple(r["network_id"] for r in page)
    activity = shared(cache, store, viewer, "networks:activity", ids,
                      lambda: services.activity_by_month(store, viewer, list(ids)), version)
    months = sorted({m for a in activity.values() for m in a})
    legal = shared(cache, store, viewer, "networks:legal", ids,
                   lambda: services.legal_status_by_network(store, viewer, list(ids)), version)
    for r in page:
        r["spark"] = [activity.get(r["network_id"], {}).get(m, 0) for m in months]
        r["legal"] = legal.get(r["network_id"])
    return page, months


def filter_networks(rows: list[dict[str, Any]], *, district: str = "", corridor: str = "", country: str = "",
                    link: str = "") -> list[dict[str, Any]]:
    """The listed networks matching the filters (the tests of ``services.list_networks``, applied
    to its unfiltered answer: a district, corridor or country the viewer's facts tie the network
    to, a link type of its assessment)."""
    out = []
    for r in rows:
        if district and district not in r["districts"]:
            continue
        if corridor and corridor not in r["corridors"]:
            continue
        if country and (iso_alpha3(country) or country.upper()) not in r["countries"]:
            continue
        if link and link not in r.get("links", []):
            continue
        out.append(r)
    return out


def register_pages(app: FastAPI) -> None:
    """Add the stage pages to ``app``."""
    def unavailable(request: Request, viewer: Viewer, title: str, exc: services.StageUnavailable) -> HTMLResponse:
        return render(request, "unavailable.html", viewer, title=title, stage=exc.stage, why=exc.why)

    @app.get("/networks", response_class=HTMLResponse, include_in_schema=False)
    def networks_page(
        request: Request, store: StoreDep, viewer: PageViewer,
        district: Annotated[str, Query(max_length=80)] = "", corridor: Annotated[str, Query(max_length=80)] = "",
        country: Annotated[str, Query(max_length=3)] = "", link: Annotated[str, Query(max_length=80)] = "",
        offset: Annotated[int, Query(ge=0, le=100000)] = 0,
    ) -> HTMLResponse:
        require(viewer, "read:networks")
        cache: PageCache = request.app.state.page_cache
        version = cache.version(store)
        try:
            every, options = network_list(store, viewer, cache, version)
        except services.StageUnavailable as exc:
            return unavailable(request, viewer, "Priority networks", exc)
        rows = filter_networks(every, district=district, corridor=corridor, country=country, link=link)
        page, months = network_rows(store, viewer, cache, version, rows[offset : offset + PAGE])
        template = "_networks_table.html" if request.headers.get("hx-request") else "networks.html"
        return render(request, template, viewer, title="Priority networks", rows=page, total=len(rows),
                      offset=offset, limit=PAGE, options=options,
                      f={"district": district, "corridor": corridor, "country": country, "link": link},
                      months=months)

    @app.get("/networks/{network_id}", response_class=HTMLResponse, include_in_schema=False)
    def network_page(network_id: str, request: Request, store: StoreDep, viewer: PageViewer) -> HTMLResponse:
        require(viewer, "read:networks")
        try:
            # One run's assessment of one network, as this viewer may see it: kept until a new run.
            detail = network_detail(store, viewer, request.app.state.page_cache, network_id)
        except services.StageUnavailable as exc:
            return unavailable(request, viewer, "Network", exc)
        audit(store, viewer, "read:network", object_type="network", object_id=network_id, request=request,
              outcome="ok" if detail else "not_found")
        if detail is None:
            return render(request, "not_found.html", viewer, status_code=404, title="Not found",
                          what="No network with this id is visible to you.")
        return render(request, "network.html", viewer, title=detail.get("label") or network_id, n=detail,
                      may_plan=may(viewer, "read:plans"), disrupt=status()["disrupt"])

    @app.get("/investigations", response_class=HTMLResponse, include_in_schema=False)
    def investigations_page(request: Request, store: StoreDep, viewer: PageViewer,
                            status_: Annotated[str, Query(alias="status", max_length=20)] = "") -> HTMLResponse:
        require(viewer, "read:cases")
        cache: PageCache = request.app.state.page_cache
        version = cache.version(store)
        try:
            # The board is the same for everyone with this viewer's country and compartments (the
            # case filter's inputs); the alerts are the viewer's own (their agency's targets).
            invs, alerts = investigation_board(store, viewer, cache, version, status_)
        except services.StageUnavailable as exc:
            return unavailable(request, viewer, "Investigations", exc)
        columns: dict[str, list[dict[str, Any]]] = {}
        for inv in invs:
            columns.setdefault(inv["status"] or "open", []).append(inv)
        return render(request, "investigations.html", viewer, title="Investigations", columns=columns,
                      alerts=alerts, status=status_)

    @app.get("/investigations/{investigation_id}", response_class=HTMLResponse, include_in_schema=False)
    def investigation_page(investigation_id: str, request: Request, store: StoreDep, viewer: PageViewer) -> HTMLResponse:
        require(viewer, "read:cases")
        cache: PageCache = request.app.state.page_cache
        version = cache.version(store)
        try:
            inv = shared(cache, store, viewer, "investigation", (investigation_id,),
                         lambda: services.investigation(store, viewer, investigation_id), version)
            alerts = cached(cache, store, viewer, "alerts", (investigation_id,),
                            lambda: investigation_alerts(store, viewer, investigation_id), version)
        except services.StageUnavailable as exc:
            return unavailable(request, viewer, "Investigation", exc)
        if inv is None:
            return render(request, "not_found.html", viewer, status_code=404, title="Not found",
                          what="No investigation with this id is visible to you.")
        audit(store, viewer, "read:investigation", object_type="investigation", object_id=investigation_id,
              request=request)
        return render(request, "investigation.html", viewer, title=f"Investigation {inv['case_number']}", inv=inv,
                      alerts=alerts)

    def records_page(request: Request, store: StoreDep, viewer: Viewer, kind: str, offset: int,
                     filters: dict[str, str]) -> HTMLResponse:
        require(viewer, "read:cases")
        readers: dict[str, Callable[..., tuple[list[dict[str, Any]], int]]] = {
            "court-cases": services.court_cases, "forfeitures": services.forfeitures,
            "requests": services.legal_requests}
        fn = readers[kind]
        title = {"court-cases": "Court cases", "forfeitures": "Forfeitures", "requests": "Extradition and MLAT requests"}[kind]
        try:
            rows, total = fn(store, viewer, limit=PAGE, offset=offset, **{k: v or None for k, v in filters.items()})
        except services.StageUnavailable as exc:
            return unavailable(request, viewer, title, exc)
        base = f"/{kind}?" + "&".join(f"{k}={v}" for k, v in filters.items() if v)
        return render(request, "records.html", viewer, title=title, kind=kind, rows=rows, total=total,
                      offset=offset, limit=PAGE, base=base, filters=filters)

    @app.get("/court-cases", response_class=HTMLResponse, include_in_schema=False)
    def court_cases_page(request: Request, store: StoreDep, viewer: PageViewer,
                         district: Annotated[str, Query(max_length=40)] = "",
                         filing_type: Annotated[str, Query(max_length=40)] = "",
                         offset: Annotated[int, Query(ge=0, le=100000)] = 0) -> HTMLResponse:
        return records_page(request, store, viewer, "court-cases", offset,
                            {"district": district, "filing_type": filing_type})

    @app.get("/forfeitures", response_class=HTMLResponse, include_in_schema=False)
    def forfeitures_page(request: Request, store: StoreDep, viewer: PageViewer,
                         status_: Annotated[str, Query(alias="status", max_length=40)] = "",
                         offset: Annotated[int, Query(ge=0, le=100000)] = 0) -> HTMLResponse:
        return records_page(request, store, viewer, "forfeitures", offset, {"status": status_})

    @app.get("/requests", response_class=HTMLResponse, include_in_schema=False)
    def requests_page(request: Request, store: StoreDep, viewer: PageViewer,
                      kind: Annotated[str, Query(max_length=40)] = "",
                      offset: Annotated[int, Query(ge=0, le=100000)] = 0) -> HTMLResponse:
        return records_page(request, store, viewer, "requests", offset, {"kind": kind})

    @app.get("/trends", response_class=HTMLResponse, include_in_schema=False)
    def trends_page(request: Request, store: StoreDep, viewer: PageViewer,
                    district: Annotated[str, Query(max_length=40)] = "") -> HTMLResponse:
        require(viewer, "read:trends")
        try:
            report = trends_report(store, viewer, request.app.state.page_cache, district)
        except services.StageUnavailable as exc:
            return unavailable(request, viewer, "District trends", exc)
        from netcase.report.charts import line_chart

        districts = sorted({s["group"] for s in report["series"] if s["by"] == "district"})
        metrics = sorted({s["metric"] for s in report["series"]})
        charts = []
        for metric in metrics:
            series = [s for s in report["series"] if s["metric"] == metric and s["by"] == "district"]
            if series:
                charts.append({"metric": metric, "svg": line_chart(report["months"], series, title=metric),
                               "data": json.dumps({"months": report["months"],
                                                   "series": [{"label": s["group"], "values": s["values"]} for s in series]})})
        return render(request, "trends.html", viewer, title="District trends", report=report, charts=charts,
                      districts=districts, district=district)

    @app.get("/brief", response_class=HTMLResponse, include_in_schema=False)
    def brief_page(request: Request, viewer: PageViewer) -> HTMLResponse:
        require(viewer, "read:trends")
        return render(request, "brief_start.html", viewer, title="Leadership brief")

    @app.get("/brief/view", response_class=HTMLResponse, include_in_schema=False)
    def brief_view(request: Request, store: StoreDep, viewer: PageViewer) -> HTMLResponse:
        require(viewer, "read:trends")
        from netcase.report.brief import render_html

        html = render_html(brief_for(store, viewer, request.app.state.page_cache))
        audit(store, viewer, "read:brief", object_type="brief", object_id="html", request=request)
        return HTMLResponse(html)

    @app.get("/brief.pdf", include_in_schema=False)
    def brief_pdf(request: Request, store: StoreDep, viewer: PageViewer) -> Response:
        require(viewer, "read:trends")
        from netcase.report.brief import render_html, render_pdf

        brief = brief_for(store, viewer, request.app.state.page_cache)
        pdf = render_pdf(render_html(brief))
        audit(store, viewer, "read:brief", object_type="brief", object_id="pdf", request=request)
        name = f"netcase-brief-{brief.generated:%Y%m%d}.pdf"
        return Response(pdf, media_type="application/pdf",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})

    @app.get("/audit", response_class=HTMLResponse, include_in_schema=False)
    def audit_page(request: Request, store: StoreDep, viewer: PageViewer,
                   user: Annotated[str, Query(max_length=120)] = "", action: Annotated[str, Query(max_length=60)] = "",
                   object_id: Annotated[str, Query(max_length=200)] = "",
                   offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0) -> HTMLResponse:
        require(viewer, "read:audit")
        where, params = [], []
        for col, val in (("username", user), ("action", action), ("object_id", object_id)):
            if val:
                where.append(f"{col} = ?")
                params.append(val)
        cond = (" WHERE " + " AND ".join(where)) if where else ""
        total = int(store.scalar(f"SELECT count(*) FROM audit_log{cond}", params) or 0)
        rows = store.query_dicts(
            f"SELECT seq, logged_at AS at, username, source, action, object_type, object_id, outcome, details FROM audit_log{cond} "
            "ORDER BY seq DESC LIMIT ? OFFSET ?", [*params, PAGE, offset])
        actions = [r[0] for r in store.query("SELECT DISTINCT action FROM audit_log ORDER BY 1")]
        from netcase.access import audit as audit_log

        head = audit_log.current_head(store)
        # Reading the audit log is itself audited (who looked at whose activity).
        audit(store, viewer, "read:audit", object_type="audit_log", object_id=user or None, request=request,
              details={"action": action or None, "offset": offset})
        base = "/audit?" + "&".join(f"{k}={v}" for k, v in (("user", user), ("action", action), ("object_id", object_id)) if v)
        return render(request, "audit.html", viewer, title="Audit log", rows=rows, total=total, offset=offset,
                      limit=PAGE, actions=actions, f={"user": user, "action": action, "object_id": object_id},
                      head=head, base=base)

    @app.get("/admin/users", response_class=HTMLResponse, include_in_schema=False)
    def users_page(request: Request, store: StoreDep, viewer: PageViewer, message: str = "") -> HTMLResponse:
        require(viewer, "manage:users")
        from netcase.access import identity

        users = identity.list_users(store)
        return render(request, "users.html", viewer, title="Users", users=users, roles=ROLES, message=message)

    @app.post("/admin/users", response_class=HTMLResponse, include_in_schema=False)
    def users_action(
        request: Request, store: StoreDep, viewer: PageViewer,
        op: Annotated[str, Form(pattern=r"^(add|lock|unlock|grant|revoke)$")],
        username: Annotated[str, Form(min_length=1, max_length=120, pattern=r"^[A-Za-z0-9._@\-]+$")],
        role: Annotated[str, Form(max_length=40)] = "",
        agency: Annotated[str, Form(max_length=40)] = "",
        country: Annotated[str, Form(max_length=3)] = "USA",
        password: Annotated[str, Form(max_length=1024)] = "",
        compartment: Annotated[str, Form(max_length=80)] = "",
    ) -> Response:
        require(viewer, "manage:users")
        from netcase.access import identity

        message = ""
        secret = None
        try:
            with ACCESS_WRITE_LOCK:
                if op == "add":
                    enrol = identity.add_user(store, username=username, agency=agency or "UNKNOWN", country=country,
                                              roles=[role] if role else [], password=password, by=viewer, now=now(),
                                              compartments=[compartment] if compartment else [], source="web")
                    secret = enrol.secret
                    message = f"User {username} added. Give them the TOTP secret below once, in person."
                elif op == "lock":
                    identity.lock_user(store, username, by=viewer, now=now(), source="web")
                    message = f"{username} locked."
                elif op == "unlock":
                    identity.unlock_user(store, username, by=viewer, now=now(), source="web")
                    message = f"{username} unlocked."
                elif op in ("grant", "revoke"):
                    fn = identity.grant if op == "grant" else identity.revoke
                    fn(store, username, by=viewer, now=now(), roles=(role,) if role else (),
                       compartments=(compartment,) if compartment else (), source="web")
                    message = f"{op} done for {username}."
        except (ValueError, Exception) as exc:  # the access layer's refusals and validation errors
            users = identity.list_users(store)
            return render(request, "users.html", viewer, status_code=422, title="Users", users=users, roles=ROLES,
                          error=str(exc), message="")
        users = identity.list_users(store)
        return render(request, "users.html", viewer, title="Users", users=users, roles=ROLES, message=message,
                      secret=secret, new_user=username if secret else None)

    @app.post("/entities/{entity_id}/judgement", response_class=HTMLResponse, include_in_schema=False)
    def judgement(entity_id: str, request: Request, store: StoreDep, viewer: PageViewer,
                  other: Annotated[str, Form(max_length=200)],
                  verdict: Annotated[str, Form(pattern=r"^(same|not_same)$")]) -> HTMLResponse:
        # Judging identities is resolution work: the roles that may run the pipeline.
        require(viewer, "run:pipeline")
        from netcase.api import reads
        from netcase.resolve.analyst import ResolveError, judge

        a, b = reads.entity(store, viewer, entity_id), reads.entity(store, viewer, other)
        if a is None or b is None:
            return HTMLResponse("<span role='alert'>Not visible to you.</span>", status_code=404)
        try:
            judge(store, a.id, b.id, "same" if verdict == "same" else "not-same", viewer.user)
        except ResolveError as exc:
            return HTMLResponse(f"<span role='alert'>{_escape(str(exc))}</span>", status_code=422)
        audit(store, viewer, "resolve:judge", object_type="entity", object_id=a.id, request=request,
              details={"other": b.id, "judgement": verdict})
        label = "Judged the same person" if verdict == "same" else "Judged not the same"
        return HTMLResponse(f"<span role='status'>{label} — applied at the next resolution run.</span>")


def _escape(text: str) -> str:
    from markupsafe import escape

    return str(escape(text))
