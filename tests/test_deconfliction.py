"""Target and event deconfliction: alerts follow resolution, and tell each side only whom to call."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from pathlib import Path

from netcase.access.testing import write_resolved
from netcase.access.viewer import Viewer
from netcase.cases.deconflict import alert_history, alert_id, alerts_for, evaluate, render_alert
from netcase.cases.notices import notices_for
from netcase.cases.operations import (
    Operation,
    add_operation,
    evaluate_operations,
    find_operation_conflicts,
    haversine_km,
    operation_alerts_for,
)
from netcase.store import Store
from test_cases_world import ingest_cases, write_cases

T0 = datetime(2026, 11, 29, 12, 0)
HSI = Viewer(user="lreyes", agency="HSI", country="USA", roles=frozenset({"investigator"}))
FBI = Viewer(user="mwalker", agency="FBI", country="USA", roles=frozenset({"investigator"}),
             compartments=frozenset({"INV-FBI-0001"}))


def _entity(store: Store, target_id: str) -> str:
    return str(store.scalar("SELECT entity_id FROM case_targets WHERE target_id = ?", (target_id,)))


def _resolve(store: Store, mapping: dict[str, str], run_id: str) -> None:
    """Write a resolution run's answer the way the resolver does: the whole table, in one go."""
    write_resolved(store, mapping.items(), run_id=run_id)


def _pairs(run_alerts: list) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(c.target_a, c.target_b, c.basis) for c in run_alerts}


def _active(store: Store) -> set[tuple[str, str, tuple[str, ...]]]:
    return {(r[0], r[1], tuple(r[2].split(","))) for r in store.query(
        "SELECT target_a, target_b, basis FROM deconfliction_alerts WHERE status = 'active'")}


def _notices(store: Store, alert_id_: str, change: str) -> dict[str, str]:
    return dict(store.query("SELECT investigation_id, recipient FROM case_notices WHERE alert_id = ? "
                            "AND change_kind = ?", (alert_id_, change)))


def _judge_not_same(store: Store, a: str, b: str, when: datetime) -> None:
    store.insert_rows("resolve_judgements", ("entity_a", "entity_b", "judgement", "user_name", "created", "note"),
                      [(a, b, "not-same", "analyst1", when, None)])


def test_merge_creates_and_not_same_withdraws_a_conflict(store: Store, tmp_path: Path) -> None:
    # The ingest hook deconflicts the new targets; nobody calls evaluate.
    ingest_cases(store, write_cases(tmp_path))
    # Strong identifiers alone: the shared account (DEA/HSI) and the shared plate (HSI/DEA).
    assert _active(store) == {("TGT-0003", "TGT-0004", ("account",)), ("TGT-0005", "TGT-0006", ("plate",))}
    account_alert = alert_id("TGT-0003", "TGT-0004")
    assert _notices(store, account_alert, "new") == {"INV-DEA-0001": "SA Diana Kim", "INV-HSI-0001": "SA Laura Reyes"}

    # A resolution run puts the HSI and FBI targets on one person: the resolve hook alerts both.
    a, b = _entity(store, "TGT-0001"), _entity(store, "TGT-0002")
    _resolve(store, {a: "P-1", b: "P-1"}, "run-merge")
    merged = alert_id("TGT-0001", "TGT-0002")
    assert ("TGT-0001", "TGT-0002", ("same_entity",)) in _active(store) and len(_active(store)) == 3
    assert _notices(store, merged, "new") == {"INV-HSI-0001": "SA Laura Reyes", "INV-FBI-0001": "SA Marcus Walker"}
    assert evaluate(store, now=T0).new == []  # already evaluated by the hook: nothing new
    _resolve(store, {a: "P-1", b: "P-1"}, "run-same")  # a run that changes nothing notifies nobody again
    assert store.scalar("SELECT count(*) FROM case_notices WHERE alert_id = ?", (merged,)) == 2

    # An analyst judges them different; the next resolution run splits them and withdraws the alert.
    _judge_not_same(store, a, b, T0 + timedelta(hours=3))
    assert ("TGT-0001", "TGT-0002", ("same_entity",)) in _active(store)  # not before the run
    _resolve(store, {a: "P-1", b: "P-2"}, "run-split")
    assert store.scalar("SELECT status FROM deconfliction_alerts WHERE alert_id = ?", (merged,)) == "withdrawn"
    history = [(h["change_kind"], h["resolution_run"]) for h in alert_history(store, merged)]
    assert history == [("new", "run-merge"), ("withdrawn", "run-split")]
    assert set(_notices(store, merged, "withdrawn")) == {"INV-HSI-0001", "INV-FBI-0001"}

    # A not-same judgement also silences a shared identifier (a family car is not a shared target),
    # once a resolution run has honoured it.
    _judge_not_same(store, _entity(store, "TGT-0003"), _entity(store, "TGT-0004"), T0 + timedelta(hours=5))
    _resolve(store, {a: "P-1", b: "P-2"}, "run-after-judgement")
    assert _active(store) == {("TGT-0005", "TGT-0006", ("plate",))}
    assert set(_notices(store, account_alert, "withdrawn")) == {"INV-DEA-0001", "INV-HSI-0001"}


