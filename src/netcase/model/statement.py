"""The statement: one property value of one entity, with where it came from and how to handle it.

This follows FollowTheMoney's statement model (``followthemoney.statement.Statement``) and adds the
columns a criminal-intelligence system must carry: a handling marking, a compartment and the
28 CFR Part 23 fields. ``STATEMENT_COLUMNS`` is the single list of columns; the stores, the ingest
writer and the exporters all follow it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from netcase.model.marking import Marking

# Source reliability and content validity follow the Admiralty (NATO 6x6) scale that U.S.
# criminal-intelligence units use when they apply 28 CFR 23.20(a)-(b).
RELIABILITY = {
    "A": "completely reliable",
    "B": "usually reliable",
    "C": "fairly reliable",
    "D": "not usually reliable",
    "E": "unreliable",
    "F": "reliability cannot be judged",
}
VALIDITY = {
    "1": "confirmed by other sources",
    "2": "probably true",
    "3": "possibly true",
    "4": "doubtful",
    "5": "improbable",
    "6": "truth cannot be judged",
}
REVIEW_YEARS = 5

STATEMENT_COLUMNS: tuple[str, ...] = (
    "id",
    "entity_id",
    "schema",
    "prop",
    "prop_type",
    "value",
    "original_value",
    "dataset",
    "source_file",
    "source_record",
    "agency",
    "batch_id",
    "observed",
    "ingested",
    "caveat",
    "releasable_to",
    "tlp",
    "victim_sensitive",
    "compartment",
    "predicate",
    "reliability",
    "validity",
    "submitting_agency",
    "review_by",
)


def default_review_by(submitted: date) -> date:
    """28 CFR 23.20(h): review within five years of submission (29 Feb falls back to 28 Feb)."""
    try:
        return submitted.replace(year=submitted.year + REVIEW_YEARS)
    except ValueError:
        return submitted.replace(year=submitted.year + REVIEW_YEARS, day=28)


# Hex digits of the property-and-value hash in a statement id (64 bits: distinct within an entity).
STATEMENT_DIGEST = 16


def statement_id(entity_id: str, prop: str, value: str) -> str:
    """A content id: the same fact of the same entity always gets the same id.

    The entity's id (a hash of its dataset, record and key) followed by a short hash of the
    property and value: unique because the entity id already is, and it names where the
    statement lives, so that a look-up by id is a look-up by entity (``statement_id_filter``).
    DuckDB stores none of it for ingested facts and derives it on read (migration 0072);
    ``statement_id_sql`` is the same text in SQL.
    """
    digest = hashlib.md5(f"{prop}\x1f{value}".encode(), usedforsecurity=False).hexdigest()
    return f"{entity_id}.{digest[:STATEMENT_DIGEST]}"


def statement_id_sql(entity_id: str, prop: str, value: str) -> str:
    """SQL (DuckDB and PostgreSQL alike) for ``statement_id`` of three column expressions."""
    return f"({entity_id} || '.' || left(md5({prop} || chr(31) || {value}), {STATEMENT_DIGEST}))"


def statement_entity(statement: str) -> str | None:
    """The entity id a ``statement_id`` begins with, or None for an id of another form (written
    with its own id by an import or a fixture)."""
    head, dot, digest = statement.rpartition(".")
    return head if dot and head and len(digest) == STATEMENT_DIGEST else None


def statement_id_filter(alias: str, ids: Sequence[str], *, id_sql: str | None = None) -> tuple[str, list[Any]]:
    """SQL (with its parameters) matching the statements ``ids`` under table alias ``alias``
    (``id_sql``: the id's expression, if not ``alias.id``).

    Narrowed by the entities the ids name, so that the entity index finds them: on DuckDB an
    ingested fact's id is derived on read, and a filter on the id alone would derive every one.
    """
    ids = list(dict.fromkeys(ids))
    if not ids:
        return "false", []
    entities = [statement_entity(i) for i in ids]
    named = sorted({e for e in entities if e is not None})
    marks = ", ".join("?" for _ in ids)
    id_sql = id_sql or f"{alias}.id"
    if None in entities or not named:
        return f"{id_sql} IN ({marks})", ids
    emarks = ", ".join("?" for _ in named)
    return f"({alias}.entity_id IN ({emarks}) AND {id_sql} IN ({marks}))", [*named, *ids]


@dataclass(frozen=True, slots=True)
class Provenance:
    """What every statement of one batch shares: its source and handling."""

    dataset: str
    source_file: str
    agency: str
    batch_id: str
    ingested: datetime
    marking: Marking
    compartment: str | None
    predicate: str | None
    reliability: str = "F"
    validity: str = "6"
    submitting_agency: str | None = None
    review_by: date | None = None

    def __post_init__(self) -> None:
        if self.reliability not in RELIABILITY:
            raise ValueError(f"source reliability {self.reliability!r} is not one of A-F")
        if self.validity not in VALIDITY:
            raise ValueError(f"content validity {self.validity!r} is not one of 1-6")


@dataclass(frozen=True, slots=True)
class Statement:
    """One fact. Never updated in place: a correction is a new statement."""

    id: str
    entity_id: str
    schema: str
    prop: str
    prop_type: str
    value: str
    original_value: str | None
    dataset: str
    source_file: str
    source_record: str
    agency: str
    batch_id: str
    observed: date | None
    ingested: datetime
    caveat: str
    releasable_to: str
    tlp: str
    victim_sensitive: bool
    compartment: str | None
    predicate: str | None
    reliability: str
    validity: str
    submitting_agency: str
    review_by: date

    @property
    def marking(self) -> Marking:
        return Marking.from_storage(self.caveat, self.releasable_to, self.tlp, self.victim_sensitive)

    @classmethod
    def make(
        cls,
        prov: Provenance,
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
    ) -> Statement:
        """Build a statement from a batch's provenance; ``marking`` overrides the batch's."""
        mk = marking or prov.marking
        submitted = prov.ingested.date()
        return cls(
            id=statement_id(entity_id, prop, value),
            entity_id=entity_id,
            schema=schema,
            prop=prop,
            prop_type=prop_type,
            value=value,
            original_value=original_value if original_value != value else None,
            dataset=prov.dataset,
            source_file=prov.source_file,
            source_record=source_record,
            agency=prov.agency,
            batch_id=prov.batch_id,
            observed=observed,
            ingested=prov.ingested,
            caveat=mk.caveat,
            releasable_to=mk.rel_storage,
            tlp=mk.tlp,
            victim_sensitive=mk.victim_sensitive,
            compartment=compartment if compartment is not None else prov.compartment,
            predicate=prov.predicate,
            reliability=prov.reliability,
            validity=prov.validity,
            submitting_agency=prov.submitting_agency or prov.agency,
            review_by=prov.review_by or default_review_by(submitted),
        )

    def as_row(self) -> tuple[object, ...]:
        return tuple(getattr(self, c) for c in STATEMENT_COLUMNS)


def review_due(review_by: date, today: date, warn_days: int = 90) -> bool:
    """True when a statement's review date is within ``warn_days`` of ``today`` or past."""
    return review_by <= today + timedelta(days=warn_days)
