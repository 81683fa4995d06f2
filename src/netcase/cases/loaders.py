"""Loaders for the ``cases/*`` files: case records into relational tables, and person mentions.

The ingest engine finds ``LOADERS`` here and runs each inside its atomic batch. Investigations,
operations, court cases, forfeitures and international requests become rows of the tables of
migration 0030; targets and defendants become rows *and* Person mention statements (record ids
``target_id`` and ``CASEID:DEFENDANTID``, as docs/sources.md says), so the resolver resolves them
like any other record and deconfliction can compare targets through ``resolved``.

Every row is validated; a bad row is quarantined with its line number, field and reason and the
rest of the file is loaded.
"""

from __future__ import annotations

import csv
import io
import json
import math
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from datetime import date
from pathlib import Path
from typing import Any

from netcase.cases.identifiers import (
    normalize_phone,
    normalize_token,
    parse_date,
    parse_datetime,
)
from netcase.cases.vocab import (
    FILING_TYPES,
    FORFEITURE_STATUSES,
    INVESTIGATION_STATUSES,
    OPERATION_KINDS,
    REQUEST_KINDS,
    mention_entity_id,
    normalise_direction,
)
from netcase.ingest.base import Chunk, IngestError, LoadContext, Rejected, StatementBuffer
from netcase.model.statement import Provenance

CHUNK_ROWS = 5000

INVESTIGATION_COLUMNS = ("investigation_id", "agency", "case_number", "district", "lead_agent",
                         "contact_phone", "contact_email", "status", "opened", "closed", "predicate",
                         "compartment")
TARGET_COLUMNS = ("target_id", "investigation_id", "name", "dob", "phone", "account", "plate", "address")
OPERATION_COLUMNS = ("operation_id", "investigation_id", "agency", "kind", "latitude", "longitude",
                     "address", "start", "end")
FORFEITURE_COLUMNS = ("forfeiture_id", "case_id", "asset_type", "description", "value_usd", "status",
                      "date", "org_hint")
REQUEST_COLUMNS = ("request_id", "kind", "direction", "partner_country", "person_name", "person_dob",
                   "case_id", "status", "sent", "decided")


class RowError(ValueError):
    """One field of one row is unusable."""

    def __init__(self, field: str, reason: str, value: Any = None) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason
        self.value = None if value is None else str(value)


def _req(row: dict[str, Any], name: str) -> str:
    value = row.get(name)
    text = "" if value is None else str(value).strip()
    if not text:
        raise RowError(name, "required value missing")
    return text


def _opt(row: dict[str, Any], name: str) -> str | None:
    value = row.get(name)
    text = "" if value is None else str(value).strip()
    return text or None


def _date(row: dict[str, Any], name: str, required: bool = False) -> date | None:
    raw = _req(row, name) if required else _opt(row, name)
    try:
        return parse_date(raw)
    except ValueError as exc:
        raise RowError(name, "not an ISO date (YYYY-MM-DD)", raw) from exc


def _number(row: dict[str, Any], name: str, required: bool = False, minimum: float | None = None) -> float | None:
    raw = row.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        if required:
            raise RowError(name, "required value missing")
        return None
    try:
        value = float(raw)
    except (TypeError, ValueError) as exc:
        raise RowError(name, "not a number", raw) from exc
    if math.isnan(value) or math.isinf(value):
        raise RowError(name, "not a finite number", raw)
    if minimum is not None and value < minimum:
        raise RowError(name, f"must be at least {minimum:g}", raw)
    return value


def _choice(row: dict[str, Any], name: str, allowed: tuple[str, ...]) -> str:
    value = _req(row, name).lower()
    if value not in allowed:
        raise RowError(name, f"not one of {', '.join(allowed)}", value)
    return value


def _phone(row: dict[str, Any], name: str, notes: list[RowError]) -> str | None:
    """E.164 phone; a value that is not a phone is dropped (and noted), the row is kept."""
    raw = _opt(row, name)
    if raw is None:
        return None
    value = normalize_phone(raw)
    if value is None:
        notes.append(RowError(name, "not a telephone number (value dropped)", raw))
    return value


@dataclass
class _Tables:
    """Relational rows accumulated column-wise, one dict per table."""

    data: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    keys: dict[str, tuple[str, list[int]]] = field(default_factory=dict)

    def add(self, table: str, row: dict[str, Any], key: str | None = None, line: int = 0) -> None:
        """One row of ``table``; ``key`` names its id column, read from the file's ``line``."""
        cols = self.data.setdefault(table, {k: [] for k in row})
        for k, v in row.items():
            cols[k].append(v)
        if key is not None:
            self.keys.setdefault(table, (key, []))[1].append(line)

    def fill(self, chunk: Chunk) -> None:
        """Hand the rows gathered so far to ``chunk``, and start afresh."""
        chunk.tables, chunk.keys = self.data, self.keys
        self.data, self.keys = {}, {}


