"""Statements built column-wise in DuckDB: ids hashed in SQL, provenance broadcast, no object per fact.

The mapping loader decides, in Python, which facts a chunk of rows yields; what it hands over is
small and typed (Arrow): one row per *item* (an entity mention: entity key, record id, list
indices, observed date, row), one row per *fact* (item, source, value, raw value, or the item a
link points to) and two tiny code tables (entities, sources). SQL joins them and hashes the entity
ids (``sha1``, the same text as ``loader.entity_id``): on a DuckDB store's own connection into its
narrow facts, with a label number standing for what facts share (``fact_sql``,
``StatementSet.labels``) and no statement id (derived on read); for any other store in a private
in-memory DuckDB, into whole statements with their ids (``netcase.model.statement.statement_id``)
and the batch's provenance, marking and 28 CFR 23 fields as constants (``statement_sql``). At eight hundred thousand
statements a second a Python ``hashlib`` call, a list append and an Arrow conversion per fact
each cost more than the whole budget; in SQL they are vectorised.
"""

from __future__ import annotations

from datetime import date
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa

from netcase.model.statement import STATEMENT_COLUMNS, Provenance, statement_id_sql

# Names of the per-row handling columns of a chunk's ``ctx`` table (see ``loader.RowCtx``).
CTX_COLUMNS = ("caveat", "releasable_to", "tlp", "victim_sensitive", "compartment", "predicate", "reliability",
               "validity", "agency")
# The separator of the hashed texts (ASCII unit separator), as in ``statement_id``.
SEP = "chr(31)"


def _ids_sql(prefix: str, extra: str = "") -> str:
    """The ``WITH`` part both queries share: ``a``, the items with their hashed entity ids, and
    ``f``, the facts with a link's value resolved to its target's id (``extra``: more fact columns)."""
    entity_text = (f"concat($ds, {SEP}, i.srec, {SEP}, e.ekey, "
                   f"CASE WHEN i.idx IS NULL THEN '' ELSE {SEP} || i.idx END)")
    p = prefix
    return f"""
WITH a AS (
    SELECT i.item, i.srec, i.obs, i.pos, sha1({entity_text}) AS eid
    FROM {p}items i JOIN {p}ents e ON e.ent = i.ent
), f AS (
    SELECT f.item, f.src, f.raw{extra}, coalesce(f.value, t.eid) AS value
    FROM {p}facts f LEFT JOIN a t ON t.item = f.target
)"""


# A statement's id, the same text as ``netcase.model.statement.statement_id`` (for stores that keep
# it: DuckDB derives its facts' ids on read, migration 0072).
_STATEMENT_ID = statement_id_sql("a.eid", "s.sprop", "f.value")


def statement_sql(*, per_row_ctx: bool, submitting_agency: bool) -> str:
    """The query that turns the registered ``items``, ``facts``, ``ents``, ``srcs`` (and, when the
    handling varies by row, ``ctx``) tables into whole statements, in ``STATEMENT_COLUMNS`` order
    (for stores that keep them wide: ``StatementSet.to_arrow``).

    Constants are named parameters (``$ds``, ``$source_file``, …); with ``per_row_ctx`` false the
    handling columns are parameters too (``$caveat``, …), otherwise they come from ``ctx`` by row.
    """
    def handling(name: str, sql_type: str) -> str:
        return f"c.{name}" if per_row_ctx else f"CAST(${name} AS {sql_type})"

    agency = handling("agency", "VARCHAR")
    submitting = "CAST($submitting_agency AS VARCHAR)" if submitting_agency else agency
    ctx_join = "JOIN ctx c ON c.pos = a.pos" if per_row_ctx else ""
    return f"""{_ids_sql("")}
SELECT
    {_STATEMENT_ID} AS id,
    a.eid AS entity_id,
    s.sschema AS schema,
    s.sprop AS prop,
    s.sptype AS prop_type,
    f.value AS value,
    CASE WHEN f.raw <> f.value THEN f.raw END AS original_value,
    CAST($ds AS VARCHAR) AS dataset,
    CAST($source_file AS VARCHAR) AS source_file,
    a.srec AS source_record,
    {agency} AS agency,
    CAST($batch_id AS VARCHAR) AS batch_id,
    a.obs AS observed,
    CAST($ingested AS TIMESTAMP) AS ingested,
    {handling("caveat", "VARCHAR")} AS caveat,
    {handling("releasable_to", "VARCHAR")} AS releasable_to,
    {handling("tlp", "VARCHAR")} AS tlp,
    ({handling("victim_sensitive", "BOOLEAN")} OR s.svictim) AS victim_sensitive,
    {handling("compartment", "VARCHAR")} AS compartment,
    {handling("predicate", "VARCHAR")} AS predicate,
    {handling("reliability", "VARCHAR")} AS reliability,
    {handling("validity", "VARCHAR")} AS validity,
    {submitting} AS submitting_agency,
    CAST($review_by AS DATE) AS review_by
FROM f JOIN a ON a.item = f.item JOIN srcs s ON s.src = f.src {ctx_join}
"""


