"""The ingest engine: files → batches, each one all-or-nothing.

Per file: hash the content (sha256); if a batch with that hash exists, add nothing and name it;
otherwise, in one transaction, write every chunk the loader yields (statements, relational rows,
quarantine rows) and finally the ``batches`` row. Any exception rolls the whole file back; batches
of earlier files stay. A file no loader matches is reported as skipped.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pyarrow as pa

from netcase import hooks
from netcase.ingest.base import Chunk, IngestError, LoadContext, Loader, Rejected
from netcase.ingest.columnar import INGEST_FACT_COLUMNS, StatementSet
from netcase.ingest.prefetch import prefetch
from netcase.ingest.registry import LoaderSet
from netcase.model.marking import Marking
from netcase.model.statement import Provenance
from netcase.store import Store
from netcase.store.duckdb import DuckDBStore
from netcase.store.statement_labels import LabelBook

QUARANTINE_COLUMNS = ("batch_id", "source_file", "row_number", "field", "reason", "value", "raw", "scope")
# DuckDB's memory bound while ingesting (``DuckDBStore.memory_limit``): resident memory bounded
# whatever the size of the input. NETCASE_INGEST_MEMORY overrides it (e.g. "4GB"). Measured on the
# large world (17 M facts, 2 cores): 512 MB loads as fast as 1 GB and its index builds, which sort
# their keys spilling past the bound, as fast too, at a peak of ~0.95 GB against ~1.45 GB; under
# 256 MB the load's sorts spill and it takes ~10 % longer, and the index builds no longer fit.
INGEST_MEMORY_LIMIT = os.environ.get("NETCASE_INGEST_MEMORY", "512MB")
SKIP_NAMES = {"truth"}  # the synthetic world's answers are never read by the pipeline
_BLOCK = 1 << 20


@dataclass
class FileResult:
    """What happened to one file."""

    path: str
    source_file: str
    status: str  # loaded | duplicate | skipped | failed
    loader: str | None = None
    dataset: str | None = None
    agency: str | None = None
    batch_id: str | None = None
    earlier_batch: str | None = None
    rows_read: int = 0
    rows_accepted: int = 0
    rows_quarantined: int = 0
    values_quarantined: int = 0
    statements: int = 0
    table_rows: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    error: str | None = None


@dataclass
class IngestReport:
    """The results of one ``ingest`` call, one per file in the order seen."""

    files: list[FileResult] = field(default_factory=list)

    @property
    def failed(self) -> list[FileResult]:
        return [f for f in self.files if f.status == "failed"]

    def totals(self) -> dict[str, int]:
        out: Counter[str] = Counter()
        for f in self.files:
            out[f.status] += 1
            out["rows_read"] += f.rows_read
            out["rows_accepted"] += f.rows_accepted
            out["rows_quarantined"] += f.rows_quarantined
            out["values_quarantined"] += f.values_quarantined
            out["statements"] += f.statements
        return dict(out)


def file_hash(path: Path) -> str:
    """sha256 of the file's bytes, streamed."""
    h = hashlib.sha256()
    with path.open("rb") as fh:
        while block := fh.read(_BLOCK):
            h.update(block)
    return h.hexdigest()


def discover(paths: Iterable[Path]) -> list[tuple[Path, Path | None]]:
    """Files to ingest, each with its ingest root (the folder given, or None for a file given alone).

    Folders are walked in sorted order; hidden files and the world's ``truth/`` folder are left out.
    """
    out: list[tuple[Path, Path | None]] = []
    for p in paths:
        if p.is_dir():
            for f in sorted(p.rglob("*")):
                rel = f.relative_to(p).parts
                if not f.is_file() or any(part.startswith(".") for part in rel) or (rel and rel[0] in SKIP_NAMES):
                    continue
                out.append((f, p))
        else:
            out.append((p, None))
    return out


def provenance_for(loader: Loader, source_file: str, batch_id: str, now: datetime) -> Provenance:
    """The batch provenance from the loader's optional attributes (see ``Loader``)."""
    marking = getattr(loader, "marking", None)
    return Provenance(
        dataset=getattr(loader, "dataset", None) or loader.name,
        source_file=source_file,
        agency=getattr(loader, "agency", None) or "UNKNOWN",
        batch_id=batch_id,
        ingested=now,
        marking=marking if isinstance(marking, Marking) else Marking.parse("LES//NOFORN//TLP:AMBER"),
        compartment=getattr(loader, "compartment", None),
        predicate=getattr(loader, "predicate", None),
        reliability=getattr(loader, "reliability", None) or "F",
        validity=getattr(loader, "validity", None) or "6",
    )


