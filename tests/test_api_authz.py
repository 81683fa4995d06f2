"""The authorisation matrix through HTTP, generated from the definitions, not hand-listed.

Every API endpoint (``netcase.api.actions.ENDPOINT_ACTIONS``) is called by every role (an API
token holding every scope the role allows), by a token narrowed to one scope, by a session cookie,
by the partner-country liaison, and with a revoked and an expired token. Each answer must be what
``netcase.access.policy`` says for that caller and the endpoint's declared action: allowed → the
endpoint answers (never 401/403, never a server error); denied → 403, and the refusal is in the
audit log with the endpoint's template (not the concrete URL, which may hold an id or a name).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.testclient import TestClient

from netcase.access import audit as audit_log
from netcase.access.identity import issue_api_token, revoke_api_token, viewer_for
from netcase.access.policy import ACTIONS, ROLE_ACTIONS, decide
from netcase.access.viewer import ROLES, Viewer
from netcase.api import create_app
from netcase.api.actions import (
    ENDPOINT_ACTIONS,
    PUBLIC,
    SIGNED_IN,
    route_endpoints,
    undeclared_routes,
)
from netcase.api.routers import check_declared
from netcase.store import Store, open_store
from test_api_world import piped_store, totp_now, users_by_role

ENDPOINTS = sorted(ENDPOINT_ACTIONS)
REQUIRED_QUERY = {"/api/search": {"q": "ma"}}


def path_values(store: Store) -> dict[str, str]:
    """Real ids for the path templates, so that an allowed call reaches the endpoint's own code."""
    person = store.scalar("SELECT min(coalesce(r.canonical_id, s.entity_id)) FROM statements s LEFT JOIN resolved r"
                          " ON r.entity_id = s.entity_id WHERE s.schema = 'Person' AND s.releasable_to LIKE '%,MEX,%'"
                          " AND s.compartment IS NULL AND NOT s.victim_sensitive")
    network = store.scalar("SELECT min(network_id) FROM networks WHERE status = 'active'")
    investigation = (store.scalar("SELECT min(investigation_id) FROM investigations")
                     if store.table_exists("investigations") else None)
    return {"{entity_id}": str(person), "{network_id}": str(network), "{investigation_id}": str(investigation or "none")}