def test_notices_follow_the_pointer_model(store: Store, tmp_path: Path) -> None:
    ingest_cases(store, write_cases(tmp_path))
    _resolve(store, {_entity(store, "TGT-0001"): "P-1", _entity(store, "TGT-0002"): "P-1"}, "r1")
    merged = alert_id("TGT-0001", "TGT-0002")
    notices = {r["investigation_id"]: r for r in store.query_dicts(
        "SELECT investigation_id, recipient_agency, recipient, recipient_email, subject, body FROM case_notices "
        "WHERE alert_id = ?", (merged,))}
    hsi, fbi = notices["INV-HSI-0001"], notices["INV-FBI-0001"]
    assert (hsi["recipient_agency"], hsi["recipient_email"]) == ("HSI", "laura.reyes@ice.dhs.gov")
    assert "SA Marcus Walker" in hsi["body"] and "HSI-HOU-25-0001" in hsi["subject"]
    for secret in FBI_CASE_FIELDS:
        assert secret not in hsi["body"] + hsi["subject"], secret
    assert "SA Laura Reyes" in fbi["body"]
    for secret in HSI_CASE_FIELDS:
        assert secret not in fbi["body"] + fbi["subject"], secret
    # Each agent reads the notices of their own side only.
    assert {n["investigation_id"] for n in notices_for(store, HSI)} == {"INV-HSI-0001", "INV-HSI-0002"}
    assert {n["investigation_id"] for n in notices_for(store, FBI)} == {"INV-FBI-0001"}


FBI_CASE_FIELDS = ("INV-FBI-0001", "FBI-SA-31E-123456", "W.D. Tex.", "18 U.S.C. 1203", "hostage",
                   "TGT-0002", "J. L. Hernandez", "Calle Sol", "Juarez", "2025-02-01")
HSI_CASE_FIELDS = ("INV-HSI-0001", "HSI-HOU-25-0001", "S.D. Tex.", "8 U.S.C. 1324", "TGT-0001",
                   "Jose Luis Hernandez Ortiz", "+526561234567", "1984-07-02", "2025-01-10")