ProgressFn = Callable[[str, int], None]


def ingest_file(
    store: Store,
    path: Path,
    source_file: str,
    loader: Loader,
    *,
    now: datetime | None = None,
    on_rows: ProgressFn | None = None,
    fail_after_chunks: int | None = None,
) -> FileResult:
    """Ingest one file as one batch; raises ``IngestError`` (nothing stored) when it cannot be read.

    ``fail_after_chunks`` makes the load fail after that many chunks were written (tests use it to
    prove a batch is atomic).
    """
    result = FileResult(path=str(path), source_file=source_file, status="loaded", loader=loader.name)
    content_hash = _hash_or_fail(path)
    if _is_duplicate(store, content_hash, result):
        return result
    prov = provenance_for(loader, source_file, "b" + content_hash[:23], now or _utc_now())
    ctx = LoadContext(path=path, source_file=source_file, provenance=prov)
    # The loader makes the next chunk while this one is written (``prefetch``).
    chunks = prefetch(loader.load(ctx))
    try:
        _write_batch(store, loader, content_hash, prov, chunks, result, on_rows=on_rows,
                     fail_after_chunks=fail_after_chunks)
    finally:
        chunks.close()
    return result


def _utc_now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _hash_or_fail(path: Path) -> str:
    try:
        return file_hash(path)
    except OSError as exc:
        raise IngestError(path, f"cannot read: {exc.strerror or exc}") from None


def _is_duplicate(store: Store, content_hash: str, result: FileResult) -> bool:
    """Whether a batch of these bytes exists; if so ``result`` says which."""
    earlier = store.query("SELECT batch_id, source_file FROM batches WHERE content_hash = ?", (content_hash,))
    if earlier:
        result.status = "duplicate"
        result.earlier_batch = f"{earlier[0][0]} ({earlier[0][1]})"
    return bool(earlier)


def _write_batch(
    store: Store,
    loader: Loader,
    content_hash: str,
    prov: Provenance,
    chunks: Iterable[Chunk],
    result: FileResult,
    *,
    on_rows: ProgressFn | None = None,
    fail_after_chunks: int | None = None,
) -> None:
    """Write one file's ``chunks`` and its ``batches`` row in one transaction (see ``ingest_file``)."""
    batch_id = prov.batch_id
    source_file = prov.source_file
    result.batch_id = batch_id
    result.dataset = prov.dataset
    result.agency = prov.agency
    with store.transaction():
        book = LabelBook(store) if isinstance(store, DuckDBStore) else None
        for n_chunk, chunk in enumerate(chunks, start=1):
            _write_chunk(store, chunk, batch_id, source_file, result, book)
            if on_rows is not None:
                on_rows(source_file, chunk.rows_read)
            if fail_after_chunks is not None and n_chunk >= fail_after_chunks:
                raise RuntimeError(f"injected failure after chunk {n_chunk} of {source_file}")
        hooks.after_ingest(store, batch_id)
        store.insert_columns(
            "batches",
            {
                "batch_id": [batch_id],
                "content_hash": [content_hash],
                "source_file": [source_file],
                "dataset": [prov.dataset],
                "agency": [prov.agency],
                "mapping": [getattr(getattr(loader, "mapping", None), "source", None) or loader.name],
                "started": [prov.ingested],
                "finished": [_utc_now()],
                "rows_read": [result.rows_read],
                "rows_accepted": [result.rows_accepted],
                "rows_quarantined": [result.rows_quarantined],
                "statements": [result.statements],
            },
        )


