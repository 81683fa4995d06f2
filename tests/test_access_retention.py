"""28 CFR 23.20: predicate at submission, review, revalidation, purge with notices, dissemination records."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netcase.access import audit
from netcase.access.errors import AccessDenied, NoSharingAgreement
from netcase.access.policy import record_sharing_agreement
from netcase.access.retention import (
    PURGED_VALUE,
    PredicateMissing,
    disseminations,
    due_for_review,
    purge,
    record_dissemination,
    require_predicate,
    revalidate,
    validate_review_by,
)
from netcase.access.testing import insert_statements, statement_row
from netcase.access.viewer import Viewer
from netcase.store import Store

T0 = datetime(2026, 11, 29, 20, 0)
SUPERVISOR = Viewer("sam", "HSI", "USA", frozenset({"supervisor"}))
INVESTIGATOR = Viewer("ivan", "HSI", "USA", frozenset({"investigator"}), frozenset({"OP-1"}))
ADMIN = Viewer("adm", "HSI", "USA", frozenset({"administrator"}))
ANALYST = Viewer("ana", "HSI", "USA", frozenset({"analyst"}))


@pytest.fixture
def intel(store: Store) -> Store:
    S = statement_row
    insert_statements(store, [
        S("s1", "name", "Juan Coyote", review_by=date(2026, 6, 1), releasable_to=("USA", "MEX"), statement_id="old-1"),
        S("s1", "phone", "+5215550001", review_by=date(2026, 6, 1), statement_id="old-2"),
        S("s2", "name", "Pedro Raitero", review_by=date(2027, 3, 1), releasable_to=("USA", "MEX"), statement_id="mid"),
        S("s3", "name", "Luis Halcon", review_by=date(2031, 1, 1), releasable_to=("USA", "MEX", "GTM"),
          statement_id="new"),
        S("v1", "name", "Maria Canary", victim_sensitive=True, releasable_to=("USA", "MEX"), statement_id="vic"),
    ])
    return store


def test_predicate_is_required() -> None:
    assert require_predicate("  8 U.S.C. 1324 ") == "8 U.S.C. 1324"
    for bad in (None, "", "   "):
        with pytest.raises(PredicateMissing):
            require_predicate(bad)


def test_review_date_at_most_five_years_on() -> None:
    assert validate_review_by(date(2026, 1, 1), date(2031, 1, 1)) == date(2031, 1, 1)
    with pytest.raises(ValueError):
        validate_review_by(date(2026, 1, 1), date(2031, 1, 2))
    assert validate_review_by(date(2024, 2, 29), date(2029, 2, 28))


def test_review_lists_what_is_due(intel: Store) -> None:
    assert [r["statement_id"] for r in due_for_review(intel, date(2026, 11, 29))] == ["old-1", "old-2"]
    due = due_for_review(intel, date(2026, 11, 29), warn_days=120)
    assert [r["statement_id"] for r in due] == ["old-1", "old-2", "mid"]
    assert "value" not in due[0]


def test_revalidation_extends_the_review_date(intel: Store) -> None:
    with pytest.raises(AccessDenied):
        revalidate(intel, ["old-1"], by=ANALYST, reason="x", now=T0)
    with pytest.raises(ValueError):
        revalidate(intel, ["old-1"], by=SUPERVISOR, reason="  ", now=T0)
    with pytest.raises(ValueError):
        revalidate(intel, ["old-1"], by=SUPERVISOR, reason="x", now=T0, new_review_by=date(2032, 1, 1))
    target = revalidate(intel, ["old-1"], by=SUPERVISOR, reason="subject re-arrested in OP-1", now=T0)
    assert target == date(2031, 11, 29)
    assert [r["statement_id"] for r in due_for_review(intel, date(2026, 11, 29))] == ["old-2"]
    row = intel.query_dicts("SELECT * FROM revalidations")[0]
    assert (row["by_user"], row["previous_review_by"], row["new_review_by"]) == ("sam", date(2026, 6, 1), target)
    assert "re-arrested" not in str([e.as_dict() for e in audit.entries(intel)])


def test_dissemination_is_recorded_and_checked(intel: Store) -> None:
    with pytest.raises(NoSharingAgreement):
        record_dissemination(intel, by=INVESTIGATOR, recipient="Lic. Ruiz", recipient_agency="FGR",
                             recipient_country="MEX", reason="joint op", kind="share", statement_ids=["old-1"], now=T0)
    record_sharing_agreement(intel, agreement_id="MOU-MEX", country="MEX", title="FGR MOU",
                             signed_on=date(2025, 1, 1), recorded_by=Viewer.system(), now=T0)
    with pytest.raises(AccessDenied):  # the phone is NOFORN
        record_dissemination(intel, by=INVESTIGATOR, recipient="Lic. Ruiz", recipient_agency="FGR",
                             recipient_country="MEX", reason="joint op", kind="share", statement_ids=["old-1", "old-2"],
                             now=T0)
    with pytest.raises(AccessDenied):  # victim-sensitive never goes to a partner
        record_dissemination(intel, by=INVESTIGATOR, recipient="Lic. Ruiz", recipient_agency="FGR",
                             recipient_country="MEX", reason="joint op", kind="share", statement_ids=["vic"], now=T0)
    with pytest.raises(AccessDenied):  # analysts do not share outside the task force
        record_dissemination(intel, by=ANALYST, recipient="Lic. Ruiz", recipient_agency="FGR",
                             recipient_country="MEX", reason="joint op", kind="share", statement_ids=["old-1"], now=T0)
    did = record_dissemination(intel, by=INVESTIGATOR, recipient="Lic. Ruiz", recipient_agency="FGR",
                               recipient_country="MEX", reason="joint op", kind="share",
                               statement_ids=["old-1", "mid"], now=T0)
    (d,) = disseminations(intel)
    assert (d["dissemination_id"], d["recipient"], d["recipient_country"], d["reason"], d["items"], d["agreement_id"]) == (
        did, "Lic. Ruiz", "MEX", "joint op", 2, "MOU-MEX")
    assert disseminations(intel, statement_id="mid")[0]["dissemination_id"] == did
    outcomes = [e.outcome for e in audit.entries(intel, action="share")]
    assert outcomes == ["denied: no sharing agreement", "denied: not releasable", "denied: not releasable", "denied", "ok"]


def test_purge_blanks_content_records_it_notifies_and_keeps_the_chain(intel: Store) -> None:
    record_sharing_agreement(intel, agreement_id="MOU-MEX", country="MEX", title="FGR MOU",
                             signed_on=date(2025, 1, 1), recorded_by=Viewer.system(), now=T0)
    did = record_dissemination(intel, by=INVESTIGATOR, recipient="Lic. Ruiz", recipient_agency="FGR",
                               recipient_country="MEX", reason="joint op", kind="share", statement_ids=["old-1", "new"],
                               now=T0)
    revalidate(intel, ["old-2"], by=SUPERVISOR, reason="still active", now=T0)
    with pytest.raises(AccessDenied):
        purge(intel, date(2026, 11, 29), by=SUPERVISOR, now=T0)
    report = purge(intel, date(2026, 11, 29), by=ADMIN, now=T0)
    assert report.statement_ids == ["old-1"] and report.entity_ids == ["s1"]
    assert [n["dissemination_id"] for n in report.notifications] == [did]
    assert intel.query("SELECT value, original_value FROM statements WHERE id = 'old-1'") == [(PURGED_VALUE, None)]
    assert intel.scalar("SELECT value FROM statements WHERE id = 'old-2'") == "+5215550001"
    purged = intel.query_dicts("SELECT * FROM purges")
    assert [(p["statement_id"], p["entity_id"], p["purged_on"], p["by_user"]) for p in purged] == [
        ("old-1", "s1", date(2026, 11, 29), "adm")]
    (note,) = intel.query_dicts("SELECT * FROM notifications")
    assert (note["recipient"], note["recipient_agency"], note["dissemination_id"]) == ("Lic. Ruiz", "FGR", did)
    assert due_for_review(intel, date(2026, 11, 29)) == []  # purged rows are not due again
    assert purge(intel, date(2026, 11, 30), by=ADMIN, now=T0).statement_ids == []
    assert audit.verify(intel).ok
    assert audit.entries(intel, action="retention:purge")


def test_retention_cli(intel: Store, store_url: str) -> None:
    from netcase.cli import build_app

    app = build_app()
    runner = CliRunner()
    intel.close()  # DuckDB: one writer per file
    r = runner.invoke(app, ["retention", "review", "--as-of", "2026-11-29", "--db", store_url, "--json"])
    assert r.exit_code == 0, r.output
    assert '"old-1"' in r.output and '"mid"' not in r.output
    r = runner.invoke(app, ["retention", "revalidate", "old-1", "--reason", "ongoing case", "--db", store_url])
    assert r.exit_code == 0, r.output
    r = runner.invoke(app, ["retention", "purge", "--as-of", "2026-11-29", "--db", store_url, "--json"])
    assert r.exit_code == 0, r.output
    assert '"old-2"' in r.output and '"old-1"' not in r.output
    r = runner.invoke(app, ["audit", "verify", "--db", store_url])
    assert r.exit_code == 0, r.output
    # single-user embedded mode (no accounts): the local operator is audited like anyone
    from netcase.store import open_store

    with open_store(store_url) as s:
        users = {e.user for e in audit.entries(s)}
    assert users and all(u.startswith("local:") for u in users)


def test_purged_phone_leaves_the_index_of_linking_values_and_the_kept_answers(intel: Store) -> None:
    from netcase.store import value_index

    insert_statements(intel, [statement_row("s9", "phone", "+5215559999", prop_type="phone", review_by=date(2026, 1, 1),
                                            statement_id="old-phone"),
                              statement_row("s9", "phone", "+5215558888", prop_type="phone", review_by=date(2031, 1, 1),
                                            statement_id="kept-phone")])
    assert value_index.carriers(intel, ["+5215559999", "+5215558888"]) == {"+5215559999": {"s9"},
                                                                          "+5215558888": {"s9"}}
    intel.execute("INSERT INTO read_cache (what, object_id, profile, version, payload, computed_at) "
                  "VALUES ('network', 'NET-1', 'p', 'v', '{\"phone\": \"+5215559999\"}', ?)", (T0,))
    purge(intel, date(2026, 11, 29), by=ADMIN, now=T0)
    assert value_index.carriers(intel, ["+5215559999", "+5215558888"]) == {"+5215558888": {"s9"}}
    assert not intel.scalar("SELECT count(*) FROM read_cache")  # a kept answer may quote a purged value


def test_ingested_statements_keep_their_ids_through_revalidation_and_purge(store: Store, tiny_world: Path) -> None:
    """An ingested fact's id is derived from its value on DuckDB (migration 0072): a purge, which
    blanks the value, must leave the id, the purge record and the review list as they were."""
    from netcase.ingest.engine import ingest_paths
    from netcase.ingest.registry import default_loaders
    from netcase.model.statement import statement_id, statement_id_filter

    report = ingest_paths(store, [tiny_world / "partners" / "HND_informes.csv"], default_loaders(),
                          now=datetime(2020, 1, 1))
    assert not report.failed and report.totals()["statements"] > 20
    rows = store.query("SELECT id, entity_id, prop, value FROM statements ORDER BY id")
    assert all(sid == statement_id(eid, prop, value) for sid, eid, prop, value in rows)
    keep, *gone = [r[0] for r in rows]
    revalidate(store, [keep], by=SUPERVISOR, reason="still active", now=T0)
    result = purge(store, date(2026, 11, 29), by=ADMIN, now=T0)
    assert sorted(result.statement_ids) == sorted(set(gone))
    where, params = statement_id_filter("s", gone)
    after = store.query(f"SELECT DISTINCT s.id, s.value FROM statements s WHERE {where}", params)
    assert sorted(r[0] for r in after) == sorted(set(gone)) and {r[1] for r in after} == {PURGED_VALUE}
    assert store.scalar("SELECT value FROM statements WHERE id = ?", (keep,)) == rows[0][3]
    assert [r["statement_id"] for r in due_for_review(store, date(2031, 12, 31))] == [keep]
