"""Trends: monthly series from what a viewer may see, and the surge test."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path

import numpy as np

from netcase.access.policy import record_sharing_agreement
from netcase.access.viewer import Viewer
from netcase.ingest.base import StatementBuffer
from netcase.model.marking import Marking
from netcase.model.statement import Provenance
from netcase.store import Store
from netcase.trends.report import trends_report
from netcase.trends.series import district_of_sector, monthly_series
from netcase.trends.surge import detect_surges, surge_tests
from test_cases_world import ingest_cases, write_cases

T0 = datetime(2026, 11, 29, 12, 0)
LIAISON = Viewer(user="fgr1", agency="FGR", country="MEX", roles=frozenset({"partner_liaison"}))
REL_MEX = Marking.parse("LES//REL TO USA, MEX//TLP:AMBER")
NOFORN = Marking.parse("LES//NOFORN//TLP:AMBER")


def test_surge_flags_an_injected_surge() -> None:
    rng = np.random.default_rng(20261129)
    values = rng.poisson(8.0, 36).tolist()
    values[30] = 31
    flags = detect_surges(values)
    assert [f.index for f in flags] == [30]
    flag = flags[0]
    assert flag.observed == 31 and 6 < flag.expected < 10 and flag.p_adjusted < 0.01


def test_surge_does_not_flag_flat_poisson_series() -> None:
    rng = np.random.default_rng(7)
    flagged = sum(bool(detect_surges(rng.poisson(8.0, 36).tolist())) for _ in range(100))
    # Bonferroni at alpha 0.01 per series: about one flat series in a hundred may be flagged.
    assert flagged <= 3
    assert detect_surges(rng.poisson(8.0, 36).tolist()) == []


def test_surge_p_value_is_the_exact_binomial_tail() -> None:
    # Baseline of 6 months with 6 events each, then 20: P(X >= 20), X ~ Bin(56, 1/7).
    from scipy.stats import binom

    (t, x, m, base, p), = surge_tests([6, 6, 6, 6, 6, 6, 20])
    assert (t, x, m, base) == (6, 20, 6, 36)
    assert abs(p - binom.sf(19, 56, 1 / 7)) < 1e-12


def _events(store: Store) -> None:
    prov = Provenance(dataset="cbp_encounters", source_file="cbp/encounters.csv", agency="CBP", batch_id="b1",
                      ingested=T0, marking=NOFORN, compartment=None, predicate=None)
    buf = StatementBuffer(prov)

    def event(eid: str, day: str, marking: Marking, **props: str) -> None:
        for prop, value in {"date": day, **props}.items():
            buf.add(entity_id=eid, schema="Event", prop=prop, prop_type="string", value=value,
                    original_value=None, source_record=eid, observed=None, marking=marking)

    # Laredo encounters every month of 2025, shared with Mexico; a U.S.-only death incident.
    for month in range(1, 13):
        event(f"ENC{month}", f"2025-{month:02d}-10", REL_MEX, **{"nc:eventType": "encounter", "nc:sector": "Laredo",
                                                                   "nc:migrantCount": "4"})
    event("HARM1", "2025-07-04", NOFORN, **{"nc:eventType": "encounter", "nc:district": "S.D. Tex.",
                                             "nc:harmType": "death_heat", "nc:deaths": "3", "nc:migrantCount": "12"})
    # A Tucson group of two Guatemalan migrants, one Honduran, and their Mexican guide.
    event("ENC-TUC", "2025-05-20", REL_MEX, **{"nc:eventType": "encounter", "nc:sector": "Tucson",
                                               "nc:migrantCount": "4"})
    for pid, nat, category in (("M1", "gt", "MIGRANT"), ("M2", "gt", "MIGRANT"), ("M3", "hn", "MIGRANT"),
                               ("G1", "mx", "GUIDE")):
        buf.add(entity_id="ENC-TUC", schema="Event", prop="involved", prop_type="entity", value=pid,
                original_value=None, source_record="ENC-TUC", observed=None, marking=REL_MEX)
        for prop, value in (("nationality", nat), ("nc:subjectCategory", category)):
            buf.add(entity_id=pid, schema="Person", prop=prop, prop_type="string", value=value,
                    original_value=None, source_record=pid, observed=None, marking=REL_MEX)
    buf_trip = buf
    for i in range(3):
        buf_trip.add(entity_id=f"TRIP{i}", schema="Trip", prop="startDate", prop_type="date", value="2025-03-02",
                     original_value=None, source_record=f"TRIP{i}", observed=None)
        for prop, value in (("nc:migrantCount", "15"), ("nc:corridor", "GTM→Rio Grande Valley"),
                            ("nc:district", "S.D. Tex.")):
            buf_trip.add(entity_id=f"TRIP{i}", schema="Trip", prop=prop, prop_type="string", value=value,
                         original_value=None, source_record=f"TRIP{i}", observed=None)
    store.insert_columns("statements", buf.take())


def test_monthly_series_by_district_and_corridor(store: Store, tmp_path: Path) -> None:
    _events(store)
    ingest_cases(store, write_cases(tmp_path))
    trends = monthly_series(store, Viewer.system(), start="2025-01", end="2025-12")
    assert len(trends.months) == 12
    sdtex = trends.get("apprehension_events", "district", "S.D. Tex.")
    assert sdtex is not None and sdtex.values[6] == 2 and sum(sdtex.values) == 13
    assert trends.get("apprehensions", "district", "S.D. Tex.").values[6] == 16  # type: ignore[union-attr]
    assert trends.get("deaths", "district", "S.D. Tex.").values[6] == 3  # type: ignore[union-attr]
    corridor = trends.get("people_moved", "corridor", "GTM→Rio Grande Valley")
    assert corridor is not None and corridor.values[2] == 45
    # Without nc:corridor: the origin of the people moved (most common nationality of the migrants,
    # never the guide's) and the crossing sector; without anyone's nationality the origin is unknown.
    tucson = trends.get("apprehensions", "corridor", "GT → Tucson")
    assert tucson is not None and tucson.values[4] == 4
    assert not [s for s in trends.series if s.group.startswith(("MX", "HN"))]
    laredo = trends.get("apprehension_events", "corridor", "unknown → Laredo")
    assert laredo is not None and sum(laredo.values) == 12
    # One district: its series and the corridors of its events only; one corridor: its series only.
    arizona = monthly_series(store, Viewer.system(), district="D. Ariz.")
    assert {(s.by, s.group) for s in arizona.series} == {("district", "D. Ariz."), ("corridor", "GT → Tucson")}
    one = monthly_series(store, Viewer.system(), corridor="unknown → Laredo")
    assert {(s.by, s.group) for s in one.series} == {("corridor", "unknown → Laredo")}
    # Case series: investigations opened, indictments, defendants, convictions, forfeitures, extraditions.
    assert trends.get("indictments", "district", "S.D. Tex.").values[5] == 1  # type: ignore[union-attr]
    assert trends.get("defendants_charged", "district", "S.D. Tex.").values[5] == 2  # type: ignore[union-attr]
    assert trends.get("convictions", "district", "S.D. Tex.").values[9] == 1  # type: ignore[union-attr]
    assert trends.get("forfeiture_value_usd", "district", "S.D. Tex.").values[10] == 28000  # type: ignore[union-attr]
    assert trends.get("extraditions", "district", "W.D. Tex.").values[11] == 1  # type: ignore[union-attr]
    opened = trends.get("investigations_opened", "district", "all")
    assert opened is not None and sum(opened.values) == 4

    # A partner liaison counts only what is releasable to Mexico, and no U.S. case records.
    record_sharing_agreement(store, agreement_id="AG-MEX-1", country="MEX", title="FGR information sharing",
                             signed_on=date(2025, 1, 1), recorded_by=Viewer.system(), now=T0)
    theirs = monthly_series(store, LIAISON, start="2025-01", end="2025-12")
    mine = theirs.get("apprehension_events", "district", "S.D. Tex.")
    assert mine is not None and sum(mine.values) == 12
    assert theirs.get("apprehensions", "corridor", "GT → Tucson") is not None
    assert theirs.get("deaths", "district", "S.D. Tex.") is None
    assert theirs.get("indictments", "district", "S.D. Tex.") is None


def test_trends_report_shows_the_series_behind_a_surge(duck: Store) -> None:
    prov = Provenance(dataset="hsi", source_file="hsi/case_reports.jsonl", agency="HSI", batch_id="b1",
                      ingested=T0, marking=NOFORN, compartment=None, predicate=None)
    buf = StatementBuffer(prov)
    rng = np.random.default_rng(3)
    counts = rng.poisson(5, 24).tolist()
    counts[20] = 25
    n = 0
    for month, k in enumerate(counts):
        for _ in range(k):
            n += 1
            eid = f"H{n}"
            day = f"{2024 + month // 12}-{month % 12 + 1:02d}-15"
            for prop, value in (("date", day), ("nc:eventType", "harm"), ("nc:harmType", "kidnapping"),
                                ("nc:district", "D. Ariz.")):
                buf.add(entity_id=eid, schema="Event", prop=prop, prop_type="string", value=value,
                        original_value=None, source_record=eid, observed=None)
    duck.insert_columns("statements", buf.take())
    report = trends_report(duck, Viewer.system(), district="D. Ariz.")
    flags = [s for s in report["surges"] if s["metric"] == "harm_incidents"]
    assert [f["month"] for f in flags] == ["2025-09"]
    window = flags[0]["window"]
    assert window[-1] == {"month": "2025-09", "value": 25.0} and len(window) == 13
    assert all(s["group"] == "D. Ariz." for s in report["series"])


def test_sector_to_district() -> None:
    assert district_of_sector("Rio Grande Valley") == "S.D. Tex."
    assert district_of_sector("Tucson Sector") == "D. Ariz."
    assert district_of_sector("Atlantis") is None


def test_corridor_is_origin_of_most_people_then_crossing() -> None:
    from netcase.trends.series import corridor_of

    assert corridor_of(None, "Rio Grande Valley Sector", ["GT", "HN", "GT"]) == "GT → Rio Grande Valley"
    assert corridor_of(None, "Laredo", ["SV", "HN"]) == "HN → Laredo"  # a tie: alphabetical, so stable
    assert corridor_of(None, "Yuma", []) == "unknown → Yuma"
    assert corridor_of("GTM→Rio Grande Valley", "Laredo", ["MX"]) == "GTM→Rio Grande Valley"  # as the source says
    assert corridor_of(None, None, ["GT"]) is None


def test_report_ranks_corridors_by_people(store: Store, tmp_path: Path) -> None:
    from netcase.trends.commands import busiest_corridors

    _events(store)
    report = trends_report(store, Viewer.system())
    assert busiest_corridors(report, 2) == ["unknown → Laredo", "GTM→Rio Grande Valley"]
    assert busiest_corridors(report, 10)[-1] == "GT → Tucson"