def _write_chunk(store: Store, chunk: Chunk, batch_id: str, source_file: str, result: FileResult,
                 book: LabelBook | None) -> None:
    st = chunk.statements
    if isinstance(st, StatementSet):
        if st.num_rows:
            if isinstance(store, DuckDBStore) and book is not None:
                # Built by SQL on the store's own connection and appended there, in entity order:
                # no statement becomes an Arrow row or a Python object on the way. What facts share
                # (schema, property, provenance, handling) is written once, as labels (0070).
                labels, index = st.labels()
                numbers = book.number(labels)
                # In item order while the indexes wait for the load's end (``fact_sql``).
                sql = st.builder.fact_sql["item" if store.indexes_deferred else "entity_id"]
                result.statements += store.insert_select("statement_facts", INGEST_FACT_COLUMNS, sql,
                                                         {"ds": st.params["ds"]}, st.labelled(numbers, index))
            else:
                result.statements += store.insert_columns("statements", st.to_arrow().to_pydict())
    elif isinstance(st, pa.Table):
        if st.num_rows:
            if isinstance(store, DuckDBStore):
                # Arrow straight into DuckDB: no Python object per value.
                result.statements += store.insert_columns("statements", st)
            else:
                result.statements += store.insert_columns("statements", st.to_pydict())
    elif st and st.get("id"):
        result.statements += store.insert_columns("statements", st)
    for table, columns in chunk.tables.items():
        if table in chunk.keys:
            _refuse_held_ids(store, table, columns, *chunk.keys[table], source_file)
        result.table_rows += store.insert_columns(table, columns)
    if chunk.rejected:
        store.insert_columns("quarantine", _quarantine_columns(chunk.rejected, batch_id, source_file))
    result.rows_read += chunk.rows_read
    result.rows_accepted += chunk.rows_accepted
    for r in chunk.rejected:
        if r.scope == "row":
            result.rows_quarantined += 1
        else:
            result.values_quarantined += 1
        result.reasons[r.reason] += 1


def _refuse_held_ids(store: Store, table: str, columns: dict[str, list[Any]], key: str, lines: list[int],
                     source_file: str) -> None:
    """Raise ``IngestError`` at the first row whose id ``table`` already holds from an earlier file.

    Case records are keyed by their ids and have no update path yet (docs/cases.md): a changed
    export that keeps its ids cannot be stored, and the store's own refusal (a primary-key
    violation) names neither the row nor the batch that holds the id.
    """
    ids = columns[key]
    held = {
        row[0]: (row[1], row[2])
        for row in store.query(
            f"SELECT {key}, batch_id, source_file FROM {table} WHERE {key} IN (SELECT unnest(CAST(? AS VARCHAR[])))",
            (ids,),
        )
    }
    for value, line in zip(ids, lines, strict=True):
        if value in held:
            batch, earlier = held[value]
            by = f"batch {batch}, file {earlier}" if batch else f"by {earlier}"  # e.g. ``netcase case add``
            raise IngestError(
                source_file,
                f"{key} {value!r} is already stored ({by}); a case record is not "
                "replaced by a later file (docs/cases.md); nothing of this file was stored",
                row=line,
                field=key,
            )


def _quarantine_columns(rejected: list[Rejected], batch_id: str, source_file: str) -> dict[str, list[Any]]:
    return {
        "batch_id": [batch_id] * len(rejected),
        "source_file": [source_file] * len(rejected),
        "row_number": [r.row_number for r in rejected],
        "field": [r.field for r in rejected],
        "reason": [r.reason for r in rejected],
        "value": [r.value for r in rejected],
        "raw": [r.raw for r in rejected],
        "scope": [r.scope for r in rejected],
    }


def ingest_paths(
    store: Store,
    paths: Iterable[Path],
    loaders: LoaderSet,
    *,
    on_file: Callable[[FileResult], None] | None = None,
    on_rows: ProgressFn | None = None,
    stop_on_error: bool = True,
    now: datetime | None = None,
) -> IngestReport:
    """Ingest files and folders; with ``stop_on_error`` the first failing file ends the run.

    Files already loaded stay loaded when a later file fails: each file is its own batch.
    """
    report = IngestReport()
    files = discover(paths)
    with ExitStack() as stack:
        if isinstance(store, DuckDBStore):
            stack.enter_context(store.memory_limit(INGEST_MEMORY_LIMIT))
            if bulk_load(store, files):
                # Built under the load's memory bound too (flat memory), or a doubled one where an
                # index does not fit in it (``DuckDBStore._create_index_in_more_memory``).
                stack.enter_context(store.deferred_indexes())
        _ingest_all(store, files, loaders, report, on_file=on_file, on_rows=on_rows, stop_on_error=stop_on_error,
                    now=now)
    return report


# Source bytes per statement written, about (the synthetic worlds: 18; agency exports alike).
BYTES_PER_STATEMENT = 18
# A load this large beside the store builds its indexes afresh (``DuckDBStore.deferred_indexes``).
BULK_SHARE = 0.25


def bulk_load(store: DuckDBStore, files: list[tuple[Path, Path | None]]) -> bool:
    """Whether ``files`` are many enough beside what ``store`` holds that rebuilding its indexes
    once beats keeping them up to date fact by fact (a new store: always)."""
    size = 0
    for path, _root in files:
        try:
            size += path.stat().st_size
        except OSError:
            continue  # reported when its turn comes
    held = int(store.scalar("SELECT count(*) FROM statement_facts") or 0)
    return size / BYTES_PER_STATEMENT >= BULK_SHARE * held


