"""The JSON API on the hand-made world: log-on, access rules, audit, search, pagination, 422s.

Runs on both stores (PostgreSQL skips where none answers). Each role logs on once per module: a
TOTP code may be used only once, so a test never logs the same user on twice in one time step.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from netcase.access import identity
from netcase.access.viewer import Viewer
from netcase.api import create_app
from netcase.store import Store, open_store
from test_api_world import build_world, totp_now, users_by_role

ROLES_USED = ("analyst", "investigator", "partner_liaison", "victim_services", "auditor", "administrator")


@pytest.fixture(scope="module", params=["duckdb", pytest.param("postgres", marks=pytest.mark.postgres)])
def world(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A store with the hand-made world and demo users, the app, and one logged-on client per role."""
    from conftest import fresh_pg_url, pg_reason

    urls: Iterator[str]
    if request.param == "postgres":
        reason = pg_reason()
        if reason:
            pytest.skip(f"PostgreSQL not available: {reason}")
        urls = fresh_pg_url()
        url = next(urls)
    else:
        urls = iter(())
        url = str(tmp_path_factory.mktemp("api") / "netcase.duckdb")
    store = open_store(url)
    ids = build_world(store)
    users = users_by_role(store)
    app = create_app(url)
    clients: dict[str, TestClient] = {}
    with TestClient(app) as anon:
        for role in ROLES_USED:
            u = users[role]
            c = TestClient(app)
            r = c.post("/api/auth/login", json={"username": u.username, "password": u.password, "totp": totp_now(u)})
            assert r.status_code == 200, r.text
            clients[role] = c
        yield {"store": store, "ids": ids, "users": users, "clients": clients, "anon": anon, "app": app}
    store.close()
    for _ in urls:  # drop the PostgreSQL schema
        pass


def get(world: dict[str, Any], role: str, path: str, **kw: Any) -> Any:
    return world["clients"][role].get(path, **kw)


def test_unauthenticated_calls_get_401(world: dict[str, Any]) -> None:
    r = world["anon"].get("/api/entities")
    assert r.status_code == 401
    assert r.headers["www-authenticate"] == "Bearer"


def test_wrong_code_is_refused_without_saying_which_part(world: dict[str, Any]) -> None:
    u = world["users"]["prosecutor"]
    r = world["anon"].post("/api/auth/login", json={"username": u.username, "password": u.password, "totp": "000000"})
    assert r.status_code == 401
    assert "invalid user name, password or one-time code" in r.json()["detail"]


def test_login_body_errors_name_the_field(world: dict[str, Any]) -> None:
    r = world["anon"].post("/api/auth/login", json={"username": "x", "password": "y", "totp": "12ab"})
    assert r.status_code == 422
    assert [e["loc"] for e in r.json()["detail"]] == [["body", "totp"]]


def test_me(world: dict[str, Any]) -> None:
    me = get(world, "investigator", "/api/me").json()
    assert me["user"] == "ivan.investigator"
    assert me["roles"] == ["investigator"]
    assert "HSI-LAREDO-24" in me["compartments"]


def test_entity_merges_resolved_mentions_and_shows_provenance(world: dict[str, Any]) -> None:
    e = get(world, "analyst", "/api/entities/p-jose-2").json()
    assert e["id"] == "p-jose"
    assert e["members"] == ["p-jose", "p-jose-2"]
    assert "1984-02-11" in e["properties"]["birthDate"]
    phone = next(s for s in e["statements"] if s["prop"] == "phone")
    assert phone["original_value"] == "(664) 123-4567"
    assert phone["marking"] == "LES//REL TO USA, MEX//TLP:GREEN"
    assert phone["agency"] == "HSI" and phone["source_record"] == "r1"


def test_partner_sees_only_releasable_facts(world: dict[str, Any]) -> None:
    # The demo users come with a sharing agreement with Mexico; without one the partner sees nothing.
    e = get(world, "partner_liaison", "/api/entities/p-jose").json()
    assert "birthDate" not in e["properties"]  # NOFORN record
    assert all("MEX" in s["marking"] for s in e["statements"])
    assert get(world, "partner_liaison", "/api/entities/p-noforn").status_code == 404
    assert get(world, "analyst", "/api/entities/p-noforn").status_code == 200