def test_alert_leaks_no_other_case_content(store: Store, tmp_path: Path) -> None:
    ingest_cases(store, write_cases(tmp_path))
    _resolve(store, {_entity(store, "TGT-0001"): "P-1", _entity(store, "TGT-0002"): "P-1"}, "r1")
    evaluate(store, now=T0)

    hsi_side = [x for x in alerts_for(store, HSI) if x["target_id"] == "TGT-0001"]
    assert len(hsi_side) == 1
    item = hsi_side[0]
    text = render_alert(item)
    dumped = json.dumps(item, default=str)
    for secret in FBI_CASE_FIELDS:
        assert secret not in text and secret not in dumped, secret
    # ...but it says whom to call.
    assert item["contact"] == {"agency": "FBI", "lead_agent": "SA Marcus Walker", "phone": "+12105550199",
                               "email": "marcus.walker@fbi.gov"}
    assert "SA Marcus Walker" in text and "+12105550199" in text and "HSI-HOU-25-0001" in text

    fbi_side = [x for x in alerts_for(store, FBI) if x["target_id"] == "TGT-0002"]
    assert len(fbi_side) == 1
    fbi_text = render_alert(fbi_side[0]) + json.dumps(fbi_side[0], default=str)
    for secret in HSI_CASE_FIELDS:
        assert secret not in fbi_text, secret
    assert "SA Laura Reyes" in fbi_text
    # The HSI agent is not told about the FBI side, nor the FBI agent about the HSI side.
    assert all(x["investigation_id"].startswith("INV-HSI") for x in alerts_for(store, HSI))
    assert all(x["investigation_id"] == "INV-FBI-0001" for x in alerts_for(store, FBI))


def test_overlapping_operations_alerted_and_others_not(store: Store, tmp_path: Path) -> None:
    # The ingest hook deconflicts the operations file as it is loaded (with the clock's now).
    ingest_cases(store, write_cases(tmp_path))
    upcoming = datetime.now(UTC).replace(tzinfo=None) < datetime(2026, 12, 1, 9)
    if upcoming:
        assert [r[0] for r in store.query("SELECT operation_a || '/' || operation_b FROM operation_alerts")] \
            == ["OP-1/OP-2"]
        assert store.scalar("SELECT count(*) FROM case_notices WHERE alert_kind = 'operation'") == 2
    _new, current = evaluate_operations(store, now=T0, max_km=1.0, buffer=timedelta(hours=1))
    assert {(c.operation_a, c.operation_b) for c in current} == {("OP-1", "OP-2")}
    conflict = current[0]
    assert 0.5 < conflict.distance_km < 1.0
    assert (conflict.overlap_start, conflict.overlap_end) == (datetime(2026, 12, 1, 8), datetime(2026, 12, 1, 9))
    again, _ = evaluate_operations(store, now=T0, max_km=1.0, buffer=timedelta(hours=1))
    assert again == []  # stored once
    hsi_items = operation_alerts_for(store, HSI, current)
    assert [(i["operation_id"], i["contact"]["agency"], i["contact"]["lead_agent"]) for i in hsi_items] == [
        ("OP-1", "FBI", "SA Marcus Walker")]
    # After the operations are over there is nothing left to warn about.
    _, later = evaluate_operations(store, now=datetime(2026, 12, 2), max_km=1.0, buffer=timedelta(hours=1))
    assert later == []
    # A wider radius does not pair operations days apart (OP-4 is on 3 December).
    _, wide = evaluate_operations(store, now=T0, max_km=50.0, buffer=timedelta(hours=1))
    assert {(c.operation_a, c.operation_b) for c in wide} == {("OP-1", "OP-2")}


def test_a_planned_operation_is_deconflicted_when_it_is_created(store: Store, tmp_path: Path) -> None:
    ingest_cases(store, write_cases(tmp_path))
    # HSI plans an arrest 300 m from DEA's El Paso arrest (OP-3), an hour after it ends.
    raid = Operation("OP-9", "HSI", "arrest", 31.7640, -106.4870, datetime(2026, 12, 1, 9),
                     datetime(2026, 12, 1, 10), investigation_id="INV-HSI-0001")
    new = add_operation(store, HSI, raid, now=T0)
    assert [(c.operation_a, c.operation_b) for c in new] == [("OP-3", "OP-9")]
    notices = dict(store.query("SELECT investigation_id, body FROM case_notices WHERE alert_id = ?",
                               (new[0].alert_id,)))
    assert set(notices) == {"INV-HSI-0001", "INV-DEA-0001"}
    assert "SA Diana Kim" in notices["INV-HSI-0001"] and "DEA-ELP-25-0007" not in notices["INV-HSI-0001"]
    # Far away in place or time: no conflict.
    calm = Operation("OP-10", "HSI", "surveillance", 32.7, -97.1, datetime(2026, 12, 1, 6), datetime(2026, 12, 1, 7),
                     investigation_id="INV-HSI-0001")
    assert add_operation(store, HSI, calm, now=T0) == []