def _ingest_all(
    store: Store,
    files: list[tuple[Path, Path | None]],
    loaders: LoaderSet,
    report: IngestReport,
    *,
    on_file: Callable[[FileResult], None] | None,
    on_rows: ProgressFn | None,
    stop_on_error: bool,
    now: datetime | None,
) -> None:
    """Each file in turn, its chunks made ahead by one read-ahead thread across files: the loader
    starts the next file while the store runs this one's hooks and commit."""
    plan = [(path, *loaders.resolve(path, root)) for path, root in files]
    known = {str(r[0]) for r in store.query("SELECT content_hash FROM batches")}
    events = prefetch(_file_events(plan, known, now), depth=4)
    try:
        for index, (path, source_file, loader) in enumerate(plan):
            if loader is None:
                res = FileResult(path=str(path), source_file=source_file, status="skipped")
            else:
                res = _write_file(store, index, path, source_file, loader, events, on_rows)
                if isinstance(store, DuckDBStore):
                    store.release_cached_blocks()
            report.files.append(res)
            if on_file is not None:
                on_file(res)
            if res.status == "failed" and stop_on_error:
                break
    finally:
        events.close()


# What the read-ahead thread says of a file: ``start`` (content hash, provenance), ``chunk``,
# ``end``, ``known`` (its bytes were ingested before: not read) or ``failed`` (the exception).
_Event = tuple[int, str, Any]


def _file_events(plan: list[tuple[Path, str, Loader | None]], known: set[str], now: datetime | None) -> Iterator[_Event]:
    """The files of ``plan`` read, hashed and evaluated in order, as events (``_Event``)."""
    for index, (path, source_file, loader) in enumerate(plan):
        if loader is None:
            continue
        try:
            content_hash = _hash_or_fail(path)
            if content_hash in known:
                yield index, "known", content_hash
                continue
            prov = provenance_for(loader, source_file, "b" + content_hash[:23], now or _utc_now())
            yield index, "start", (content_hash, prov)
            for chunk in loader.load(LoadContext(path=path, source_file=source_file, provenance=prov)):
                yield index, "chunk", chunk
        except Exception as exc:  # noqa: BLE001 - the writer reports it for this file
            yield index, "failed", exc
            continue
        yield index, "end", None


def _file_chunks(events: Iterator[_Event], index: int) -> Iterator[Chunk]:
    """The chunks of file ``index`` from ``events``, up to its end; its failure is raised."""
    for got, kind, payload in events:
        assert got == index, f"read-ahead out of step: file {got} where {index} was due"
        if kind == "chunk":
            yield payload
        elif kind == "end":
            return
        else:
            raise payload


def _write_file(store: Store, index: int, path: Path, source_file: str, loader: Loader,
                events: Iterator[_Event], on_rows: ProgressFn | None) -> FileResult:
    """Write file ``index`` from the read-ahead ``events`` as ``ingest_file`` would, reporting a
    failure (nothing of the file stored) instead of raising it."""
    res = FileResult(path=str(path), source_file=source_file, status="loaded", loader=loader.name)
    got, kind, payload = next(events)
    assert got == index, f"read-ahead out of step: file {got} where {index} was due"
    try:
        if kind == "failed":
            raise payload
        content_hash = payload if kind == "known" else payload[0]
        if _is_duplicate(store, content_hash, res):
            if kind == "start":  # the same bytes twice in this run: the second is not written
                for _chunk in _file_chunks(events, index):
                    pass
            return res
        chunks = _file_chunks(events, index)
        try:
            _write_batch(store, loader, content_hash, payload[1], chunks, res, on_rows=on_rows)
        except Exception:
            # The rest of this file's events, so that the next file's come next.
            with contextlib.suppress(Exception):
                for _chunk in chunks:
                    pass
            raise
    except IngestError as exc:
        return FileResult(path=str(path), source_file=source_file, status="failed", loader=loader.name,
                          error=str(exc))
    except Exception as exc:  # noqa: BLE001 - the batch rolled back; report it like a bad file
        return FileResult(path=str(path), source_file=source_file, status="failed", loader=loader.name,
                          error=f"{path}: {type(exc).__name__}: {exc} (nothing of this file was stored)")
    return res
