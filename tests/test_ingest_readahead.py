"""Read-ahead across files (``netcase.ingest.engine``): the loader starts the next file while the
store finishes this one, and a file that fails, is known, or comes twice leaves the others whole."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

import netcase.ingest.engine as engine
from netcase.ingest.engine import ingest_paths
from netcase.ingest.loader import MappingLoader
from netcase.ingest.registry import default_loaders
from netcase.store import Store, open_store

FILES = ("cbp/encounters.csv", "partners/MEX_informes.csv", "partners/GTM_informes.csv")


def _world(tiny_world: Path, tmp_path: Path, files: tuple[str, ...] = FILES) -> Path:
    root = tmp_path / "world"
    for name in files:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(tiny_world / name, root / name)
    return root


def _facts_by_file(store: Store) -> dict[str, int]:
    return {str(f): int(n) for f, n in store.query("SELECT source_file, count(*) FROM statements GROUP BY 1")}


@pytest.fixture
def alone(tiny_world: Path, tmp_path: Path) -> dict[str, int]:
    """Each file's statements when it is the only file ingested."""
    out: dict[str, int] = {}
    for n, name in enumerate(FILES):
        with open_store(str(tmp_path / f"alone{n}.duckdb")) as s:
            ingest_paths(s, [_world(tiny_world, tmp_path / f"a{n}", (name,))], default_loaders(chunk_rows=100))
            out.update(_facts_by_file(s))
    return out


def test_a_write_failing_mid_file_leaves_the_files_after_it_whole(
        store: Store, tiny_world: Path, tmp_path: Path, alone: dict[str, int], monkeypatch: pytest.MonkeyPatch) -> None:
    root = _world(tiny_world, tmp_path)
    real = engine._write_chunk
    seen: list[str] = []

    def failing(store: Store, chunk: Any, batch_id: str, source_file: str, *args: Any) -> None:
        seen.append(source_file)
        if source_file == FILES[0] and seen.count(source_file) == 3:  # mid-file: the loader is ahead
            raise RuntimeError("disk full")
        real(store, chunk, batch_id, source_file, *args)

    monkeypatch.setattr(engine, "_write_chunk", failing)
    report = ingest_paths(store, [root], default_loaders(chunk_rows=100), stop_on_error=False)
    assert [(f.source_file, f.status) for f in report.files] == [
        (FILES[0], "failed"), (FILES[2], "loaded"), (FILES[1], "loaded")]
    assert "disk full" in (report.files[0].error or "") and "nothing of this file was stored" in report.files[0].error
    assert _facts_by_file(store) == {FILES[1]: alone[FILES[1]], FILES[2]: alone[FILES[2]]}
    assert store.scalar("SELECT count(*) FROM batches") == 2


def test_a_bad_file_between_good_ones_is_reported_and_the_rest_load(
        store: Store, tiny_world: Path, tmp_path: Path, alone: dict[str, int]) -> None:
    root = _world(tiny_world, tmp_path)
    (root / "partners" / "GTM_informes.csv").write_bytes(b"")  # sorted between cbp/ and MEX
    report = ingest_paths(store, [root], default_loaders(chunk_rows=100), stop_on_error=False)
    status = {f.source_file: (f.status, f.error) for f in report.files}
    assert status[FILES[2]][0] == "failed" and "the file is empty" in (status[FILES[2]][1] or "")
    assert _facts_by_file(store) == {FILES[0]: alone[FILES[0]], FILES[1]: alone[FILES[1]]}


def test_stop_on_error_stops_at_the_bad_file(store: Store, tiny_world: Path, tmp_path: Path) -> None:
    root = _world(tiny_world, tmp_path)
    (root / "partners" / "GTM_informes.csv").write_bytes(b"")
    report = ingest_paths(store, [root], default_loaders(chunk_rows=100))
    assert [f.status for f in report.files] == ["loaded", "failed"]
    assert set(_facts_by_file(store)) == {FILES[0]}


def test_the_same_bytes_twice_in_one_run_are_written_once(
        store: Store, tiny_world: Path, tmp_path: Path, alone: dict[str, int]) -> None:
    root = _world(tiny_world, tmp_path)
    shutil.copy(root / FILES[1], root / "partners" / "MEX_informes_copy.csv")
    report = ingest_paths(store, [root], default_loaders(chunk_rows=100))
    by_name = {f.source_file: f for f in report.files}
    assert by_name["partners/MEX_informes_copy.csv"].status == "duplicate"
    assert by_name[FILES[1]].batch_id in (by_name["partners/MEX_informes_copy.csv"].earlier_batch or "")
    assert _facts_by_file(store) == alone


def test_files_ingested_before_are_not_read_again(
        store: Store, tiny_world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    root = _world(tiny_world, tmp_path)
    assert not ingest_paths(store, [root], default_loaders()).failed
    loads: list[str] = []
    real = MappingLoader.load

    def counting(self: MappingLoader, ctx: Any) -> Any:
        loads.append(ctx.source_file)
        return real(self, ctx)

    monkeypatch.setattr(MappingLoader, "load", counting)
    report = ingest_paths(store, [root], default_loaders())
    assert {f.status for f in report.files} == {"duplicate"} and loads == []
