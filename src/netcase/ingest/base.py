"""The contract between the ingest engine and the loaders that read each kind of file.

The engine (``netcase.ingest.engine``) owns the batch: it hashes the file, skips a file already
ingested, opens one transaction, writes every chunk a loader yields, records the batch, and rolls
everything back if anything fails. A loader only reads: it turns a file into chunks of statements
(column-wise, for speed), rows for relational tables (case records), and rejected rows.

Two kinds of loader exist: the declarative YAML mappings (``netcase.ingest.mapping``) for agency
exports, and Python loaders registered by stages whose records are relational (``netcase.cases``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any, Protocol

import pyarrow as pa

from netcase.ingest.columnar import StatementSet
from netcase.model.marking import Marking
from netcase.model.statement import STATEMENT_COLUMNS, Provenance, statement_id


class IngestError(RuntimeError):
    """A file that cannot be ingested at all (unreadable, wrong mapping): nothing of it is stored."""

    def __init__(self, path: Path | str, message: str, row: int | None = None, field: str | None = None) -> None:
        where = str(path)
        if row is not None:
            where += f", row {row}"
        if field:
            where += f", field {field!r}"
        super().__init__(f"{where}: {message}")
        self.path = str(path)
        self.row = row
        self.field = field


@dataclass(frozen=True, slots=True)
class Rejected:
    """One quarantined row or value: where it is and why it was refused.

    ``scope`` says what was refused: ``row`` (nothing of the row is stored), ``value`` (one value
    dropped, the rest of the row kept) or ``entity`` (one entity of the row dropped, e.g. a
    payment without a beneficiary).
    """

    row_number: int
    field: str | None
    reason: str
    value: str | None = None
    raw: str | None = None
    scope: str = "row"


class StatementBuffer:
    """Statements accumulated column-wise; cheaper than one object per fact at 500k facts/s."""

    def __init__(self, prov: Provenance) -> None:
        self.prov = prov
        self.cols: dict[str, list[Any]] = {c: [] for c in STATEMENT_COLUMNS}
        mk = prov.marking
        self._const = {
            "dataset": prov.dataset,
            "source_file": prov.source_file,
            "agency": prov.agency,
            "batch_id": prov.batch_id,
            "ingested": prov.ingested,
            "predicate": prov.predicate,
            "reliability": prov.reliability,
            "validity": prov.validity,
            "submitting_agency": prov.submitting_agency or prov.agency,
        }
        self._default_marking = (mk.caveat, mk.rel_storage, mk.tlp, mk.victim_sensitive)
        from netcase.model.statement import default_review_by

        self._review_by = prov.review_by or default_review_by(prov.ingested.date())

    def __len__(self) -> int:
        return len(self.cols["id"])

    def add(
        self,
        *,
        entity_id: str,
        schema: str,
        prop: str,
        prop_type: str,
        value: str,
        original_value: str | None,
        source_record: str,
        observed: date | None,
        marking: Marking | None = None,
        compartment: str | None = None,
    ) -> None:
        c = self.cols
        c["id"].append(statement_id(entity_id, prop, value))
        c["entity_id"].append(entity_id)
        c["schema"].append(schema)
        c["prop"].append(prop)
        c["prop_type"].append(prop_type)
        c["value"].append(value)
        c["original_value"].append(original_value if original_value != value else None)
        c["source_record"].append(source_record)
        c["observed"].append(observed)
        if marking is None:
            caveat, rel, tlp, victim = self._default_marking
        else:
            caveat, rel, tlp, victim = marking.caveat, marking.rel_storage, marking.tlp, marking.victim_sensitive
        c["caveat"].append(caveat)
        c["releasable_to"].append(rel)
        c["tlp"].append(tlp)
        c["victim_sensitive"].append(victim)
        c["compartment"].append(compartment if compartment is not None else self.prov.compartment)
        c["review_by"].append(self._review_by)
        for k, v in self._const.items():
            c[k].append(v)

    def take(self) -> dict[str, list[Any]]:
        """Hand over the columns and start empty."""
        out = self.cols
        self.cols = {c: [] for c in STATEMENT_COLUMNS}
        return out


@dataclass
class Chunk:
    """What a loader yields: statements, relational rows (table → column lists) and rejects.

    ``statements`` are column lists keyed by ``STATEMENT_COLUMNS``, an Arrow table with those
    columns, or a ``StatementSet`` (the mapping loader's fast path: the small tables and the query
    that build the statements, run by a DuckDB store on its own connection).
    """

    statements: dict[str, list[Any]] | pa.Table | StatementSet = field(default_factory=dict)
    tables: dict[str, dict[str, list[Any]]] = field(default_factory=dict)
    # For a table keyed by an id from the file: that key column and each row's line, so that an
    # id the store already holds is reported at its row (``netcase.ingest.engine``).
    keys: dict[str, tuple[str, list[int]]] = field(default_factory=dict)
    rejected: list[Rejected] = field(default_factory=list)
    rows_read: int = 0
    rows_accepted: int = 0


@dataclass(frozen=True)
class LoadContext:
    """What the engine tells a loader about the batch it is loading into."""

    path: Path
    source_file: str  # relative to the ingest root, with '/'
    provenance: Provenance


class Loader(Protocol):
    """Reads one kind of file.

    The engine builds the batch's ``Provenance`` from optional attributes of the loader:
    ``dataset`` (default: the loader's name), ``agency`` (default ``"UNKNOWN"``), ``marking``
    (a ``Marking``; default ``LES//NOFORN//TLP:AMBER``), ``compartment``, ``predicate``,
    ``reliability`` and ``validity`` (28 CFR 23; defaults none, ``F``, ``6``).
    """

    name: str

    def matches(self, source_file: str) -> bool:
        """True if this loader reads ``source_file`` (a path relative to the ingest root)."""
        ...

    def load(self, ctx: LoadContext) -> Iterator[Chunk]:
        """Yield chunks; raise ``IngestError`` when the whole file is unusable."""
        ...
