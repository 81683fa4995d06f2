"""Viewer-aware reads for the map: located places, trip legs and routes, stash-house addresses.

Every query carries the access layer's ``statement_filter`` for the viewer, as in ``reads``.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from typing import Any

from netcase.access import policy
from netcase.access.policy import statement_filter
from netcase.access.viewer import Viewer
from netcase.api.reads import _caption
from netcase.store import Store


@dataclass
class Place:
    """A located entity as the map shows it: canonical id, caption, mention ids and visible values."""

    id: str
    caption: str
    members: list[str]
    props: dict[str, list[str]] = field(default_factory=dict)

    def first(self, prop: str) -> str | None:
        values = self.props.get(prop)
        return values[0] if values else None


def located_places(store: Store, viewer: Viewer, limit: int = 5000) -> list[Place]:
    """Visible Address (and other) entities that carry both a latitude and a longitude.

    One pass over the statements: the located canonical entities (first ``limit`` by id), their
    resolved mentions and those mentions' visible statements, joined in the database. The caption
    and the pseudonym of a shielded entity are chosen as ``reads.entities`` chooses them, without
    reading each place's flags and statements again one chunk of ids at a time (which took most of
    the map's 14 CPU seconds on the medium world).
    """
    cond, params = statement_filter(viewer, "s")
    rows = store.query(
        f"WITH loc AS (SELECT DISTINCT coalesce(r.canonical_id, s.entity_id) AS cid FROM statements s "
        f"LEFT JOIN resolved r ON r.entity_id = s.entity_id WHERE s.prop = 'latitude' AND {cond} "
        f"ORDER BY cid LIMIT ?), "
        f"mem AS (SELECT cid, cid AS eid FROM loc UNION SELECT r.canonical_id, r.entity_id FROM resolved r "
        f"JOIN loc ON loc.cid = r.canonical_id) "
        f"SELECT mem.cid, mem.eid, s.schema, s.prop, s.value, "
        f"mem.eid IN (SELECT p.entity_id FROM protected_entities p) AS shielded "
        f"FROM mem LEFT JOIN statements s ON s.entity_id = mem.eid AND {cond}",
        [*params, limit, *params],
    )
    members: dict[str, set[str]] = defaultdict(set)
    props: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
    schemata: dict[str, Counter[str]] = defaultdict(Counter)
    shielded: set[str] = set()
    for cid, eid, schema, prop, value, is_shielded in rows:
        cid = str(cid)
        members[cid].add(str(eid))
        if is_shielded:
            shielded.add(cid)
        if prop is not None:
            props[cid][str(prop)].append(str(value))
            schemata[cid][str(schema)] += 1
    secret = policy.pseudonym_secret(store) if shielded else b""
    out = []
    for cid in sorted(props):
        p = props[cid]
        if not (p.get("latitude") and p.get("longitude")):
            continue
        caption = _caption(schemata[cid].most_common(1)[0][0], p, cid)
        if cid in shielded and not p.get("name"):
            # As in ``reads``: a victim's identifying facts hidden from the viewer, a pseudonym instead.
            caption = policy.pseudonym(cid, viewer, secret=secret)
        out.append(Place(cid, caption, sorted(members[cid]), {k: sorted(set(v)) for k, v in p.items()}))
    return out


def trips_between(store: Store, viewer: Viewer, limit: int = 20000) -> list[dict[str, Any]]:
    """Visible trips with a start and an end location: the legs of the smuggling corridors."""
    cond, params = statement_filter(viewer, "s")
    rows = store.query_dicts(
        f"SELECT s.entity_id, s.prop, s.value FROM statements s WHERE s.schema = 'Trip' "
        f"AND s.prop IN ('startLocation', 'endLocation', 'nc:corridor', 'nc:migrantCount', 'startDate', 'nc:sector') "
        f"AND {cond} LIMIT ?",
        [*params, limit],
    )
    trips: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in rows:
        trips[r["entity_id"]].setdefault(r["prop"], r["value"])
    return [dict(id=k, **v) for k, v in trips.items() if "startLocation" in v and "endLocation" in v]


def trip_routes(store: Store, viewer: Viewer, limit: int = 50000) -> list[dict[str, Any]]:
    """Visible trips named as routes ('Reynosa → Rio Grande Valley → Houston') with people moved."""
    cond, params = statement_filter(viewer, "s")
    rows = store.query(
        f"SELECT s.entity_id, s.prop, s.value FROM statements s WHERE s.schema = 'Trip' "
        f"AND s.prop IN ('name', 'nc:migrantCount', 'nc:sector') AND {cond} LIMIT ?",
        [*params, limit],
    )
    trips: dict[str, dict[str, Any]] = defaultdict(dict)
    for eid, prop, value in rows:
        trips[str(eid)].setdefault(str(prop), str(value))
    return [dict(id=k, **v) for k, v in trips.items() if "name" in v]


def stash_addresses(store: Store, viewer: Viewer, limit: int = 5000) -> list[tuple[str, str]]:
    """(canonical id, full address) of visible addresses recorded as stash houses."""
    cond, params = statement_filter(viewer, "s")
    cond2, params2 = statement_filter(viewer, "a")
    rows = store.query(
        f"SELECT DISTINCT coalesce(r.canonical_id, s.entity_id), a.value FROM statements s "
        f"JOIN statements a ON a.entity_id = s.entity_id AND a.prop = 'full' "
        f"LEFT JOIN resolved r ON r.entity_id = s.entity_id "
        f"WHERE s.schema = 'Address' AND s.prop IN ('remarks', 'summary') AND lower(s.value) LIKE '%stash%' "
        f"AND {cond} AND {cond2} LIMIT ?",
        [*params, *params2, limit],
    )
    return [(str(a), str(b)) for a, b in rows]
