"""Resolve raw identifiers (a target given as name + DOB, a phone, an account, a plate) to people.

Investigations name their targets with whatever they have. ``Matcher`` scores such a description
against every resolved mention with the saved Splink model (same normalisers, same blocking) and
answers with canonical ids; accounts and plates, which are not attributes of a person record but
entities of their own, are followed to the people linked to them in the statements.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pyarrow as pa

from netcase.resolve import model as nm
from netcase.resolve.engine import latest_model
from netcase.resolve.features import Mention, mention_row, mention_table, read_person_mentions
from netcase.resolve.normalise import account_key, plate_key
from netcase.store import Store


@dataclass
class Match:
    """A candidate person for a description: canonical id, probability and what matched."""

    canonical_id: str
    probability: float
    evidence: list[str] = field(default_factory=list)


class Matcher:
    """Loads the mentions and the saved model once; answers many descriptions."""

    def __init__(self, store: Store) -> None:
        saved = latest_model(store)
        if saved is None:
            raise LookupError("no trained resolution model in this store (run `netcase resolve` first)")
        self.store = store
        self.table = mention_table(read_person_mentions(store))
        self.session = nm.open_session(self.table, saved[1])
        self.all_sdf = self.session.db_api.register(self.table, table_name="mentions_all")
        self.canon = dict(store.query("SELECT entity_id, canonical_id FROM resolved"))
        self._n = 0

    def match(
        self,
        *,
        name: str | None = None,
        dob: str | None = None,
        phone: str | None = None,
        account: str | None = None,
        plate: str | None = None,
        id_number: str | None = None,
        nationality: str | None = None,
        alias: str | None = None,
        min_probability: float = 0.5,
    ) -> list[Match]:
        """Candidates for one description, best first (one per canonical id)."""
        props: dict[str, list[str]] = {}
        for key, value in (("name", name), ("birthDate", dob), ("phone", phone), ("idNumber", id_number),
                           ("nationality", nationality), ("alias", alias)):
            if value:
                props[key] = [value]
        found: dict[str, Match] = {}
        if props.keys() - {"nationality"}:
            self._n += 1
            row = mention_row(Mention(f"__query__{self._n}", "query", "query", props))
            query = pa.Table.from_pylist([row], schema=self.table.schema)
            q_sdf = self.session.db_api.register(query, table_name=f"query_{self._n}")
            df = self.session.linker.inference.predict_between(
                q_sdf, self.all_sdf, threshold_match_probability=min_probability, warning_mode="never"
            )
            scored = nm.sdf_to_arrow(self.session, df, ["unique_id_l", "unique_id_r", "match_probability"])
            df.drop_table_from_database_and_remove_from_cache()
            for a, b, p in zip(*(scored.column(c).to_pylist() for c in scored.column_names), strict=True):
                other = b if a.startswith("__query__") else a
                canon = self.canon.get(other, other)
                m = found.setdefault(canon, Match(canon, 0.0))
                if p > m.probability:
                    m.probability = float(p)
                m.evidence.append(f"record {other} scored {p:.3f}")
        checks: tuple[tuple[str, str | None, tuple[str, ...]], ...] = (
            ("account", account_key(account), ("accountNumber", "iban", "number")),
            ("plate", plate_key(plate), ("registrationNumber",)),
        )
        for kind, maybe_key, props_ in checks:
            if not maybe_key:
                continue
            key = maybe_key
            for person, via in self._linked_people(key, props_, plate=kind == "plate"):
                canon = self.canon.get(person, person)
                m = found.setdefault(canon, Match(canon, 0.0))
                # A source record that ties the account or plate to this person is direct evidence;
                # it is reported as such, not blended into the model's probability.
                m.probability = max(m.probability, 1.0)
                m.evidence.append(f"{kind} {key} linked to record {person} via {via}")
        return sorted(found.values(), key=lambda m: (-m.probability, m.canonical_id))

    def _linked_people(self, key: str, props: Sequence[str], *, plate: bool) -> list[tuple[str, str]]:
        marks = ", ".join("?" for _ in props)
        holders = self.store.query(
            f"SELECT DISTINCT entity_id, value FROM statements WHERE prop IN ({marks})", tuple(props)
        )
        norm = plate_key if plate else account_key
        things = sorted({eid for eid, v in holders if norm(v) == key})
        if not things:
            return []
        people = set(self.canon) | set(self.table.column("unique_id").to_pylist())
        tm = ", ".join("?" for _ in things)
        out: list[tuple[str, str]] = []
        for eid, prop, value in self.store.query(
            f"SELECT entity_id, prop, value FROM statements WHERE prop_type = 'entity' AND "
            f"(entity_id IN ({tm}) OR value IN ({tm}))",
            (*things, *things),
        ):
            person = value if eid in things else eid
            if person in people:
                out.append((person, f"{prop} of {eid if eid in things else value}"))
        return out


def match_identifiers(store: Store, **description: Any) -> list[tuple[str, float]]:
    """Resolve one description (name, dob, phone, account, plate, id_number, nationality, alias).

    Returns ``[(canonical_id, probability), …]`` best first. For many descriptions, build one
    ``Matcher`` and call ``match`` on it (the mentions and model load once).
    """
    return [(m.canonical_id, m.probability) for m in Matcher(store).match(**description)]
