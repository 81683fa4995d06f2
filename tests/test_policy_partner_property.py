"""Property: whatever statements are stored, a partner (or any viewer) reads only what the rules allow."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcase.access.policy import record_sharing_agreement, visible_statements
from netcase.access.testing import insert_statements, statement_row
from netcase.access.viewer import Viewer
from netcase.model.marking import PARTNER_COUNTRIES, TLP_LABELS
from netcase.store import Store

COMPARTMENTS = [None, "OP-1", "OP-2"]
PROPS = [("name", "name"), ("phone", "phone"), ("nationality", "country"), ("notes", "string"),
         ("nc:reliefStatus", "string"), ("nc:protected", "string"), ("nc:minor", "string")]

statement = st.fixed_dictionaries({
    "entity": st.sampled_from(["e1", "e2", "e3", "e4"]),
    "prop": st.sampled_from(PROPS),
    "rel": st.sets(st.sampled_from(PARTNER_COUNTRIES), min_size=1),
    "tlp": st.sampled_from(TLP_LABELS),
    "victim": st.booleans(),
    "compartment": st.sampled_from(COMPARTMENTS),
})


def _value(prop: str) -> str:
    return {"nc:protected": "victim", "nc:minor": "true"}.get(prop, "v-" + uuid.uuid4().hex[:6])


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stmts=st.lists(statement, min_size=1, max_size=25), country=st.sampled_from(PARTNER_COUNTRIES[1:]),
       comps=st.sets(st.sampled_from(["OP-1", "OP-2"])))
def test_partner_sees_only_what_is_releasable_to_it(store: Store, stmts: list[dict], country: str,
                                                    comps: set[str]) -> None:
    batch = uuid.uuid4().hex[:8]
    rows = [statement_row(f"{batch}-{s['entity']}", s["prop"][0], _value(s["prop"][0]), prop_type=s["prop"][1],
                          releasable_to=s["rel"], tlp=s["tlp"], victim_sensitive=s["victim"],
                          compartment=s["compartment"], statement_id=f"{batch}-{i}") for i, s in enumerate(stmts)]
    insert_statements(store, rows)
    if not store.scalar("SELECT count(*) FROM sharing_agreements WHERE country = ?", (country,)):
        record_sharing_agreement(store, agreement_id=f"MOU-{country}", country=country, title="MOU",
                                 signed_on=date(2025, 1, 1), recorded_by=Viewer.system(), now=datetime(2026, 1, 1))
    partner = Viewer("p", "X", country, frozenset({"partner_liaison"}), frozenset(comps))
    seen = visible_statements(store, partner, "s.batch_id = ? AND s.id LIKE ?", ("test-batch", f"{batch}-%"))
    by_id = {r["id"]: r for r in rows}
    minors = {r["entity_id"] for r in rows if r["prop"] == "nc:minor"}
    victims = {r["entity_id"] for r in rows if r["prop"] == "nc:protected"}
    for r in seen:
        assert f",{country}," in r["releasable_to"]
        assert r["tlp"] not in ("TLP:RED", "TLP:AMBER+STRICT")
        assert r["compartment"] is None or r["compartment"] in comps
        assert not r["victim_sensitive"] and r["prop"] != "nc:reliefStatus"
        assert r["entity_id"] not in minors
        assert not (r["entity_id"] in victims and r["prop_type"] in ("name", "phone"))
    # and nothing allowed is withheld
    allowed = {
        i for i, r in by_id.items()
        if f",{country}," in r["releasable_to"] and r["tlp"] not in ("TLP:RED", "TLP:AMBER+STRICT")
        and (r["compartment"] is None or r["compartment"] in comps) and not r["victim_sensitive"]
        and r["prop"] != "nc:reliefStatus" and r["entity_id"] not in minors
        and not (r["entity_id"] in victims and r["prop_type"] in ("name", "phone"))
    }
    assert {r["id"] for r in seen} == allowed