@pytest.fixture(scope="module")
def world(tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The tiny world through the pipeline; per role a token with every scope it allows; odd credentials."""
    url = piped_store(tiny_world, tmp_path_factory.getbasetemp())
    store = open_store(url)
    users = users_by_role(store)
    now = datetime.now(UTC).replace(tzinfo=None)
    system = Viewer.system()
    tokens: dict[str, tuple[str, str, frozenset[str]]] = {}  # caller → (user, token, scopes)
    for role, user in users.items():
        scopes = frozenset(a for a in ACTIONS if decide(viewer_for(store, user.username), a).allowed)
        if scopes:
            tokens[role] = (user.username, issue_api_token(store, username=user.username, name="authz", scopes=sorted(scopes),
                                                           by=system, now=now).token, scopes)
    analyst = users["analyst"].username
    tokens["analyst narrowed to read:entities"] = (
        analyst, issue_api_token(store, username=analyst, name="narrow", scopes=["read:entities"], by=system, now=now).token,
        frozenset({"read:entities"}))
    revoked = issue_api_token(store, username=analyst, name="revoked", scopes=["read:entities"], by=system, now=now)
    revoke_api_token(store, revoked.token_id, by=system, now=now)
    expired = issue_api_token(store, username=analyst, name="expired", scopes=["read:entities"], by=system,
                              now=now - timedelta(days=2), expires_at=now - timedelta(days=1))
    app = create_app(url)
    with TestClient(app) as client:
        yield {"store": store, "users": users, "tokens": tokens, "app": app, "client": client, "ids": path_values(store),
               "dead": {"revoked": revoked.token, "expired": expired.token}}
    store.close()


def caller_viewer(store: Store, user: str, scopes: frozenset[str] | None) -> Viewer:
    return viewer_for(store, user, scopes=scopes)


def expected(store: Store, user: str, scopes: frozenset[str] | None, endpoint: tuple[str, str]) -> bool:
    action = ENDPOINT_ACTIONS[endpoint]
    return action == SIGNED_IN or decide(caller_viewer(store, user, scopes), action).allowed


def denials(store: Store, user: str, action: str, endpoint: tuple[str, str]) -> int:
    return sum(1 for e in audit_log.entries(store, user=user, action=action)
               if e.outcome == "denied" and e.object_id == f"{endpoint[0]} {endpoint[1]}")


def call(world: dict[str, Any], client: TestClient, endpoint: tuple[str, str], **kw: Any) -> Any:
    method, path = endpoint
    url = path
    for template, value in world["ids"].items():
        url = url.replace(template, value)
    return client.request(method, url, params=REQUIRED_QUERY.get(path), **kw)


def assert_as_policy_says(world: dict[str, Any], user: str, scopes: frozenset[str] | None,
                          endpoint: tuple[str, str], response: Any, before: int) -> None:
    store = world["store"]
    label = f"{endpoint[0]} {endpoint[1]} as {user} (scopes {sorted(scopes) if scopes else 'of the roles'})"
    if expected(store, user, scopes, endpoint):
        assert response.status_code not in (401, 403), (label, response.status_code, response.text[:200])
        # 503 is the documented answer of a stage that has not run on this store (cases here).
        assert response.status_code < 500 or (response.status_code == 503 and "has not run" in response.text), (
            label, response.status_code, response.text[:200])
    else:
        assert response.status_code == 403, (label, response.status_code, response.text[:200])
        assert ENDPOINT_ACTIONS[endpoint] in response.json()["detail"], label
        assert denials(store, user, ENDPOINT_ACTIONS[endpoint], endpoint) == before + 1, (label, "refusal not audited")


def test_every_api_route_is_declared_exactly_once(world: dict[str, Any]) -> None:
    routes = route_endpoints(world["app"].routes)
    assert undeclared_routes(world["app"].routes) == []
    assert len(routes) == len(set(routes))
    # No stale line either: the table describes the app as it is.
    assert set(routes) == set(ENDPOINT_ACTIONS) | PUBLIC


def test_an_undeclared_api_route_stops_the_app_from_being_built() -> None:
    app = FastAPI()
    router = APIRouter(prefix="/api")

    @router.get("/secret-export")
    def secret_export() -> dict[str, str]:
        return {}

    app.include_router(router)
    with pytest.raises(RuntimeError, match="GET /api/secret-export"):
        check_declared(app)


def test_declared_actions_are_actions_of_the_policy() -> None:
    for endpoint, action in ENDPOINT_ACTIONS.items():
        assert action == SIGNED_IN or action in ACTIONS, endpoint


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=[f"{m} {p}" for m, p in ENDPOINTS])
def test_every_role_gets_what_the_role_table_says(world: dict[str, Any], endpoint: tuple[str, str]) -> None:
    store = world["store"]
    action = ENDPOINT_ACTIONS[endpoint]
    seen_allowed, seen_denied = 0, 0
    for caller, (user, token, scopes) in world["tokens"].items():
        before = denials(store, user, action, endpoint)
        r = call(world, world["client"], endpoint, headers={"Authorization": f"Bearer {token}"})
        assert_as_policy_says(world, user, scopes, endpoint, r, before)
        role_allows = action == SIGNED_IN or action in ROLE_ACTIONS.get(caller, frozenset())
        if caller in ROLES:
            # The role table itself, read directly: a full-scope token of the role behaves as the role.
            assert (r.status_code != 403) == role_allows, (caller, endpoint, r.status_code)
        seen_allowed += r.status_code != 403
        seen_denied += r.status_code == 403
    # Every read endpoint is open to some role and closed to some (auditor, administrator).
    if action != SIGNED_IN:
        assert seen_allowed and seen_denied, endpoint


def test_every_role_gets_the_same_answers_through_a_session_cookie(world: dict[str, Any]) -> None:
    store = world["store"]
    for role in ROLES:
        user = world["users"][role]
        c = TestClient(world["app"])
        r = c.post("/api/auth/login", json={"username": user.username, "password": user.password, "totp": totp_now(user)})
        assert r.status_code == 200, r.text
        for endpoint in ENDPOINTS:
            before = denials(store, user.username, ENDPOINT_ACTIONS[endpoint], endpoint)
            assert_as_policy_says(world, user.username, None, endpoint, call(world, c, endpoint), before)
        c.post("/api/auth/logout")


def test_partner_liaison_is_a_partner_country_viewer_and_gets_no_more(world: dict[str, Any]) -> None:
    user, _, _ = world["tokens"]["partner_liaison"]
    viewer = viewer_for(world["store"], user)
    assert viewer.is_partner and viewer.country != "USA"
    allowed = {ENDPOINT_ACTIONS[e] for e in ENDPOINTS if expected(world["store"], user, None, e)} - {SIGNED_IN}
    assert allowed == set(ROLE_ACTIONS["partner_liaison"]) & set(ENDPOINT_ACTIONS.values())


@pytest.mark.parametrize("which", ["revoked", "expired"])
def test_a_dead_token_gets_401_everywhere_and_the_failure_is_audited(world: dict[str, Any], which: str) -> None:
    store = world["store"]
    for endpoint in ENDPOINTS:
        before = len([e for e in audit_log.entries(store, user="anonymous", action="logon") if e.outcome == "failure"])
        r = call(world, world["client"], endpoint, headers={"Authorization": f"Bearer {world['dead'][which]}"})
        assert r.status_code == 401, (which, endpoint, r.status_code)
        failures = [e for e in audit_log.entries(store, user="anonymous", action="logon") if e.outcome == "failure"]
        assert len(failures) == before + 1, (which, endpoint)
        assert which in failures[-1].as_dict()["details"]["reason"]


def test_no_credentials_get_401_and_public_endpoints_need_none(world: dict[str, Any]) -> None:
    client = world["client"]
    for endpoint in ENDPOINTS:
        assert call(world, client, endpoint).status_code == 401, endpoint
    assert client.get("/api/openapi.json").status_code == 200
    assert client.get("/api/docs").status_code == 200
    assert client.post("/api/auth/logout").status_code == 204


def test_the_endpoint_table_in_docs_api_md_says_what_the_code_declares() -> None:
    doc = (Path(__file__).resolve().parents[1] / "docs" / "api.md").read_text(encoding="utf-8")
    documented: dict[tuple[str, str], str] = {}
    for line in doc.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) != 3 or not cells[0].startswith("`"):
            continue
        words = re.findall(r"`([^`]+)`", cells[2])
        action = words[0] if words else cells[2]
        for m in re.finditer(r"`(GET|POST|PUT|PATCH|DELETE) (/api/[^`?]*)", cells[0]):
            documented[(m.group(1), re.sub(r"\{[^}]+\}", "{}", m.group(2)))] = action
    declared = {(m, re.sub(r"\{[^}]+\}", "{}", p)): ("signed in" if a == SIGNED_IN else a)
                for (m, p), a in ENDPOINT_ACTIONS.items()}
    assert {e: a for e, a in documented.items() if a != "public"} == declared
    assert {e for e, a in documented.items() if a == "public"} <= {(m, p) for m, p in PUBLIC}
