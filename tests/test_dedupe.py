"""``netcase dedupe`` on real CSV files: one file dedupes, two link, bad input is refused clearly."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from typer.testing import CliRunner

from netcase.cli import build_app
from netcase.resolve.dedupe import DedupeError, dedupe_files

A = """id,nombre,apellidos,fecha,tel,ciudad
1,José Luis,Hernández Ortiz,07/02/1984,656-123-4567,Juárez
2,JOSE LUIS,HERNANDEZ,07/02/1984,,
3,Pepe,Hernández Ortiz,02/07/1984,+52 656 123 4567,
4,María,García López,01/15/1990,,Tijuana
5,MARIA,GARCIA LOPEZ,01/15/1990,,
6,Juan,Pérez Ruiz,03/03/1975,,
7,Juan,Pérez Ruiz,11/09/1988,,
"""
B = """ref,full,dob
x1,"HERNANDEZ ORTIZ, JOSE LUIS",1984-07-02
x2,Juan Pérez Ruiz,1988-11-09
x3,Rosa Ixcot,1970-05-05
"""
FIELDS = ["given_name=nombre", "surname=apellidos", "dob=fecha", "phone=tel", "city=ciudad"]


def write(tmp: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    p = tmp / name
    p.write_text(text, encoding=encoding)
    return p


def test_one_file_dedupes(tmp_path: Path) -> None:
    rows = dedupe_files([write(tmp_path, "a.csv", A)], "id", FIELDS)
    c = {rid: cid for _, rid, cid in rows}
    assert c["1"] == c["2"] == c["3"]  # missing second surname, nickname, day/month swapped
    assert c["4"] == c["5"]
    assert c["6"] != c["7"]  # same name, different births: two people
    assert c["1"] != c["4"]


def test_two_files_link_and_cli_writes_csv(tmp_path: Path) -> None:
    a, b = write(tmp_path, "a.csv", A), write(tmp_path, "b.csv", B, "latin-1")
    out = tmp_path / "out" / "clusters.csv"
    result = CliRunner().invoke(
        build_app(),
        ["dedupe", str(a), str(b), "--id", "id", "--field", "given_name=nombre", "--field", "surname=apellidos",
         "--field", "dob=fecha", "--out", str(out)],
    )
    # The second file has other columns: a missing column is refused by name.
    assert result.exit_code == 2
    assert "b.csv: no column 'id'" in " ".join(result.output.split())
    # With common columns the two files link.
    b2 = write(tmp_path, "b2.csv", "id,nombre,apellidos,fecha\nx1,José Luis,Hernández Ortiz,07/02/1984\n"
               "x2,Juan,Pérez Ruiz,11/09/1988\nx3,Rosa,Ixcot,05/05/1970\n")
    result = CliRunner().invoke(
        build_app(),
        ["dedupe", str(a), str(b2), "--id", "id", "--field", "given_name=nombre", "--field", "surname=apellidos",
         "--field", "dob=fecha", "--out", str(out)],
    )
    assert result.exit_code == 0, result.output
    with out.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert list(rows[0]) == ["file", "record_id", "cluster_id"]
    c = {(r["file"].rsplit("/", 1)[-1], r["record_id"]): r["cluster_id"] for r in rows}
    assert c[("b2.csv", "x1")] == c[("a.csv", "1")]
    assert c[("b2.csv", "x2")] == c[("a.csv", "7")]
    assert c[("b2.csv", "x3")] not in {v for k, v in c.items() if k[0] == "a.csv"}


def test_unknown_field(tmp_path: Path) -> None:
    with pytest.raises(DedupeError, match="unknown field 'surename'"):
        dedupe_files([write(tmp_path, "a.csv", A)], "id", ["surename=apellidos"])


def test_missing_column(tmp_path: Path) -> None:
    with pytest.raises(DedupeError, match="no column 'apellido'"):
        dedupe_files([write(tmp_path, "a.csv", A)], "id", ["surname=apellido"])


def test_duplicate_ids(tmp_path: Path) -> None:
    text = A + "3,Otro,Nombre,01/01/2000,,\n"
    with pytest.raises(DedupeError, match="not unique .*'3'.* rows 4 and 9"):
        dedupe_files([write(tmp_path, "a.csv", text)], "id", FIELDS)


def test_file_without_identity_values(tmp_path: Path) -> None:
    empty = write(tmp_path, "e.csv", "id,nombre,apellidos,ciudad\n1,,,Juárez\n2,,,Tijuana\n")
    with pytest.raises(DedupeError, match="no row has a value in any identity column"):
        dedupe_files([empty], "id", ["given_name=nombre", "surname=apellidos", "city=ciudad"])
    with pytest.raises(DedupeError, match="no identity field mapped"):
        dedupe_files([empty], "id", ["city=ciudad"])


def test_cli_reports_errors_without_traceback(tmp_path: Path) -> None:
    result = CliRunner().invoke(build_app(), ["dedupe", str(write(tmp_path, "a.csv", A)), "--id", "id",
                                              "--field", "bogus=nombre"])
    assert result.exit_code == 2
    assert "unknown field 'bogus'" in " ".join(result.output.split())
    assert "Traceback" not in result.output