class _Statements:
    """One StatementBuffer per agency: a target's facts carry its investigation's agency."""

    def __init__(self, prov: Provenance) -> None:
        self.prov = prov
        self.buffers: dict[str, StatementBuffer] = {}

    def buffer(self, agency: str | None) -> StatementBuffer:
        key = agency or self.prov.agency
        if key not in self.buffers:
            self.buffers[key] = StatementBuffer(replace(self.prov, agency=key))
        return self.buffers[key]

    def take(self) -> dict[str, list[Any]]:
        merged: dict[str, list[Any]] = {}
        for buf in self.buffers.values():
            if not len(buf):
                continue
            for k, v in buf.take().items():
                merged.setdefault(k, []).extend(v)
        return merged


def _person(
    sb: StatementBuffer,
    entity_id: str,
    record_id: str,
    *,
    name: str | None,
    dob: date | None,
    phone: tuple[str | None, str | None] = (None, None),
    address: str | None = None,
    compartment: str | None = None,
    observed: date | None = None,
) -> None:
    """Person mention statements, in the property names the resolver reads."""
    facts: list[tuple[str, str, str, str | None]] = []
    if name:
        facts.append(("name", "name", name, None))
    if dob:
        facts.append(("birthDate", "date", dob.isoformat(), None))
    if phone[0]:
        facts.append(("phone", "phone", phone[0], phone[1]))
    if address:
        facts.append(("address", "address", address, None))
    for prop, ptype, value, original in facts:
        sb.add(entity_id=entity_id, schema="Person", prop=prop, prop_type=ptype, value=value,
               original_value=original, source_record=record_id, observed=observed,
               compartment=compartment)


def _read_csv(path: Path, required: tuple[str, ...]) -> Iterator[tuple[int, dict[str, str], str]]:
    """(line number, row, raw line) for each data row; the header must hold ``required``."""
    try:
        text = path.read_text(encoding="utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        raise IngestError(path, f"cannot read as UTF-8 CSV: {exc}") from exc
    reader = csv.DictReader(io.StringIO(text))
    missing = [c for c in required if c not in (reader.fieldnames or [])]
    if missing:
        raise IngestError(path, f"missing column(s): {', '.join(missing)}")
    lines = text.splitlines()
    for row in reader:
        line = reader.line_num
        yield line, row, lines[line - 1] if 0 < line <= len(lines) else ""


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict[str, Any] | None, str]]:
    try:
        handle = path.open(encoding="utf-8")
    except OSError as exc:
        raise IngestError(path, f"cannot open: {exc}") from exc
    with handle:
        for number, line in enumerate(handle, start=1):
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                yield number, None, line.rstrip("\n")
                continue
            yield number, obj if isinstance(obj, dict) else None, line.rstrip("\n")


