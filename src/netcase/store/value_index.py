"""Which entities carry a value: an index of the statements' values (migrations 0043, 0044, 0071).

PostgreSQL keeps the ``statement_values`` side table, written per ingested file; DuckDB's narrow
store (0070) has an ART index on the facts' values themselves (0071), kept by DuckDB, and the
indexed properties and types are applied through the labels when looking up.

A statement's value that links entities (a phone, an account, an identifier, an address, an
e-mail, another entity's id in a relation record) or that the search looks up (a name, an alias,
an identifying code) is looked up here by index, instead of by a scan of every statement. The index says only *where to look*: callers read those entities' statements
and apply the access policy to them, so a row left behind by a purge, or one the viewer may not
read, reveals nothing.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from netcase.store import Store

#: FtM property types whose values link entities (``entity``: a relation record's pointer).
LINK_VALUE_TYPES: tuple[str, ...] = ("entity", "phone", "email", "iban", "identifier", "address")
#: What the search looks values up by (``netcase.api.search``): names and identifying codes.
NAME_TYPES: tuple[str, ...] = ("name",)
NAME_PROPS: tuple[str, ...] = ("name", "alias", "weakAlias", "previousName", "firstName", "lastName")
CODE_TYPES: tuple[str, ...] = ("phone", "iban", "identifier", "email")
CODE_PROPS: tuple[str, ...] = ("registrationNumber", "accountNumber", "iban", "passportNumber", "idNumber", "phone",
                               "email", "callerNumber", "receiverNumber", "number")
INDEXED_TYPES: tuple[str, ...] = (*LINK_VALUE_TYPES, *NAME_TYPES)
INDEXED_PROPS: tuple[str, ...] = (*NAME_PROPS, *CODE_PROPS)
# The rows indexed: migrations 0043 and 0044 wrote the same condition for existing statements.
_TYPES_LIST = ", ".join("'" + t + "'" for t in INDEXED_TYPES)
_PROPS_LIST = ", ".join("'" + p + "'" for p in INDEXED_PROPS)


def _indexed_sql(alias: str = "") -> str:
    """The condition of an indexed statement, on the columns of ``alias`` (if given)."""
    a = f"{alias}." if alias else ""
    return f"({a}prop_type IN ({_TYPES_LIST}) OR {a}prop IN ({_PROPS_LIST}))"


_INDEXED_SQL = _indexed_sql()
_CHUNK = 500


def on_facts(store: Store) -> bool:
    """True where the facts' values are indexed in place (DuckDB's narrow store, migration 0071)."""
    return store.facts_table != "statements"


def add_batch(store: Store, batch_id: str) -> None:
    """Index the linking values of the statements of ``batch_id`` (inside its transaction)."""
    if on_facts(store):
        return  # DuckDB keeps the facts' own index
    # No DISTINCT: a value twice on one entity of a batch (a name that is also an alias) is rare,
    # readers take sets, and removing it cost a medium world's ingest 0.8 CPU s.
    batch, params = store.batch_statements_sql(batch_id, props=INDEXED_PROPS, prop_types=INDEXED_TYPES)
    store.execute(f"INSERT INTO statement_values (value, prop_type, entity_id) SELECT value, prop_type, entity_id "
                  f"FROM {batch} b", params)


def refresh_entities(store: Store, entity_ids: Iterable[str]) -> None:
    """Re-index the values of ``entity_ids`` from their statements as they are now (after a purge
    blanked some: a purged phone must not outlive its statement here)."""
    if on_facts(store):
        return  # the facts' index follows the facts' values
    ids = sorted(set(entity_ids))
    for i in range(0, len(ids), _CHUNK):
        chunk = ids[i : i + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        store.execute(f"DELETE FROM statement_values WHERE entity_id IN ({marks})", chunk)
        store.execute(
            f"INSERT INTO statement_values (value, prop_type, entity_id) {store.entity_statements_cte(marks)}"
            f"SELECT DISTINCT value, prop_type, entity_id FROM s WHERE {_INDEXED_SQL}",
            chunk,
        )


def rebuild(store: Store) -> int:
    """Rewrite the whole index from the statements (after a purge); returns its rows."""
    if on_facts(store):
        return len(rows(store))
    with store.transaction():
        store.execute("DELETE FROM statement_values")
        store.execute(
            f"INSERT INTO statement_values (value, prop_type, entity_id) SELECT DISTINCT value, prop_type, entity_id "
            f"FROM statements WHERE {_INDEXED_SQL}"
        )
        return int(store.scalar("SELECT count(*) FROM statement_values") or 0)


def rows(store: Store) -> set[tuple[str, str, str]]:
    """Every (value, type, entity id) the index answers for: for tests and checks."""
    if on_facts(store):
        sql = f"SELECT DISTINCT value, prop_type, entity_id FROM statements WHERE {_INDEXED_SQL}"
    else:
        sql = "SELECT value, prop_type, entity_id FROM statement_values"
    return {(str(v), str(t), str(e)) for v, t, e in store.query(sql)}


def carriers(store: Store, values: Iterable[str], prop_type: str | None = None) -> dict[str, set[str]]:
    """Value → the entity ids with a statement of that value (of ``prop_type`` if given)."""
    out: dict[str, set[str]] = defaultdict(set)
    wanted = sorted(set(values))
    for i in range(0, len(wanted), _CHUNK):
        chunk = wanted[i : i + _CHUNK]
        marks = ", ".join("?" for _ in chunk)
        if on_facts(store):
            # The facts of those values by index, their labels (cached: they never change) for
            # the type and property: a join in SQL hashed every label per look-up.
            for value, entity_id, prop, ptype in store.facts_by_value(chunk):
                if (ptype in INDEXED_TYPES or prop in INDEXED_PROPS) and (prop_type is None or ptype == prop_type):
                    out[str(value)].add(str(entity_id))
            continue
        # DuckDB looks values up through the index only when every filter is on that column: the
        # type is checked on the rows found, after a materialised look-up.
        sql = (f"WITH v AS MATERIALIZED (SELECT value, prop_type, entity_id FROM statement_values "
               f"WHERE value IN ({marks})) SELECT value, entity_id FROM v")
        params: list[str] = list(chunk)
        if prop_type is not None:
            sql += " WHERE prop_type = ?"
            params.append(prop_type)
        for value, entity_id in store.query(sql, params):
            out[str(value)].add(str(entity_id))
    return dict(out)
