"""Ingest engine: real files written by the tests, good and bad, on DuckDB and PostgreSQL."""

from __future__ import annotations

import csv
import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from netcase.ingest.base import Chunk, IngestError, LoadContext
from netcase.ingest.engine import ingest_file, ingest_paths
from netcase.ingest.registry import (
    LoaderSet,
    builtin_mappings,
    default_loaders,
    loader_for,
    python_loaders,
)
from netcase.ingest.stats import ingest_stats
from netcase.store import Store

TODAY = date(2026, 1, 15)

CBP_HEADER = ["encounter_id", "encounter_date", "sector", "station", "district", "latitude", "longitude", "event_id", "group_size", "subject_category", "last_name", "first_name", "middle_name", "dob", "sex", "citizenship", "birth_country", "phone", "document_type", "document_number", "vehicle_plate", "vehicle_state", "vehicle_make", "vehicle_model", "disposition", "harm_type", "deaths"]
PARTNER_HEADER = ["folio", "fecha", "institucion", "pais", "nombre", "apellido_paterno", "apellido_materno", "alias", "fecha_nacimiento", "sexo", "nacionalidad", "telefono", "domicilio", "municipio", "departamento_estado", "delito", "placa_vehiculo", "detenido"]


def cbp_row(n: int, **kw: str) -> dict[str, str]:
    row = {c: "" for c in CBP_HEADER}
    row.update(
        encounter_id=f"E{n:06d}", encounter_date="03/14/2025", sector="El Paso", station="Santa Teresa",
        district="W.D. Tex.", latitude="31.78", longitude="-106.68", event_id="EV0001", group_size="3",
        subject_category="MIGRANT", last_name="HERNANDEZ ORTIZ", first_name="JOSE LUIS", dob="07/02/1984",
        sex="M", citizenship="MEX", birth_country="MEX", phone="656-123-4567", disposition="Notice to Appear",
        deaths="0",
    )
    row.update(kw)
    return row


def write_csv(path: Path, header: list[str], rows: list[dict[str, str]], encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=header)
        w.writeheader()
        w.writerows(rows)
    return path


def write_jsonl(path: Path, objs: list[dict[str, Any]], tail: str = "") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("".join(json.dumps(o, ensure_ascii=False) + "\n" for o in objs) + tail, encoding="utf-8")
    return path


def report(n: int, **kw: Any) -> dict[str, Any]:
    rep: dict[str, Any] = {
        "report_id": f"HSI-R-{n:06d}", "case_number": "HSI-SA-26-0042", "agency": "HSI",
        "report_date": "2025-03-14", "district": "W.D. Tex.", "compartment": None,
        "predicate": "8 U.S.C. 1324 alien smuggling conspiracy", "reliability": "B", "validity": "2",
        "subjects": [
            {"name": "José Luis Hernández Ortiz", "aliases": ["El Güero"], "dob": "1984-07-02",
             "nationality": "MEX", "sex": "M", "phones": ["+52 656 123 4567"], "emails": [],
             "addresses": ["1402 Calle Sol, Ciudad Juárez, Chihuahua, MEX"],
             "id_documents": [{"type": "passport", "number": "G12345678", "country": "MEX"}],
             "accounts": [{"number": "4000123412341234", "bank": "Banorte", "country": "MEX"}],
             "role_reported": "coordinator", "organization": "Los Güeros"},
            {"name": "ORTIZ, MARIA", "aliases": [], "dob": None, "nationality": "GTM", "sex": "F",
             "phones": [], "emails": [], "addresses": [], "id_documents": [], "accounts": [],
             "role_reported": "driver", "organization": None},
        ],
        "vehicles": [{"plate": "ABC-1234", "state": "TX", "make": "Ford", "model": "F-150", "owner": 0}],
        "places": [{"kind": "stash_house", "address": "123 Elm St, Houston, TX, USA", "operator": 0}],
        "events": [
            {"type": "smuggling_trip", "date": "2025-02-28", "from": "Ciudad Juárez", "crossing": "El Paso",
             "to": "Houston", "migrants": 14, "vehicle": 0, "participants": [0, 1]},
            {"type": "harm", "harm_type": "kidnapping", "date": "2025-03-01", "victims": 2, "participants": [0],
             "place": 0},
        ],
        "links": [{"from": 0, "to": 1, "kind": "associate", "detail": "co-conspirator"}],
    }
    rep.update(kw)
    return rep


