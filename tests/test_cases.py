"""Case files: loading with quarantine, investigations and targets, prosecutions and legal status."""

from __future__ import annotations

import csv
import json
from datetime import date, datetime
from pathlib import Path

import pytest

from netcase.access.testing import write_resolved
from netcase.access.viewer import Viewer
from netcase.cases.investigations import (
    CaseError,
    Investigation,
    add_investigation,
    add_target,
    get_investigation,
    list_investigations,
)
from netcase.cases.loaders import LOADERS
from netcase.cases.prosecution import network_legal_status
from netcase.ingest.engine import ingest_paths
from netcase.ingest.registry import default_loaders
from netcase.store import Store
from test_cases_world import ingest_cases, write_cases

NOW = datetime(2026, 11, 29, 12, 0)
HSI_AGENT = Viewer(user="lreyes", agency="HSI", country="USA", roles=frozenset({"investigator"}))
MEX_LIAISON = Viewer(user="fgr1", agency="FGR", country="MEX", roles=frozenset({"partner_liaison"}))


def _quarantine(store: Store, source_file: str) -> list[tuple[int, str, str]]:
    return [(int(r[0]), r[1], r[2]) for r in store.query(
        "SELECT row_number, field, reason FROM quarantine WHERE source_file = ? ORDER BY row_number", (source_file,))]


def test_loaders_match_only_case_files() -> None:
    names = {loader.filename for loader in LOADERS}
    assert names == {"investigations.csv", "targets.csv", "operations.csv", "court_cases.jsonl",
                     "forfeitures.csv", "requests.csv"}
    by_name = {loader.filename: loader for loader in LOADERS}
    assert by_name["targets.csv"].matches("cases/targets.csv")
    assert not by_name["targets.csv"].matches("hsi/targets.csv")
    assert not by_name["targets.csv"].matches("cases/investigations.csv")


def test_loader_quarantines_bad_case_rows(store: Store, tmp_path: Path) -> None:
    results = ingest_cases(store, write_cases(tmp_path))
    assert all(r.status == "loaded" for r in results.values())
    assert store.scalar("SELECT count(*) FROM investigations") == 4
    bad_inv = _quarantine(store, "cases/investigations.csv")
    # Line numbers count the header as line 1.
    assert bad_inv == [(6, "agency", "required value missing"),
                       (7, "status", "not one of open, active, suspended, closed, pending"),
                       (8, "closed", "closed before it was opened")]
    bad_targets = _quarantine(store, "cases/targets.csv")
    assert [(r[0], r[1]) for r in bad_targets] == [(8, "investigation_id"), (9, "dob"), (10, "name"),
                                                  (11, "target_id"), (12, "phone")]
    # A phone that is not one is dropped from its row (scope 'value'); the target is kept.
    assert store.query("SELECT scope FROM quarantine WHERE source_file = 'cases/targets.csv' AND row_number = 12")[0][0] == "value"
    assert store.scalar("SELECT phone FROM case_targets WHERE target_id = 'TGT-0010'") is None
    assert store.scalar("SELECT count(*) FROM case_targets") == 7
    assert [(r[0], r[1]) for r in _quarantine(store, "cases/operations.csv")] == [
        (6, "kind"), (7, "latitude"), (8, "end")]
    assert [(r[0], r[1]) for r in _quarantine(store, "cases/court_cases.jsonl")] == [
        (3, "filing_type"), (4, "defendants[0].charges[0].counts"), (5, "(line)")]
    assert store.scalar("SELECT count(*) FROM court_cases") == 2
    assert store.scalar("SELECT count(*) FROM defendants") == 3
    assert store.scalar("SELECT sum(counts) FROM charges") == 6
    assert [(r[0], r[1]) for r in _quarantine(store, "cases/forfeitures.csv")] == [(4, "value_usd"), (5, "status")]
    assert [(r[0], r[1]) for r in _quarantine(store, "cases/requests.csv")] == [
        (4, "partner_country"), (5, "direction")]


