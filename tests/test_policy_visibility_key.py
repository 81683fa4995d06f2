"""Properties of the policy's two shortcuts: the Python form of the statement filter agrees with
the SQL form on every statement, and viewers with equal visibility keys read the same statements."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcase.access import protected
from netcase.access.policy import (
    has_sharing_agreement,
    record_sharing_agreement,
    statement_visible,
    visibility_key,
    visible_statements,
)
from netcase.access.testing import insert_statements, statement_row
from netcase.access.viewer import ROLES, Viewer
from netcase.model.marking import PARTNER_COUNTRIES, TLP_LABELS
from netcase.store import Store

COMPARTMENTS = [None, "OP-1", "OP-2"]
PROPS = [("name", "name"), ("phone", "phone"), ("birthDate", "date"), ("nationality", "country"),
         ("notes", "string"), ("nc:reliefStatus", "string"), ("nc:protected", "string"), ("nc:minor", "string")]

statement = st.fixed_dictionaries({
    "entity": st.sampled_from(["e1", "e2", "e3", "e4"]),
    "prop": st.sampled_from(PROPS),
    "rel": st.sets(st.sampled_from(PARTNER_COUNTRIES), min_size=1),
    "tlp": st.sampled_from(TLP_LABELS),
    "victim": st.booleans(),
    "compartment": st.sampled_from(COMPARTMENTS),
})
viewer = st.builds(
    lambda country, roles, comps: Viewer("u", "AG", country, frozenset(roles), frozenset(comps)),
    st.sampled_from(PARTNER_COUNTRIES),
    st.sets(st.sampled_from(ROLES), min_size=1, max_size=3),
    st.sets(st.sampled_from(["OP-1", "OP-2"])),
)


def _value(prop: str) -> str:
    return {"nc:protected": "victim", "nc:minor": "true"}.get(prop, "v-" + uuid.uuid4().hex[:6])


def _store_world(store: Store, stmts: list[dict]) -> tuple[str, list[dict]]:
    batch = uuid.uuid4().hex[:8]
    rows = [statement_row(f"{batch}-{s['entity']}", s["prop"][0], _value(s["prop"][0]), prop_type=s["prop"][1],
                          releasable_to=s["rel"], tlp=s["tlp"], victim_sensitive=s["victim"],
                          compartment=s["compartment"], statement_id=f"{batch}-{i}") for i, s in enumerate(stmts)]
    insert_statements(store, rows)
    protected.refresh(store)
    return batch, rows


def _seen(store: Store, who: Viewer, batch: str) -> set[str]:
    return {r["id"] for r in visible_statements(store, who, "s.id LIKE ?", (f"{batch}-%",))}


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stmts=st.lists(statement, min_size=1, max_size=20), who=viewer, agree=st.booleans())
def test_python_filter_agrees_with_sql_filter(store: Store, stmts: list[dict], who: Viewer, agree: bool) -> None:
    if agree and who.is_partner and not has_sharing_agreement(store, who.country):
        record_sharing_agreement(store, agreement_id=f"MOU-{who.country}", country=who.country, title="MOU",
                                 signed_on=date(2025, 1, 1), recorded_by=Viewer.system(), now=datetime(2026, 1, 1))
    batch, rows = _store_world(store, stmts)
    kinds = store.query("SELECT entity_id, kind FROM protected_entities WHERE entity_id LIKE ?", (f"{batch}-%",))
    victims = {str(e) for e, k in kinds if k == "victim"}
    minors = {str(e) for e, k in kinds if k == "minor"}
    stored = {r["id"]: r for r in visible_statements(store, Viewer.system(), "s.id LIKE ?", (f"{batch}-%",))}
    agreement = has_sharing_agreement(store, who.country)
    by_python = {i for i, r in stored.items()
                 if statement_visible(who, r, victims=victims, minors=minors, agreement=agreement)}
    assert by_python == _seen(store, who, batch)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(stmts=st.lists(statement, min_size=1, max_size=20), who=viewer,
       extra=st.sets(st.sampled_from(("analyst", "partner_liaison", "auditor", "administrator"))))
def test_viewers_with_equal_keys_read_the_same_statements(store: Store, stmts: list[dict], who: Viewer,
                                                         extra: set[str]) -> None:
    batch, _ = _store_world(store, stmts)
    other = Viewer("someone-else", "OTHER", who.country, who.roles | extra, who.compartments)
    if visibility_key(other) == visibility_key(who):
        assert _seen(store, other, batch) == _seen(store, who, batch)
    else:
        # Adding analyst or partner liaison to a viewer without a content role is the only change
        # here that may change what is read; auditor and administrator change nothing.
        assert visibility_key(other).reads_content and not visibility_key(who).reads_content


def test_keys_differ_where_reads_differ() -> None:
    base = Viewer("a", "X", "USA", frozenset({"analyst"}), frozenset({"OP-1"}))
    assert visibility_key(base) == visibility_key(Viewer("b", "Y", "USA", frozenset({"analyst"}), frozenset({"OP-1"})))
    assert visibility_key(base) != visibility_key(Viewer("a", "X", "MEX", frozenset({"analyst"}), frozenset({"OP-1"})))
    assert visibility_key(base) != visibility_key(Viewer("a", "X", "USA", frozenset({"analyst"}), frozenset()))
    assert visibility_key(base) != visibility_key(Viewer("a", "X", "USA", frozenset({"investigator"}), frozenset({"OP-1"})))
    assert visibility_key(base) != visibility_key(Viewer("a", "X", "USA", frozenset({"victim_services"}),
                                                         frozenset({"OP-1"})))
