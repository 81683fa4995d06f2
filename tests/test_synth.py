"""The synthetic world: determinism, truth coverage, truth counts, protection of victims, noise."""

from __future__ import annotations

import csv
import hashlib
import json
import os
import statistics
import subprocess
import sys
import unicodedata
from collections import Counter, defaultdict
from pathlib import Path

import pytest

from netcase.synth import FILES, generate
from netcase.synth.rand import streams
from netcase.synth.tables import HARM_TYPES, ROLES, SECTORS
from netcase.synth.world import _org_sizes

ORG_ROLES = set(ROLES)
ENCODINGS = {"partners/GTM_informes.csv": "latin-1", "partners/SLV_informes.csv": "utf-8-sig"}


def read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def read_jsonl(path: Path) -> list[dict]:
    with path.open(encoding="utf-8") as fh:
        return [json.loads(line) for line in fh]


def mentions_in_sources(world: Path) -> set[tuple[str, str]]:
    """Every person mention, found by parsing the source files by the rules of docs/sources.md."""
    found: set[tuple[str, str]] = set()
    for r in read_csv(world / "cbp/encounters.csv"):
        found.add(("cbp/encounters.csv", r["encounter_id"]))
    for agency in ("hsi", "fbi", "dea"):
        name = f"{agency}/case_reports.jsonl"
        for rep in read_jsonl(world / name):
            for i, _ in enumerate(rep["subjects"]):
                found.add((name, f"{rep['report_id']}:s{i}"))
    for rep in read_jsonl(world / "victims/interviews.jsonl"):
        found.add(("victims/interviews.jsonl", f"{rep['interview_id']}:interviewee"))
        for i, _ in enumerate(rep["smugglers_named"]):
            found.add(("victims/interviews.jsonl", f"{rep['interview_id']}:n{i}"))
    for country in ("MEX", "GTM", "SLV", "HND"):
        name = f"partners/{country}_informes.csv"
        for r in read_csv(world / name, ENCODINGS.get(name, "utf-8")):
            found.add((name, r["folio"]))
    for r in read_csv(world / "msb/wire_transfers.csv"):
        found.add(("msb/wire_transfers.csv", f"{r['transfer_id']}:sender"))
        found.add(("msb/wire_transfers.csv", f"{r['transfer_id']}:receiver"))
    for r in read_csv(world / "phones/call_records.csv"):
        found.add(("phones/call_records.csv", f"{r['extraction_id']}:owner"))
    for r in read_csv(world / "cases/targets.csv"):
        found.add(("cases/targets.csv", r["target_id"]))
    for case in read_jsonl(world / "cases/court_cases.jsonl"):
        for dfd in case["defendants"]:
            found.add(("cases/court_cases.jsonl", f"{case['case_id']}:{dfd['defendant_id']}"))
    for r in read_csv(world / "cases/requests.csv"):
        found.add(("cases/requests.csv", r["request_id"]))
    return found


