"""One row per person mention, with the normalised columns the Splink model compares.

A *mention* is one person as one source record names them (one entity id in the statements).
``mention_rows`` turns the raw property values of each mention into the comparison columns;
``read_person_mentions`` reads those values from the statements table.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from netcase.resolve.normalise import (
    account_key,
    address_key,
    alias_key,
    country_code,
    document_key,
    email_key,
    parse_date,
    parse_name,
    phone_e164,
    phonetic,
    sex_key,
    swap_day_month,
)
from netcase.store import Store

# FtM Person properties (and netcase's) read for resolution; grouped by what they feed.
NAME_PROPS = ("name",)
GIVEN_PROPS = ("firstName", "middleName", "secondName")
SURNAME_PROPS = ("lastName", "fatherName")
SECOND_SURNAME_PROPS = ("motherName",)
ALIAS_PROPS = ("alias", "weakAlias")
DOB_PROPS = ("birthDate",)
COUNTRY_PROPS = ("nationality", "citizenship")
BIRTHPLACE_PROPS = ("birthCountry", "birthPlace")
# Where the record was made or the person lives: the default region for local phone numbers only.
RESIDENCE_PROPS = ("country",)
PHONE_PROPS = ("phone",)
EMAIL_PROPS = ("email",)
DOC_PROPS = ("idNumber", "passportNumber", "taxNumber", "socialSecurityNumber", "innCode")
ADDRESS_PROPS = ("address",)
ACCOUNT_PROPS = ("nc:account", "accountNumber")
SEX_PROPS = ("gender",)
PERSON_PROPS: tuple[str, ...] = (
    *NAME_PROPS, *GIVEN_PROPS, *SURNAME_PROPS, *SECOND_SURNAME_PROPS, *ALIAS_PROPS, *DOB_PROPS,
    *COUNTRY_PROPS, *BIRTHPLACE_PROPS, *RESIDENCE_PROPS, *PHONE_PROPS, *EMAIL_PROPS, *DOC_PROPS, *ADDRESS_PROPS,
    *ACCOUNT_PROPS, *SEX_PROPS,
)

_PROPSET = frozenset(PERSON_PROPS)

# Column order of the table handed to Splink; lists are NULL when empty so "missing" is one thing.
FEATURE_SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("source_file", pa.string()),
        ("source_record", pa.string()),
        ("given1", pa.string()),
        ("given_all", pa.string()),
        ("given_alts", pa.list_(pa.string())),
        ("given_tokens", pa.list_(pa.string())),
        ("given_ph", pa.string()),
        ("surname1", pa.string()),
        ("surname2", pa.string()),
        ("surname1_ph", pa.string()),
        ("name_tokens", pa.list_(pa.string())),
        ("dob", pa.string()),
        ("dob_swap", pa.string()),
        ("dob_year", pa.string()),
        ("sex", pa.string()),
        ("country", pa.string()),
        ("phones", pa.list_(pa.string())),
        ("phone7", pa.list_(pa.string())),
        ("ids", pa.list_(pa.string())),
        ("aliases", pa.list_(pa.string())),
        ("addresses", pa.list_(pa.string())),
        ("fingerprint", pa.string()),
    ]
)


@dataclass(frozen=True)
class Mention:
    """The raw property values of one person mention, as stored."""

    entity_id: str
    source_file: str
    source_record: str
    props: Mapping[str, Sequence[str]]


def _first(props: Mapping[str, Sequence[str]], names: Iterable[str]) -> str | None:
    for n in names:
        vals = props.get(n)
        if vals:
            return vals[0]
    return None


def _all(props: Mapping[str, Sequence[str]], names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        out.extend(props.get(n, ()))
    return out


def _nonempty(values: Iterable[str | None]) -> list[str] | None:
    out = sorted({v for v in values if v})
    return out or None


def mention_row(m: Mention) -> dict[str, Any]:
    """The comparison columns of one mention (see ``FEATURE_SCHEMA``)."""
    p = m.props
    given = " ".join(_all(p, GIVEN_PROPS)) or None
    surname = " ".join(_all(p, SURNAME_PROPS)) or None
    second = " ".join(_all(p, SECOND_SURNAME_PROPS)) or None
    full = _first(p, NAME_PROPS)
    name = parse_name(full, given=given, surname=surname, second_surname=second)
    if not name.tokens and full is None:
        name = parse_name(None)
    dob_raw = _first(p, DOB_PROPS)
    dob = parse_date(dob_raw) if dob_raw else None
    country = country_code(_first(p, COUNTRY_PROPS)) or country_code(_first(p, BIRTHPLACE_PROPS))
    region = country or country_code(_first(p, RESIDENCE_PROPS))
    phones = _nonempty(phone_e164(v, region) for v in _all(p, PHONE_PROPS))
    ids = _nonempty(
        [*(document_key(v) for v in _all(p, DOC_PROPS)),
         *("E:" + k for v in _all(p, EMAIL_PROPS) if (k := email_key(v))),
         *("A:" + k for v in _all(p, ACCOUNT_PROPS) if (k := account_key(v)))]
    )
    fp = hashlib.sha1(
        "\x1e".join(f"{k}\x1f{chr(31).join(sorted(v))}" for k, v in sorted(p.items()) if k in _PROPSET).encode()
    ).hexdigest()
    return {
        "unique_id": m.entity_id,
        "source_file": m.source_file,
        "source_record": m.source_record,
        "given1": name.given_canon,
        "given_all": " ".join(name.given) or None,
        "given_alts": list(name.given_alts) or None,
        "given_tokens": list(name.given) or None,
        "given_ph": phonetic(name.given_canon),
        "surname1": name.surname1,
        "surname2": name.surname2,
        "surname1_ph": phonetic(name.surname1),
        "name_tokens": list(name.tokens) or None,
        "dob": dob,
        "dob_swap": swap_day_month(dob),
        "dob_year": dob[:4] if dob else None,
        "sex": sex_key(_first(p, SEX_PROPS)),
        "country": country,
        "phones": phones,
        "phone7": _nonempty(ph[-7:] for ph in phones) if phones else None,
        "ids": ids,
        "aliases": _nonempty(alias_key(v) for v in _all(p, ALIAS_PROPS)),
        "addresses": _nonempty(address_key(v) for v in _all(p, ADDRESS_PROPS)),
        "fingerprint": fp,
    }


def _rows_to_table(mentions: Sequence[Mention]) -> pa.Table:
    rows = [mention_row(m) for m in mentions]
    cols = {f.name: [r[f.name] for r in rows] for f in FEATURE_SCHEMA}
    return pa.table(cols, schema=FEATURE_SCHEMA)


PARALLEL_MIN = 60_000
CHUNK = 25_000


def mention_table(mentions: Iterable[Mention], workers: int | None = None) -> pa.Table:
    """The Splink input table: one row per mention.

    Normalising is pure Python (~150 µs of CPU a mention), so large inputs are split over
    processes (one per core); the result is the same table in the same order.
    """
    items = list(mentions)
    n_workers = workers if workers is not None else (os.cpu_count() or 1)
    if len(items) < PARALLEL_MIN or n_workers < 2:
        return _rows_to_table(items)
    import multiprocessing as mp

    # fork: workers inherit the mentions (no pickling of the input) and the loaded modules; only
    # the Arrow results travel back. The hand-over slot is cleared as soon as the pool is done.
    _FORK_INPUT[:] = [items]
    try:
        with mp.get_context("fork").Pool(n_workers) as pool:
            parts = pool.map(_chunk_table, range(0, len(items), CHUNK))
    finally:
        _FORK_INPUT.clear()
    return pa.concat_tables(parts)


_FORK_INPUT: list[list[Mention]] = []


def _chunk_table(start: int) -> pa.Table:
    return _rows_to_table(_FORK_INPUT[0][start : start + CHUNK])


def read_person_mentions(store: Store, schemata: Sequence[str] = ("Person",)) -> list[Mention]:
    """Every mention of ``schemata`` in the statements, with its resolution-relevant values.

    Grouped in SQL with ``string_agg`` (both DuckDB and PostgreSQL have it) so a million mentions
    arrive as a few million short rows rather than every statement.
    """
    marks = ", ".join("?" for _ in schemata)
    props = ", ".join("?" for _ in PERSON_PROPS)
    sql = (
        "SELECT entity_id, min(source_file), min(source_record), prop, string_agg(value, chr(31)) "
        f"FROM statements WHERE schema IN ({marks}) AND prop IN ({props}) "
        "GROUP BY entity_id, prop"
    )
    rows = store.query(sql, (*schemata, *PERSON_PROPS))
    # Mentions whose statements carry none of the props above still exist (e.g. a role only).
    ids_sql = (
        f"SELECT entity_id, min(source_file), min(source_record) FROM statements WHERE schema IN ({marks}) "
        "GROUP BY entity_id"
    )
    out: dict[str, tuple[str, str, dict[str, list[str]]]] = {}
    for eid, sf, sr in store.query(ids_sql, tuple(schemata)):
        out[eid] = (sf, sr, {})
    for eid, _sf, _sr, prop, values in rows:
        out[eid][2][prop] = sorted(set(values.split("\x1f")))
    return [Mention(eid, sf, sr, props) for eid, (sf, sr, props) in sorted(out.items())]