def test_compartment_needs_the_case_team(world: dict[str, Any]) -> None:
    assert get(world, "analyst", "/api/entities/p-driver").status_code == 404
    e = get(world, "investigator", "/api/entities/p-driver").json()
    assert e["caption"] == "Ricardo Salinas"


def test_victim_is_a_pseudonym_except_for_victim_services(world: dict[str, Any]) -> None:
    e = get(world, "analyst", "/api/entities/p-victim").json()
    assert e["caption"].startswith("P-")
    assert e["protected"] is True
    assert "name" not in e["properties"]
    assert "María" not in str(e)
    v = get(world, "victim_services", "/api/entities/p-victim").json()
    assert v["caption"] == "María López"


def test_reads_are_audit_logged_victims_by_pseudonym(world: dict[str, Any]) -> None:
    store: Store = world["store"]
    get(world, "analyst", "/api/entities/p-jose")
    get(world, "analyst", "/api/entities/p-victim")
    rows = store.query("SELECT action, object_id, source FROM audit_log WHERE username = 'ana.analyst' ORDER BY seq")
    assert ("read:entity", "p-jose", "api") in rows
    victim_reads = [r for r in rows if r[0] == "read:victim"]
    assert victim_reads and all(r[1].startswith("P-") for r in victim_reads)
    assert not store.scalar("SELECT count(*) FROM audit_log WHERE object_id = 'p-victim' OR details LIKE '%María%'")


def test_links(world: dict[str, Any]) -> None:
    links = get(world, "analyst", "/api/entities/p-jose/links").json()
    assert any(ln["via_id"] == "v-truck" and ln["role"] == "owner" for ln in links)
    assert any(ln["via_id"] == "assoc-1" and ln["other_id"] == "p-driver" for ln in links) is False  # compartment
    pay = next(ln for ln in links if ln["via_schema"] == "Payment")
    assert pay["other_caption"].startswith("P-")  # the paying relative/victim stays shielded


def test_search_tolerates_accents_and_typos(world: dict[str, Any]) -> None:
    hits = get(world, "analyst", "/api/search", params={"q": "jose hernadez"}).json()["items"]
    assert hits[0]["id"] == "p-jose"
    assert get(world, "analyst", "/api/search", params={"q": "JOSÉ HERNÁNDEZ"}).json()["items"][0]["id"] == "p-jose"


def test_search_phones_plates_accounts(world: dict[str, Any]) -> None:
    assert get(world, "analyst", "/api/search", params={"q": "123-4567"}).json()["items"][0]["id"] == "p-jose"
    assert get(world, "analyst", "/api/search", params={"q": "tx 8kd 442"}).json()["items"][0]["id"] == "v-truck"
    assert get(world, "analyst", "/api/search", params={"q": "001122334455"}).json()["items"][0]["id"] == "a-acct"


def test_search_never_reveals_a_victim_by_name(world: dict[str, Any]) -> None:
    assert get(world, "analyst", "/api/search", params={"q": "Maria Lopez"}).json()["total"] == 0
    hits = get(world, "victim_services", "/api/search", params={"q": "Maria Lopez"}).json()["items"]
    assert hits[0]["id"] == "p-victim"
    store: Store = world["store"]
    assert not store.scalar("SELECT count(*) FROM audit_log WHERE details LIKE '%Maria%' OR object_id LIKE '%Maria%'")


def test_pagination(world: dict[str, Any]) -> None:
    first = get(world, "analyst", "/api/entities", params={"schema": "Person", "limit": 10}).json()
    second = get(world, "analyst", "/api/entities", params={"schema": "Person", "limit": 10, "offset": 10}).json()
    assert first["total"] == second["total"] >= 30
    assert len(first["items"]) == 10
    assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
    past = get(world, "analyst", "/api/entities", params={"schema": "Person", "limit": 10, "offset": 10_000}).json()
    assert past["items"] == [] and past["total"] == first["total"]


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/api/entities", {"limit": 0}, ["query", "limit"]),
        ("/api/entities", {"limit": "many"}, ["query", "limit"]),
        ("/api/entities", {"offset": -1}, ["query", "offset"]),
        ("/api/entities", {"schema": "person"}, ["query", "schema"]),
        ("/api/search", {"q": "x"}, ["query", "q"]),
        ("/api/networks/NET-1/plan", {"budget": 0}, ["query", "budget"]),
        ("/api/trends", {"start": "2024-1"}, ["query", "start"]),
    ],
)
def test_bad_parameters_get_field_level_422(world: dict[str, Any], path: str, params: dict[str, Any],
                                            field: list[str]) -> None:
    r = get(world, "analyst", path, params=params)
    assert r.status_code == 422
    assert field in [e["loc"] for e in r.json()["detail"]]


