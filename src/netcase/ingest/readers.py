"""Readers: a file → chunks of ``(row_number, record)`` pairs, streaming, with encoding detection.

Row numbers are the file's line numbers (a CSV header is line 1), so a person can open the file
at the reported place. Rows a reader cannot parse (a CSV row with the wrong number of cells, a
JSON line that does not parse) come back as ``Rejected`` rows, not as exceptions; a file that
cannot be read at all raises ``IngestError``.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from netcase.ingest.base import IngestError, Rejected

CHUNK_ROWS = 25_000  # rows; about 400k statements, ~0.5 GB of Python lists at most
RAW_LIMIT = 2000  # characters of a bad row kept in quarantine
_BLOCK = 1 << 20


def detect_encoding(path: Path) -> str:
    """``utf-8-sig`` when a BOM is present, ``utf-8`` when the whole file decodes, else ``latin-1``.

    The whole file is checked (streamed, in 1 MiB blocks) because an export can be plain ASCII for
    a million rows and hold its first accented name near the end.
    """
    decoder = codecs.getincrementaldecoder("utf-8")()
    with path.open("rb") as fh:
        first = fh.read(_BLOCK)
        if first.startswith(codecs.BOM_UTF8):
            return "utf-8-sig"
        block = first
        try:
            while block:
                decoder.decode(block)
                block = fh.read(_BLOCK)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            return "latin-1"
    return "utf-8"


@dataclass
class ReadChunk:
    """Parsed rows of one chunk and the rows that could not be parsed."""

    rows: list[tuple[int, dict[str, Any]]] = field(default_factory=list)
    rejected: list[Rejected] = field(default_factory=list)
    # CSV only: the same rows column-wise (column name → values in row order), for fast paths.
    columns: dict[str, tuple[str, ...]] | None = None

    @property
    def count(self) -> int:
        return len(self.rows) + len(self.rejected)


def _open_text(path: Path, encoding: str) -> io.TextIOWrapper:
    if encoding == "auto":
        encoding = detect_encoding(path)
    try:
        return open(path, encoding=encoding, newline="")  # noqa: SIM115 - closed by the caller
    except OSError as exc:
        raise IngestError(path, f"cannot open: {exc.strerror or exc}") from None


def csv_header(path: Path, encoding: str = "auto", delimiter: str = ",", quotechar: str = '"') -> list[str]:
    """The header of a CSV file (for column checks); ``IngestError`` if the file is empty."""
    with _open_text(path, encoding) as fh:
        reader = csv.reader(fh, delimiter=delimiter, quotechar=quotechar)
        try:
            header = next(reader)
        except StopIteration:
            raise IngestError(path, "the file is empty (no header row)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise IngestError(path, f"cannot read the header: {exc}", row=1) from None
    return [h.strip() for h in header]


def read_csv(
    path: Path, *, encoding: str = "auto", delimiter: str = ",", quotechar: str = '"', chunk_rows: int = CHUNK_ROWS
) -> Iterator[ReadChunk]:
    """Rows of a CSV file as dicts keyed by the (stripped) header, ``chunk_rows`` at a time."""
    with _open_text(path, encoding) as fh:
        reader = csv.reader(fh, delimiter=delimiter, quotechar=quotechar)
        try:
            header = [h.strip() for h in next(reader)]
        except StopIteration:
            raise IngestError(path, "the file is empty (no header row)") from None
        except (csv.Error, UnicodeDecodeError) as exc:
            raise IngestError(path, f"cannot read the header: {exc}", row=1) from None
        width = len(header)
        chunk = ReadChunk()
        rows = chunk.rows
        records: list[list[str]] = []
        line = 1
        try:
            for record in reader:
                line = reader.line_num
                if len(record) == width:
                    rows.append((line, dict(zip(header, record, strict=True))))
                    records.append(record)
                elif not record or (len(record) == 1 and not record[0].strip()):
                    continue  # blank line
                else:
                    chunk.rejected.append(
                        Rejected(line, None, f"wrong number of columns ({len(record)}, header has {width})",
                                 raw=delimiter.join(record)[:RAW_LIMIT])
                    )
                if len(rows) >= chunk_rows:
                    chunk.columns = _transpose(header, records)
                    yield chunk
                    chunk = ReadChunk()
                    rows = chunk.rows
                    records = []
        except csv.Error as exc:
            raise IngestError(path, f"cannot parse CSV: {exc}", row=line + 1) from None
        except UnicodeDecodeError as exc:
            raise IngestError(path, f"not valid {encoding} text: {exc}", row=line + 1) from None
        if chunk.count:
            chunk.columns = _transpose(header, records)
            yield chunk


def _transpose(header: list[str], records: list[list[str]]) -> dict[str, tuple[str, ...]]:
    if not records:
        return {h: () for h in header}
    return dict(zip(header, zip(*records, strict=True), strict=True))


def read_jsonl(path: Path, *, encoding: str = "auto", chunk_rows: int = CHUNK_ROWS) -> Iterator[ReadChunk]:
    """Objects of a JSON-lines file; a line that does not parse (e.g. a cut last line) is rejected."""
    with _open_text(path, encoding) as fh:
        chunk = ReadChunk()
        loads = json.loads
        try:
            for line_no, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                try:
                    obj = loads(line)
                except json.JSONDecodeError as exc:
                    chunk.rejected.append(Rejected(line_no, None, "invalid JSON", value=exc.msg,
                                                   raw=line[:RAW_LIMIT]))
                    continue
                if not isinstance(obj, dict):
                    chunk.rejected.append(Rejected(line_no, None, "JSON line is not an object",
                                                   raw=line[:RAW_LIMIT]))
                    continue
                chunk.rows.append((line_no, obj))
                if len(chunk.rows) >= chunk_rows:
                    yield chunk
                    chunk = ReadChunk()
        except UnicodeDecodeError as exc:
            raise IngestError(path, f"not valid text: {exc}") from None
        if chunk.count:
            yield chunk


def file_is_empty(path: Path) -> bool:
    """True for a file with no bytes or only whitespace (checked on the first block only)."""
    with path.open("rb") as fh:
        head = fh.read(_BLOCK)
        if head.strip():
            return False
        return not fh.read(1)
