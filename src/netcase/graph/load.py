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
from netcase.model.country import iso_alpha3
from netcase.store import Store

PROTECTED_CATEGORIES = ("MIGRANT", "VICTIM")
# Categories an agency records for people on the network's side.
SUSPECT_CATEGORIES = ("SMUGGLER", "GUIDE", "DRIVER", "LOOKOUT", "RECRUITER", "COORDINATOR")
# Roles an agency records for network members (English and Spanish), in lower case.
SUSPECT_ROLES = ("leader", "coordinator", "recruiter", "guide", "driver", "transporter", "stash house operator",
                 "lookout", "money collector", "financier", "coyote", "pollero", "raitero", "enganchador",
                 "halcon", "halcón", "cobrador")
CHUNK = 500
#: Ids per query where they travel as one array parameter: each query is one filtered pass over
#: the statements, so fewer, larger batches are cheaper.
ID_CHUNK = 50_000


@dataclass
class Edges:
    """Aggregated links between nodes: one row per (source, target, kind)."""

    src: np.ndarray  # object array of node ids
    dst: np.ndarray
    kind: np.ndarray  # "Schema.prop"
    count: np.ndarray  # int64: statements behind the link
    last_seen: np.ndarray  # datetime64[D] (NaT when unknown)
    sample: np.ndarray  # one statement id behind the link (min id), for evidence look-ups

    def __len__(self) -> int:
        return len(self.src)

    @classmethod
    def empty(cls) -> Edges:
        o = np.array([], dtype=object)
        return cls(o, o.copy(), o.copy(), np.array([], dtype=np.int64), np.array([], dtype="datetime64[D]"), o.copy())

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


def fetch(store: Store, sql: str, params: Sequence[Any] = (), *, arrays: bool = False) -> dict[str, Any]:
    """Rows column-wise; Arrow where the store offers it (DuckDB), plain rows otherwise. With
    ``arrays`` the columns are numpy arrays (dates as ``datetime64[D]`` from Arrow: converting
    millions of dates to Python objects is the slowest part of a large read)."""
    qa = getattr(store, "query_arrow", None)
    if qa is not None:
        table = qa(sql, params)
        if arrays:
            return {name: table.column(name).to_numpy(zero_copy_only=False) for name in table.column_names}
        return {name: table.column(name).to_pylist() for name in table.column_names}
    cols, rows = store.query_columns(sql, params)
    return {c: [r[i] for r in rows] for i, c in enumerate(cols)}


def _mentions_clause(ids: Sequence[str], referring: bool) -> tuple[str, list[Any]]:
    """SQL narrowing ``s`` to the statements of the mentions of canonical ``ids`` (the ids
    themselves and every entity resolved to one of them), and with ``referring`` also to the
    statements whose entity-typed value is such a mention.

    Written on ``s.entity_id``/``s.value`` (not on the joined canonical id) so the engine filters
    the scan before joining the resolution: one pass over the statements for any number of ids,
    where ``coalesce(r.canonical_id, s.entity_id) IN (…)`` joined every statement first, per chunk.
    The ids travel as one array parameter (DuckDB and PostgreSQL both take a Python list).
    """
    mentions = ("(SELECT m FROM (SELECT unnest(CAST(? AS VARCHAR[])) AS m UNION "
                "SELECT entity_id FROM resolved WHERE canonical_id IN (SELECT unnest(CAST(? AS VARCHAR[])))) x)")
    ids = list(ids)
    if not referring:
        return f"s.entity_id IN {mentions}", [ids, ids]
    return (f"(s.entity_id IN {mentions} OR (s.prop_type = 'entity' AND s.value IN {mentions}))",
            [ids, ids, ids, ids])


