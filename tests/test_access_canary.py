"""Victim canaries: seeded victim names never reach the audit log, partner views or other roles' exports."""

from __future__ import annotations

import json
from datetime import date, datetime

import pytest
from typer.testing import CliRunner

from netcase.access import audit
from netcase.access.errors import AccessDenied
from netcase.access.policy import record_sharing_agreement, visible_entity, visible_statements
from netcase.access.retention import purge, record_dissemination, revalidate
from netcase.access.testing import insert_statements, statement_row
from netcase.access.viewer import ROLES, Viewer
from netcase.store import Store, open_store

CANARIES = ("Xochitl Canarybird", "Yesenia Canaryfeather", "Zulema Canarysong")
T0 = datetime(2026, 11, 29, 20, 0)


def viewers() -> list[Viewer]:
    out = []
    for role in ROLES:
        country = "MEX" if role == "partner_liaison" else "USA"
        out.append(Viewer(f"u-{role}", "X", country, frozenset({role})))
        out.append(Viewer(f"u-{role}-op", "X", country, frozenset({role}), frozenset({"OP-9"})))
    return out


@pytest.fixture
def canary_store(store: Store) -> Store:
    S = statement_row
    rel = ("USA", "MEX", "GTM", "SLV", "HND")
    rows = []
    for i, name in enumerate(CANARIES):
        vid = f"victim-{i}"
        rows += [
            S(vid, "name", name, prop_type="name", victim_sensitive=True, releasable_to=rel, compartment="OP-1",
              tlp="TLP:CLEAR", statement_id=f"c{i}-name", review_by=date(2026, 1, 1)),
            S(vid, "alias", name.split()[0], prop_type="name", releasable_to=rel, tlp="TLP:CLEAR",
              statement_id=f"c{i}-alias"),  # not flagged, but a victim's name: still protected
            S(vid, "nc:protected", "victim", releasable_to=rel, statement_id=f"c{i}-prot"),
            S(vid, "nc:reliefStatus", f"T-visa for {name}", releasable_to=rel, statement_id=f"c{i}-relief"),
        ]
    rows.append(S("victim-2", "nc:minor", "true", releasable_to=rel, statement_id="c2-minor"))
    rows.append(S("smuggler", "name", "Juan Coyote", prop_type="name", releasable_to=rel, statement_id="s-name",
                  review_by=date(2026, 1, 1)))
    insert_statements(store, rows)
    record_sharing_agreement(store, agreement_id="MOU-MEX", country="MEX", title="MOU", signed_on=date(2025, 1, 1),
                             recorded_by=Viewer.system(), now=T0)
    return store


def _leaks(text: str) -> list[str]:
    low = text.lower()
    return [n for n in CANARIES if n.lower() in low or n.split()[0].lower() in low or n.split()[1].lower() in low]


def test_canaries_are_real(canary_store: Store) -> None:
    vs = Viewer("vera", "X", "USA", frozenset({"victim_services"}), frozenset({"OP-1"}))
    text = json.dumps(visible_statements(canary_store, vs), default=str)
    assert set(_leaks(text)) == set(CANARIES)


def test_no_canary_reaches_other_roles_partners_or_the_audit_log(canary_store: Store) -> None:
    s = canary_store
    for v in viewers():
        if v.has_role("victim_services"):
            continue
        # what an exporter would write for this viewer, and what a page shows
        assert _leaks(json.dumps(visible_statements(s, v), default=str)) == [], v
        for i in range(3):
            ent = visible_entity(s, v, f"victim-{i}", now=T0, source="10.0.0.9")
            if ent is not None:
                assert _leaks(json.dumps([ent.caption, ent.properties, ent.statements], default=str)) == [], v
        audit.record_search(s, v, CANARIES[0], results=0, now=T0)
    vs = Viewer("vera", "X", "USA", frozenset({"victim_services"}), frozenset({"OP-1"}))
    for i in range(3):
        assert visible_entity(s, vs, f"victim-{i}", now=T0) is not None
    inv = Viewer("ivan", "X", "USA", frozenset({"investigator"}), frozenset({"OP-1"}))
    with pytest.raises(AccessDenied):
        record_dissemination(s, by=inv, recipient=CANARIES[1], recipient_agency="FGR", recipient_country="MEX",
                             reason=f"about {CANARIES[1]}", kind="share", statement_ids=["c1-name"], now=T0)
    record_dissemination(s, by=inv, recipient="Lic. Ruiz", recipient_agency="FGR", recipient_country="MEX",
                         reason=f"re {CANARIES[2]}", kind="share", statement_ids=["s-name"], now=T0)
    revalidate(s, ["c0-name"], by=Viewer("sam", "X", "USA", frozenset({"supervisor"})),
               reason=f"{CANARIES[0]} testifies in March", now=T0)
    purge(s, date(2026, 6, 1), by=Viewer("adm", "X", "USA", frozenset({"administrator"})), now=T0)
    dump = json.dumps(s.query("SELECT * FROM audit_log"), default=str)
    assert _leaks(dump) == []
    assert "victim-0" not in dump and "victim-1" not in dump  # protected people appear as pseudonyms
    assert _leaks(json.dumps(s.query("SELECT * FROM notifications"), default=str)) == []
    assert audit.verify(s).ok


def test_audit_show_output_has_no_canary(canary_store: Store, store_url: str) -> None:
    for i in range(3):
        visible_entity(canary_store, Viewer("ana", "X", "USA", frozenset({"analyst"})), f"victim-{i}", now=T0)
        audit.record_search(canary_store, Viewer("ana", "X", "USA", frozenset({"analyst"})), CANARIES[i],
                            results=1, now=T0)
    canary_store.close()
    from netcase.cli import build_app

    r = CliRunner().invoke(build_app(), ["audit", "show", "--db", store_url, "--json"])
    assert r.exit_code == 0, r.output
    assert _leaks(r.output) == []
    r = CliRunner().invoke(build_app(), ["audit", "show", "--db", store_url, "--json", "--search", CANARIES[1]])
    assert r.exit_code == 0 and len(json.loads(r.output)) == 1
    with open_store(store_url) as s2:
        assert audit.verify(s2).ok