@pytest.fixture
def loaders() -> LoaderSet:
    return LoaderSet([loader_for(m, TODAY) for m in builtin_mappings()])


def run(store: Store, paths: list[Path], loaders: LoaderSet) -> Any:
    return ingest_paths(store, paths, loaders)


def quarantine(store: Store) -> list[dict[str, Any]]:
    return store.query_dicts(
        "SELECT source_file, row_number, field, reason, value, scope FROM quarantine ORDER BY row_number, field"
    )


def props(store: Store, source_record: str, schema: str = "Person") -> dict[str, set[str]]:
    out: dict[str, set[str]] = {}
    for prop, value in store.query(
        "SELECT prop, value FROM statements WHERE source_record = ? AND schema = ?", (source_record, schema)
    ):
        out.setdefault(prop, set()).add(value)
    return out


# ---------------------------------------------------------------------------------------------
def test_cbp_csv_values_are_cleaned_and_keep_their_originals(store: Store, tmp_path: Path, loaders: LoaderSet) -> None:
    root = tmp_path / "world"
    write_csv(root / "cbp/encounters.csv", CBP_HEADER, [
        cbp_row(1, vehicle_plate="abc-1234", vehicle_make="Ford", vehicle_model="F-150",
                subject_category="DRIVER", document_type="passport", document_number="g 1234-5678"),
        cbp_row(2, last_name="LOPEZ", first_name="MARIA", middle_name="", citizenship="GTM", phone="+502 5123 4567"),
    ])
    rep = run(store, [root], loaders)
    assert [f.status for f in rep.files] == ["loaded"]
    p = props(store, "E000001")
    assert p["name"] == {"JOSE LUIS HERNANDEZ ORTIZ"}
    assert p["birthDate"] == {"1984-07-02"}
    assert p["nationality"] == {"mx"}
    assert p["phone"] == {"+526561234567"}
    assert p["idNumber"] == {"G12345678"}
    assert props(store, "E000002")["phone"] == {"+50251234567"}
    assert "nc:protected" not in p  # a driver is not a protected migrant
    assert props(store, "E000002")["nc:protected"] == {"migrant"}
    orig = store.scalar(
        "SELECT original_value FROM statements WHERE source_record = 'E000001' AND prop = 'phone'"
    )
    assert orig == "656-123-4567"
    plate = store.query("SELECT value FROM statements WHERE schema = 'Vehicle' AND prop = 'registrationNumber'")
    assert plate == [("ABC1234",)]
    # Both people were encountered together: one event, involving both, its facts written once.
    assert store.scalar("SELECT count(DISTINCT entity_id) FROM statements WHERE schema = 'Event'") == 1
    assert store.scalar("SELECT count(*) FROM statements WHERE schema = 'Event' AND prop = 'involved'") == 2
    assert store.scalar("SELECT count(*) FROM statements WHERE schema = 'Event' AND prop = 'name'") == 1
    row = store.query_dicts("SELECT * FROM statements WHERE source_record = 'E000001' AND prop = 'name'")[0]
    assert row["dataset"] == "cbp_encounters" and row["agency"] == "CBP"
    assert row["observed"] == date(2025, 3, 14)
    assert row["releasable_to"] == ",USA," and row["tlp"] == "TLP:AMBER" and row["victim_sensitive"] is False
    assert row["review_by"].year == row["ingested"].year + 5
    # Statement ids follow the model's content id.
    from netcase.model.statement import statement_id

    assert row["id"] == statement_id(row["entity_id"], "name", row["value"])