def canonical_statements(
    viewer: Viewer, where: str = "", params: Sequence[Any] = (), *,
    of: Sequence[str] | None = None, referring: bool = False,
) -> tuple[str, list[Any]]:
    """SQL of the viewer's statements with canonical ids: ``id, cid, schema, prop, prop_type, value,
    vcid, observed, source_file, source_record, predicate, dataset`` (``vcid``: the canonical id of an
    entity-typed value, else the value).

    ``of`` narrows to the statements of those canonical ids' mentions (and with ``referring`` to
    statements pointing at them) before anything else: give it whenever the ids are known, since
    a condition on the canonical id alone makes the engine join every statement with the resolution.
    """
    cond, fparams = statement_filter(viewer, "s")
    extra = f" AND ({where})" if where else ""
    if of is not None:
        clause, mparams = _mentions_clause(of, referring)
        extra += f" AND {clause}"
        params = [*params, *mparams]
    sql = (
        "SELECT s.id, coalesce(r.canonical_id, s.entity_id) AS cid, s.schema, s.prop, s.prop_type, "
        "s.value, CASE WHEN s.prop_type = 'entity' THEN coalesce(r2.canonical_id, s.value) "
        "ELSE s.value END AS vcid, s.observed, s.source_file, s.source_record, s.predicate, s.dataset "
        "FROM statements s LEFT JOIN resolved r ON r.entity_id = s.entity_id "
        "LEFT JOIN resolved r2 ON s.prop_type = 'entity' AND r2.entity_id = s.value "
        f"WHERE {cond}{extra}"
    )
    return sql, [*fparams, *params]


def _edges_sql(
    viewer: Viewer, where: str = "", params: Sequence[Any] = (), of: Sequence[str] | None = None,
) -> tuple[str, list[Any]]:
    cs, cparams = canonical_statements(viewer, where, params, of=of, referring=True)
    types = ", ".join(f"'{t}'" for t in VALUE_TYPES)
    sql = (
        f"WITH cs AS ({cs}) "
        "SELECT cid AS src, CASE WHEN prop_type = 'entity' THEN vcid ELSE prop_type || ':' || value END AS dst, "
        "schema || '.' || prop AS kind, count(*) AS n, max(observed) AS last_seen, min(id) AS sample "
        f"FROM cs WHERE (prop_type = 'entity' OR prop_type IN ({types})) AND prop NOT LIKE 'nc:%' "

        "GROUP BY 1, 2, 3"
    )
    return sql, cparams


def _to_edges(cols: dict[str, Any]) -> Edges:
    return Edges(
        src=np.asarray(cols["src"], dtype=object),
        dst=np.asarray(cols["dst"], dtype=object),
        kind=np.asarray(cols["kind"], dtype=object),
        count=np.asarray(cols["n"], dtype=np.int64),
        last_seen=np.asarray(cols["last_seen"], dtype="datetime64[D]"),
        sample=np.asarray(cols["sample"], dtype=object),
    )


def load_edges(store: Store, viewer: Viewer) -> Edges:
    """Every link the viewer may see, aggregated by (source, target, kind)."""
    sql, params = _edges_sql(viewer)
    return _to_edges(fetch(store, sql, params, arrays=True))


def iso_day(d: Any) -> str:
    """A link's date as ISO text ('' when unknown), from a date or a numpy datetime64."""
    if d is None:
        return ""
    if isinstance(d, np.datetime64):
        return "" if np.isnat(d) else str(d.astype("datetime64[D]"))
    return d.isoformat()


def _in(column: str, n: int) -> str:
    return f"{column} IN ({', '.join('?' for _ in range(n))})"