def fact_sql(prefix: str = "", *, order: str = "entity_id") -> str:
    """The query that turns the chunk's tables, registered with ``prefix`` (so that they cannot
    meet a real table of the store), into DuckDB's narrow facts (migration 0070):
    ``INGEST_FACT_COLUMNS``, ordered by ``order``.

    No statement id: DuckDB derives an ingested fact's id from its entity, property and value on
    read (migration 0072); hashing and storing 3.5 M ids cost a medium world's ingest ~5 of its
    ~19 store-side CPU seconds. The ``facts`` table carries each fact's ``label``
    (``StatementSet.labelled``), which stands for every column a fact shares with others (schema,
    property, provenance, handling).

    The order keeps an entity's facts together: row groups compress better (the medium world's
    file is ~25 % smaller), and an entity index kept up to date takes sorted runs (measured on
    1.5 M statements into a 3.5 M-row table: index merge at commit 3.2 → 0.7 CPU s for 1.2 s of
    sorting). A bulk load, which builds its indexes at the end, orders by ``item`` instead: an
    entity mention's facts are still together, at the price of an integer sort.
    """
    return f"""{_ids_sql(prefix, ", f.label")}
SELECT
    a.eid AS entity_id,
    f.value AS value,
    CASE WHEN f.raw <> f.value THEN f.raw END AS original_value,
    a.srec AS source_record,
    a.obs AS observed,
    f.label AS label
FROM f JOIN a ON a.item = f.item
ORDER BY {"a.item" if order == "item" else "entity_id"}
"""


# The columns ``fact_sql`` yields, in order: a fact without its id, and its label.
INGEST_FACT_COLUMNS = ("entity_id", "value", "original_value", "source_record", "observed", "label")


PREFIX = "_nc_"  # names of a chunk's tables while registered on a store's connection


