"""One row per organisation mention, with the normalised columns the organisation model compares.

An organisation *mention* is one Organization (or Company, LegalEntity) entity id in the
statements. Besides its own values (names, country, registration and tax numbers, phones, e-mails,
addresses, accounts) a mention carries the **people linked to it** (members, employees, directors,
owners) as their *canonical* person ids from the same run: two agencies' labels for one criminal
group ("Los Vásquez", "Vásquez Escobar ATO") rarely share a word, but they share members.

Within one source record, mentions with the same name key are pooled for that evidence (their
linked people are unioned): a report that names the organisation of each of its five subjects
repeats one label five times, and the group it means is the one of all five.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

from netcase.resolve.normalise import (
    account_key,
    address_key,
    country_code,
    email_key,
    org_name,
    phone_e164,
    registration_key,
)
from netcase.store import Store

ORG_SCHEMATA: tuple[str, ...] = ("Organization", "Company", "LegalEntity")
NAME_PROPS = ("name", "alias", "previousName", "weakAlias")
COUNTRY_PROPS = ("jurisdiction", "country", "mainCountry")
REGISTRATION_PROPS = ("registrationNumber", "taxNumber", "idNumber", "vatCode", "leiCode", "innCode",
                      "ogrnCode", "dunsCode", "swiftBic", "npiCode")
PHONE_PROPS = ("phone",)
EMAIL_PROPS = ("email",)
ADDRESS_PROPS = ("address",)
ACCOUNT_PROPS = ("nc:account", "accountNumber", "iban")
ORG_PROPS: tuple[str, ...] = (*NAME_PROPS, *COUNTRY_PROPS, *REGISTRATION_PROPS, *PHONE_PROPS, *EMAIL_PROPS,
                              *ADDRESS_PROPS, *ACCOUNT_PROPS)
_PROPSET = frozenset(ORG_PROPS)

# FtM link schemata that tie a person to an organisation: (schema, person property, organisation property).
PERSON_LINKS: tuple[tuple[str, str, str], ...] = (
    ("Membership", "member", "organization"),
    ("Employment", "employee", "employer"),
    ("Directorship", "director", "organization"),
    ("Ownership", "owner", "asset"),
)
# Accounts an organisation holds through an Ownership of a BankAccount entity.
ACCOUNT_LINK = ("Ownership", "owner", "asset")

ORG_FEATURE_SCHEMA = pa.schema(
    [
        ("unique_id", pa.string()),
        ("source_file", pa.string()),
        ("source_record", pa.string()),
        ("name_key", pa.string()),
        ("name_keys", pa.list_(pa.string())),
        ("name_tokens", pa.list_(pa.string())),
        ("name_ph", pa.string()),
        ("legal_form", pa.string()),
        ("country", pa.string()),
        ("reg_ids", pa.list_(pa.string())),
        ("phones", pa.list_(pa.string())),
        ("emails", pa.list_(pa.string())),
        ("addresses", pa.list_(pa.string())),
        ("accounts", pa.list_(pa.string())),
        ("members", pa.list_(pa.string())),
        ("member1", pa.string()),
        ("reg1", pa.string()),
        ("fingerprint", pa.string()),
    ]
)


@dataclass(frozen=True)
class OrgMention:
    """The raw values of one organisation mention, and the entity ids of the people linked to it."""

    entity_id: str
    source_file: str
    source_record: str
    props: Mapping[str, Sequence[str]]
    people: tuple[str, ...] = ()


def _all(props: Mapping[str, Sequence[str]], names: Iterable[str]) -> list[str]:
    out: list[str] = []
    for n in names:
        out.extend(props.get(n, ()))
    return out


def _nonempty(values: Iterable[str | None]) -> list[str] | None:
    out = sorted({v for v in values if v})
    return out or None


def org_row(m: OrgMention, canonical: Mapping[str, str]) -> dict[str, Any]:
    """The comparison columns of one organisation mention (see ``ORG_FEATURE_SCHEMA``).

    ``canonical`` maps person mention ids to their canonical ids (this run's person clusters);
    linked ids absent from it are not people and are ignored.
    """
    p = m.props
    names = [org_name(v) for v in _all(p, NAME_PROPS)]
    main = names[0] if names else org_name(None)
    country = next((c for v in _all(p, COUNTRY_PROPS) if (c := country_code(v))), None)
    region = country
    # Only people resolved in this run count (an Ownership's owner may be another organisation).
    members = _nonempty(canonical[pid] for pid in m.people if pid in canonical)
    fp = hashlib.sha1(
        "\x1e".join(f"{k}\x1f{chr(31).join(sorted(v))}" for k, v in sorted(p.items()) if k in _PROPSET).encode()
        + ("\x1d" + "\x1f".join(members or [])).encode()
    ).hexdigest()
    regs = _nonempty(registration_key(v) for v in _all(p, REGISTRATION_PROPS))
    return {
        "unique_id": m.entity_id,
        "source_file": m.source_file,
        "source_record": m.source_record,
        "name_key": main.key,
        "name_keys": _nonempty(n.key for n in names),
        "name_tokens": list(main.tokens) or None,
        "name_ph": main.phonetic,
        "legal_form": main.legal_form,
        "country": country,
        "reg_ids": regs,
        "phones": _nonempty(phone_e164(v, region) for v in _all(p, PHONE_PROPS)),
        "emails": _nonempty(email_key(v) for v in _all(p, EMAIL_PROPS)),
        "addresses": _nonempty(address_key(v) for v in _all(p, ADDRESS_PROPS)),
        "accounts": _nonempty(account_key(v) for v in _all(p, ACCOUNT_PROPS)),
        "members": members,
        "member1": members[0] if members else None,
        "reg1": regs[0] if regs else None,
        "fingerprint": fp,
    }


def pool_by_record(mentions: Sequence[OrgMention]) -> list[OrgMention]:
    """Mentions with the linked people of every mention of the same name in the same source record.

    One record that names one label several times (once per subject) means one organisation; the
    people it links to that label are evidence for each of those mentions.
    """
    pooled: dict[tuple[str, str, str], set[str]] = {}
    keys: list[tuple[str, str, str] | None] = []
    for m in mentions:
        names = _all(m.props, NAME_PROPS)
        key = org_name(names[0]).key if names else None
        k = (m.source_file, m.source_record, key) if key else None
        keys.append(k)
        if k is not None:
            pooled.setdefault(k, set()).update(m.people)
    return [
        OrgMention(m.entity_id, m.source_file, m.source_record, m.props, tuple(sorted(pooled[k])) if k else m.people)
        for m, k in zip(mentions, keys, strict=True)
    ]


def org_table(mentions: Sequence[OrgMention], canonical: Mapping[str, str]) -> pa.Table:
    """The Splink input table of the organisation model: one row per mention, people pooled."""
    rows = [org_row(m, canonical) for m in pool_by_record(mentions)]
    return pa.table({f.name: [r[f.name] for r in rows] for f in ORG_FEATURE_SCHEMA}, schema=ORG_FEATURE_SCHEMA)


def read_org_mentions(store: Store, schemata: Sequence[str] = ORG_SCHEMATA) -> list[OrgMention]:
    """Every organisation mention in the statements with its values, linked people and held accounts."""
    marks = ", ".join("?" for _ in schemata)
    props = ", ".join("?" for _ in ORG_PROPS)
    out: dict[str, tuple[str, str, dict[str, list[str]]]] = {}
    for eid, sf, sr in store.query(
        f"SELECT entity_id, min(source_file), min(source_record) FROM statements WHERE schema IN ({marks}) "
        "GROUP BY entity_id",
        tuple(schemata),
    ):
        out[eid] = (sf, sr, {})
    if not out:
        return []
    for eid, prop, values in store.query(
        f"SELECT entity_id, prop, string_agg(value, chr(31)) FROM statements WHERE schema IN ({marks}) "
        f"AND prop IN ({props}) GROUP BY entity_id, prop",
        (*schemata, *ORG_PROPS),
    ):
        out[eid][2][prop] = sorted(set(values.split("\x1f")))
    people: dict[str, set[str]] = {}
    for schema, person_prop, org_prop in PERSON_LINKS:
        rows = store.query(
            "SELECT o.value, p.value FROM statements o JOIN statements p ON p.entity_id = o.entity_id "
            "WHERE o.schema = ? AND o.prop = ? AND p.schema = ? AND p.prop = ?",
            (schema, org_prop, schema, person_prop),
        )
        for org_id, person_id in rows:
            if org_id in out:
                people.setdefault(org_id, set()).add(person_id)
    # Accounts held through an Ownership of a BankAccount.
    schema, owner_prop, asset_prop = ACCOUNT_LINK
    for org_id, number in store.query(
        "SELECT o.value, a.value FROM statements o JOIN statements s ON s.entity_id = o.entity_id "
        "JOIN statements a ON a.entity_id = s.value AND a.schema = 'BankAccount' "
        "AND a.prop IN ('accountNumber', 'iban') "
        "WHERE o.schema = ? AND o.prop = ? AND s.schema = ? AND s.prop = ?",
        (schema, owner_prop, schema, asset_prop),
    ):
        if org_id in out:
            out[org_id][2].setdefault("nc:account", []).append(number)
    return [
        OrgMention(eid, sf, sr, props, tuple(sorted(people.get(eid, ()))))
        for eid, (sf, sr, props) in sorted(out.items())
    ]


def org_member_records(store: Store) -> dict[str, list[tuple[str, str]]]:
    """Each organisation mention → the (source_file, source_record) of the people linked to it.

    For scoring organisations against a truth that is kept per person record (the synthetic world).
    """
    marks = ", ".join("?" for _ in ORG_SCHEMATA)
    orgs = {r[0] for r in store.query(
        f"SELECT DISTINCT entity_id FROM statements WHERE schema IN ({marks})", ORG_SCHEMATA)}
    out: dict[str, list[tuple[str, str]]] = {}
    for schema, person_prop, org_prop in PERSON_LINKS:
        for org_id, sf, sr in store.query(
            "SELECT o.value, min(x.source_file), min(x.source_record) FROM statements o "
            "JOIN statements p ON p.entity_id = o.entity_id AND p.schema = o.schema AND p.prop = ? "
            "JOIN statements x ON x.entity_id = p.value AND x.schema = 'Person' "
            "WHERE o.schema = ? AND o.prop = ? GROUP BY o.value, p.value",
            (person_prop, schema, org_prop),
        ):
            if org_id in orgs:  # an Ownership's asset may be an account or a vehicle
                out.setdefault(org_id, []).append((sf, sr))
    return out
