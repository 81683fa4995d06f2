"""The API and pages over the later stages, on the tiny synthetic world run through the pipeline
(ingest, oracle resolution, network build): networks, graph, plan, cases, trends."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from netcase.api import create_app
from netcase.store import open_store
from test_api_world import piped_store, totp_now, users_by_role


@pytest.fixture(scope="module")
def piped(tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    url = piped_store(tiny_world, tmp_path_factory.getbasetemp())
    store = open_store(url)
    users = users_by_role(store)
    app = create_app(url)
    clients = {}
    for role in ("supervisor", "partner_liaison", "prosecutor"):
        c = TestClient(app)
        u = users[role]
        assert c.post("/api/auth/login", json={"username": u.username, "password": u.password,
                                               "totp": totp_now(u)}).status_code == 200
        clients[role] = c
    yield {"store": store, "clients": clients}
    store.close()


def test_networks_ranked_filtered_paginated(piped: dict[str, Any]) -> None:
    c = piped["clients"]["supervisor"]
    page = c.get("/api/networks", params={"limit": 3}).json()
    assert page["total"] >= 3 and len(page["items"]) == 3
    ranks = [n["rank"] for n in page["items"]]
    assert ranks == sorted(ranks)
    nxt = c.get("/api/networks", params={"limit": 3, "offset": 3}).json()
    assert {n["network_id"] for n in page["items"]}.isdisjoint({n["network_id"] for n in nxt["items"]})
    district = next(d for n in c.get("/api/networks", params={"limit": 500}).json()["items"] for d in n["districts"])
    filtered = c.get("/api/networks", params={"district": district, "limit": 500}).json()
    assert filtered["total"] >= 1 and all(district in n["districts"] for n in filtered["items"])


def test_network_detail_graph_and_plan(piped: dict[str, Any]) -> None:
    c = piped["clients"]["supervisor"]
    nid = c.get("/api/networks", params={"limit": 1}).json()["items"][0]["network_id"]
    detail = c.get(f"/api/networks/{nid}").json()
    assert detail["members"] and any(m["evidence"] for m in detail["members"])
    assert set(detail["factors"]) >= {"harm", "people_moved"}
    graph = c.get(f"/api/networks/{nid}/graph").json()
    people = [n["data"] for n in graph["nodes"] if n["data"]["kind"] == "person"]
    assert len(people) == detail["visible_members"]
    assert all("x" in n["position"] for n in graph["nodes"])
    store = piped["store"]
    # The piped store is shared by the modules of a test run: count this read's entry only.
    before = store.scalar("SELECT count(*) FROM audit_log WHERE action = 'read:plan' AND object_id = ?", (nid,))
    plan = c.get(f"/api/networks/{nid}/plan", params={"budget": 3}).json()
    assert 1 <= len(plan["targets"]) <= 3
    protected = {p["id"] for p in people if p["protected"]}
    assert not protected & {t["entity_id"] for t in plan["targets"]}
    assert plan["strategies"][plan["recommended"]]["curve"][0] == pytest.approx(1.0, abs=0.01)
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'read:plan' AND object_id = ?", (nid,)) == before + 1
    assert c.get("/api/networks/NET-9999").status_code == 404


def test_case_records(piped: dict[str, Any]) -> None:
    c = piped["clients"]["prosecutor"]
    cases = c.get("/api/court-cases", params={"limit": 5}).json()
    assert cases["total"] > 5 and len(cases["items"]) == 5
    assert {"case_number", "district", "defendants", "statutes"} <= set(cases["items"][0])
    assert c.get("/api/forfeitures").json()["total"] > 0
    reqs = c.get("/api/requests", params={"kind": "extradition"}).json()
    assert all(r["kind"] == "extradition" for r in reqs["items"])
    assert c.get("/api/investigations").json()["total"] > 0
    assert c.get("/api/alerts").status_code == 200
    # Case records stay with U.S. agencies.
    assert piped["clients"]["partner_liaison"].get("/api/court-cases").json()["total"] == 0


def test_trends(piped: dict[str, Any]) -> None:
    t = piped["clients"]["supervisor"].get("/api/trends").json()
    assert t["months"] and t["series"]
    assert all(len(s["values"]) == len(t["months"]) for s in t["series"])
    assert piped["clients"]["partner_liaison"].get("/api/trends").status_code == 403


def test_pages_render_for_the_supervisor(piped: dict[str, Any]) -> None:
    c = piped["clients"]["supervisor"]
    nid = c.get("/api/networks", params={"limit": 1}).json()["items"][0]["network_id"]
    for path, text in (("/networks", "Priority networks"), (f"/networks/{nid}", "Disruption plan"),
                       ("/investigations", "Deconfliction alerts"), ("/court-cases", "Court cases"),
                       ("/forfeitures", "Forfeitures"), ("/requests", "requests"), ("/trends", "<svg"),
                       ("/brief", "Leadership brief")):
        r = c.get(path)
        assert r.status_code == 200, path
        assert text in r.text, path


def test_brief_html_and_pdf(piped: dict[str, Any], tmp_path: Path) -> None:
    from netcase.access.identity import viewer_for
    from netcase.report.brief import build_brief, render_html, write_brief

    store = piped["store"]
    viewer = viewer_for(store, "sam.supervisor")
    brief = build_brief(store, viewer)
    assert brief.networks and brief.trends and brief.prosecutions
    html = render_html(brief)
    for heading in ("Priority networks and what changed", "District trends", "Prosecutions, indictments",
                    "Partner cooperation"):
        assert heading in html
    assert "<script" not in html and html.count("<svg") >= 3
    pdf = write_brief(store, viewer, tmp_path / "brief.pdf")
    assert pdf.read_bytes()[:5] == b"%PDF-"
    assert store.scalar("SELECT count(*) FROM audit_log WHERE action = 'read:brief' AND username = 'sam.supervisor'") >= 1
