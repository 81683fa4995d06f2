"""The authorisation matrix, generated from the role, action, marking and compartment definitions.

Every (role, action, marking, compartment) combination asserts allow or deny through the Python API,
and every (role, guarded command) combination through the CLI. The expected answer comes from the
rules as written in docs/security.md (``expected`` below), applied to the declarative role x action
table; a few anchors pin the table itself.
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from netcase.access import audit
from netcase.access.errors import AccessDenied
from netcase.access.identity import AuthConfig, add_user
from netcase.access.passwords import TEST_ARGON2
from netcase.access.policy import (
    ACTIONS,
    COMMAND_ACTIONS,
    ROLE_ACTIONS,
    authorization_matrix_markdown,
    authorize,
    decide,
)
from netcase.access.testing import insert_statements, statement_row
from netcase.access.viewer import ROLES, Viewer
from netcase.model.marking import PARTNER_COUNTRIES, TLP_LABELS, Marking
from netcase.store import open_store

HELD, NOT_HELD = "OP-1", "OP-2"
MARKINGS: list[Marking | None] = [None] + [
    Marking(releasable_to=rel, tlp=tlp, victim_sensitive=victim)
    for rel, tlp, victim in itertools.product((("USA",), PARTNER_COUNTRIES, ("USA", "GTM")),
                                              ("TLP:RED", "TLP:AMBER", "TLP:CLEAR"), (False, True))
]
COMPARTMENTS = [None, HELD, NOT_HELD]


def viewer(role: str) -> Viewer:
    country = "MEX" if role == "partner_liaison" else "USA"
    return Viewer(f"u-{role}", "X", country, frozenset({role}), frozenset({HELD}))


def expected(role: str, country: str, action: str, marking: Marking | None, compartment: str | None) -> bool:
    """The rules of docs/security.md, spelled out independently of policy.decide."""
    if action not in ROLE_ACTIONS[role]:
        return False
    if compartment is not None and compartment != HELD:
        return False
    if marking is None:
        return True
    if country not in marking.releasable_to:
        return False
    if country != "USA" and marking.tlp in ("TLP:RED", "TLP:AMBER+STRICT"):
        return False
    if marking.victim_sensitive:
        case_team = compartment is not None and role in ("investigator", "prosecutor", "supervisor")
        return role == "victim_services" or case_team
    return True


COMBOS = list(itertools.product(ROLES, ACTIONS, range(len(MARKINGS)), COMPARTMENTS))


def test_matrix_is_complete() -> None:
    assert set(ROLE_ACTIONS) == set(ROLES)
    assert all(ROLE_ACTIONS[r] <= set(ACTIONS) for r in ROLES)
    assert len(COMBOS) == len(ROLES) * len(ACTIONS) * len(MARKINGS) * 3
    assert set(TLP_LABELS) >= {"TLP:RED", "TLP:AMBER", "TLP:CLEAR"}


@pytest.mark.parametrize("role", ROLES)
def test_every_combination_through_the_python_api(role: str) -> None:
    v = viewer(role)
    for r, action, mi, comp in COMBOS:
        if r != role:
            continue
        marking = MARKINGS[mi]
        want = expected(role, v.country, action, marking, comp)
        assert bool(decide(v, action, marking, comp)) is want, (role, action, marking, comp)
        if want:
            authorize(v, action, marking, comp)
        else:
            with pytest.raises(AccessDenied):
                authorize(v, action, marking, comp)


def test_anchors_of_the_role_table() -> None:
    assert not decide(viewer("partner_liaison"), "export")
    assert not decide(viewer("partner_liaison"), "share")
    assert not decide(viewer("administrator"), "read:entities")
    assert not decide(viewer("auditor"), "read:victims")
    assert not decide(viewer("analyst"), "read:victims")
    assert decide(viewer("victim_services"), "read:victims")
    assert decide(viewer("auditor"), "read:audit")
    assert not decide(viewer("administrator"), "read:audit")  # separation of duties


def test_system_and_scopes() -> None:
    assert all(decide(Viewer.system(), a, MARKINGS[-1], NOT_HELD) for a in ACTIONS)
    scoped = Viewer("svc", "X", "USA", frozenset({"analyst"}), scopes=frozenset({"read:networks"}))
    assert [a for a in ACTIONS if decide(scoped, a)] == ["read:networks"]
    with pytest.raises(ValueError):
        decide(scoped, "launch:missiles")


def test_docs_embed_the_generated_matrix() -> None:
    doc = Path(__file__).resolve().parents[1] / "docs" / "security.md"
    assert authorization_matrix_markdown() in doc.read_text(encoding="utf-8")


# -- the CLI ---------------------------------------------------------------------------------------

def _args(command: tuple[str, ...], actor: str, role: str) -> list[str]:
    rest: dict[tuple[str, ...], list[str]] = {
        ("user", "add"): [f"new-{role}", "--agency", "HSI", "--role", "analyst", "--password", "Sturdy-Pass-42"],
        ("user", "list"): [],
        ("user", "lock"): ["target"],
        ("user", "unlock"): ["target"],
        ("user", "grant"): ["target", "--role", "investigator"],
        ("user", "revoke"): ["target", "--role", "investigator"],
        ("user", "token"): [actor, "--name", "t", "--scope", sorted(ROLE_ACTIONS[role])[0]],
        ("user", "agreement"): ["MEX", "--id", f"MOU-{role}", "--title", "MOU", "--signed", "2025-01-01"],
        ("audit", "show"): [],
        ("audit", "verify"): [],
        ("audit", "sth"): [],
        ("audit", "proof"): ["--seq", "0"],
        ("retention", "review"): ["--as-of", "2031-01-01"],
        ("retention", "revalidate"): ["st-cli", "--reason", "still under investigation"],
        ("retention", "purge"): ["--as-of", "2000-01-01"],
    }
    return [*command, *rest[command]]


@pytest.fixture
def cli_store(store_url: str) -> Iterator[str]:
    with open_store(store_url) as s:
        cfg = AuthConfig(argon2=TEST_ARGON2)
        now = datetime(2026, 11, 29)
        for role in ROLES:
            add_user(s, username=f"u-{role}", agency="X", country="MEX" if role == "partner_liaison" else "USA",
                     roles=[role], password="Sturdy-Pass-42", by=Viewer.system(), now=now, config=cfg)
        add_user(s, username="target", agency="X", country="USA", roles=["analyst"], password="Sturdy-Pass-42",
                 by=Viewer.system(), now=now, config=cfg)
        insert_statements(s, [statement_row("e1", "name", "Some Smuggler", statement_id="st-cli")])
    yield store_url


@pytest.fixture
def netcase_app(monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """The real ``netcase`` CLI. typer rebuilds the click command tree of every stage's commands
    on each ``invoke``; build it once so that the 224 invocations below stay fast."""
    import typer.testing

    from netcase.cli import build_app

    app = build_app()
    command = typer.main.get_command(app)
    monkeypatch.setattr(typer.testing, "_get_command", lambda _app: command)
    return app


def test_every_role_and_command_through_the_cli(
    cli_store: str, netcase_app: typer.Typer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("NETCASE_ARGON2", "1,8,1")
    app = netcase_app
    runner = CliRunner()
    for role, command in itertools.product(ROLES, COMMAND_ACTIONS):
        actor = f"u-{role}"
        want = expected(role, "MEX" if role == "partner_liaison" else "USA", COMMAND_ACTIONS[command], None, None)
        result = runner.invoke(app, [*_args(command, actor, role), "--db", cli_store, "--as", actor])
        assert result.exit_code == (0 if want else 3), (role, command, result.output)
    with open_store(cli_store) as s:
        denied = [e for e in audit.entries(s) if e.outcome == "denied" and e.object_type == "command"]
        n_denied = sum(not expected(r, "USA", COMMAND_ACTIONS[c], None, None) for r, c in
                       itertools.product(ROLES, COMMAND_ACTIONS))
        assert len(denied) == n_denied
        assert audit.verify(s).ok


def test_cli_requires_an_actor_once_accounts_exist(cli_store: str, netcase_app: typer.Typer) -> None:
    app = netcase_app
    result = CliRunner().invoke(app, ["user", "list", "--db", cli_store])
    assert result.exit_code == 2
    assert re.search(r"--as", result.output)
    result = CliRunner().invoke(app, ["user", "list", "--db", cli_store, "--as", "u-administrator", "--json"])
    assert result.exit_code == 0 and '"u-analyst"' in result.output