def digest(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def test_every_file_written(tiny_world: Path) -> None:
    for name in FILES:
        path = tiny_world / name
        assert path.exists(), name
        lines = path.read_bytes().count(b"\n")
        minimum = 1 if name.endswith(".jsonl") else 2
        assert lines >= minimum, f"{name} is empty"
    for name in ("records", "persons", "orgs", "investigations", "events", "namesakes"):
        assert (tiny_world / "truth" / f"{name}.csv").exists()


def test_same_seed_same_bytes(tmp_path: Path) -> None:
    a = generate("tiny", 11, tmp_path / "a")
    # The second run is another process with another string-hash seed: nothing may depend on either.
    code = f"from netcase.synth import generate; generate('tiny', 11, {str(tmp_path / 'b')!r})"
    env = {**os.environ, "PYTHONHASHSEED": "4242"}
    subprocess.run([sys.executable, "-c", code], check=True, env=env)
    assert digest(tmp_path / "a") == digest(tmp_path / "b")
    generate("tiny", 12, tmp_path / "c")
    assert digest(tmp_path / "a") != digest(tmp_path / "c")
    check_coverage(tmp_path / "c")
    assert 2500 <= a.records <= 9000  # "a few thousand records"
    assert a.cpu_seconds and sum(a.cpu_seconds.values()) < 5


def check_coverage(world: Path) -> None:
    truth = read_csv(world / "truth/records.csv")
    keys = [(r["source_file"], r["record_id"]) for r in truth]
    assert len(keys) == len(set(keys)), "a mention appears twice in records.csv"
    assert set(keys) == mentions_in_sources(world)
    persons = {r["person_id"] for r in read_csv(world / "truth/persons.csv")}
    assert {r["person_id"] for r in truth} <= persons


def test_truth_covers_every_mention(tiny_world: Path) -> None:
    check_coverage(tiny_world)


def test_orgs_counts_match_events_written(tiny_world: Path) -> None:
    orgs = {r["org_id"]: r for r in read_csv(tiny_world / "truth/orgs.csv")}
    events = read_csv(tiny_world / "truth/events.csv")
    totals: dict[str, Counter[str]] = defaultdict(Counter)
    for e in events:
        t = totals[e["org_id"]]
        t["events"] += 1
        t["migrants_moved"] += int(e["migrants"]) if e["kind"] == "smuggling_trip" else 0
        t["deaths"] += int(e["deaths"])
        t["revenue_usd"] += int(e["revenue_usd"])
        for harm, col in (("sexual_assault", "sexual_assaults"), ("kidnapping", "kidnappings"),
                          ("extortion", "extortions")):
            t[col] += e["harm_type"] == harm
    for org_id, row in orgs.items():
        for col in ("events", "migrants_moved", "deaths", "revenue_usd", "sexual_assaults", "kidnappings",
                    "extortions"):
            assert int(row[col]) == totals[org_id][col], (org_id, col)
    assert sum(int(r["migrants_moved"]) for r in orgs.values()) > 0


def test_events_are_in_the_files_they_cite(tiny_world: Path) -> None:
    """Each truth event cites records that exist and say the same thing (date, deaths, harm)."""
    cbp: dict[str, list[dict[str, str]]] = defaultdict(list)
    for r in read_csv(tiny_world / "cbp/encounters.csv"):
        cbp[r["event_id"]].append(r)
    reports = {}
    for agency in ("hsi", "fbi", "dea"):
        for rep in read_jsonl(tiny_world / f"{agency}/case_reports.jsonl"):
            reports[rep["report_id"]] = rep
    interviews = {r["interview_id"]: r for r in read_jsonl(tiny_world / "victims/interviews.jsonl")}
    checked = 0
    for e in read_csv(tiny_world / "truth/events.csv"):
        refs = e["sources"].split(";")
        assert refs and refs[0], e
        for ref in refs:
            source, rid = ref.split("#")
            if source == "cbp/encounters.csv":
                rows = cbp[rid]
                assert rows, ref
                mm, dd, yyyy = rows[0]["encounter_date"].split("/")
                assert f"{yyyy}-{mm}-{dd}" == e["date"]
                if e["kind"] == "harm":
                    assert rows[0]["harm_type"] == e["harm_type"]
                    assert int(rows[0]["deaths"]) == int(e["deaths"])
                checked += 1
            elif source.endswith("case_reports.jsonl"):
                kinds = {"smuggling_trip": "smuggling_trip", "harm": "harm", "stash_house_raid": "stash_house_raid"}
                assert any(ev["type"] == kinds[e["kind"]] and ev["date"] == e["date"]
                           for ev in reports[rid]["events"]), ref
                checked += 1
            elif source == "victims/interviews.jsonl":
                assert interviews[rid]["route"]["crossing"] == e["sector"]
                checked += 1
    assert checked > 50


def test_victims_and_migrants_have_no_org_role(tiny_world: Path) -> None:
    persons = read_csv(tiny_world / "truth/persons.csv")
    roles = Counter(r["role"] for r in persons)
    assert roles["migrant"] > 100 and roles["victim"] > 0 and roles["relative"] > 0
    for r in persons:
        if r["role"] in ("migrant", "victim"):
            assert r["org_id"] == "" and r["is_victim"] == "1", r
        elif r["role"] in ORG_ROLES:
            assert r["org_id"].startswith("ORG-") and r["is_victim"] == "0", r
        else:
            assert r["org_id"] == "", r
    # Investigations never target a migrant or a victim.
    role = {r["person_id"]: r["role"] for r in persons}
    for r in read_csv(tiny_world / "truth/investigations.csv"):
        assert role[r["person_id"]] in ORG_ROLES


def test_org_sizes_heavy_tailed(tiny_world: Path) -> None:
    sizes = sorted(_org_sizes(2000, streams(3, ["x"])["x"]), reverse=True)
    median = statistics.median(sizes)
    top = sum(sizes[: len(sizes) // 10]) / sum(sizes)
    assert sizes[0] >= 8 * median
    assert top >= 0.3  # the top tenth of organisations hold a third of the members
    tiny = sorted(int(r["members"]) for r in read_csv(tiny_world / "truth/orgs.csv"))
    assert tiny[-1] >= 3 * statistics.median(tiny)


def _fold(text: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", text.upper()) if not unicodedata.combining(c))


def _noise_rates(world: Path) -> tuple[float, float]:
    persons = {r["person_id"]: r for r in read_csv(world / "truth/persons.csv")}
    truth = {r["record_id"]: r["person_id"] for r in read_csv(world / "truth/records.csv")
             if r["source_file"] == "cbp/encounters.csv"}
    names = dobs = n = 0
    for r in read_csv(world / "cbp/encounters.csv"):
        p = persons[truth[r["encounter_id"]]]
        recorded = " ".join(x for x in (r["first_name"], r["middle_name"], r["last_name"]) if x)
        names += _fold(recorded).replace("-", " ") != _fold(p["name"])
        mm, dd, yyyy = (r["dob"] or "//").split("/")
        dobs += f"{yyyy}-{mm}-{dd}" != p["dob"]
        n += 1
    return names / n, dobs / n


def test_noise_levels_change_noise(tmp_path: Path) -> None:
    low = _noise_rates(generate("tiny", 1, tmp_path / "low", noise="low").out)
    high = _noise_rates(generate("tiny", 1, tmp_path / "high", noise="high").out)
    for level in ("low", "high"):
        check_coverage(tmp_path / level)
    assert high[0] > low[0] * 2 and high[0] - low[0] > 0.1
    assert high[1] > low[1] * 2


def test_sectors_map_to_districts(tiny_world: Path) -> None:
    expected = {"Rio Grande Valley": "S.D. Tex.", "Laredo": "S.D. Tex.", "Del Rio": "W.D. Tex.",
                "El Paso": "W.D. Tex.", "Big Bend": "W.D. Tex.", "Tucson": "D. Ariz.", "Yuma": "D. Ariz.",
                "San Diego": "S.D. Cal.", "El Centro": "S.D. Cal."}
    assert {name: s.district for name, s in SECTORS.items()} == expected
    for r in read_csv(tiny_world / "cbp/encounters.csv"):
        assert expected[r["sector"]] == r["district"]
        assert r["harm_type"] in HARM_TYPES or (r["harm_type"] == "" and r["deaths"] == "0")


def test_partner_files_encoding_and_dates(tiny_world: Path) -> None:
    slv = (tiny_world / "partners/SLV_informes.csv").read_bytes()
    assert slv.startswith(b"\xef\xbb\xbf")
    gtm = (tiny_world / "partners/GTM_informes.csv").read_bytes()
    assert not gtm.startswith(b"\xef\xbb\xbf")
    text = gtm.decode("latin-1")
    assert text.startswith("folio,fecha,institucion")
    rows = read_csv(tiny_world / "partners/MEX_informes.csv")
    for r in rows:
        dd, mm, yyyy = r["fecha"].split("/")
        assert 1 <= int(dd) <= 31 and 1 <= int(mm) <= 12 and len(yyyy) == 4
        assert r["detenido"] in ("si", "no")


def test_namesakes_are_different_people_with_one_name(tiny_world: Path) -> None:
    persons = {r["person_id"]: r for r in read_csv(tiny_world / "truth/persons.csv")}
    pairs = read_csv(tiny_world / "truth/namesakes.csv")
    for pair in pairs:
        a, b = persons[pair["person_id"]], persons[pair["namesake_id"]]
        assert a["name"] == b["name"] and a["dob"] != b["dob"]


def test_hubs_are_busy(tiny_world: Path) -> None:
    wires = read_csv(tiny_world / "msb/wire_transfers.csv")
    agents = Counter(r["agent_id"] for r in wires)
    hub, count = agents.most_common(1)[0]
    assert hub == "ELK-REY-0001" and count > 0.1 * len(wires)
    truth = {(r["source_file"], r["record_id"]): r["person_id"] for r in read_csv(tiny_world / "truth/records.csv")}
    persons = {r["person_id"]: r for r in read_csv(tiny_world / "truth/persons.csv")}
    orgs_at_hub = {persons[truth[("msb/wire_transfers.csv", f"{r['transfer_id']}:receiver")]]["org_id"]
                   for r in wires if r["agent_id"] == hub}
    assert len(orgs_at_hub - {""}) >= 2  # several organisations' collectors use the same paying agent


def test_cli_and_demo_step(tmp_path: Path) -> None:
    from rich.console import Console
    from typer.testing import CliRunner

    from netcase.cli import build_app
    from netcase.demo import DemoContext
    from netcase.synth.demo import demo_step

    result = CliRunner().invoke(build_app(), ["synth", "--scale", "tiny", "--seed", "2", "--out",
                                              str(tmp_path / "cli"), "--json"])
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["files"]["cbp/encounters.csv"] > 0
    bad = CliRunner().invoke(build_app(), ["synth", "--scale", "huge", "--out", str(tmp_path / "x")])
    assert bad.exit_code != 0
    ctx = DemoContext(out=tmp_path, db="", store=None, console=Console(record=True), scale="tiny", seed=2)  # type: ignore[arg-type]
    demo_step(ctx)
    assert ctx.state["world"] == tmp_path / "world"
    assert (tmp_path / "world/truth/records.csv").exists()
    assert "cbp/encounters.csv" in ctx.console.export_text()


@pytest.mark.parametrize("bad", [{"scale": "huge"}, {"noise": "extreme"}])
def test_bad_arguments(tmp_path: Path, bad: dict[str, str]) -> None:
    args = {"scale": "tiny", "seed": 1, "out": tmp_path, "noise": "default", **bad}
    with pytest.raises(ValueError):
        generate(**args)  # type: ignore[arg-type]


def test_wired_money_matches_transfers(tiny_world: Path) -> None:
    """``wired_usd`` of each organisation is the sum of the transfers its members received."""
    truth = {r["record_id"]: r["person_id"] for r in read_csv(tiny_world / "truth/records.csv")
             if r["source_file"] == "msb/wire_transfers.csv"}
    org_of = {r["person_id"]: r["org_id"] for r in read_csv(tiny_world / "truth/persons.csv")}
    wired: Counter[str] = Counter()
    for r in read_csv(tiny_world / "msb/wire_transfers.csv"):
        org = org_of[truth[f"{r['transfer_id']}:receiver"]]
        if org:
            wired[org] += round(float(r["amount_usd"]) * 100)
            assert org_of[truth[f"{r['transfer_id']}:sender"]] == ""  # families pay; members do not
    for r in read_csv(tiny_world / "truth/orgs.csv"):
        assert round(float(r["wired_usd"]) * 100) == wired[r["org_id"]], r["org_id"]


def test_every_recorded_event_is_in_the_truth(tiny_world: Path) -> None:
    """The other direction: each event a report or an encounter describes is counted in events.csv."""
    cited: Counter[tuple[str, str, str]] = Counter()
    for e in read_csv(tiny_world / "truth/events.csv"):
        for ref in e["sources"].split(";"):
            source, rid = ref.split("#")
            cited[(source, rid, e["kind"])] += 1
    for agency in ("hsi", "fbi", "dea"):
        name = f"{agency}/case_reports.jsonl"
        for rep in read_jsonl(tiny_world / name):
            kinds = Counter(ev["type"] for ev in rep["events"])
            for kind in ("smuggling_trip", "harm", "stash_house_raid"):
                assert cited[(name, rep["report_id"], kind)] == kinds[kind], (rep["report_id"], kind)
    harmed = {r["event_id"] for r in read_csv(tiny_world / "cbp/encounters.csv") if r["harm_type"]}
    for event_id in harmed:
        assert cited[("cbp/encounters.csv", event_id, "harm")] == 1