def test_reingest_adds_nothing_and_names_the_earlier_batch(store: Store, tmp_path: Path, loaders: LoaderSet) -> None:
    root = tmp_path / "world"
    write_csv(root / "cbp/encounters.csv", CBP_HEADER, [cbp_row(1), cbp_row(2)])
    first = run(store, [root], loaders)
    n = store.scalar("SELECT count(*) FROM statements")
    second = run(store, [root], loaders)
    assert second.files[0].status == "duplicate"
    assert first.files[0].batch_id in (second.files[0].earlier_batch or "")
    assert store.scalar("SELECT count(*) FROM statements") == n
    assert store.scalar("SELECT count(*) FROM batches") == 1


def test_bad_values_go_to_quarantine_with_row_field_and_reason(duck: Store, tmp_path: Path, loaders: LoaderSet) -> None:
    store = duck
    root = tmp_path / "world"
    write_csv(root / "cbp/encounters.csv", CBP_HEADER, [
        cbp_row(1),
        cbp_row(2, dob="13/02/1990"),  # day-first date in a US-dated file
        cbp_row(3, citizenship="XXX"),
        cbp_row(4, group_size="-3"),
        cbp_row(5, dob="01/01/2090"),
        cbp_row(6, phone="12"),
    ])
    run(store, [root], loaders)
    got = {(q["row_number"], q["field"], q["reason"]) for q in quarantine(store)}
    assert (3, "dob", "invalid date (expected %m/%d/%Y)") in got
    assert (4, "citizenship", "unknown country") in got
    assert (5, "group_size", "below minimum 1") in got
    assert (6, "dob", "date in the future") in got
    assert (7, "phone", "invalid phone number") in got
    assert all(q["scope"] == "value" for q in quarantine(store))
    # The rest of each row is kept.
    assert props(store, "E000002")["name"] == {"JOSE LUIS HERNANDEZ ORTIZ"}
    assert "birthDate" not in props(store, "E000005")
    stats = ingest_stats(store)
    reasons = {r["reason"]: r["count"] for r in stats["quarantine_by_reason"]}
    assert reasons["unknown country"] >= 1 and reasons["date in the future"] == 1


