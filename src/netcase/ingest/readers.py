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
from collections.abc import Iterator, Mapping, Sequence
from itertools import islice
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.csv as pacsv

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


class ReadChunk:
    """Parsed rows of one chunk and the rows that could not be parsed.

    ``rows`` are ``(line number, record)`` pairs; for CSV, ``columns`` are the same rows
    column-wise (column name → values in row order), for fast paths. A block Arrow parsed keeps
    its columns as Arrow arrays (``arrow``) and builds Python values only for what is asked:
    ``rows`` on first use, a column of ``columns`` when it is read (``row`` views a row without
    building it).
    """

    def __init__(self, rows: list[tuple[int, dict[str, Any]]] | None = None, rejected: list[Rejected] | None = None,
                 columns: dict[str, tuple[str, ...]] | None = None, *, arrow: dict[str, pa.Array] | None = None,
                 first_line: int = 0) -> None:
        self._rows = rows if rows is not None or arrow is not None else []
        self.rejected: list[Rejected] = rejected if rejected is not None else []
        self.arrow = arrow
        self.first_line = first_line  # Arrow blocks: the line number of the first row
        self._columns: Mapping[str, Sequence[Any]] | None = columns
        if arrow is not None:
            self._columns = _LazyColumns(arrow)
            self.n_rows = len(next(iter(arrow.values()))) if arrow else 0

    @property
    def rows(self) -> list[tuple[int, dict[str, Any]]]:
        if self._rows is None:
            cols = self.columns
            assert cols is not None
            keys = list(cols)
            records = zip(*(cols[k] for k in keys), strict=True) if keys else iter(())
            line = self.first_line
            self._rows = [(line + i, dict(zip(keys, rec, strict=True))) for i, rec in enumerate(records)]
        return self._rows

    @rows.setter
    def rows(self, value: list[tuple[int, dict[str, Any]]]) -> None:
        self._rows = value

    @property
    def columns(self) -> Mapping[str, Sequence[Any]] | None:
        return self._columns

    @columns.setter
    def columns(self, value: Mapping[str, Sequence[Any]] | None) -> None:
        self._columns = value

    @property
    def count(self) -> int:
        n = self.n_rows if self._rows is None else len(self._rows)
        return n + len(self.rejected)

    def lines(self) -> list[int]:
        """The line number of each row."""
        if self._rows is None:
            return list(range(self.first_line, self.first_line + self.n_rows))
        return [ln for ln, _ in self._rows]

    def row(self, i: int) -> Any:
        """Row ``i`` as a read-only mapping; for an Arrow block, a view that builds nothing."""
        if self._rows is None:
            return ArrowRow(self.columns, i)  # type: ignore[arg-type]
        return self._rows[i][1]


class _LazyColumns(Mapping[str, Sequence[Any]]):
    """Arrow columns as Python tuples, each converted on first use."""

    def __init__(self, arrow: dict[str, pa.Array]) -> None:
        self.arrow = arrow
        self._py: dict[str, tuple[Any, ...]] = {}

    def __getitem__(self, key: str) -> tuple[Any, ...]:
        got = self._py.get(key)
        if got is None:
            got = self._py[key] = tuple(self.arrow[key].to_pylist())
        return got

    def __contains__(self, key: object) -> bool:
        return key in self.arrow

    def __iter__(self) -> Iterator[str]:
        return iter(self.arrow)

    def __len__(self) -> int:
        return len(self.arrow)


class ArrowRow(Mapping[str, Any]):
    """One row of an Arrow block, read through its (lazily converted) columns."""

    __slots__ = ("_cols", "_i")

    def __init__(self, cols: _LazyColumns, i: int) -> None:
        self._cols = cols
        self._i = i

    def __getitem__(self, key: str) -> Any:
        return self._cols[key][self._i]

    def get(self, key: str, default: Any = None) -> Any:
        if key in self._cols.arrow:
            return self._cols[key][self._i]
        return default

    def __contains__(self, key: object) -> bool:
        return key in self._cols.arrow

    def __iter__(self) -> Iterator[str]:
        return iter(self._cols.arrow)

    def __len__(self) -> int:
        return len(self._cols.arrow)

    def to_dict(self) -> dict[str, Any]:
        return {k: self._cols[k][self._i] for k in self._cols.arrow}


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
    """Rows of a CSV file as dicts keyed by the (stripped) header, ``chunk_rows`` at a time.

    Each chunk is ``chunk_rows`` physical lines parsed by Arrow's C++ CSV parser when the lines
    leave no doubt about where rows and lines meet (no quote character, no bare carriage return,
    no blank line, every line a row of the header's width); otherwise Python's ``csv`` module
    parses it, with the same results and line numbers. A quoted field that spans two chunks hands
    the rest of the file to Python's reader.
    """
    if encoding == "auto":
        encoding = detect_encoding(path)
    header = csv_header(path, encoding, delimiter, quotechar)
    qbyte = quotechar.encode(encoding if encoding != "utf-8-sig" else "utf-8")
    try:
        fh = path.open("rb")
    except OSError as exc:
        raise IngestError(path, f"cannot open: {exc.strerror or exc}") from None
    with fh:
        first = fh.readline()
        line = 1  # lines consumed so far (the header)
        if b"\r" in first.rstrip(b"\r\n") or qbyte in first:
            # A header with quotes or odd line ends: leave the whole file to the Python reader.
            fh.seek(0)
            yield from _read_csv_python(path, fh, encoding, delimiter, quotechar, header, 0, chunk_rows, skip_header=True)
            return
        while True:
            offset = fh.tell()
            lines = list(islice(fh, chunk_rows))
            if not lines:
                return
            data = b"".join(lines)
            chunk = None
            if qbyte not in data:
                chunk = _arrow_block(data, len(lines), line, header, encoding, delimiter)
            elif data.count(qbyte) % 2 == 0:
                chunk = _python_block(path, data, line, header, encoding, delimiter, quotechar)
            if chunk is None:
                fh.seek(offset)
                yield from _read_csv_python(path, fh, encoding, delimiter, quotechar, header, line, chunk_rows)
                return
            line += len(lines)
            if chunk.count:
                yield chunk


