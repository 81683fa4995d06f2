"""Vocabularies of case records, and the small classifications the outcome figures rely on."""

from __future__ import annotations

import hashlib

INVESTIGATION_STATUSES: tuple[str, ...] = ("open", "active", "suspended", "closed", "pending")
OPERATION_KINDS: tuple[str, ...] = (
    "search_warrant",
    "arrest",
    "arrest_warrant",
    "controlled_delivery",
    "surveillance",
    "buy_bust",
    "undercover_meeting",
    "takedown",
    "rescue",
)
FILING_TYPES: tuple[str, ...] = ("complaint", "indictment", "information", "superseding")
FORFEITURE_STATUSES: tuple[str, ...] = ("seized", "forfeited", "returned", "pending")
REQUEST_KINDS: tuple[str, ...] = ("extradition", "mlat")
REQUEST_DIRECTIONS: tuple[str, ...] = ("outgoing", "incoming")
PARTNERS: tuple[str, ...] = ("MEX", "GTM", "SLV", "HND")

# Dispositions written by USAO exports vary ("plea", "guilty_plea", "verdict_guilty", …); what the
# outcome figures need is only whether the defendant was convicted, acquitted or dismissed.
_CONVICTED = ("plea", "guilty", "convicted", "conviction")
_NOT_CONVICTED = ("not_guilty", "not guilty", "acquit", "dismiss", "nolle")


def disposition_class(disposition: str | None) -> str:
    """``convicted``, ``acquitted_or_dismissed`` or ``pending`` for a free-text disposition."""
    if not disposition:
        return "pending"
    text = disposition.strip().lower()
    if any(k in text for k in _NOT_CONVICTED):
        return "acquitted_or_dismissed"
    if any(k in text for k in _CONVICTED):
        return "convicted"
    return "pending"


# Extradition statuses that mean the person was surrendered to (or by) the partner.
_SURRENDERED = ("extradited", "surrendered", "executed", "completed")


def request_surrendered(status: str | None) -> bool:
    """True when an extradition request's status says the person was surrendered."""
    return bool(status) and any(k in str(status).lower() for k in _SURRENDERED)


def normalise_direction(raw: str) -> str | None:
    """``outgoing``/``incoming`` from the spellings exports use (``to``/``from``, ``out``/``in``)."""
    text = raw.strip().lower()
    if text in ("outgoing", "out", "to", "sent", "us_to_partner"):
        return "outgoing"
    if text in ("incoming", "in", "from", "received", "partner_to_us"):
        return "incoming"
    return None


def mention_entity_id(dataset: str, source_file: str, record_id: str, schema: str = "Person") -> str:
    """The entity id of one person mention in a case file: stable across re-ingests of the file."""
    key = "\x1f".join((dataset, source_file, record_id, schema))
    return "cm-" + hashlib.sha1(key.encode("utf-8")).hexdigest()[:24]