def test_sweep_equals_all_pairs() -> None:
    rng = random.Random(5)
    base = datetime(2026, 12, 1)
    ops = []
    for i in range(400):
        start = base + timedelta(minutes=rng.randrange(0, 60 * 24 * 10))
        ops.append(Operation(f"OP{i:04d}", rng.choice(["HSI", "FBI", "DEA", "CBP"]), "arrest",
                             29.7 + rng.uniform(-0.05, 0.05), -95.4 + rng.uniform(-0.05, 0.05),
                             start, start + timedelta(minutes=rng.randrange(30, 600))))
    buffer = timedelta(minutes=30)
    got = {(c.operation_a, c.operation_b) for c in find_operation_conflicts(ops, max_km=2.0, buffer=buffer)}
    want = set()
    for i, a in enumerate(ops):
        for b in ops[i + 1:]:
            near = haversine_km(a.latitude, a.longitude, b.latitude, b.longitude) <= 2.0
            close_in_time = a.starts <= b.ends + buffer and b.starts <= a.ends + buffer
            if a.agency != b.agency and near and close_in_time:
                want.add(tuple(sorted((a.operation_id, b.operation_id))))
    assert want and got == want


def test_haversine_known_distance() -> None:
    # Houston to El Paso is about 1,080 km great-circle.
    assert 1060 < haversine_km(29.7604, -95.3698, 31.7619, -106.4850) < 1090


def test_shared_phone_of_two_clearly_different_people_is_not_one_target() -> None:
    from datetime import date

    from netcase.cases.deconflict import clearly_different

    sergio = ("de la Cruz Perez, Sergio", date(1993, 8, 19))
    juan = ("JUAN CARLOS GONZÁLEZ MENDOZA", date(1971, 10, 1))
    assert clearly_different(sergio, juan)
    # A date-of-birth typo on the same name, or a missing date, is not enough to tell them apart.
    assert not clearly_different(sergio, ("Sergio De La Cruz", date(1993, 9, 18)))
    assert not clearly_different(sergio, ("Juan Gonzalez", None))