def _decode(data: bytes, encoding: str) -> bytes:
    """UTF-8 bytes for Arrow (which reads UTF-8 only)."""
    if encoding in ("utf-8", "utf-8-sig", "utf8", "ascii"):
        return data
    return data.decode(encoding).encode("utf-8")


def _arrow_block(
    data: bytes, n_lines: int, line: int, header: list[str], encoding: str, delimiter: str
) -> ReadChunk | None:
    """A block of whole lines parsed by Arrow, or None when a line is not one row of the header's width."""
    if b"\r" in data.replace(b"\r\n", b"") or b"\n\n" in data or b"\n\r\n" in data or data.startswith((b"\n", b"\r\n")):
        return None  # blank lines or bare carriage returns: line numbers need the Python reader
    if len(delimiter) != 1 or encoding not in ("utf-8", "utf-8-sig", "utf8", "ascii", "latin-1", "iso-8859-1", "cp1252"):
        return None
    try:
        data = _decode(data, encoding)
    except UnicodeDecodeError:
        return None
    invalid: list[Any] = []

    def on_invalid(row: Any) -> str:
        invalid.append(row)
        return "skip"

    names = [f"c{i}" for i in range(len(header))]  # header names may repeat; Python keeps the last
    try:
        table = pacsv.read_csv(
            io.BytesIO(data),
            read_options=pacsv.ReadOptions(column_names=names, use_threads=False, block_size=max(1 << 20, len(data) + 1)),
            parse_options=pacsv.ParseOptions(delimiter=delimiter, quote_char=False, escape_char=False,
                                             newlines_in_values=False, ignore_empty_lines=False,
                                             invalid_row_handler=on_invalid),
            convert_options=pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                                 strings_can_be_null=False, quoted_strings_can_be_null=False),
        )
    except (pa.ArrowInvalid, UnicodeDecodeError):
        return None
    if invalid or table.num_rows != n_lines:
        return None
    cols = {h: table.column(i).combine_chunks() for i, h in enumerate(header)}
    return ReadChunk(arrow=cols, first_line=line + 1)


def _python_block(
    path: Path, data: bytes, line: int, header: list[str], encoding: str, delimiter: str, quotechar: str
) -> ReadChunk | None:
    """A block of whole lines parsed by Python's ``csv``; None when a quoted field runs past its end."""
    try:
        text = data.decode(encoding if encoding != "utf-8-sig" else "utf-8")
    except UnicodeDecodeError as exc:
        raise IngestError(path, f"not valid {encoding} text: {exc}", row=line + 1) from None
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, quotechar=quotechar, strict=True)
    chunk = ReadChunk()
    records: list[list[str]] = []
    try:
        for record in reader:
            _take(chunk, records, record, header, line + reader.line_num, delimiter)
    except csv.Error:
        return None
    chunk.columns = _transpose(header, records)
    return chunk


def _take(chunk: ReadChunk, records: list[list[str]], record: list[str], header: list[str], line: int,
          delimiter: str) -> None:
    """One parsed record into the chunk: a row, a skipped blank line or a rejected row."""
    width = len(header)
    if len(record) == width:
        chunk.rows.append((line, dict(zip(header, record, strict=True))))
        records.append(record)
    elif not record or (len(record) == 1 and not record[0].strip()):
        return  # blank line
    else:
        chunk.rejected.append(
            Rejected(line, None, f"wrong number of columns ({len(record)}, header has {width})",
                     raw=delimiter.join(record)[:RAW_LIMIT])
        )


def _read_csv_python(
    path: Path, fh: Any, encoding: str, delimiter: str, quotechar: str, header: list[str], base: int,
    chunk_rows: int, *, skip_header: bool = False,
) -> Iterator[ReadChunk]:
    """The rest of a CSV file (from ``fh``'s position, after ``base`` lines) by Python's ``csv``."""
    text = io.TextIOWrapper(fh, encoding=encoding, newline="")
    reader = csv.reader(text, delimiter=delimiter, quotechar=quotechar)
    line = base
    try:
        if skip_header:
            next(reader, None)
        chunk = ReadChunk()
        records: list[list[str]] = []
        for record in reader:
            line = base + reader.line_num
            _take(chunk, records, record, header, line, delimiter)
            if len(chunk.rows) >= chunk_rows:
                chunk.columns = _transpose(header, records)
                yield chunk
                chunk = ReadChunk()
                records = []
    except csv.Error as exc:
        raise IngestError(path, f"cannot parse CSV: {exc}", row=line + 1) from None
    except UnicodeDecodeError as exc:
        raise IngestError(path, f"not valid {encoding} text: {exc}", row=line + 1) from None
    finally:
        text.detach()
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