def test_targets_and_defendants_become_person_mentions(store: Store, tmp_path: Path) -> None:
    ingest_cases(store, write_cases(tmp_path))
    rows = store.query_dicts(
        "SELECT s.entity_id, s.prop, s.value, s.original_value, s.source_record, s.agency, s.compartment "
        "FROM statements s WHERE s.source_file = 'cases/targets.csv' AND s.source_record = 'TGT-0001' "
        "ORDER BY s.prop")
    props = {r["prop"]: r for r in rows}
    assert props["phone"]["value"] == "+526561234567"
    assert props["phone"]["original_value"] == "+52 656 123 4567"
    assert props["birthDate"]["value"] == "1984-07-02"
    assert props["name"]["agency"] == "HSI"  # the investigation's agency, not the file's
    fbi = store.query_dicts("SELECT DISTINCT agency, compartment FROM statements WHERE source_record = 'TGT-0002'")
    assert fbi == [{"agency": "FBI", "compartment": "INV-FBI-0001"}]
    target_entity = store.scalar("SELECT entity_id FROM case_targets WHERE target_id = 'TGT-0001'")
    assert target_entity == rows[0]["entity_id"]
    defendant = store.query("SELECT entity_id FROM statements WHERE source_file = 'cases/court_cases.jsonl' "
                            "AND source_record = 'CC-0001:D1' AND prop = 'name'")
    assert defendant and defendant[0][0] == store.scalar(
        "SELECT entity_id FROM defendants WHERE case_id = 'CC-0001' AND defendant_id = 'D1'")


def test_investigation_visibility_and_targets(store: Store, tmp_path: Path) -> None:
    ingest_cases(store, write_cases(tmp_path))
    listed = {r["investigation_id"] for r in list_investigations(store, HSI_AGENT)}
    assert "INV-FBI-0001" not in listed  # compartmented, the HSI agent does not hold it
    assert {"INV-HSI-0001", "INV-DEA-0001"} <= listed
    assert list_investigations(store, MEX_LIAISON) == []
    assert get_investigation(store, HSI_AGENT, "INV-FBI-0001") is None
    shown = get_investigation(store, HSI_AGENT, "INV-HSI-0001")
    assert shown is not None and {t["target_id"] for t in shown["targets"]} == {"TGT-0001", "TGT-0004", "TGT-0010"}

    add_investigation(store, HSI_AGENT, Investigation(
        investigation_id="INV-HSI-0099", agency="HSI", case_number="HSI-PHX-26-0099", lead_agent="SA Laura Reyes",
        district="D. Ariz.", contact_phone="602 555 0111", opened=date(2026, 11, 1)))
    with pytest.raises(CaseError):
        add_investigation(store, HSI_AGENT, Investigation(
            investigation_id="INV-HSI-0099", agency="HSI", case_number="dup", lead_agent="x"))
    # A raw phone that an ingested person mention carries links the target to that entity.
    row = add_target(store, HSI_AGENT, "INV-HSI-0099", name="Jose Hernandez", phone="+52 (656) 123-4567", now=NOW)
    assert row["phone"] == "+526561234567"
    assert row["entity_id"] == store.scalar("SELECT entity_id FROM case_targets WHERE target_id = 'TGT-0001'")
    with pytest.raises(CaseError):
        add_target(store, HSI_AGENT, "INV-FBI-0001", name="Anyone", now=NOW)


def test_network_legal_status(store: Store, tmp_path: Path) -> None:
    ingest_cases(store, write_cases(tmp_path))
    ent = dict(store.query("SELECT case_id || ':' || defendant_id, entity_id FROM defendants"))
    outsider = "someone-never-charged"
    # Resolution put the HSI defendant and the HSI target on one canonical id.
    target = store.scalar("SELECT entity_id FROM case_targets WHERE target_id = 'TGT-0001'")
    write_resolved(store, [(ent["CC-0001:D1"], "P-1"), (target, "P-1")])
    status = network_legal_status(store, Viewer.system(), [target, ent["CC-0001:D2"], ent["CC-0002:D1"], outsider])
    counts = status["counts"]
    assert counts == {"members": 4, "charged": 3, "convicted": 1, "extradited": 1, "in_custody": 0,
                      "at_large": 1, "cleared": 0, "not_charged": 1}
    by_id = {m["canonical_id"]: m for m in status["members"]}
    assert by_id["P-1"]["convicted"] and by_id["P-1"]["cases"][0]["sentence_months"] == 87
    assert by_id[ent["CC-0002:D1"]]["extradited"]
    assert by_id[ent["CC-0001:D2"]]["at_large"]
    # A partner liaison sees no U.S. court records.
    assert network_legal_status(store, MEX_LIAISON, [target])["counts"]["charged"] == 0


