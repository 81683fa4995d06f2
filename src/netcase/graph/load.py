"""Read the typed graph out of the statements, as SQL aggregates (no per-statement Python loop).

Every entity is addressed by its canonical id (``LEFT JOIN resolved``; an entity absent from
``resolved`` is its own canonical id), and so is every entity-typed value. Typed values that link
entities (phones, e-mails, accounts, identifiers, addresses) become nodes ``<type>:<value>``.
Only statements the viewer may read are used: the graph a person sees is built from what they may
see.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np

from netcase.access.policy import statement_filter
from netcase.access.viewer import Viewer
from netcase.graph.config import VALUE_TYPES
from netcase.store import Store

PROTECTED_CATEGORIES = ("MIGRANT", "VICTIM")
# Categories an agency records for people on the network's side.
SUSPECT_CATEGORIES = ("SMUGGLER", "GUIDE", "DRIVER", "LOOKOUT", "RECRUITER", "COORDINATOR")
# Roles an agency records for network members (English and Spanish), in lower case.
SUSPECT_ROLES = ("leader", "coordinator", "recruiter", "guide", "driver", "transporter", "stash house operator",
                 "lookout", "money collector", "financier", "coyote", "pollero", "raitero", "enganchador",
                 "halcon", "halcón", "cobrador")
CHUNK = 500


@dataclass
class Edges:
    """Aggregated links between nodes: one row per (source, target, kind)."""

    src: np.ndarray  # object array of node ids
    dst: np.ndarray
    kind: np.ndarray  # "Schema.prop"
    count: np.ndarray  # int64: statements behind the link
    last_seen: np.ndarray  # object array of date | None
    sample: np.ndarray  # one statement id behind the link (min id), for evidence look-ups

    def __len__(self) -> int:
        return len(self.src)

    @classmethod
    def empty(cls) -> Edges:
        o = np.array([], dtype=object)
        return cls(o, o.copy(), o.copy(), np.array([], dtype=np.int64), o.copy(), o.copy())

    @classmethod
    def concat(cls, parts: Sequence[Edges]) -> Edges:
        parts = [p for p in parts if len(p)]
        if not parts:
            return cls.empty()
        return cls(*(np.concatenate([getattr(p, f) for p in parts]) for f in
                     ("src", "dst", "kind", "count", "last_seen", "sample")))


@dataclass
class NodeInfo:
    """What the graph needs to know about each entity: type, label, protection, custody, country."""

    schema: dict[str, str]
    label: dict[str, str]
    protected: dict[str, str]  # entity id -> 'victim' | 'migrant'
    custody: dict[str, str]
    country: dict[str, str]
    last_date: date | None


def fetch(store: Store, sql: str, params: Sequence[Any] = ()) -> dict[str, list[Any]]:
    """Rows column-wise; Arrow where the store offers it (DuckDB), plain rows otherwise."""
    qa = getattr(store, "query_arrow", None)
    if qa is not None:
        table = qa(sql, params)
        return {name: table.column(name).to_pylist() for name in table.column_names}
    cols, rows = store.query_columns(sql, params)
    return {c: [r[i] for r in rows] for i, c in enumerate(cols)}


def canonical_statements(viewer: Viewer, where: str = "", params: Sequence[Any] = ()) -> tuple[str, list[Any]]:
    """SQL of the viewer's statements with canonical ids: ``id, cid, schema, prop, prop_type, value,
    vcid, observed`` (``vcid``: the canonical id of an entity-typed value, else the value)."""
    cond, fparams = statement_filter(viewer, "s")
    extra = f" AND ({where})" if where else ""
    sql = (
        "SELECT s.id, coalesce(r.canonical_id, s.entity_id) AS cid, s.schema, s.prop, s.prop_type, "
        "s.value, CASE WHEN s.prop_type = 'entity' THEN coalesce(r2.canonical_id, s.value) "
        "ELSE s.value END AS vcid, s.observed, s.source_file, s.source_record, s.predicate "
        "FROM statements s LEFT JOIN resolved r ON r.entity_id = s.entity_id "
        "LEFT JOIN resolved r2 ON s.prop_type = 'entity' AND r2.entity_id = s.value "
        f"WHERE {cond}{extra}"
    )
    return sql, [*fparams, *params]


def _edges_sql(viewer: Viewer, where: str = "", params: Sequence[Any] = ()) -> tuple[str, list[Any]]:
    cs, cparams = canonical_statements(viewer, where, params)
    types = ", ".join(f"'{t}'" for t in VALUE_TYPES)
    sql = (
        f"WITH cs AS ({cs}) "
        "SELECT cid AS src, CASE WHEN prop_type = 'entity' THEN vcid ELSE prop_type || ':' || value END AS dst, "
        "schema || '.' || prop AS kind, count(*) AS n, max(observed) AS last_seen, min(id) AS sample "
        f"FROM cs WHERE (prop_type = 'entity' OR prop_type IN ({types})) AND prop NOT LIKE 'nc:%' "

        "GROUP BY 1, 2, 3"
    )
    return sql, cparams


def _to_edges(cols: dict[str, list[Any]]) -> Edges:
    return Edges(
        src=np.array(cols["src"], dtype=object),
        dst=np.array(cols["dst"], dtype=object),
        kind=np.array(cols["kind"], dtype=object),
        count=np.array(cols["n"], dtype=np.int64),
        last_seen=np.array(cols["last_seen"], dtype=object),
        sample=np.array(cols["sample"], dtype=object),
    )


def load_edges(store: Store, viewer: Viewer) -> Edges:
    """Every link the viewer may see, aggregated by (source, target, kind)."""
    sql, params = _edges_sql(viewer)
    return _to_edges(fetch(store, sql, params))


def _in(column: str, n: int) -> str:
    return f"{column} IN ({', '.join('?' for _ in range(n))})"


def load_edges_around(store: Store, viewer: Viewer, seeds: Sequence[str], hops: int = 2) -> Edges:
    """The links within ``hops`` of ``seeds`` (canonical entity ids or value node ids), for one
    network's graph or a path search, without reading the whole graph."""
    seen: set[str] = set()
    frontier = set(seeds)
    parts: list[Edges] = []
    types = set(VALUE_TYPES)
    for _ in range(hops):
        todo = sorted(frontier - seen)
        seen |= frontier
        if not todo:
            break
        found: list[Edges] = []
        ents = [t for t in todo if t.split(":", 1)[0] not in types]
        vals = [t.split(":", 1) for t in todo if t.split(":", 1)[0] in types]
        for i in range(0, len(ents), CHUNK):
            chunk = ents[i : i + CHUNK]
            where = (f"({_in('coalesce(r.canonical_id, s.entity_id)', len(chunk))} OR "
                     f"(s.prop_type = 'entity' AND {_in('coalesce(r2.canonical_id, s.value)', len(chunk))}))")
            sql, params = _edges_sql(viewer, where, [*chunk, *chunk])
            found.append(_to_edges(fetch(store, sql, params)))
        for i in range(0, len(vals), CHUNK):
            chunk2 = vals[i : i + CHUNK]
            where = "(" + " OR ".join("(s.prop_type = ? AND s.value = ?)" for _ in chunk2) + ")"
            sql, params = _edges_sql(viewer, where, [x for pair in chunk2 for x in pair])
            found.append(_to_edges(fetch(store, sql, params)))
        step = Edges.concat(found)
        parts.append(step)
        frontier = set(step.src.tolist()) | set(step.dst.tolist())
    edges = Edges.concat(parts)
    if not len(edges):
        return edges
    # The same link can be found from both ends: keep one row per (src, dst, kind).
    keys = np.array([f"{a}\x1f{b}\x1f{k}" for a, b, k in zip(edges.src, edges.dst, edges.kind, strict=True)])
    _, first = np.unique(keys, return_index=True)
    first.sort()
    return Edges(*(getattr(edges, f)[first] for f in ("src", "dst", "kind", "count", "last_seen", "sample")))