def test_roles_are_enforced(world: dict[str, Any]) -> None:
    assert get(world, "auditor", "/api/entities/p-jose").status_code == 403
    assert get(world, "administrator", "/api/search", params={"q": "jose"}).status_code == 403
    assert get(world, "partner_liaison", "/api/networks/NET-1/plan").status_code == 403


def test_bearer_token_with_narrow_scope(world: dict[str, Any]) -> None:
    from netcase.api.security import now

    store: Store = world["store"]
    token = identity.issue_api_token(store, username="ana.analyst", name="test", scopes=["search"],
                                     by=Viewer.system(), now=now())
    anon: TestClient = world["anon"]
    headers = {"Authorization": f"Bearer {token.token}"}
    assert anon.get("/api/search", params={"q": "jose"}, headers=headers).status_code == 200
    assert anon.get("/api/entities/p-jose", headers=headers).status_code == 403
    assert anon.get("/api/me", headers={"Authorization": "Bearer nope"}).status_code == 401


def test_stages_that_have_not_run_answer_503(world: dict[str, Any]) -> None:
    r = get(world, "analyst", "/api/networks")
    assert r.status_code == 503
    assert "has not run" in r.json()["detail"]


def test_map_geojson(world: dict[str, Any]) -> None:
    fc = get(world, "analyst", "/api/map").json()
    points = [f for f in fc["features"] if f["geometry"]["type"] == "Point"]
    legs = {(tuple(f["geometry"]["coordinates"][0]), f["properties"]["trips"])
            for f in fc["features"] if f["geometry"]["type"] == "LineString"}
    assert len(points) == 3
    assert ((-99.5496, 27.4779), 2) in legs  # Nuevo Laredo → stash house, two trips


def test_openapi_and_headers(world: dict[str, Any]) -> None:
    r = world["anon"].get("/api/openapi.json")
    paths = r.json()["paths"]
    for p in ("/api/entities", "/api/entities/{entity_id}", "/api/search", "/api/networks", "/api/networks/{network_id}/plan",
              "/api/investigations", "/api/alerts", "/api/court-cases", "/api/forfeitures", "/api/requests", "/api/trends"):
        assert p in paths
    csp = world["anon"].get("/login").headers["content-security-policy"]
    assert "default-src 'self'" in csp and "connect-src 'self'" in csp


def test_vendored_assets_are_served_locally(world: dict[str, Any]) -> None:
    vendor = Path(__file__).resolve().parents[1] / "src" / "netcase" / "web" / "static" / "vendor"
    if not (vendor / "htmx.min.js").exists():
        pytest.skip("front-end packages not vendored (run scripts/setup.sh)")
    for asset in ("htmx.min.js", "cytoscape.min.js", "chart.umd.min.js", "leaflet/leaflet.js",
                  "atlas/countries-50m.json", "atlas/states-10m.json", "topojson-client.min.js"):
        assert world["anon"].get(f"/static/vendor/{asset}").status_code == 200
    docs = world["anon"].get("/api/docs").text
    assert "GET /api/entities/{entity_id}" in docs and "<script" not in docs


def test_gazetteer_places_routes_without_guessing() -> None:
    from netcase.api import gazetteer

    stops = gazetteer.route_stops("San Luis Río Colorado → Yuma → Phoenix")
    assert stops == ["San Luis Río Colorado", "Yuma", "Phoenix"]
    assert gazetteer.locate(stops[0])[2] == "plaza"  # type: ignore[index]
    assert gazetteer.locate("Yuma", sector_hint=True)[2] == "sector"  # type: ignore[index]
    assert gazetteer.locate("Yuma")[2] == "city"  # type: ignore[index]
    assert gazetteer.locate("Atlantis") is None
    assert gazetteer.city_of_address("2232 Maple Ave, Houston, TX, USA")[:2] == (29.7604, -95.3698)  # type: ignore[index]