def test_case_notices_command_lists_the_notices_the_hooks_wrote(tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from netcase.cli import build_app
    from netcase.store import open_store

    db = str(tmp_path / "cli.duckdb")
    with open_store(db) as store:
        ingest_cases(store, write_cases(tmp_path))
        _resolve(store, {_entity(store, "TGT-0001"): "P-1", _entity(store, "TGT-0002"): "P-1"}, "r1")
    result = CliRunner().invoke(build_app(), ["case", "notices", "--db", db, "--investigation", "INV-HSI-0001",
                                              "--json"])
    assert result.exit_code == 0, result.output
    # (The operations file also raised an operation notice while its plans were ahead of the clock.)
    rows = [r for r in json.loads(result.output) if r["alert_kind"] == "target"]
    # The HSI side was told of the shared account (at ingest) and of the merge (at resolution).
    assert sorted((r["change_kind"], r["recipient"], r["body"].splitlines()[-1].split(":")[0]) for r in rows) == [
        ("new", "SA Laura Reyes", "Contact DEA"), ("new", "SA Laura Reyes", "Contact FBI")]
    assert not any(secret in r["body"] for r in rows for secret in FBI_CASE_FIELDS)


# Targets whose records name one person with a clerk's slip between them (the synthetic world's
# noise: surname first, upper case, accents, a second surname dropped, day and month swapped).
SLIP_TARGETS = """TGT-0011,INV-DEA-0001,"Martinez Lopez, Juan Jose",2000-07-04,,,,
TGT-0012,INV-FBI-0001,JUAN JOSÉ MARTÍNEZ,2000-04-07,,,,
TGT-0013,INV-HSI-0002,Juana Martinez,2000-04-07,,,,
TGT-0014,INV-HSI-0002,Juan José Martínez López,2000-07-14,,,,
TGT-0015,INV-HSI-0002,José de la Cryz Ruiz,1981-05-26,,,,
TGT-0016,INV-DEA-0001,"DE LA CRUZ RUIZ, JOSE",,,,,
"""


def _with_slips(root: Path) -> Path:
    write_cases(root)
    path = root / "cases" / "targets.csv"
    path.write_text(path.read_text(encoding="utf-8") + SLIP_TARGETS, encoding="utf-8")
    return root


def test_same_name_with_a_birth_date_slip_is_a_possible_conflict_with_its_evidence(
        store: Store, tmp_path: Path) -> None:
    ingest_cases(store, _with_slips(tmp_path))
    active = _active(store)
    # Same given name and surname; dates swapped (DEA/FBI), or one digit apart (DEA/HSI).
    assert ("TGT-0011", "TGT-0012", ("name_dob",)) in active
    assert ("TGT-0011", "TGT-0014", ("name_dob",)) in active
    # Juana is not Juan, and 2000-07-14 is no slip of 2000-04-07: no alert for those pairs.
    paired = {(a, b) for a, b, _k in active}
    assert not paired & {("TGT-0011", "TGT-0013"), ("TGT-0012", "TGT-0013"), ("TGT-0012", "TGT-0014")}
    # Without a date of birth a name alone raises nothing (TGT-0016).
    assert not any("TGT-0016" in (a, b) for a, b in paired)

    swapped = alert_id("TGT-0011", "TGT-0012")
    fbi_side = [x for x in alerts_for(store, FBI) if x["alert_id"] == swapped]
    assert len(fbi_side) == 1
    item = fbi_side[0]
    assert item["level"] == "possible"
    assert item["evidence"] == ["same given name and surname, dates of birth day and month swapped"]
    # The FBI side sees its own name and date, never the DEA target's spelling or date.
    assert item["matched_on"] == {"name": "JUAN JOSÉ MARTÍNEZ", "dob": datetime(2000, 4, 7).date()}
    text = render_alert(item) + json.dumps(item, default=str)
    for secret in ("Martinez Lopez", "2000-07-04", "TGT-0011", "DEA-ELP-25-0007"):
        assert secret not in text, secret
    assert "possible" in render_alert(item) and "Evidence: same given name and surname" in render_alert(item)
    # The stored notices carry the evidence, to both points of contact.
    bodies = dict(store.query("SELECT investigation_id, body FROM case_notices WHERE alert_id = ? "
                              "AND change_kind = 'new'", (swapped,)))
    assert set(bodies) == {"INV-DEA-0001", "INV-FBI-0001"}
    assert all("day and month swapped" in b for b in bodies.values())
    subjects = [r[0] for r in store.query("SELECT subject FROM case_notices WHERE alert_id = ?", (swapped,))]
    assert all(s.startswith("Possible target conflict") for s in subjects)

    # An analyst says they are two people: the next resolution run withdraws the possible alert.
    _judge_not_same(store, _entity(store, "TGT-0011"), _entity(store, "TGT-0012"), T0)
    _resolve(store, {}, "run-after-judgement")
    assert store.scalar("SELECT status FROM deconfliction_alerts WHERE alert_id = ?", (swapped,)) == "withdrawn"


def _edge(store: Store, a: str, b: str, probability: float, run_id: str) -> None:
    left, right = sorted((a, b))
    store.insert_rows("resolve_edges", ("entity_l", "entity_r", "match_probability", "match_weight", "weights",
                                        "run_id"), [(left, right, probability, 1.5, "{}", run_id)])


def test_a_link_the_resolver_kept_below_its_threshold_is_a_possible_conflict(store: Store, tmp_path: Path) -> None:
    ingest_cases(store, _with_slips(tmp_path))
    hsi, dea = _entity(store, "TGT-0015"), _entity(store, "TGT-0016")
    pair = alert_id("TGT-0015", "TGT-0016")
    # The resolver scored a third record (an arrest of the same man) close to both targets' records,
    # but not close enough to merge: each stays its own person.
    arrest = "cm-arrest-record"
    with store.transaction():
        _edge(store, hsi, arrest, 0.97, "run-1")
        _edge(store, dea, "cm-unrelated", 0.99, "run-1")
        _resolve(store, {hsi: hsi, dea: dea, arrest: dea}, "run-1")
    assert ("TGT-0015", "TGT-0016", ("possible_same",)) in _active(store)
    hsi_side = [x for x in alerts_for(store, HSI) if x["alert_id"] == pair][0]
    assert hsi_side["level"] == "possible"
    assert "scored a link between the two targets' records at 0.97" in hsi_side["evidence"][0]
    assert "DE LA CRUZ" not in render_alert(hsi_side) + json.dumps(hsi_side, default=str)
    assert set(_notices(store, pair, "new")) == {"INV-HSI-0002", "INV-DEA-0001"}

    # A link below the floor is not evidence; a later run that merges them makes it a conflict.
    with store.transaction():
        store.execute("DELETE FROM resolve_edges")
        _edge(store, hsi, arrest, 0.6, "run-2")
        _resolve(store, {hsi: hsi, dea: dea, arrest: dea}, "run-2")
    assert store.scalar("SELECT status FROM deconfliction_alerts WHERE alert_id = ?", (pair,)) == "withdrawn"
    _resolve(store, {hsi: dea, dea: dea, arrest: dea}, "run-3")
    assert ("TGT-0015", "TGT-0016", ("same_entity",)) in _active(store)
    assert [x["level"] for x in alerts_for(store, HSI) if x["alert_id"] == pair] == ["conflict"]


def test_birth_date_slips() -> None:
    from datetime import date

    from netcase.cases.deconflict import dob_relation

    assert dob_relation(date(2000, 7, 4), date(2000, 7, 4)) == "equal"
    assert dob_relation(date(2000, 7, 4), date(2000, 4, 7)) == "day and month swapped"
    assert dob_relation(date(2000, 7, 4), date(2000, 7, 14)) == "one digit apart"
    assert dob_relation(date(1981, 5, 26), date(1980, 5, 26)) == "one digit apart"
    assert dob_relation(date(1997, 9, 3), date(1997, 8, 24)) is None
    assert dob_relation(date(1997, 9, 3), None) is None


def test_name_and_birth_date_alerts_on_synthetic_targets_name_one_true_person(tiny_world: Path,
                                                                           tmp_path: Path) -> None:
    import csv

    from netcase.cases.deconflict import find_conflicts
    from netcase.store import open_store

    with open_store(str(tmp_path / "tiny.duckdb")) as store:
        ingest_cases(store, tiny_world)
        found = [c for c in find_conflicts(store) if "name_dob" in c.basis]
    with (tiny_world / "truth" / "records.csv").open(encoding="utf-8") as fh:
        person = {r["record_id"]: r["person_id"] for r in csv.DictReader(fh) if r["source_file"] == "cases/targets.csv"}
    assert found, "the tiny world has targets of two agencies with the same name and date of birth"
    assert all(person[c.target_a] == person[c.target_b] for c in found)
