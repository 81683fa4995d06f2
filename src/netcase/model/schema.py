"""FollowTheMoney schemata as netcase uses them, and the few properties FtM has no place for.

FtM describes people, organisations, vehicles, accounts, calls, payments, trips and events well;
it has no place for what a smuggling case needs to count: a harm incident's type and victim count,
a trip's number of migrants, an encounter's crossing sector, a person's role as recorded by an
agency, or whether a person is a victim or smuggled migrant (which must keep them out of every
score). Those live in ``EXTENSIONS`` under the ``nc:`` prefix, so FtM tools that read our statements
ignore them rather than choke on them; ``netcase export`` writes them as FtM ``notes`` where asked.
"""

from __future__ import annotations

from dataclasses import dataclass

from followthemoney import model
from followthemoney.schema import Schema

INTEL_SCHEMATA: tuple[str, ...] = (
    "Person",
    "Organization",
    "Address",
    "Vehicle",
    "BankAccount",
    "CryptoWallet",
    "Passport",
    "Identification",
    "Call",
    "Payment",
    "Trip",
    "Event",
    "Associate",
    "Family",
    "Membership",
    "Occupancy",
    "UnknownLink",
    "CourtCase",
    "CourtCaseParty",
    "Project",
    "ProjectParticipant",
    "Asset",
    "RealEstate",
)

HARM_TYPES: tuple[str, ...] = (
    "death_heat",
    "death_drowning",
    "death_suffocation",
    "death_crash",
    "sexual_assault",
    "kidnapping",
    "extortion",
    "abandonment",
)


@dataclass(frozen=True)
class Extension:
    """A property FtM lacks: its name (``nc:…``), FtM type name for cleaning, and why it exists."""

    name: str
    type: str
    why: str


EXTENSIONS: dict[str, tuple[Extension, ...]] = {
    "Event": (
        Extension("nc:eventType", "string", "smuggling_trip, encounter, raid, harm, arrest, operation"),
        Extension("nc:harmType", "string", "one of HARM_TYPES for harm incidents"),
        Extension("nc:victimCount", "number", "people harmed in one incident"),
        Extension("nc:deaths", "number", "deaths in one incident"),
        Extension("nc:migrantCount", "number", "people moved or encountered"),
        Extension("nc:sector", "string", "Border Patrol sector of a crossing or encounter"),
        Extension("nc:district", "string", "federal judicial district"),
    ),
    "Trip": (
        Extension("nc:migrantCount", "number", "migrants moved on the trip"),
        Extension("nc:sector", "string", "crossing sector"),
        Extension("nc:district", "string", "federal judicial district"),
        Extension("nc:corridor", "string", "origin country → crossing sector"),
    ),
    "Person": (
        Extension("nc:reportedRole", "string", "role as an agency recorded it (not inferred)"),
        Extension("nc:subjectCategory", "string", "MIGRANT, SMUGGLER, GUIDE, DRIVER, VICTIM, WITNESS, RELATIVE"),
        Extension("nc:protected", "string", "'victim' or 'migrant': never ranked or targeted"),
        Extension("nc:minor", "string", "'true' for a child victim or witness (18 U.S.C. 3509(d))"),
        Extension("nc:reliefStatus", "string", "immigration relief (8 U.S.C. 1367): most restricted"),
        Extension("nc:custody", "string", "arrested, detained, released"),
    ),
    "Payment": (Extension("nc:feeUsd", "number", "money-service fee"),),
    "CourtCaseParty": (
        Extension("nc:charge", "string", "statute and counts, e.g. '8 U.S.C. 1324(a)(1)(A)(ii) x3'"),
        Extension("nc:disposition", "string", "plea, verdict, dismissal"),
        Extension("nc:sentenceMonths", "number", "custodial sentence"),
    ),
}


def get_schema(name: str) -> Schema:
    """The FtM schema ``name``; raises ``KeyError`` with the name when FtM does not know it."""
    schema = model.get(name)
    if schema is None:
        raise KeyError(f"unknown FollowTheMoney schema {name!r}")
    return schema


def property_type(schema: str, prop: str) -> str:
    """The FtM type name of ``schema.prop`` (``name``, ``phone``, ``date``, …) or an extension's."""
    for ext in EXTENSIONS.get(schema, ()):
        if ext.name == prop:
            return ext.type
    s = get_schema(schema)
    p = s.get(prop)
    if p is None:
        raise KeyError(f"schema {schema} has no property {prop!r}")
    return p.type.name