class CaseFileLoader:
    """Reads one of the ``cases/*`` files.

    ``dataset`` and ``agency`` are read by the engine to build the batch provenance: targets'
    statements then take their investigation's agency instead, because each target belongs to one
    agency's investigation even though the file is the task force's.
    """

    dataset = "cases"

    def __init__(self, filename: str, agency: str) -> None:
        self.filename = filename
        self.agency = agency
        self.name = "cases:" + filename.rsplit(".", 1)[0]

    def __repr__(self) -> str:
        return f"CaseFileLoader({self.filename!r})"

    def matches(self, source_file: str) -> bool:
        parts = source_file.replace("\\", "/").split("/")
        return len(parts) >= 2 and parts[-2] == "cases" and parts[-1] == self.filename

    def load(self, ctx: LoadContext) -> Iterator[Chunk]:
        reader: Callable[[LoadContext], Iterator[Chunk]] = {
            "investigations.csv": self._investigations,
            "targets.csv": self._targets,
            "operations.csv": self._operations,
            "court_cases.jsonl": self._court_cases,
            "forfeitures.csv": self._forfeitures,
            "requests.csv": self._requests,
        }[self.filename]
        yield from reader(ctx)

    # -- one CSV of flat rows -------------------------------------------------------------
    def _flat(
        self,
        ctx: LoadContext,
        columns: tuple[str, ...],
        key: str,
        convert: Callable[[dict[str, str], list[RowError]], tuple[str, dict[str, Any]]],
    ) -> Iterator[Chunk]:
        chunk = Chunk()
        tables = _Tables()
        seen: set[str] = set()
        for line, row, raw in _read_csv(ctx.path, columns):
            chunk.rows_read += 1
            notes: list[RowError] = []
            try:
                row_key = _req(row, key)
                if row_key in seen:
                    raise RowError(key, "duplicate id in this file", row_key)
                table, values = convert(row, notes)
            except RowError as err:
                chunk.rejected.append(Rejected(line, err.field, err.reason, err.value, raw))
            else:
                # Values dropped from an accepted row are quarantined too, marked as such.
                chunk.rejected.extend(Rejected(line, n.field, n.reason, n.value, raw, scope="value") for n in notes)
                seen.add(row_key)
                values["source_file"] = ctx.source_file
                values["batch_id"] = ctx.provenance.batch_id
                tables.add(table, values, key, line)
                chunk.rows_accepted += 1
            if chunk.rows_read >= CHUNK_ROWS:
                tables.fill(chunk)
                yield chunk
                chunk = Chunk()
        tables.fill(chunk)
        yield chunk

    def _investigations(self, ctx: LoadContext) -> Iterator[Chunk]:
        def convert(row: dict[str, str], notes: list[RowError]) -> tuple[str, dict[str, Any]]:
            opened = _date(row, "opened")
            closed = _date(row, "closed")
            if opened and closed and closed < opened:
                raise RowError("closed", "closed before it was opened", row.get("closed"))
            return "investigations", {
                "investigation_id": _req(row, "investigation_id"),
                "agency": _req(row, "agency").upper(),
                "case_number": _req(row, "case_number"),
                "district": _opt(row, "district"),
                "lead_agent": _req(row, "lead_agent"),
                "contact_phone": _phone(row, "contact_phone", notes),
                "contact_email": _email(row, "contact_email"),
                "status": _choice(row, "status", INVESTIGATION_STATUSES),
                "opened": opened,
                "closed": closed,
                "predicate": _opt(row, "predicate"),
                "compartment": _opt(row, "compartment"),
            }

        yield from self._flat(ctx, INVESTIGATION_COLUMNS, "investigation_id", convert)

    def _targets(self, ctx: LoadContext) -> Iterator[Chunk]:
        investigations = _sibling_investigations(ctx.path)
        stmts = _Statements(ctx.provenance)
        dataset = ctx.provenance.dataset

        def convert(row: dict[str, str], notes: list[RowError]) -> tuple[str, dict[str, Any]]:
            target_id = _req(row, "target_id")
            inv_id = _req(row, "investigation_id")
            inv = investigations.get(inv_id) if investigations is not None else None
            if investigations is not None and inv is None:
                raise RowError("investigation_id", "no such investigation in cases/investigations.csv", inv_id)
            name = _opt(row, "name")
            dob = _date(row, "dob")
            phone = _phone(row, "phone", notes)
            account = normalize_token(_opt(row, "account"))
            plate = normalize_token(_opt(row, "plate"))
            document = normalize_token(_opt(row, "document"))
            address = _opt(row, "address")
            if not any((name, phone, account, plate, document)):
                raise RowError("name", "a target needs a name or a strong identifier (phone, account, plate, document)")
            entity_id = mention_entity_id(dataset, ctx.source_file, target_id)
            agency, compartment = inv if inv is not None else (None, None)
            _person(stmts.buffer(agency), entity_id, target_id, name=name, dob=dob,
                    phone=(phone, _opt(row, "phone")), address=address, compartment=compartment)
            return "case_targets", {
                "target_id": target_id, "investigation_id": inv_id, "entity_id": entity_id,
                "name": name, "dob": dob, "phone": phone, "account": account, "plate": plate,
                "document": document, "address": address, "added": ctx.provenance.ingested,
            }

        for chunk in self._flat(ctx, TARGET_COLUMNS, "target_id", convert):
            chunk.statements = stmts.take()
            yield chunk

    def _operations(self, ctx: LoadContext) -> Iterator[Chunk]:
        def convert(row: dict[str, str], notes: list[RowError]) -> tuple[str, dict[str, Any]]:
            lat = _number(row, "latitude", required=True)
            lon = _number(row, "longitude", required=True)
            assert lat is not None and lon is not None
            if not -90 <= lat <= 90:
                raise RowError("latitude", "outside -90..90", lat)
            if not -180 <= lon <= 180:
                raise RowError("longitude", "outside -180..180", lon)
            start = _datetime(row, "start")
            end = _datetime(row, "end")
            if end <= start:
                raise RowError("end", "ends before it starts", row.get("end"))
            return "operations", {
                "operation_id": _req(row, "operation_id"),
                "investigation_id": _opt(row, "investigation_id"),
                "agency": _req(row, "agency").upper(),
                "kind": _choice(row, "kind", OPERATION_KINDS),
                "latitude": lat, "longitude": lon, "address": _opt(row, "address"),
                "starts": start, "ends": end,
            }

        yield from self._flat(ctx, OPERATION_COLUMNS, "operation_id", convert)

    def _forfeitures(self, ctx: LoadContext) -> Iterator[Chunk]:
        def convert(row: dict[str, str], notes: list[RowError]) -> tuple[str, dict[str, Any]]:
            return "forfeitures", {
                "forfeiture_id": _req(row, "forfeiture_id"),
                "case_id": _opt(row, "case_id"),
                "asset_type": _req(row, "asset_type").lower(),
                "description": _opt(row, "description"),
                "value_usd": _number(row, "value_usd", required=True, minimum=0),
                "status": _choice(row, "status", FORFEITURE_STATUSES),
                "event_date": _date(row, "date"),
                "org_hint": _opt(row, "org_hint"),
            }

        yield from self._flat(ctx, FORFEITURE_COLUMNS, "forfeiture_id", convert)

    def _requests(self, ctx: LoadContext) -> Iterator[Chunk]:
        def convert(row: dict[str, str], notes: list[RowError]) -> tuple[str, dict[str, Any]]:
            direction = normalise_direction(_req(row, "direction"))
            if direction is None:
                raise RowError("direction", "not outgoing/incoming", row.get("direction"))
            country = _req(row, "partner_country").upper()
            # MLAT requests may go to any country that holds evidence (a bank abroad); only the
            # form is checked. PARTNERS lists the task force's partners for the pages.
            if len(country) != 3 or not country.isalpha():
                raise RowError("partner_country", "not an ISO 3166 trigraph", country)
            sent = _date(row, "sent")
            decided = _date(row, "decided")
            if sent and decided and decided < sent:
                raise RowError("decided", "decided before it was sent", row.get("decided"))
            return "legal_requests", {
                "request_id": _req(row, "request_id"),
                "kind": _choice(row, "kind", REQUEST_KINDS),
                "direction": direction,
                "partner_country": country,
                "person_name": _opt(row, "person_name"),
                "person_dob": _date(row, "person_dob"),
                "case_id": _opt(row, "case_id"),
                "status": _req(row, "status").lower(),
                "sent": sent,
                "decided": decided,
            }

        yield from self._flat(ctx, REQUEST_COLUMNS, "request_id", convert)

    # -- court cases: nested JSON -----------------------------------------------------------
    def _court_cases(self, ctx: LoadContext) -> Iterator[Chunk]:
        chunk = Chunk()
        tables = _Tables()
        stmts = _Statements(ctx.provenance)
        seen: set[str] = set()
        dataset = ctx.provenance.dataset
        for line, obj, raw in _read_jsonl(ctx.path):
            chunk.rows_read += 1
            try:
                if obj is None:
                    raise RowError("(line)", "not a JSON object")
                case_row, defendants, charges = _court_case(obj)
                if case_row["case_id"] in seen:
                    raise RowError("case_id", "duplicate id in this file", case_row["case_id"])
            except RowError as err:
                chunk.rejected.append(Rejected(line, err.field, err.reason, err.value, raw))
                continue
            seen.add(case_row["case_id"])
            extra = {"source_file": ctx.source_file, "batch_id": ctx.provenance.batch_id}
            tables.add("court_cases", {**case_row, **extra}, "case_id", line)
            for d in defendants:
                record = f"{case_row['case_id']}:{d['defendant_id']}"
                d["entity_id"] = mention_entity_id(dataset, ctx.source_file, record)
                _person(stmts.buffer(None), d["entity_id"], record, name=d["name"], dob=d["dob"],
                        observed=case_row["filing_date"])
                tables.add("defendants", {**d, **extra})
            for c in charges:
                tables.add("charges", c)
            chunk.rows_accepted += 1
            if chunk.rows_read >= CHUNK_ROWS:
                tables.fill(chunk)
                chunk.statements = stmts.take()
                yield chunk
                chunk = Chunk()
        tables.fill(chunk)
        chunk.statements = stmts.take()
        yield chunk