def _dense_codes(codes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``np.unique(codes, return_inverse=True)`` for small non-negative codes, without sorting.

    A chunk's (handling, source) pairs are a few hundred codes over hundreds of thousands of facts:
    counting them is linear, where ``unique`` sorts every fact's code.
    """
    top = int(codes.max(initial=-1)) + 1
    if top > 4 * len(codes) + 1_000_000:
        return np.unique(codes, return_inverse=True)
    used = np.flatnonzero(np.bincount(codes, minlength=top))
    position = np.zeros(top, dtype=np.int64)
    position[used] = np.arange(len(used))
    return used, position[codes]


class StatementBuilder:
    """One file's statement builder: the batch's constant columns and the two statement queries.

    ``prepare`` turns a chunk's small tables into a ``StatementSet``; a DuckDB store runs the query
    on its own connection (``StatementSet.insert_into``: ``INSERT … SELECT``, no statement leaves
    DuckDB), any other store gets Arrow from a private in-memory DuckDB (``StatementSet.to_arrow``).
    """

    def __init__(self, prov: Provenance, review_by: date) -> None:
        self.prov = prov
        self.review_by = review_by
        submitting = bool(prov.submitting_agency)
        self._sql = {per_row: statement_sql(per_row_ctx=per_row, submitting_agency=submitting)
                     for per_row in (False, True)}
        self.fact_sql = {order: fact_sql(PREFIX, order=order) for order in ("entity_id", "item")}

    def prepare(self, tables: dict[str, pa.Table], ctx: tuple[Any, ...] | None) -> StatementSet:
        """The statements of one chunk from its ``items``/``facts``/``ents``/``srcs`` (and ``ctx``)
        tables, not yet built.

        ``ctx`` is the chunk's handling when every row shares it (a ``RowCtx`` tuple); None means
        the ``ctx`` table gives it row by row.
        """
        prov = self.prov
        params: dict[str, Any] = {
            "ds": prov.dataset,
            "source_file": prov.source_file,
            "batch_id": prov.batch_id,
            "ingested": prov.ingested,
            "review_by": self.review_by,
        }
        if prov.submitting_agency:
            params["submitting_agency"] = prov.submitting_agency
        if ctx is not None:
            params.update(zip(CTX_COLUMNS, ctx, strict=True))
        return StatementSet(self, tables, params, per_row=ctx is None)

    @staticmethod
    def connection() -> duckdb.DuckDBPyConnection:
        """A new private in-memory DuckDB (for stores that are not DuckDB); the caller closes it.

        One per build, not one per file: with read-ahead (``netcase.ingest.prefetch``) the loader's
        thread finishes the file, and would close a shared one, while the writer still builds.
        """
        con = duckdb.connect(":memory:")
        # Small, short-lived joins: insertion order is not needed, memory stays bounded.
        con.execute("SET preserve_insertion_order = false")
        con.execute("SET memory_limit = '1GB'")
        return con

    def close(self) -> None:
        """Nothing to free: each build opens and closes its own connection (``connection``)."""


class StatementSet:
    """A chunk's statements as the small tables they are built from, and the query that builds them."""

    def __init__(self, builder: StatementBuilder, tables: dict[str, pa.Table], params: dict[str, Any],
                 *, per_row: bool) -> None:
        self.builder = builder
        self.tables = tables
        self.params = params
        self.per_row = per_row

    @property
    def num_rows(self) -> int:
        """How many statements the query yields: one per fact."""
        return int(self.tables["facts"].num_rows)

    def query(self) -> str:
        """The ``SELECT`` that yields the whole statements over the chunk's registered tables."""
        return self.builder._sql[self.per_row]

    def to_arrow(self) -> pa.Table:
        """The statements as an Arrow table in ``STATEMENT_COLUMNS`` order, built in memory."""
        con = self.builder.connection()
        try:
            for name in self.tables:
                con.register(name, self.tables[name])
            out = con.sql(self.query(), params=self.params).to_arrow_table()
        finally:
            con.close()
        assert tuple(out.column_names) == STATEMENT_COLUMNS
        return out

    def relations(self) -> dict[str, pa.Table]:
        """The tables under the names ``fact_sql(PREFIX)`` reads."""
        return {PREFIX + name: t for name, t in self.tables.items()}

    def labels(self) -> tuple[list[tuple[Any, ...]], np.ndarray]:
        """The distinct labels of this chunk's facts (``LABEL_COLUMNS`` tuples) and each fact's
        index into them.

        A fact's label is its source's schema, property and type and its row's handling (the
        chunk's, or the ``ctx`` row of its item's row) with the batch's provenance; the victim
        flag is the row's or the source's. Worked out on codes with NumPy: a chunk has a few
        sources and handlings, and hundreds of thousands of facts.
        """
        t = self.tables
        prm = self.params
        facts_src = t["facts"]["src"].to_numpy().astype(np.int64)
        srcs = t["srcs"].to_pydict()
        src_row = {code: k for k, code in enumerate(srcs["src"])}
        if self.per_row:
            ctx = t["ctx"]
            ctx_rows = list(zip(*(ctx[c].to_pylist() for c in CTX_COLUMNS), strict=True))
            ctx_codes: dict[tuple[Any, ...], int] = {}
            by_pos = np.fromiter((ctx_codes.setdefault(r, len(ctx_codes)) for r in ctx_rows), dtype=np.int64,
                                 count=len(ctx_rows))
            pos_index = np.full(int(ctx["pos"].to_numpy().max(initial=-1)) + 1, -1, dtype=np.int64)
            pos_index[ctx["pos"].to_numpy()] = by_pos
            item_pos = t["items"]["pos"].to_numpy()
            fact_ctx = pos_index[item_pos[t["facts"]["item"].to_numpy()]]
            handlings = list(ctx_codes)
        else:
            fact_ctx = np.zeros(len(facts_src), dtype=np.int64)
            handlings = [tuple(prm[c] for c in CTX_COLUMNS)]
        width = int(facts_src.max(initial=0)) + 1
        pairs, index = _dense_codes(fact_ctx * width + facts_src)
        out: list[tuple[Any, ...]] = []
        for pair in pairs.tolist():
            h = dict(zip(CTX_COLUMNS, handlings[pair // width], strict=True))
            k = src_row[pair % width]
            out.append((
                srcs["sschema"][k], srcs["sprop"][k], srcs["sptype"][k], prm["ds"], prm["source_file"], h["agency"],
                prm["batch_id"], prm["ingested"], h["caveat"], h["releasable_to"], h["tlp"],
                bool(h["victim_sensitive"] or srcs["svictim"][k]), h["compartment"], h["predicate"],
                h["reliability"], h["validity"], prm.get("submitting_agency") or h["agency"], prm["review_by"],
            ))
        return out, index.reshape(-1)

    def labelled(self, numbers: list[int], index: np.ndarray) -> dict[str, pa.Table]:
        """``relations()`` with each fact's label number (``numbers[index]``) on the facts table."""
        rel = self.relations()
        label = pa.array(np.asarray(numbers, dtype=np.int32)[index] if len(index) else np.zeros(0, np.int32),
                         type=pa.int32())
        rel[PREFIX + "facts"] = self.tables["facts"].append_column("label", label)
        return rel