def in_list(column: str) -> str:
    """``column IN`` the values of one array parameter (bind a Python list): one parameter
    however many ids, where ``IN (?, ?, …)`` needs one per id and PostgreSQL allows 65,535."""
    return f"{column} IN (SELECT unnest(CAST(? AS VARCHAR[])))"


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
        for i in range(0, len(ents), ID_CHUNK):
            chunk = ents[i : i + ID_CHUNK]
            where = (f"({in_list('coalesce(r.canonical_id, s.entity_id)')} OR "
                     f"(s.prop_type = 'entity' AND {in_list('coalesce(r2.canonical_id, s.value)')}))")
            sql, params = _edges_sql(viewer, where, [chunk, chunk], of=chunk)
            found.append(_to_edges(fetch(store, sql, params, arrays=True)))
        for i in range(0, len(vals), CHUNK):
            chunk2 = vals[i : i + CHUNK]
            where = "(" + " OR ".join("(s.prop_type = ? AND s.value = ?)" for _ in chunk2) + ")"
            sql, params = _edges_sql(viewer, where, [x for pair in chunk2 for x in pair])
            found.append(_to_edges(fetch(store, sql, params, arrays=True)))
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
    people: dict[str, list[Any]] = {}
    chunks = [None] if ids is None else [ids[i : i + ID_CHUNK] for i in range(0, len(ids), ID_CHUNK)]
    susp = ", ".join(f"'{c}'" for c in SUSPECT_CATEGORIES)
    roles = ", ".join(f"'{r}'" for r in SUSPECT_ROLES)
    for chunk in chunks:
        if chunk is not None:
            where, params = in_list("coalesce(r.canonical_id, s.entity_id)"), [list(chunk)]
        cs, cparams = canonical_statements(viewer, where, params, of=chunk)
        sql = (
            f"WITH cs AS ({cs}) SELECT cid, max(schema) AS schema, "
            "min(CASE WHEN prop = 'name' THEN value END) AS name_min, "
            "min(CASE WHEN prop IN ('registrationNumber', 'accountNumber', 'iban', 'full', 'number') "
            "THEN value END) AS alt_label, max(observed) AS last_obs "
            "FROM cs GROUP BY cid"
        )
        part = fetch(store, sql, cparams)
        for k, v in part.items():
            cols_all.setdefault(k, []).extend(v)
        # What decides protection, custody and country is read from people's statements only.
        pwhere = "s.schema = 'Person' AND s.prop IN ('nc:protected', 'nc:subjectCategory', 'nc:reportedRole', " \
                 "'name', 'nc:custody', 'country', 'nationality')"
        cs, cparams = canonical_statements(viewer, f"{pwhere} AND ({where})" if where else pwhere, params, of=chunk)
        sql = (
            f"WITH cs AS ({cs}) SELECT cid, "
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
            "min(CASE WHEN prop IN ('country', 'nationality') THEN value END) AS country "
            "FROM cs GROUP BY cid"
        )
        ppart = fetch(store, sql, cparams)
        for k, v in ppart.items():
            people.setdefault(k, []).extend(v)
    info = NodeInfo({}, {}, {}, {}, {}, None)
    if not cols_all:
        return info
    last: date | None = None
    for i, cid in enumerate(cols_all["cid"]):
        schema = cols_all["schema"][i]
        info.schema[cid] = schema
        info.label[cid] = cols_all["name_min"][i] or cols_all["alt_label"][i] or cid
        obs = cols_all["last_obs"][i]
        if obs is not None and (last is None or obs > last):
            last = obs
    info.last_date = last
    # Any record of a person as a victim protects them. A migrant record is an agency's category,
    # not truth (smugglers caught with a group often pass as migrants), so it protects unless the
    # records of them as a suspect (a suspect category, an agency's role for them, a
    # criminal-intelligence record with a predicate) outnumber it; a tie protects.
    for i, cid in enumerate(people.get("cid", [])):
        if people["victim_n"][i]:
            info.protected[cid] = "victim"
        elif people["migrant_n"][i] and people["migrant_n"][i] >= people["suspect_n"][i]:
            info.protected[cid] = "migrant"
        if people["custody"][i]:
            info.custody[cid] = people["custody"][i]
        a3 = iso_alpha3(people["country"][i])
        if a3:
            info.country[cid] = a3
    return info
