"""A small hand-written ``cases/`` folder, and a way to ingest it, shared by the cases tests; and
the synthetic world run end to end: alerts come from the ingest and resolve hooks, unasked."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path

from netcase.access.viewer import Viewer
from netcase.ingest.engine import FileResult
from netcase.store import Store, open_store

INVESTIGATIONS = """investigation_id,agency,case_number,district,lead_agent,contact_phone,contact_email,status,opened,closed,predicate,compartment
INV-HSI-0001,HSI,HSI-HOU-25-0001,S.D. Tex.,SA Laura Reyes,(713) 555-0101,laura.reyes@ice.dhs.gov,open,2025-01-10,,8 U.S.C. 1324 alien smuggling conspiracy,
INV-FBI-0001,FBI,FBI-SA-31E-123456,W.D. Tex.,SA Marcus Walker,(210) 555-0199,marcus.walker@fbi.gov,open,2025-02-01,,18 U.S.C. 1203 hostage taking,INV-FBI-0001
INV-DEA-0001,DEA,DEA-ELP-25-0007,D. Ariz.,SA Diana Kim,(520) 555-0123,diana.kim@dea.gov,open,2025-03-05,,21 U.S.C. 846 drug conspiracy,
INV-HSI-0002,HSI,HSI-SD-25-0002,S.D. Cal.,SA Elena Ortega,(619) 555-0142,elena.ortega@ice.dhs.gov,closed,2025-01-01,2025-06-30,8 U.S.C. 1324,
INV-BAD-0001,,X-1,S.D. Tex.,SA Nobody,,,open,2025-01-01,,,
INV-BAD-0002,HSI,HSI-X-2,S.D. Tex.,SA Nobody,,,sideways,2025-01-01,,,
INV-BAD-0003,HSI,HSI-X-3,S.D. Tex.,SA Nobody,,,open,2025-05-01,2025-04-01,,
"""

TARGETS = """target_id,investigation_id,name,dob,phone,account,plate,address
TGT-0001,INV-HSI-0001,Jose Luis Hernandez Ortiz,1984-07-02,+52 656 123 4567,,,
TGT-0002,INV-FBI-0001,J. L. Hernandez,1984-07-02,,,,Calle Sol 1402 Ciudad Juarez
TGT-0003,INV-DEA-0001,Maria Lopez Garcia,1990-01-15,,4000-1234-1234-1234,,
TGT-0004,INV-HSI-0001,Maria Lopez,,,4000123412341234,,
TGT-0005,INV-HSI-0002,Pedro Alvarez,1979-11-30,,,ABC-1234,
TGT-0006,INV-DEA-0001,Pedro A.,,,,abc1234,
TGT-0007,INV-NOPE-0001,Ghost Target,,,,,
TGT-0008,INV-HSI-0001,Bad Date,1984-13-45,,,,
TGT-0009,INV-HSI-0001,,,,,,
TGT-0001,INV-HSI-0001,Duplicate Id,,,,,
TGT-0010,INV-HSI-0001,Phone Typo,,12,,,
"""

OPERATIONS = """operation_id,investigation_id,agency,kind,latitude,longitude,address,start,end
OP-1,INV-HSI-0001,HSI,search_warrant,29.7604,-95.3698,123 Elm St Houston TX,2026-12-01T05:00:00,2026-12-01T09:00:00
OP-2,INV-FBI-0001,FBI,surveillance,29.7650,-95.3650,Near Elm St Houston TX,2026-12-01T08:00:00,2026-12-01T12:00:00
OP-3,INV-DEA-0001,DEA,arrest,31.7619,-106.4850,El Paso TX,2026-12-01T06:00:00,2026-12-01T08:00:00
OP-4,INV-DEA-0001,DEA,controlled_delivery,29.7610,-95.3700,Houston TX,2026-12-03T06:00:00,2026-12-03T08:00:00
OP-5,INV-HSI-0001,HSI,raid_party,29.7604,-95.3698,Houston,2026-12-01T05:00:00,2026-12-01T09:00:00
OP-6,INV-HSI-0001,HSI,arrest,95.0,-95.3698,Houston,2026-12-01T05:00:00,2026-12-01T09:00:00
OP-7,INV-HSI-0001,HSI,arrest,29.7,-95.3,Houston,2026-12-01T09:00:00,2026-12-01T05:00:00
"""

COURT_CASES = [
    {"case_id": "CC-0001", "district": "S.D. Tex.", "case_number": "4:25-cr-00123", "filing_type": "indictment",
     "filing_date": "2025-06-01", "investigation_id": "INV-HSI-0001",
     "defendants": [
         {"defendant_id": "D1", "name": "Jose Luis Hernandez Ortiz", "dob": "1984-07-02",
          "charges": [{"statute": "8 U.S.C. 1324(a)(1)(A)(v)(I)", "counts": 1},
                      {"statute": "8 U.S.C. 1324(a)(1)(A)(ii)", "counts": 3}],
          "disposition": "plea", "disposition_date": "2025-10-01", "sentence_months": 87, "fine_usd": 0,
          "appeal": None},
         {"defendant_id": "D2", "name": "Maria Lopez Garcia", "dob": "1990-01-15",
          "charges": [{"statute": "18 U.S.C. 1956(h)", "counts": 1}], "disposition": None,
          "disposition_date": None, "sentence_months": None, "fine_usd": None, "appeal": None}]},
    {"case_id": "CC-0002", "district": "W.D. Tex.", "case_number": "3:25-cr-00077", "filing_type": "complaint",
     "filing_date": "2025-07-01", "investigation_id": "INV-FBI-0001",
     "defendants": [{"defendant_id": "D1", "name": "Pedro Alvarez", "dob": "1979-11-30",
                     "charges": [{"statute": "18 U.S.C. 1203", "counts": 1}], "disposition": None}]},
    {"case_id": "CC-BAD1", "district": "S.D. Tex.", "case_number": "x", "filing_type": "rumour",
     "filing_date": "2025-06-01", "defendants": [{"defendant_id": "D1", "name": "X"}]},
    {"case_id": "CC-BAD2", "district": "S.D. Tex.", "case_number": "x", "filing_type": "indictment",
     "filing_date": "2025-06-01", "defendants": [{"defendant_id": "D1", "name": "X",
                                                  "charges": [{"statute": "8 U.S.C. 1324", "counts": 0}]}]},
]

FORFEITURES = """forfeiture_id,case_id,asset_type,description,value_usd,status,date,org_hint
F-1,CC-0001,vehicle,2019 Ford F-150,28000,forfeited,2025-11-01,
F-2,CC-0001,currency,Bulk cash,154000.50,seized,2025-06-02,
F-3,CC-0001,real_estate,Stash house,-5,forfeited,2025-11-01,
F-4,CC-0001,vehicle,Trailer,9000,lost,2025-11-01,
"""

REQUESTS = """request_id,kind,direction,partner_country,person_name,person_dob,case_id,status,sent,decided
R-1,extradition,outgoing,MEX,Pedro Alvarez,1979-11-30,CC-0002,extradited,2025-08-01,2025-12-01
R-2,mlat,outgoing,GTM,,,CC-0001,pending,2025-07-01,
R-3,extradition,outgoing,MEXICO,Someone,,CC-0001,pending,2025-07-01,
R-4,extradition,sideways,MEX,Someone,,CC-0001,pending,2025-07-01,
"""


def write_cases(root: Path) -> Path:
    """Write the hand-made ``cases/`` folder under ``root``; return ``root``."""
    folder = root / "cases"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "investigations.csv").write_text(INVESTIGATIONS, encoding="utf-8")
    (folder / "targets.csv").write_text(TARGETS, encoding="utf-8")
    (folder / "operations.csv").write_text(OPERATIONS, encoding="utf-8")
    lines = [json.dumps(c) for c in COURT_CASES] + ["{not json"]
    (folder / "court_cases.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "forfeitures.csv").write_text(FORFEITURES, encoding="utf-8")
    (folder / "requests.csv").write_text(REQUESTS, encoding="utf-8")
    return root


def ingest_cases(store: Store, root: Path, now: datetime | None = None) -> dict[str, FileResult]:
    """Ingest every ``cases/*`` file under ``root`` through the ingest engine and the case loaders."""
    from netcase.cases.loaders import LOADERS
    from netcase.ingest.engine import ingest_file

    results: dict[str, FileResult] = {}
    for loader in LOADERS:
        path = root / "cases" / loader.filename
        if path.exists():
            results[loader.filename] = ingest_file(store, path, f"cases/{loader.filename}", loader,
                                                   now=now or datetime(2026, 11, 1, 12, 0))
    return results


def _ingest_world(store: Store, world: Path, files: list[Path]) -> None:
    from netcase.ingest.engine import ingest_file
    from netcase.ingest.registry import default_loaders

    loaders = default_loaders()
    for path in files:
        source_file, loader = loaders.resolve(path, world)
        assert loader is not None, path
        ingest_file(store, path, source_file, loader)


def _active_alerts(store: Store) -> dict[str, tuple[str, str, str]]:
    return {r[0]: (r[1], r[2], r[3]) for r in store.query(
        "SELECT alert_id, target_a, target_b, basis FROM deconfliction_alerts WHERE status = 'active'")}


def test_world_alerts_come_from_ingest_and_resolve_without_being_asked(tiny_world: Path, tmp_path: Path) -> None:
    from netcase.cases.watch import add_watch, watch_alerts
    from netcase.resolve.analyst import judge
    from netcase.resolve.engine import resolve

    store = open_store(str(tmp_path / "world.duckdb"))
    try:
        files = sorted(p for p in tiny_world.rglob("*.*") if p.is_file() and "truth" not in p.parts)
        calls = tiny_world / "phones" / "call_records.csv"
        _ingest_world(store, tiny_world, [p for p in files if p != calls])
        analyst = Viewer(user="ana", agency="HSI", country="USA", roles=frozenset({"analyst"}))
        # Watch the phone of the first seized handset before its call records arrive, and the
        # mention of a target that the resolver will join to other records.
        with calls.open(encoding="utf-8") as fh:
            device = fh.readlines()[1].split(",")[2]
        add_watch(store, analyst, "phone", device, now=datetime(2026, 11, 29))
        for (target_entity,) in store.query("SELECT DISTINCT entity_id FROM case_targets WHERE entity_id IS NOT NULL "
                                            "AND dob IS NOT NULL"):
            add_watch(store, analyst, "entity", target_entity, now=datetime(2026, 11, 29))
        assert watch_alerts(store, "ana") == []
        before = _active_alerts(store)
        assert all("same_entity" not in basis for _a, _b, basis in before.values())  # nothing resolved yet

        _ingest_world(store, tiny_world, [calls])
        phone_alerts = [a for a in watch_alerts(store, "ana") if a["kind"] == "phone"]
        assert phone_alerts and {a["source_file"] for a in phone_alerts} == {"phones/call_records.csv"}

        resolve(store)
        merged = {k: v for k, v in _active_alerts(store).items() if "same_entity" in v[2]}
        assert merged, "resolution put targets of two agencies on one person: the hook must alert"
        # Both points of contact were notified of each new alert, each with whom to call.
        for alert_id in merged:
            notices = store.query_dicts("SELECT investigation_id, recipient, body FROM case_notices "
                                        "WHERE alert_id = ? AND change_kind = 'new'", (alert_id,))
            sides = store.query("SELECT investigation_a, investigation_b FROM deconfliction_alerts WHERE alert_id = ?",
                                (alert_id,))[0]
            assert {n["investigation_id"] for n in notices} == set(sides)
            assert all(n["recipient"] and "Contact " in n["body"] for n in notices)
        entity_alerts = [a for a in watch_alerts(store, "ana") if a["kind"] == "entity"]
        assert entity_alerts, "some watched target mentions were joined to other records"
        # News are the joined records, never the watched mention's own facts (the baseline).
        assert all(a["entity_id"] != a["value"] for a in entity_alerts)

        # An analyst says the two targets of one alert are different people; the next run withdraws it.
        alert_id, (ta, tb, _basis) = sorted(merged.items())[0]
        ea, eb = (store.scalar("SELECT entity_id FROM case_targets WHERE target_id = ?", (t,)) for t in (ta, tb))
        judge(store, ea, eb, "not-same", "analyst1", "different fathers")
        assert alert_id in _active_alerts(store)  # a judgement alone changes nothing until the run
        resolve(store)
        assert alert_id not in _active_alerts(store)
        assert store.scalar("SELECT status FROM deconfliction_alerts WHERE alert_id = ?", (alert_id,)) == "withdrawn"
        withdrawn = store.query("SELECT investigation_id FROM case_notices WHERE alert_id = ? "
                                "AND change_kind = 'withdrawn'", (alert_id,))
        assert len(withdrawn) == 2
    finally:
        store.close()
