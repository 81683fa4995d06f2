"""The read path: releasability, compartments, role categories, victims, minors, relief status, partners."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from netcase.access import audit
from netcase.access.errors import AccessDenied, NoSharingAgreement
from netcase.access.policy import (
    pseudonym,
    pseudonym_secret,
    record_sharing_agreement,
    require_sharing_agreement,
    revoke_sharing_agreement,
    visible_entity,
    visible_statements,
)
from netcase.access.testing import insert_statements, statement_row, write_resolved
from netcase.access.viewer import Viewer
from netcase.store import Store

T0 = datetime(2026, 11, 29, 20, 0)


def V(user: str, roles: set[str], comps: set[str] = frozenset(), country: str = "USA") -> Viewer:  # type: ignore[assignment]
    return Viewer(user, "HSI" if country == "USA" else "FGR", country, frozenset(roles), frozenset(comps))


ANALYST = V("ana", {"analyst"})
INVESTIGATOR_OP1 = V("ivan", {"investigator"}, {"OP-1"})
PROSECUTOR_OP2 = V("pia", {"prosecutor"}, {"OP-2"})
VICTIM_SERVICES = V("vera", {"victim_services"}, {"OP-1"})
PARTNER_MEX = V("memo", {"partner_liaison"}, country="MEX")
PARTNER_GTM = V("gabi", {"partner_liaison"}, country="GTM")
AUDITOR = V("aud", {"auditor"})
ADMIN = V("adm", {"administrator"})


@pytest.fixture
def world(store: Store) -> Store:
    S = statement_row
    insert_statements(store, [
        S("s1", "name", "Juan Coyote", prop_type="name", releasable_to=("USA", "MEX"), statement_id="s1-name"),
        S("s1", "phone", "+5215550001", prop_type="phone", statement_id="s1-phone"),
        S("s1", "address", "Calle 5, Reynosa", prop_type="address", releasable_to=("USA", "MEX"), compartment="OP-1",
          statement_id="s1-addr"),
        S("s1", "notes", "wiretap summary", releasable_to=("USA", "MEX"), tlp="TLP:RED", statement_id="s1-red"),
        S("v1", "name", "Maria Canary", prop_type="name", victim_sensitive=True, releasable_to=("USA", "MEX"),
          compartment="OP-1", statement_id="v1-name"),
        S("v1", "nc:protected", "victim", statement_id="v1-prot"),
        S("v1", "phone", "+50255550002", prop_type="phone", compartment="OP-1", statement_id="v1-phone"),
        S("v1", "nc:reliefStatus", "T-visa applied", compartment="OP-1", statement_id="v1-relief"),
        S("v1", "nationality", "gt", prop_type="country", releasable_to=("USA", "MEX"), statement_id="v1-nat"),
        S("m1", "nc:minor", "true", statement_id="m1-minor"),
        S("m1", "name", "Nino Canary", prop_type="name", victim_sensitive=True, compartment="OP-1",
          statement_id="m1-name"),
        S("m1", "nationality", "hn", prop_type="country", statement_id="m1-nat"),
        S("v2", "name", "Rosa Canary", prop_type="name", victim_sensitive=True, compartment="OP-2",
          statement_id="v2-name"),
        S("v2", "nc:reliefStatus", "U-visa certified", statement_id="v2-relief"),
    ])
    return store


def ids(store: Store, viewer: Viewer) -> set[str]:
    return {r["id"] for r in visible_statements(store, viewer)}


def test_analyst_sees_general_facts_without_compartments_or_victim_identity(world: Store) -> None:
    assert ids(world, ANALYST) == {"s1-name", "s1-phone", "s1-red", "v1-prot", "v1-nat"}


def test_case_team_sees_its_victims_but_not_minors_or_other_compartments(world: Store) -> None:
    assert ids(world, INVESTIGATOR_OP1) == {
        "s1-name", "s1-phone", "s1-addr", "s1-red", "v1-name", "v1-prot", "v1-phone", "v1-relief", "v1-nat"}
    assert ids(world, PROSECUTOR_OP2) == {"s1-name", "s1-phone", "s1-red", "v1-prot", "v1-nat", "v2-name"}


def test_relief_status_without_compartment_is_victim_services_only(world: Store) -> None:
    for v in (ANALYST, INVESTIGATOR_OP1, PROSECUTOR_OP2, AUDITOR):
        assert "v2-relief" not in ids(world, v)
    assert "v2-relief" in ids(world, VICTIM_SERVICES)


def test_victim_services_see_minors_and_victims_of_their_compartments(world: Store) -> None:
    assert ids(world, VICTIM_SERVICES) == {
        "s1-name", "s1-phone", "s1-addr", "s1-red", "v1-name", "v1-prot", "v1-phone", "v1-relief", "v1-nat",
        "m1-minor", "m1-name", "m1-nat", "v2-relief"}


def test_administrator_and_auditor_see_no_content(world: Store) -> None:
    assert ids(world, ADMIN) == set()
    assert ids(world, AUDITOR) == set()


def test_analyst_holding_the_compartment_still_sees_victims_as_pseudonyms(world: Store) -> None:
    analyst_op1 = V("al", {"analyst"}, {"OP-1"})
    assert ids(world, analyst_op1) == ids(world, ANALYST) | {"s1-addr"}


def test_partner_needs_an_agreement_and_sees_only_releasable_non_red(world: Store) -> None:
    assert ids(world, PARTNER_MEX) == set()
    record_sharing_agreement(world, agreement_id="MOU-MEX-1", country="MEX", title="FGR-HSI MOU",
                             signed_on=date(2025, 1, 1), recorded_by=Viewer.system(), now=T0)
    assert ids(world, PARTNER_MEX) == {"s1-name", "v1-nat"}
    assert ids(world, PARTNER_GTM) == set()
    revoke_sharing_agreement(world, "MOU-MEX-1", by=Viewer.system(), now=T0)
    assert ids(world, PARTNER_MEX) == set()


def test_require_sharing_agreement_checks_dates_and_agency(world: Store) -> None:
    record_sharing_agreement(world, agreement_id="MOU-GTM", country="GTM", agency="MP", title="MP letter",
                             signed_on=date(2025, 1, 1), expires_on=date(2026, 12, 31), recorded_by=Viewer.system(),
                             now=T0)
    assert require_sharing_agreement(world, "GTM", "MP", date(2026, 6, 1)) == "MOU-GTM"
    with pytest.raises(NoSharingAgreement):
        require_sharing_agreement(world, "GTM", "PNC", date(2026, 6, 1))
    with pytest.raises(NoSharingAgreement):
        require_sharing_agreement(world, "GTM", "MP", date(2027, 1, 1))
    assert require_sharing_agreement(world, "USA", "FBI", date(2027, 1, 1)) == ""
    with pytest.raises(AccessDenied):
        record_sharing_agreement(world, agreement_id="x", country="HND", title="t", signed_on=date(2025, 1, 1),
                                 recorded_by=ANALYST, now=T0)


def test_visible_entity_hides_existence_and_pseudonymises_victims(world: Store) -> None:
    assert visible_entity(world, ANALYST, "m1", now=T0) is None
    assert visible_entity(world, ANALYST, "does-not-exist", now=T0) is None
    assert visible_entity(world, ADMIN, "s1", now=T0) is None
    v = visible_entity(world, ANALYST, "v1", now=T0)
    assert v is not None and v.pseudonymised and v.caption.startswith("P-")
    assert "name" not in v.properties and "nc:reliefStatus" not in v.properties
    team = visible_entity(world, INVESTIGATOR_OP1, "v1", now=T0)
    assert team is not None and team.caption == "Maria Canary" and not team.pseudonymised
    s = visible_entity(world, ANALYST, "s1", now=T0)
    assert s is not None and s.caption == "Juan Coyote" and s.properties["phone"] == ("+5215550001",)
    entries = audit.entries(world)
    assert [(e.user, e.action, e.outcome) for e in entries] == [
        ("ana", "read:victim", "not_found"), ("ana", "read:entity", "not_found"), ("adm", "read:entity", "not_found"),
        ("ana", "read:victim", "ok"), ("ivan", "read:victim", "ok"), ("ana", "read:entity", "ok")]
    victim_objects = {e.object_id for e in entries if e.action == "read:victim"}
    assert "v1" not in victim_objects and "m1" not in victim_objects
    assert entries[1].object_id.startswith("unknown:q-")  # a probe id is kept as a digest only


def test_probing_with_a_name_as_id_leaves_no_name_in_the_log(world: Store) -> None:
    assert visible_entity(world, ANALYST, "Maria Canary", now=T0) is None
    assert "Maria" not in str([e.as_dict() for e in audit.entries(world)])


def test_visible_entity_follows_resolution(world: Store) -> None:
    write_resolved(world, [("s1", "C1"), ("v1", "C2"), ("m1", "C2")], run_id="r")
    c1 = visible_entity(world, ANALYST, "C1", now=T0)
    assert c1 is not None and c1.caption == "Juan Coyote"
    # a minor resolved with an adult mention protects the whole person
    assert ids(world, INVESTIGATOR_OP1) & {"v1-name", "v1-phone", "v1-relief", "v1-prot", "v1-nat"} == set()


def test_pseudonyms_are_deterministic_keyed_and_scoped_by_country(world: Store) -> None:
    key = pseudonym_secret(world)
    assert pseudonym_secret(world) == key
    a = pseudonym("v1", ANALYST, secret=key)
    assert a == pseudonym("v1", INVESTIGATOR_OP1, secret=key)
    assert a != pseudonym("v2", ANALYST, secret=key)
    assert a != pseudonym("v1", PARTNER_MEX, secret=key)
    assert a != pseudonym("v1", ANALYST, secret=b"another store")
    assert "v1" not in a


def test_where_clause_is_combined_not_replacing_the_policy(world: Store) -> None:
    rows = visible_statements(world, ANALYST, "s.entity_id = ? OR TRUE", ("v1",))
    assert {r["id"] for r in rows} == ids(world, ANALYST)


def test_expired_agreements_are_revoked(world: Store) -> None:
    from netcase.access.policy import expire_sharing_agreements

    record_sharing_agreement(world, agreement_id="MOU-MEX-OLD", country="MEX", title="old", signed_on=date(2020, 1, 1),
                             expires_on=date(2026, 6, 30), recorded_by=Viewer.system(), now=T0)
    assert ids(world, PARTNER_MEX) == {"s1-name", "v1-nat"}
    assert expire_sharing_agreements(world, datetime(2026, 7, 1)) == 1
    assert ids(world, PARTNER_MEX) == set()