def test_latin1_and_bom_files_load_correctly(duck: Store, tmp_path: Path, loaders: LoaderSet) -> None:
    store = duck
    root = tmp_path / "world"
    write_csv(root / "partners/GTM_informes.csv", PARTNER_HEADER, [{
        "folio": "MP-2025-000001", "fecha": "14/03/2025", "institucion": "MP", "pais": "GTM",
        "nombre": "José Ángel", "apellido_paterno": "Pérez", "apellido_materno": "Güiñ", "alias": "El Niño",
        "fecha_nacimiento": "02/07/1984", "sexo": "H", "nacionalidad": "guatemalteca", "telefono": "5123-4567",
        "domicilio": "Zona 1", "municipio": "Huehuetenango", "departamento_estado": "Huehuetenango",
        "delito": "tráfico ilícito de personas", "placa_vehiculo": "P-123ABC", "detenido": "si",
    }], encoding="latin-1")
    assert "é".encode("latin-1") in (root / "partners/GTM_informes.csv").read_bytes()
    write_csv(root / "cbp/encounters.csv", CBP_HEADER, [cbp_row(1, last_name="NUÑEZ")], encoding="utf-8-sig")
    assert (root / "cbp/encounters.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    rep = run(store, [root], loaders)
    assert [f.status for f in rep.files] == ["loaded", "loaded"]
    p = props(store, "MP-2025-000001")
    assert p["name"] == {"José Ángel Pérez Güiñ"}
    assert p["birthDate"] == {"1984-07-02"}  # DD/MM/YYYY
    assert p["nationality"] == {"gt"}
    assert p["gender"] == {"male"}
    assert p["phone"] == {"+50251234567"}
    assert p["nc:custody"] == {"detained"}
    assert p["alias"] == {"El Niño"}
    mk = store.query("SELECT DISTINCT releasable_to, agency, predicate FROM statements WHERE dataset = 'partner_gtm'")
    assert mk == [(",USA,GTM,", "MP", "tráfico ilícito de personas")]
    assert props(store, "E000001")["lastName"] == {"NUÑEZ"}


def test_missing_column_fails_the_file_and_stores_nothing_of_it(duck: Store, tmp_path: Path, loaders: LoaderSet) -> None:
    store = duck
    root = tmp_path / "world"
    write_csv(root / "cbp/encounters.csv", CBP_HEADER, [cbp_row(1)])
    header = [c for c in CBP_HEADER if c != "dob"]
    write_csv(root / "cbp/encounters_2.csv", header, [{k: v for k, v in cbp_row(2).items() if k != "dob"}])
    rep = run(store, [root], loaders)
    assert [f.status for f in rep.files] == ["loaded", "failed"]
    err = rep.files[1].error or ""
    assert "cbp/encounters_2.csv" in err and "'dob'" in err and "cbp_encounters.yaml" in err
    # The earlier file's batch stays; nothing of the failed file is stored.
    assert store.scalar("SELECT count(*) FROM batches") == 1
    assert store.scalar("SELECT count(*) FROM statements WHERE source_file = 'cbp/encounters_2.csv'") == 0


def test_truncated_json_and_missing_predicate_are_quarantined(store: Store, tmp_path: Path, loaders: LoaderSet) -> None:
    root = tmp_path / "world"
    good = report(1)
    no_predicate = report(2, predicate=None)
    bad_ref = report(3, vehicles=[{"plate": "XYZ9", "owner": 7}])
    cut = json.dumps(report(4))[:120]
    write_jsonl(root / "hsi/case_reports.jsonl", [good, no_predicate, bad_ref], tail=cut)
    rep = run(store, [root], loaders)
    assert rep.files[0].status == "loaded"
    q = {(r["row_number"], r["reason"]): r for r in quarantine(store)}
    assert q[(4, "invalid JSON")]["scope"] == "row"
    assert q[(2, "criminal intelligence without a criminal predicate (28 CFR 23.20(a))")]["field"] == "predicate"
    assert q[(3, "refers to a missing subject")]["field"] == "owner"
    assert rep.files[0].rows_read == 4 and rep.files[0].rows_accepted == 2
    assert store.scalar("SELECT count(*) FROM statements WHERE source_record LIKE 'HSI-R-000002%'") == 0
    # Nested subjects get the record ids of docs/sources.md; links resolve to them.
    s0 = props(store, "HSI-R-000001:s0")
    assert s0["name"] == {"José Luis Hernández Ortiz"} and s0["phone"] == {"+526561234567"}
    assert props(store, "HSI-R-000001:s1")["name"] == {"MARIA ORTIZ"}
    raw = store.scalar("SELECT original_value FROM statements WHERE source_record = 'HSI-R-000001:s1' AND prop = 'name'")
    assert raw == "ORTIZ, MARIA"
    s0_id = store.scalar("SELECT DISTINCT entity_id FROM statements WHERE source_record = 'HSI-R-000001:s0'")
    owner = store.scalar(
        "SELECT value FROM statements WHERE schema = 'Vehicle' AND prop = 'owner' AND source_record = 'HSI-R-000001'"
    )
    assert owner == s0_id
    trip_people = store.query(
        "SELECT value FROM statements WHERE schema = 'Trip' AND prop = 'involved' AND source_record = 'HSI-R-000001'"
    )
    assert len(trip_people) == 2
    assert store.scalar(
        "SELECT value FROM statements WHERE schema = 'Trip' AND prop = 'nc:migrantCount' AND source_record = 'HSI-R-000001'"
    ) == "14"
    comp = store.query("SELECT DISTINCT predicate, reliability, validity FROM statements WHERE dataset = 'hsi_case_reports'")
    assert comp == [("8 U.S.C. 1324 alien smuggling conspiracy", "B", "2")]


def test_victim_interviews_are_victim_sensitive(duck: Store, tmp_path: Path, loaders: LoaderSet) -> None:
    store = duck
    root = tmp_path / "world"
    write_jsonl(root / "victims/interviews.jsonl", [{
        "interview_id": "VI-000045", "date": "2025-04-02", "agency": "FBI", "interviewer_unit": "FBI VSD",
        "compartment": "INV-HSI-0007",
        "interviewee": {"name": "Ana Lopez", "dob": "2010-01-02", "nationality": "GTM", "sex": "F", "minor": True,
                        "phone": "", "relief_status": "T-visa applicant"},
        "harms": [{"type": "sexual_assault", "date": "2025-03-01", "place": "Houston"}],
        "smugglers_named": [{"name": "Flaca Ruiz", "alias": "La Flaca", "phone": "+52 656 123 4567",
                             "role_described": "guide"}],
        "route": {"origin": "Huehuetenango", "crossing": "Rio Grande Valley", "stash_house": "Houston"},
    }])
    run(store, [root], loaders)
    assert store.scalar("SELECT count(*) FROM statements WHERE NOT victim_sensitive") == 0
    p = props(store, "VI-000045:interviewee")
    assert p["nc:minor"] == {"true"} and p["nc:protected"] == {"victim"}
    assert p["nc:reliefStatus"] == {"T-visa applicant"}
    assert props(store, "VI-000045:n0")["alias"] == {"La Flaca"}
    rows = store.query("SELECT DISTINCT tlp, compartment, agency FROM statements")
    assert rows == [("TLP:RED", "INV-HSI-0007", "FBI")]


def test_empty_file_and_unknown_file(duck: Store, tmp_path: Path, loaders: LoaderSet) -> None:
    store = duck
    root = tmp_path / "world"
    (root / "msb").mkdir(parents=True)
    (root / "msb/wire_transfers.csv").write_text("")
    (root / "notes.txt").write_text("not an export")
    rep = ingest_paths(store, [root], loaders, stop_on_error=False)
    by = {f.source_file: f for f in rep.files}
    assert by["notes.txt"].status == "skipped"
    assert by["msb/wire_transfers.csv"].status == "failed"
    assert "empty" in (by["msb/wire_transfers.csv"].error or "")
    assert store.scalar("SELECT count(*) FROM batches") == 0


def test_ftm_entities_are_a_native_input(duck: Store, tmp_path: Path, loaders: LoaderSet) -> None:
    store = duck
    root = tmp_path / "world"
    write_jsonl(root / "partner/aleph.ftm.json", [
        {"id": "p1", "schema": "Person", "properties": {"name": ["Juan Pérez"], "phone": ["+52 656 123 4567"],
                                                         "nationality": ["MEX"]}},
        {"id": "x", "schema": "Spaceship", "properties": {}},
        {"id": "p2", "schema": "Person", "properties": {"name": ["Ana"], "wingspan": ["3"]}},
    ])
    rep = run(store, [root], loaders)
    assert rep.files[0].status == "loaded"
    assert props(store, "p1") == {"name": {"Juan Pérez"}, "phone": {"+526561234567"}, "nationality": {"mx"}}
    reasons = {r["reason"] for r in quarantine(store)}
    assert reasons == {"unknown FtM schema", "Person has no property wingspan"}


class _TableLoader:
    """A Python loader like the cases stage's: relational rows, many small chunks."""

    name = "test:records"
    dataset = "test_records"
    agency = "TEST"

    def matches(self, source_file: str) -> bool:
        return source_file.startswith("records/")

    def load(self, ctx: LoadContext) -> Iterator[Chunk]:
        for i in range(3):
            yield Chunk(tables={"test_records": {"id": [f"{i}"], "batch_id": [ctx.provenance.batch_id]}},
                        rows_read=1, rows_accepted=1)


def test_a_failure_mid_batch_leaves_nothing_of_that_file(store: Store, tmp_path: Path) -> None:
    store.execute("CREATE TABLE test_records (id VARCHAR, batch_id VARCHAR)")
    root = tmp_path / "world"
    write_csv(root / "cbp/encounters.csv", CBP_HEADER, [cbp_row(i) for i in range(1, 8)])
    (root / "records").mkdir()
    (root / "records/a.csv").write_text("x\n")
    mappings = [m for m in builtin_mappings() if m.name == "cbp_encounters"]
    small = LoaderSet([_TableLoader(), loader_for(mappings[0], TODAY, chunk_rows=2)])
    rel, loader = small.resolve(root / "cbp/encounters.csv", root)
    assert loader is not None
    with pytest.raises(RuntimeError, match="injected failure"):
        ingest_file(store, root / "cbp/encounters.csv", rel, loader, fail_after_chunks=2)
    assert store.scalar("SELECT count(*) FROM statements") == 0
    assert store.scalar("SELECT count(*) FROM quarantine") == 0
    assert store.scalar("SELECT count(*) FROM batches") == 0
    rel2, table_loader = small.resolve(root / "records/a.csv", root)
    assert table_loader is not None
    ingest_file(store, root / "records/a.csv", rel2, table_loader)
    (root / "records/b.csv").write_text("y\n")
    with pytest.raises(RuntimeError, match="injected failure"):
        ingest_file(store, root / "records/b.csv", "records/b.csv", table_loader, fail_after_chunks=2)
    with pytest.raises(RuntimeError, match="injected failure"):
        ingest_file(store, root / "cbp/encounters.csv", rel, loader, fail_after_chunks=3)
    # The records batch stays, the failed CBP load left nothing; a clean run then loads all of it.
    assert store.scalar("SELECT count(*) FROM test_records") == 3
    assert store.scalar("SELECT count(*) FROM batches") == 1
    assert store.scalar("SELECT count(*) FROM statements") == 0
    res = ingest_file(store, root / "cbp/encounters.csv", rel, loader)
    assert res.rows_read == 7 and store.scalar("SELECT count(*) FROM batches") == 2


def test_python_loaders_are_discovered_without_failing(tmp_path: Path) -> None:
    found = python_loaders()
    assert all(hasattr(ld, "matches") and hasattr(ld, "load") for ld in found)
    ls = default_loaders()
    assert ls.match("cbp/encounters.csv") is not None
    assert ls.match("truth/records.csv") is None


def test_file_given_alone_gets_its_source_name(tmp_path: Path, loaders: LoaderSet) -> None:
    f = write_csv(tmp_path / "deep/world/cbp/encounters.csv", CBP_HEADER, [cbp_row(1)])
    rel, loader = loaders.resolve(f, None)
    assert rel == "cbp/encounters.csv" and loader is not None and loader.name == "cbp_encounters"


# ---------------------------------------------------------------------------------------------
def _cli() -> Any:
    import typer

    from netcase.ingest.commands import register

    app = typer.Typer()
    register(app, {})
    return app


def test_cli_ingest_and_stats(tmp_path: Path) -> None:
    root = tmp_path / "world"
    write_csv(root / "cbp/encounters.csv", CBP_HEADER, [cbp_row(1), cbp_row(2, dob="99/99/1999")])
    db = str(tmp_path / "n.duckdb")
    runner = CliRunner()
    res = runner.invoke(_cli(), ["ingest", "--db", db, str(root)])
    assert res.exit_code == 0, res.output
    assert "1 loaded, 0 already ingested" in res.output and "2 rows" in res.output
    res = runner.invoke(_cli(), ["stats", "--db", db, "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["entities_by_schema"]["Person"] == 2
    assert data["quarantine_by_reason"][0]["reason"].startswith("invalid date")
    # An unreadable file: non-zero exit naming the file and column.
    write_csv(root / "cbp/encounters_b.csv", ["encounter_id"], [{"encounter_id": "E9"}])
    res = runner.invoke(_cli(), ["ingest", "--db", db, str(root)])
    assert res.exit_code == 1
    assert "encounters_b.csv" in res.output


def test_cli_rejects_a_wrong_mapping(tmp_path: Path) -> None:
    bad = tmp_path / "agency_x.yaml"
    bad.write_text(
        "files: x/*.csv\ndataset: x\nagency: X\nrecord_id: '{id}'\n"
        "entities:\n  person:\n    schema: Person\n    properties:\n      shoeSize: size\n"
    )
    res = CliRunner().invoke(_cli(), ["ingest", "--db", str(tmp_path / "n.duckdb"), "--mapping", str(bad),
                                      str(tmp_path)])
    assert res.exit_code == 2
    assert "agency_x.yaml" in res.output and "entities.person.properties.shoeSize" in res.output


def test_ingest_error_names_file_row_and_field() -> None:
    err = IngestError("cbp/encounters.csv", "bad", row=12, field="dob")
    assert str(err) == "cbp/encounters.csv, row 12, field 'dob': bad"


def test_ids_hashed_in_sql_equal_the_reference_definitions(store: Store, tmp_path: Path, loaders: LoaderSet) -> None:
    """Statement and entity ids are hashed in DuckDB (``netcase.ingest.columnar``); they must be
    the very text hashes of ``statement_id`` and ``loader.entity_id``, links included."""
    from netcase.ingest.loader import entity_id
    from netcase.model.statement import statement_id

    root = tmp_path / "world"
    write_csv(root / "cbp/encounters.csv", CBP_HEADER,
              [cbp_row(1, last_name="NÚÑEZ", document_number="G-123", document_type="passport"), cbp_row(2)])
    write_jsonl(root / "hsi/case_reports.jsonl", [report(1)])
    res = run(store, [root], loaders)
    assert not res.failed
    rows = store.query("SELECT id, entity_id, dataset, source_record, schema, prop, prop_type, value FROM statements")
    assert len(rows) > 40
    for sid, eid, _ds, _srec, _schema, prop, _ptype, value in rows:
        assert sid == statement_id(eid, prop, value)
    # A person of a CSV row, a nested subject of a JSON report (list index) and a link to it.
    person = {(r[3], r[1]) for r in rows if r[2] == "cbp_encounters" and r[4] == "Person"}
    assert ("E000001", entity_id("cbp_encounters", "E000001", "person")) in person
    hsi_people = {r[1] for r in rows if r[2].startswith("hsi") and r[4] == "Person"}
    ds_hsi = next(r[2] for r in rows if r[2].startswith("hsi"))
    assert entity_id(ds_hsi, "HSI-R-000001:s0", "subject", (0,)) in hsi_people
    documents = {r[1] for r in rows if r[2] == ds_hsi and r[4] == "Identification"}
    assert documents == {entity_id(ds_hsi, "HSI-R-000001", "document", (0, 0))}
    holders = {r[7] for r in rows if r[2] == "cbp_encounters" and r[5] == "holder"}
    assert holders == {entity_id("cbp_encounters", "E000001", "person")}


@pytest.mark.parametrize("chunk_rows", [3, 7, 25_000])
def test_csv_reader_gives_python_csv_rows_and_line_numbers(tmp_path: Path, chunk_rows: int) -> None:
    """Arrow parses plain blocks, Python's ``csv`` the rest; rows, line numbers and rejects must be
    exactly what ``csv.reader`` gives for the whole file, whatever the chunking."""
    from netcase.ingest.readers import read_csv

    rows = [cbp_row(i) for i in range(1, 40)]
    rows[5]["last_name"] = "NÚÑEZ, \"EL FLACO\""  # quotes
    rows[11]["station"] = "Santa\nTeresa"  # a quoted newline: one row, two lines
    rows[20]["station"] = "Ysleta\r\nStation"
    path = write_csv(tmp_path / "cbp/encounters.csv", CBP_HEADER, rows)
    text = path.read_text(encoding="utf-8")
    lines = text.split("\r\n")
    lines.insert(30, "")  # a blank line
    lines.insert(33, "E999,too,few")  # a row of the wrong width
    path.write_text("\r\n".join(lines), encoding="utf-8")

    expected_rows = []
    expected_bad = []
    with path.open(encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        header = next(reader)
        for rec in reader:
            if len(rec) == len(header):
                expected_rows.append((reader.line_num, dict(zip(header, rec, strict=True))))
            elif rec:
                expected_bad.append(reader.line_num)
    chunks = list(read_csv(path, chunk_rows=chunk_rows))
    got_rows = [r for ch in chunks for r in ch.rows]
    assert got_rows == expected_rows
    assert [r.row_number for ch in chunks for r in ch.rejected] == expected_bad
    for ch in chunks:  # the column view agrees with the rows
        assert ch.columns is not None
        assert list(ch.columns["station"]) == [r["station"] for _, r in ch.rows]
    # Latin-1 goes through the same paths.
    latin = tmp_path / "latin.csv"
    latin.write_bytes(text.encode("utf-8").decode("utf-8").encode("latin-1"))
    assert [r for ch in read_csv(latin, chunk_rows=chunk_rows) for r in ch.rows][:3] == [
        r for r in expected_rows if r[0] < 5
    ][:3]


def test_duckdb_appends_each_chunk_in_entity_order_and_the_same_rows_as_arrow(
    duck: Store, tmp_path: Path
) -> None:
    """A DuckDB store builds a chunk's statements by SQL on its own connection and appends them
    sorted by entity id (the ART index takes a sorted run); the rows are exactly those the Arrow
    path (used for PostgreSQL) builds for the same chunk."""
    from netcase.ingest.base import LoadContext
    from netcase.ingest.columnar import StatementSet
    from netcase.ingest.engine import provenance_for
    from netcase.model.statement import STATEMENT_COLUMNS

    rows = [cbp_row(i, last_name=f"APELLIDO{i % 7}", phone=f"656-123-{4000 + i}") for i in range(1, 120)]
    path = write_csv(tmp_path / "world/cbp/encounters.csv", CBP_HEADER, rows)
    loaders = LoaderSet([loader_for(m, TODAY, chunk_rows=50) for m in builtin_mappings()])
    source_file, loader = loaders.resolve(path, tmp_path / "world")
    assert loader is not None
    res = ingest_file(duck, path, source_file, loader)
    assert res.status == "loaded" and res.statements > 500
    stored = duck.query(f"SELECT {', '.join(STATEMENT_COLUMNS)} FROM statements")
    assert len(stored) == res.statements
    # Three chunks of 50, 50 and 19 rows: entity ids ascend within each appended chunk (the facts
    # under the statements view, migration 0070, in the order they were appended).
    appended = [r[0] for r in duck.query("SELECT entity_id FROM statement_facts ORDER BY rowid")]
    assert len(appended) == res.statements
    breaks = sum(1 for a, b in zip(appended, appended[1:], strict=False) if b < a)
    assert breaks <= 2
    # The Arrow path of the same file gives the same statements, batch and all.
    prov = provenance_for(loader, source_file, res.batch_id or "", duck.scalar("SELECT max(ingested) FROM statements"))
    arrow_rows: list[tuple[Any, ...]] = []
    for chunk in loader.load(LoadContext(path=path, source_file=source_file, provenance=prov)):
        assert isinstance(chunk.statements, StatementSet)
        table = chunk.statements.to_arrow()
        arrow_rows.extend(zip(*(table.column(c).to_pylist() for c in STATEMENT_COLUMNS), strict=True))
    assert sorted(arrow_rows, key=repr) == sorted(stored, key=repr)


def test_a_long_file_does_not_keep_its_chunks_arrow_tables_until_commit(duck: Store, tmp_path: Path) -> None:
    """Memory stays flat within one file's transaction: a chunk's Arrow tables are freed once it
    is appended (a view registered inside an open transaction would keep them until the commit)."""
    import pyarrow as pa

    rows = [cbp_row(i, last_name=f"APELLIDO{i}", phone=f"656-123-{1000 + i}") for i in range(1, 1201)]
    path = write_csv(tmp_path / "world/cbp/encounters.csv", CBP_HEADER, rows)
    loaders = LoaderSet([loader_for(m, TODAY, chunk_rows=40) for m in builtin_mappings()])
    source_file, loader = loaders.resolve(path, tmp_path / "world")
    assert loader is not None
    live: list[int] = []
    res = ingest_file(duck, path, source_file, loader, on_rows=lambda _f, _n: live.append(pa.total_allocated_bytes()))
    assert res.status == "loaded" and len(live) == 30
    # Thirty chunks of about 800 statements each: kept until commit they would add megabytes.
    assert max(live[5:]) - live[5] < 256 * 1024, live