def load_nodes(store: Store, viewer: Viewer, ids: Sequence[str] | None = None) -> NodeInfo:
    """Per canonical entity: schema, a label, whether protected, custody and country."""
    where, params = "", []
    if ids is not None:
        ids = list(ids)
        if not ids:
            return NodeInfo({}, {}, {}, {}, {}, None)
    cols_all: dict[str, list[Any]] = {}
    chunks = [None] if ids is None else [ids[i : i + CHUNK] for i in range(0, len(ids), CHUNK)]
    susp = ", ".join(f"'{c}'" for c in SUSPECT_CATEGORIES)
    roles = ", ".join(f"'{r}'" for r in SUSPECT_ROLES)
    for chunk in chunks:
        if chunk is not None:
            where, params = _in("coalesce(r.canonical_id, s.entity_id)", len(chunk)), list(chunk)
        cs, cparams = canonical_statements(viewer, where, params)
        sql = (
            f"WITH cs AS ({cs}) SELECT cid, max(schema) AS schema, "
            "min(CASE WHEN prop = 'name' THEN value END) AS name_min, "
            "min(CASE WHEN prop IN ('registrationNumber', 'accountNumber', 'iban', 'full', 'number') "
            "THEN value END) AS alt_label, "
            "count(DISTINCT CASE WHEN (prop = 'nc:protected' AND lower(value) = 'victim') OR "
            "(prop = 'nc:subjectCategory' AND upper(value) = 'VICTIM') OR "
            "(prop = 'name' AND (lower(predicate) LIKE '%víctima%' OR lower(predicate) LIKE '%victim%')) "
            "THEN source_file || '|' || source_record END) AS victim_n, "
            "count(DISTINCT CASE WHEN (prop = 'nc:protected' AND lower(value) = 'migrant') OR "
            "(prop = 'nc:subjectCategory' AND upper(value) = 'MIGRANT') THEN source_file || '|' || source_record END) AS migrant_n, "
            f"count(DISTINCT CASE WHEN (prop = 'nc:subjectCategory' AND upper(value) IN ({susp})) OR "
            f"(prop = 'nc:reportedRole' AND lower(value) IN ({roles})) OR "
            "(prop = 'name' AND predicate IS NOT NULL AND lower(predicate) NOT LIKE '%ctim%' AND lower(predicate) NOT LIKE '%witness%') "
            "THEN source_file || '|' || source_record END) AS suspect_n, "
            "max(CASE WHEN prop = 'nc:custody' THEN value END) AS custody, "
            "min(CASE WHEN prop IN ('country', 'nationality') THEN value END) AS country, "
            "max(observed) AS last_obs "
            "FROM cs GROUP BY cid"
        )
        part = fetch(store, sql, cparams)
        for k, v in part.items():
            cols_all.setdefault(k, []).extend(v)
    info = NodeInfo({}, {}, {}, {}, {}, None)
    if not cols_all:
        return info
    last: date | None = None
    for i, cid in enumerate(cols_all["cid"]):
        schema = cols_all["schema"][i]
        info.schema[cid] = schema
        info.label[cid] = cols_all["name_min"][i] or cols_all["alt_label"][i] or cid
        if schema == "Person":
            # Any record of a person as a victim protects them. A migrant record is an agency's
            # category, not truth (smugglers caught with a group often pass as migrants), so it
            # protects unless the records of them as a suspect (a suspect category, an agency's
            # role for them, a criminal-intelligence record with a predicate) outnumber it; a tie
            # protects.
            if cols_all["victim_n"][i]:
                info.protected[cid] = "victim"
            elif cols_all["migrant_n"][i] and cols_all["migrant_n"][i] >= cols_all["suspect_n"][i]:
                info.protected[cid] = "migrant"
            if cols_all["custody"][i]:
                info.custody[cid] = cols_all["custody"][i]
            if cols_all["country"][i]:
                info.country[cid] = str(cols_all["country"][i]).upper()
        obs = cols_all["last_obs"][i]
        if obs is not None and (last is None or obs > last):
            last = obs
    info.last_date = last
    return info