def _email(row: dict[str, Any], name: str) -> str | None:
    value = _opt(row, name)
    if value is not None and ("@" not in value or " " in value):
        raise RowError(name, "not an e-mail address", value)
    return value.lower() if value else None


def _datetime(row: dict[str, Any], name: str) -> Any:
    raw = _req(row, name)
    try:
        return parse_datetime(raw)
    except ValueError as exc:
        raise RowError(name, "not an ISO datetime", raw) from exc


def _court_case(obj: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """Validate one court case; the whole case is refused if any defendant or charge is bad."""
    case_id = _req(obj, "case_id")
    filing_date = _date(obj, "filing_date", required=True)
    assert filing_date is not None
    case_row: dict[str, Any] = {
        "case_id": case_id,
        "district": _req(obj, "district"),
        "case_number": _req(obj, "case_number"),
        "filing_type": _choice(obj, "filing_type", FILING_TYPES),
        "filing_date": filing_date,
        "investigation_id": _opt(obj, "investigation_id"),
    }
    raw_defs = obj.get("defendants")
    if not isinstance(raw_defs, list) or not raw_defs:
        raise RowError("defendants", "a court case needs at least one defendant")
    defendants: list[dict[str, Any]] = []
    charges: list[dict[str, Any]] = []
    ids: set[str] = set()
    for i, d in enumerate(raw_defs):
        if not isinstance(d, dict):
            raise RowError(f"defendants[{i}]", "not an object")
        try:
            def_id = _req(d, "defendant_id")
            if def_id in ids:
                raise RowError("defendant_id", "duplicate defendant in this case", def_id)
            ids.add(def_id)
            disposition_date = _date(d, "disposition_date")
            if disposition_date and disposition_date < filing_date:
                raise RowError("disposition_date", "before the filing date", d.get("disposition_date"))
            row: dict[str, Any] = {
                "case_id": case_id,
                "defendant_id": def_id,
                "name": _req(d, "name"),
                "dob": _date(d, "dob"),
                "disposition": (_opt(d, "disposition") or "").lower() or None,
                "disposition_date": disposition_date,
                "sentence_months": _number(d, "sentence_months", minimum=0),
                "fine_usd": _number(d, "fine_usd", minimum=0),
                "appeal": None if d.get("appeal") in (None, "", False) else str(d.get("appeal")),
            }
            raw_charges = d.get("charges") or []
            if not isinstance(raw_charges, list):
                raise RowError("charges", "not a list")
            for j, c in enumerate(raw_charges):
                if not isinstance(c, dict):
                    raise RowError(f"charges[{j}]", "not an object")
                try:
                    counts = _number(c, "counts", minimum=1)
                    if counts is not None and counts != int(counts):
                        raise RowError("counts", "not a whole number", c.get("counts"))
                    statute = _req(c, "statute")
                except RowError as err:
                    raise RowError(f"charges[{j}].{err.field}", err.reason, err.value) from err
                charges.append({"case_id": case_id, "defendant_id": def_id,
                                "statute": statute, "counts": int(counts or 1)})
        except RowError as err:
            raise RowError(f"defendants[{i}].{err.field}", err.reason, err.value) from err
        defendants.append(row)
    return case_row, defendants, charges


def _sibling_investigations(path: Path) -> dict[str, tuple[str | None, str | None]] | None:
    """investigation id → (agency, compartment) from the ``investigations.csv`` next to targets.

    A targets file is validated against the investigations it refers to when they are shipped
    together; a targets file alone is loaded as is (its investigations may already be stored).
    """
    sibling = path.with_name("investigations.csv")
    if not sibling.exists():
        return None
    out: dict[str, tuple[str | None, str | None]] = {}
    with sibling.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            inv = (row.get("investigation_id") or "").strip()
            if inv:
                out[inv] = ((row.get("agency") or "").strip().upper() or None,
                            (row.get("compartment") or "").strip() or None)
    return out


# Which office a case file comes from (docs/sources.md): the agencies' shared case index, the
# U.S. Attorneys' offices, and DOJ's Office of International Affairs for requests.
FILE_AGENCIES: dict[str, str] = {
    "investigations.csv": "TASKFORCE",
    "targets.csv": "TASKFORCE",
    "operations.csv": "TASKFORCE",
    "court_cases.jsonl": "USAO",
    "forfeitures.csv": "USAO",
    "requests.csv": "DOJ-OIA",
}

LOADERS: list[Any] = [CaseFileLoader(name, agency) for name, agency in FILE_AGENCIES.items()]
