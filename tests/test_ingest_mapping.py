"""The mapping language: strict validation, and the documented example works as documented."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from netcase.ingest.engine import ingest_paths
from netcase.ingest.mapping import MappingError, glob_match, load_mapping, parse_mapping
from netcase.ingest.registry import LoaderSet, builtin_mappings, loader_for
from netcase.store import Store

DOCS = Path(__file__).resolve().parents[1] / "docs" / "mappings.md"
BASE: dict[str, Any] = {
    "files": "x/*.csv", "dataset": "x", "agency": "X", "record_id": "{id}",
    "entities": {"person": {"schema": "Person", "properties": {"name": "name"}}},
}


def with_(path: str, value: Any) -> dict[str, Any]:
    data = yaml.safe_load(yaml.safe_dump(BASE))
    cur = data
    keys = path.split(".")
    for k in keys[:-1]:
        cur = cur.setdefault(k, {})
    cur[keys[-1]] = value
    return data


@pytest.mark.parametrize(
    ("path", "value", "key", "message"),
    [
        ("entities.person.schema", "Spaceship", "entities.person.schema", "unknown FollowTheMoney schema"),
        ("entities.person.properties.shoeSize", "size", "entities.person.properties.shoeSize", "no property"),
        ("entities.person.colour", "red", "entities.person.colour", "unknown key"),
        ("entities.person.properties.birthDate", {"field": "dob", "country": "us"},
         "entities.person.properties.birthDate.country", "applies to phone"),
        ("entities.person.properties.phone", {"field": "p", "format": "%d"},
         "entities.person.properties.phone.format", "applies to date"),
        ("entities.person.properties.associates", {"entity": "nobody"},
         "entities.person.properties.associates.entity", "no entity named"),
        ("entities.person.properties.name", {"entity": "person"}, "entities.person.properties.name.entity",
         "not a link"),
        ("marking", "LES//REL TO USA, MEXICO//TLP:AMBER", "marking", "trigraph"),
        ("intel", {"criminal": True}, "intel.predicate", "28 CFR 23.20(a)"),
        ("intel", {"reliability": "Z"}, "intel.reliability", "A-F"),
        ("dataset", "Bad Name", "dataset", "lower case"),
        ("record_id", None, "record_id", "is required"),
        ("entities.person.properties.name", {"field": "n", "map": "nowhere"},
         "entities.person.properties.name.map", "no value map"),
        ("reader", {"format": "xml"}, "reader.format", "unknown format"),
    ],
)
def test_a_wrong_mapping_names_the_file_and_key(path: str, value: Any, key: str, message: str) -> None:
    data = with_(path, value)
    if value is None:
        data.pop(path)
    with pytest.raises(MappingError) as exc:
        parse_mapping(data, "agency_x.yaml")
    assert exc.value.key == key
    assert str(exc.value).startswith(f"mapping agency_x.yaml: {key}: ")
    assert message in str(exc.value)


def test_link_cycles_and_bad_indexes_are_refused() -> None:
    data = with_("entities.car", {"schema": "Vehicle", "properties": {"owner": {"entity": "person"}}})
    data["entities"]["person"]["properties"]["ownedVehicles"] = {"entity": "car"}
    with pytest.raises(MappingError, match="cycle"):
        parse_mapping(data, "m.yaml")
    nested = with_("entities.doc", {"schema": "Identification", "each": "docs",
                                    "properties": {"holder": {"entity": "person", "index": "who"},
                                                   "number": "n"}})
    with pytest.raises(MappingError, match="not a list beside"):
        parse_mapping(nested, "m.yaml")


def test_builtin_mappings_load_and_cover_every_agency_export() -> None:
    mappings = builtin_mappings()
    for source_file in ("cbp/encounters.csv", "hsi/case_reports.jsonl", "fbi/case_reports.jsonl",
                        "dea/case_reports.jsonl", "phones/call_records.csv", "msb/wire_transfers.csv",
                        "victims/interviews.jsonl", "partners/MEX_informes.csv", "partners/GTM_informes.csv",
                        "partners/SLV_informes.csv", "partners/HND_informes.csv", "partner/x.ftm.json"):
        assert sum(m.matches(source_file) for m in mappings) == 1, source_file
    assert not any(m.matches("cases/targets.csv") or m.matches("truth/records.csv") for m in mappings)
    victims = next(m for m in mappings if m.name == "victim_interviews")
    assert victims.marking.victim_sensitive
    mex = next(m for m in mappings if m.name == "partner_mex_informes")
    assert mex.marking.releasable_to == ("USA", "MEX")


def test_globs() -> None:
    assert glob_match("cbp/encounters.csv", "cbp/encounters*.csv")
    assert not glob_match("x/cbp/encounters.csv", "cbp/*.csv")
    assert glob_match("a/b/c.ftm.json", "**/*.ftm.json") and glob_match("c.ftm.json", "**/*.ftm.json")
    assert not glob_match("cbp/sub/encounters.csv", "cbp/*.csv")


def _docs_example() -> tuple[str, str]:
    text = DOCS.read_text(encoding="utf-8")
    section = text[text.index("## A complete example"):text.index("## Top-level keys")]
    blocks = re.findall(r"```(\w*)\n(.*?)```", section, re.S)
    csv_text = next(body for lang, body in blocks if lang == "" and body.startswith("stop_id"))
    yaml_text = next(body for lang, body in blocks if lang == "yaml")
    return csv_text, yaml_text


def test_the_documented_example_works_as_documented(duck: Store, tmp_path: Path) -> None:
    csv_text, yaml_text = _docs_example()
    mapping_file = tmp_path / "tx_stops.yaml"
    mapping_file.write_text(yaml_text, encoding="utf-8")
    root = tmp_path / "in"
    (root / "fusion").mkdir(parents=True)
    (root / "fusion/tx_stops.csv").write_text(csv_text, encoding="utf-8")
    mapping = load_mapping(mapping_file)
    report = ingest_paths(duck, [root], LoaderSet([loader_for(m) for m in [mapping, *builtin_mappings()]]))
    assert [f.status for f in report.files] == ["loaded"]
    rows = duck.query_dicts(
        "SELECT prop, value, original_value, tlp FROM statements WHERE source_record = 'TX-000001:driver'"
    )
    got = {r["prop"]: (r["value"], r["original_value"]) for r in rows}
    assert got["name"] == ("JOSE LUIS HERNANDEZ ORTIZ", "HERNANDEZ ORTIZ, JOSE LUIS")
    assert got["birthDate"] == ("1984-07-02", "07/02/1984")
    assert got["phone"] == ("+19155550134", "(915) 555-0134")
    q = {(r[0], r[1], r[2]) for r in duck.query("SELECT row_number, field, reason FROM quarantine")}
    assert q == {(3, "dob", "invalid date (expected %m/%d/%Y)"), (3, "passengers", "below minimum 0")}
    assert duck.query("SELECT DISTINCT tlp FROM statements WHERE source_record LIKE 'TX-000002%'") == [
        ("TLP:RED",)
    ]
    assert duck.scalar("SELECT value FROM statements WHERE prop = 'registrationNumber' AND "
                       "source_record = 'TX-000001'") == "ABC1234"
    assert duck.scalar("SELECT count(*) FROM statements WHERE prop = 'important'") == 1