def test_a_changed_case_file_that_keeps_stored_ids_is_refused_at_the_row_of_the_first(
        store: Store, tiny_world: Path, tmp_path: Path) -> None:
    """Case records have no update path: a later file holding an id already stored fails whole,
    with an error naming the file, the row, the id field and the batch that holds it."""
    loaded = ingest_cases(store, tiny_world)
    assert {r.status for r in loaded.values()} == {"loaded"}
    counts = "SELECT (SELECT count(*) FROM court_cases), (SELECT count(*) FROM defendants), " \
             "(SELECT count(*) FROM investigations), (SELECT count(*) FROM batches), (SELECT count(*) FROM statements)"
    before = store.query(counts)
    batch_of = {r[0]: r[1] for r in store.query("SELECT source_file, batch_id FROM batches")}

    changed = tmp_path / "changed"
    (changed / "cases").mkdir(parents=True)
    # Court cases: a new case on line 1, then the first stored case with a changed sentence on line 2.
    stored = json.loads((tiny_world / "cases" / "court_cases.jsonl").read_text(encoding="utf-8").splitlines()[0])
    new_case = {**stored, "case_id": stored["case_id"] + "-NEW"}
    amended = {**stored, "defendants": [{**d, "sentence_months": 99} for d in stored["defendants"]]}
    (changed / "cases" / "court_cases.jsonl").write_text(
        json.dumps(new_case) + "\n" + json.dumps(amended) + "\n", encoding="utf-8")
    # Investigations: the header, a new one on line 2, a stored one with a changed status on line 3.
    with (tiny_world / "cases" / "investigations.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        first = next(reader)
        header = list(reader.fieldnames or [])
    with (changed / "cases" / "investigations.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerow({**first, "investigation_id": first["investigation_id"] + "-NEW", "compartment": ""})
        writer.writerow({**first, "status": "closed" if first["status"] != "closed" else "open"})

    report = ingest_paths(store, [changed], default_loaders(), stop_on_error=False)
    results = {r.source_file: r for r in report.files}
    court, inv = results["cases/court_cases.jsonl"], results["cases/investigations.csv"]
    assert court.status == "failed" and inv.status == "failed"
    assert court.error == (
        f"cases/court_cases.jsonl, row 2, field 'case_id': case_id {stored['case_id']!r} is already stored "
        f"(batch {batch_of['cases/court_cases.jsonl']}, file cases/court_cases.jsonl); a case record is not "
        "replaced by a later file (docs/cases.md); nothing of this file was stored")
    assert inv.error is not None
    assert inv.error.startswith(f"cases/investigations.csv, row 3, field 'investigation_id': investigation_id "
                                f"{first['investigation_id']!r} is already stored (batch "
                                f"{batch_of['cases/investigations.csv']}, file cases/investigations.csv)")
    # Nothing of either file was stored, the new records on their first lines included.
    assert store.query(counts) == before
    assert store.scalar("SELECT count(*) FROM court_cases WHERE case_id = ?", (new_case["case_id"],)) == 0

    # An id registered by hand (``netcase case add``) is named as such.
    add_investigation(store, HSI_AGENT, Investigation(
        investigation_id="INV-HSI-0099", agency="HSI", case_number="HSI-PHX-26-0099", lead_agent="SA Laura Reyes"))
    later = tmp_path / "later"
    (later / "cases").mkdir(parents=True)
    with (later / "cases" / "investigations.csv").open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, header)
        writer.writeheader()
        writer.writerow({**first, "investigation_id": "INV-HSI-0099", "compartment": ""})
    report = ingest_paths(store, [later], default_loaders(), stop_on_error=False)
    assert report.files[0].error is not None
    assert report.files[0].error.startswith(
        "cases/investigations.csv, row 2, field 'investigation_id': investigation_id 'INV-HSI-0099' is already "
        "stored (by netcase case add)")
