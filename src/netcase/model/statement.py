"""The statement: one property value of one entity, with where it came from and how to handle it.

This follows FollowTheMoney's statement model (``followthemoney.statement.Statement``) and adds the
columns a criminal-intelligence system must carry: a handling marking, a compartment and the
28 CFR Part 23 fields. ``STATEMENT_COLUMNS`` is the single list of columns; the stores, the ingest
writer and the exporters all follow it.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import date, datetime, timedelta

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


def statement_id(dataset: str, source_record: str, entity_id: str, prop: str, value: str) -> str:
    """A content id: the same fact from the same record always gets the same id."""
    key = "\x1f".join((dataset, source_record, entity_id, prop, value))
    return hashlib.sha1(key.encode("utf-8")).hexdigest()


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
            id=statement_id(prov.dataset, source_record, entity_id, prop, value),
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
