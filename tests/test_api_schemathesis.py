"""schemathesis over the OpenAPI spec, once per role with that role's API token.

Every operation is called with generated parameters: no response may be a server error (a 503
that says a stage has not run yet is the documented answer on a store without networks), and no
response may hold what the caller may not see — the victim's name for anyone but victim services,
the NOFORN person's name for the partner liaison.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings

from netcase.access.identity import issue_api_token, viewer_for
from netcase.access.policy import ACTIONS, decide
from netcase.access.viewer import ROLES, Viewer
from netcase.api import create_app
from netcase.store import open_store
from test_api_world import build_world, users_by_role

VICTIM_NAMES = ("María López", "Maria Lopez", "MARIA LOPEZ")
NOFORN_NAME = "Walter Keane"


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The hand-made world, an API token per role (every scope the role allows), and the schema."""
    url = str(Path(tmp_path_factory.mktemp("schemathesis")) / "netcase.duckdb")
    store = open_store(url)
    build_world(store)
    users = users_by_role(store)
    now = datetime.now(UTC)
    tokens: dict[str, str] = {}
    for role, user in users.items():
        owner = viewer_for(store, user.username)
        scopes = [a for a in ACTIONS if decide(owner, a).allowed]
        if scopes:
            tokens[role] = issue_api_token(
                store, username=user.username, name="schemathesis", scopes=scopes, by=Viewer.system(), now=now
            ).token
    store.close()
    app = create_app(url)
    yield {"schema": schemathesis.openapi.from_asgi(app.openapi_url or "/openapi.json", app), "tokens": tokens}


@pytest.mark.parametrize("role", ROLES)
def test_no_server_error_and_no_hidden_field_for_any_role(api: dict[str, Any], role: str) -> None:
    token = api["tokens"].get(role)
    if token is None:
        pytest.skip(f"role {role} may hold no API scope")
    calls = 0
    for result in api["schema"].get_all_operations():
        operation = result.ok()

        @settings(max_examples=4, deadline=None, suppress_health_check=list(HealthCheck), database=None)
        @given(case=operation.as_strategy())
        def check(case: Any) -> None:
            nonlocal calls
            calls += 1
            response = case.call(headers={"Authorization": f"Bearer {token}"})
            text = response.text
            if response.status_code == 503:
                assert "has not run" in text, (case.operation.label, text[:200])
            else:
                assert response.status_code < 500, (case.operation.label, response.status_code, text[:300])
            if role != "victim_services":
                for name in VICTIM_NAMES:
                    assert name not in text, (case.operation.label, "victim name leaked")
            if role == "partner_liaison":
                assert NOFORN_NAME not in text, (case.operation.label, "NOFORN fact leaked to a partner")

        check()
    assert calls > 0
