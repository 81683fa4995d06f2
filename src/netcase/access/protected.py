"""Who is protected: victims and minors, widened to every mention of the same resolved person.

The rules (a flag on one mention protects them all):

* a *victim* is an entity with ``nc:protected = victim`` or ``nc:subjectCategory = victim``;
* a *minor* is an entity with ``nc:minor`` true (18 U.S.C. 3509(d));
* the flag reaches every mention resolved to the same canonical person, and the canonical id.

The answer is kept in ``protected_entities`` so the access filter of every read is a small lookup.
``refresh`` recomputes it whole (after a resolution run, which can merge or split people);
``add_batch`` adds what one ingested file flags (ingest only adds statements and leaves the
resolution as it was, so the new flags are all that can change). Both run inside the writer's
transaction (``netcase.access.hooks``), so no reader sees a victim's facts before their protection.
"""

from __future__ import annotations

from collections.abc import Sequence

from netcase.store import Store

MINOR_PROP = "nc:minor"
TRUE_VALUES: tuple[str, ...] = ("true", "yes", "1", "y")
VICTIM_MARKERS: tuple[tuple[str, str], ...] = (("nc:protected", "victim"), ("nc:subjectCategory", "victim"))
KINDS: tuple[str, ...] = ("victim", "minor")


def sql_list(values: Sequence[str]) -> str:
    """Our own constants as an SQL list of quoted strings (never user input)."""
    return ", ".join("'" + v.replace("'", "''") + "'" for v in values)


FLAG_WHERE: dict[str, str] = {
    "minor": f"p.prop = '{MINOR_PROP}' AND lower(p.value) IN ({sql_list(TRUE_VALUES)})",
    "victim": "(" + " OR ".join(f"(p.prop = '{prop}' AND lower(p.value) = '{val}')" for prop, val in VICTIM_MARKERS) + ")",
}


def flagged_sql(kind: str, extra_where: str = "", source: str = "statements") -> str:
    """SQL (no parameters unless ``extra_where`` has some) selecting the entity ids of ``kind``
    as the rules define them, straight from the statements (or ``source``, a relation with their
    ``entity_id``, ``prop`` and ``value``): the definition ``refresh`` stores."""
    where = FLAG_WHERE[kind] + (f" AND ({extra_where})" if extra_where else "")
    return (
        f"SELECT p.entity_id FROM {source} p WHERE {where}"
        f" UNION SELECT r2.entity_id FROM {source} p JOIN resolved r1 ON r1.entity_id = p.entity_id"
        f" JOIN resolved r2 ON r2.canonical_id = r1.canonical_id WHERE {where}"
        f" UNION SELECT r1.canonical_id FROM {source} p JOIN resolved r1 ON r1.entity_id = p.entity_id"
        f" WHERE {where}"
    )


# Every property a flag rule reads.
FLAG_PROPS: tuple[str, ...] = tuple(sorted({MINOR_PROP, *(prop for prop, _ in VICTIM_MARKERS)}))


def protected_set_sql(kind: str) -> str:
    """SQL set (parenthesised subquery) of the stored entity ids of ``kind``, for ``IN``."""
    if kind not in KINDS:
        raise ValueError(f"unknown protection kind {kind!r}")
    return f"(SELECT entity_id FROM protected_entities WHERE kind = '{kind}')"


def refresh(store: Store) -> int:
    """Recompute ``protected_entities`` from all statements and the current resolution; returns
    the number of rows. Call inside the transaction that changed the resolution."""
    with store.transaction():
        store.execute("DELETE FROM protected_entities")
        for kind in KINDS:
            store.execute(
                f"INSERT INTO protected_entities (entity_id, kind) SELECT DISTINCT entity_id, '{kind}'"
                f" FROM ({flagged_sql(kind)}) f"
            )
        return int(store.scalar("SELECT count(*) FROM protected_entities") or 0)


def add_batch(store: Store, batch_id: str) -> int:
    """Add the entities flagged by the statements of ``batch_id``; returns rows added."""
    before = int(store.scalar("SELECT count(*) FROM protected_entities") or 0)
    # The batch's flag statements are found first, the store's way (``batch_statements_sql``).
    batch, params = store.batch_statements_sql(batch_id, props=FLAG_PROPS)
    batch_flags = f"WITH bf AS MATERIALIZED (SELECT entity_id, prop, value FROM {batch} b) "
    with store.transaction():
        for kind in KINDS:
            store.execute(
                f"INSERT INTO protected_entities (entity_id, kind) {batch_flags}SELECT DISTINCT f.entity_id, '{kind}'"
                f" FROM ({flagged_sql(kind, source='bf')}) f"
                f" WHERE NOT EXISTS (SELECT 1 FROM protected_entities x WHERE x.entity_id = f.entity_id"
                f" AND x.kind = '{kind}')",
                params,
            )
        return int(store.scalar("SELECT count(*) FROM protected_entities") or 0) - before


def stale(store: Store) -> list[tuple[str, str, str]]:
    """Differences between the stored sets and the rules applied now, as (kind, entity_id, which);
    empty when consistent. For tests and ``netcase doctor``-style checks."""
    out: list[tuple[str, str, str]] = []
    for kind in KINDS:
        live = {r[0] for r in store.query(flagged_sql(kind))}
        kept = {r[0] for r in store.query("SELECT entity_id FROM protected_entities WHERE kind = ?", (kind,))}
        out += [(kind, e, "missing") for e in sorted(live - kept)]
        out += [(kind, e, "extra") for e in sorted(kept - live)]
    return out
