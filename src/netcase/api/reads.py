"""Viewer-aware reads of statements for the API and the pages: entities, links, timelines, places.

Nothing here decides who may see what: every statement query carries the access layer's
``statement_filter`` for the viewer, so a page cannot show a fact the policy hides. Entities are
assembled per canonical id (the resolution's ``resolved`` table): the statements of every mention
entity that resolved to it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from followthemoney import model

from netcase.access import policy
from netcase.access.policy import statement_filter
from netcase.access.viewer import Viewer
from netcase.store import Store, value_index

# Statement columns a person sees beside each fact: where it came from and how to handle it.
STATEMENT_FIELDS = (
    "id, entity_id, schema, prop, prop_type, value, original_value, dataset, source_file, "
    "source_record, agency, batch_id, observed, caveat, releasable_to, tlp, victim_sensitive, "
    "compartment, predicate, reliability, validity, submitting_agency, review_by"
)
# Value types that link entities as graph nodes (FtM's typed values).
LINK_TYPES = ("phone", "email", "iban", "identifier", "address")
VICTIM_ROLES = ("victim_services",)


def canonical_id(store: Store, entity_id: str) -> str:
    """The canonical id of ``entity_id`` (itself when resolution did not merge it)."""
    found = store.scalar("SELECT canonical_id FROM resolved WHERE entity_id = ?", (entity_id,))
    return str(found) if found else entity_id


def member_ids(store: Store, canonical: str) -> list[str]:
    """Every mention entity id that resolved to ``canonical`` (including itself)."""
    rows = store.query("SELECT entity_id FROM resolved WHERE canonical_id = ?", (canonical,))
    ids = {str(r[0]) for r in rows}
    ids.add(canonical)
    return sorted(ids)


def canonical_map(store: Store, ids: list[str]) -> dict[str, str]:
    """Mention id → canonical id for ``ids`` (missing ids map to themselves)."""
    if not ids:
        return {}
    out = {i: i for i in ids}
    for chunk in _chunks(sorted(set(ids)), 500):
        marks = ", ".join("?" for _ in chunk)
        for eid, cid in store.query(
            f"SELECT entity_id, canonical_id FROM resolved WHERE entity_id IN ({marks})", chunk
        ):
            out[str(eid)] = str(cid)
    return out


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


@dataclass
class MemberRows:
    """The statements of some mention entities that a viewer may read, and who among them is protected."""

    rows: list[dict[str, Any]]
    protected: set[str]
    shielded: set[str]


def read_members(store: Store, viewer: Viewer, ids: list[str], values: list[str] | None = None) -> MemberRows:
    """Visible statements of the mention entities ``ids`` (ordered by property, value, date).

    Looked up by index (statements by entity id, their protection kinds), then filtered with the
    access policy's own predicate (``policy.statement_visible``, proved equal to the SQL
    ``statement_filter`` by a property test): on DuckDB a point read with the filter's set lookups
    in SQL costs several times more. The members' flag statements (victim, migrant, witness) are
    read whether the viewer may read them or not: the *protected* badge does not depend on the
    viewer; those rows are dropped here, never returned. With ``values``, only statements of those
    values are read (and ``protected`` then covers only flags among them).
    """
    rows: list[dict[str, Any]] = []
    wanted = set(values) if values else None
    kinds: list[tuple[Any, ...]] = []
    for chunk in _chunks(sorted(set(ids)), 500):
        marks = ", ".join("?" for _ in chunk)
        found = store.entity_statements(chunk)
        rows.extend([r for r in found if r["value"] in wanted] if wanted is not None else found)
        kinds.extend(store.query(f"SELECT entity_id, kind FROM protected_entities WHERE entity_id IN ({marks})",
                                 chunk))
    victims = {str(e) for e, k in kinds if k == "victim"}
    minors = {str(e) for e, k in kinds if k == "minor"}
    return _visible_member_rows(viewer, rows, victims, minors, store)


def _visible_member_rows(viewer: Viewer, rows: list[dict[str, Any]], victims: set[str], minors: set[str],
                         store: Store) -> MemberRows:
    agreement = viewer.is_partner and policy.has_sharing_agreement(store, viewer.country)
    protected = {r["entity_id"] for r in rows if r["prop"] in FLAG_PROPS and protects(r["prop"], r["value"])}
    visible = sorted((r for r in rows if policy.statement_visible(viewer, r, victims=victims, minors=minors,
                                                                   agreement=agreement)),
                     key=lambda r: (r["prop"], r["value"], str(r["observed"] or ""), r["id"]))
    shielded = victims | minors
    return MemberRows(visible, protected | shielded, shielded)


def may_see_victims(viewer: Viewer) -> bool:
    """Victim services may see every protected person; others only what the policy lets through."""
    return viewer.has_role(*VICTIM_ROLES)


#: Statements that mark a person as protected (a victim, a smuggled migrant, a witness).
FLAG_PROPS: tuple[str, ...] = ("nc:protected", "nc:subjectCategory")


def protects(prop: str, value: str) -> bool:
    """True when a statement ``prop = value`` (one of ``FLAG_PROPS``) marks a protected person."""
    return prop == "nc:protected" or (prop == "nc:subjectCategory" and value.lower() in ("victim", "migrant", "witness"))


def flagged(store: Store, ids: list[str]) -> tuple[set[str], set[str]]:
    """(protected, identity-shielded) among mention ids ``ids``.

    *Protected* people (``nc:protected`` victim or migrant, or a victim category) are never ranked
    or targeted and carry a badge; *identity-shielded* ones (victims and minors) are those the
    access layer keeps in ``protected_entities`` (flags already spread through resolution); they
    are shown by pseudonym unless the viewer sees a name of theirs.
    """
    if not ids:
        return set(), set()
    protected: set[str] = set()
    shielded: set[str] = set()
    for chunk in _chunks(sorted(set(ids)), 500):
        marks = ", ".join("?" for _ in chunk)
        for r in store.entity_statements(chunk):
            if r["prop"] in FLAG_PROPS and protects(str(r["prop"]), str(r["value"])):
                protected.add(str(r["entity_id"]))
        for (eid,) in store.query(f"SELECT DISTINCT entity_id FROM protected_entities WHERE entity_id IN ({marks})",
                                  chunk):
            shielded.add(str(eid))
            protected.add(str(eid))
    return protected, shielded


@dataclass
class EntityView:
    """One canonical entity as ``viewer`` may see it."""

    id: str
    schema: str
    caption: str
    protected: bool
    statements: list[dict[str, Any]]
    members: list[str]
    props: dict[str, list[str]] = field(default_factory=dict)
    shielded: bool = False
    pseudonymised: bool = False

    def first(self, prop: str) -> str | None:
        values = self.props.get(prop)
        return values[0] if values else None


def _caption(schema: str, props: dict[str, list[str]], fallback: str) -> str:
    sc = model.get(schema)
    for prop in sc.caption if sc is not None else ("name",):
        values = props.get(prop)
        if values:
            # The most often stated value is the best label; on a tie, the fullest form of it.
            counts = Counter(values)
            return max(counts, key=lambda v: (counts[v], len(v), v))
    return fallback


def _assemble(canonical: str, members: list[str], rows: list[dict[str, Any]], viewer: Viewer,
              protected: bool, shielded: bool, secret: bytes) -> EntityView | None:
    if not rows:
        return None
    props: dict[str, list[str]] = defaultdict(list)
    schemata: Counter[str] = Counter()
    for r in rows:
        props[r["prop"]].append(r["value"])
        schemata[r["schema"]] += 1
    schema = schemata.most_common(1)[0][0]
    caption = _caption(schema, props, canonical)
    pseudonymised = shielded and not props.get("name")
    if pseudonymised:
        # The policy hid this victim's identifying facts from the viewer: a pseudonym stands in.
        caption = policy.pseudonym(canonical, viewer, secret=secret)
    return EntityView(
        id=canonical,
        schema=schema,
        caption=caption,
        protected=protected,
        statements=rows,
        members=members,
        props={k: sorted(set(v)) for k, v in props.items()},
        shielded=shielded,
        pseudonymised=pseudonymised,
    )


def entity(store: Store, viewer: Viewer, entity_id: str) -> EntityView | None:
    """The canonical entity of ``entity_id`` from the statements ``viewer`` may read; None if none.

    Look-ups by index (``read_members``); the caller writes the audit entry
    (``netcase.api.security.audit_entity``).
    """
    if store.dialect == "postgres":
        canonical, members, found = _entity_in_one_query(store, viewer, entity_id)
    else:
        canonical = canonical_id(store, entity_id)
        members = member_ids(store, canonical)
        found = read_members(store, viewer, members)
    if not found.rows:
        return None
    return _assemble(canonical, members, found.rows, viewer, bool(found.protected), bool(found.shielded),
                     policy.pseudonym_secret(store) if found.shielded else b"")


# PostgreSQL plans the whole read (canonical id, members, their statements and protection kinds)
# with its indexes in one statement; four round trips cost it more than the read. DuckDB uses its
# ART index only for single-column filters, so it gets the look-ups one by one.
_ENTITY_PG = (
    "WITH c AS (SELECT coalesce((SELECT canonical_id FROM resolved WHERE entity_id = ?), ?) AS cid), "
    "m AS (SELECT r.entity_id FROM resolved r JOIN c ON r.canonical_id = c.cid UNION SELECT cid FROM c) "
    "SELECT s.*, m.entity_id AS _member, c.cid AS _canonical, coalesce(k.victim, false) AS _victim, "
    "coalesce(k.minor, false) AS _minor "
    "FROM m CROSS JOIN c "
    # Per member through the primary key, not a hash of the whole table each read.
    "LEFT JOIN LATERAL (SELECT bool_or(p.kind = 'victim') AS victim, bool_or(p.kind = 'minor') AS minor "
    "FROM protected_entities p WHERE p.entity_id = m.entity_id) k ON true "
    "LEFT JOIN statements s ON s.entity_id = m.entity_id"
)


def _entity_in_one_query(store: Store, viewer: Viewer, entity_id: str) -> tuple[str, list[str], MemberRows]:
    got = store.query_dicts(_ENTITY_PG, (entity_id, entity_id))
    canonical = str(got[0]["_canonical"]) if got else entity_id
    members = sorted({str(r["_member"]) for r in got} | {canonical})
    victims = {str(r["_member"]) for r in got if r["_victim"]}
    minors = {str(r["_member"]) for r in got if r["_minor"]}
    rows = []
    for r in got:
        for k in ("_member", "_canonical", "_victim", "_minor"):
            r.pop(k)
        if r["id"] is not None:
            rows.append(r)
    return canonical, members, _visible_member_rows(viewer, rows, victims, minors, store)


def entities(store: Store, viewer: Viewer, ids: list[str]) -> dict[str, EntityView]:
    """Canonical entities for many ids at once (keyed by canonical id); invisible ones left out."""
    cmap = canonical_map(store, ids)
    canon = sorted(set(cmap.values()))
    members: dict[str, set[str]] = {c: {c} for c in canon}
    for chunk in _chunks(canon, 500):
        marks = ", ".join("?" for _ in chunk)
        for eid, cid in store.query(
            f"SELECT entity_id, canonical_id FROM resolved WHERE canonical_id IN ({marks})", chunk
        ):
            members[str(cid)].add(str(eid))
    owner = {m: c for c, ms in members.items() for m in ms}
    found = read_members(store, viewer, sorted(owner))
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in found.rows:
        grouped[owner[r["entity_id"]]].append(r)
    protected, shielded = found.protected, found.shielded
    secret = policy.pseudonym_secret(store) if shielded else b""
    out = {}
    for c in canon:
        ms = members[c]
        view = _assemble(c, sorted(ms), grouped.get(c, []), viewer, bool(ms & protected), bool(ms & shielded), secret)
        if view is not None:
            out[c] = view
    return out


@dataclass
class Link:
    """One relation of an entity: through which record, to whom."""

    via_id: str
    via_schema: str
    via_caption: str
    role: str
    other_id: str | None
    other_caption: str | None
    other_schema: str | None
    date: str | None


def links(store: Store, viewer: Viewer, view: EntityView, limit: int = 200) -> list[Link]:
    """Entities linked to ``view``: by its own entity properties and by relation records naming it
    (at most ``limit`` records, the first by id)."""
    members = view.members
    # Relation records (Associate, Payment, Call, Trip, Ownership, …) that point at this entity:
    # found through the index of linking values, kept only where the viewer may read the pointer.
    pointing = value_index.carriers(store, members, prop_type="entity")
    rel_candidates = sorted({e for ids in pointing.values() for e in ids} - set(members))
    rel_views = entities(store, viewer, rel_candidates[: 4 * limit])
    member_set = set(members)
    out: list[Link] = []
    chosen: list[tuple[EntityView, str]] = []
    for rv in sorted(rel_views.values(), key=lambda v: v.id):
        role = next((r["prop"] for r in rv.statements if r["prop_type"] == "entity" and r["value"] in member_set), None)
        if role is not None:
            chosen.append((rv, role))
        if len(chosen) >= limit:
            break
    targets: set[str] = set()
    pairs: list[tuple[EntityView, str, list[str]]] = []
    for rv, role in chosen:
        others = [r["value"] for r in rv.statements if r["prop_type"] == "entity" and r["value"] not in member_set]
        pairs.append((rv, role, others))
        targets.update(others)
    own = [r["value"] for r in view.statements if r["prop_type"] == "entity"]
    targets.update(own)
    tviews = entities(store, viewer, sorted(targets))
    tmap = canonical_map(store, sorted(targets))
    for rv, role, others in pairs:
        when = rv.first("date") or rv.first("startDate")
        if not others:
            out.append(Link(rv.id, rv.schema, rv.caption, role, None, None, None, when))
        for o in others:
            tv = tviews.get(tmap.get(o, o))
            if tv is None:
                continue
            out.append(Link(rv.id, rv.schema, rv.caption, role, tv.id, tv.caption, tv.schema, when))
    for r in view.statements:
        if r["prop_type"] != "entity":
            continue
        tv = tviews.get(tmap.get(r["value"], r["value"]))
        if tv is not None:
            out.append(Link(view.id, view.schema, view.caption, r["prop"], tv.id, tv.caption, tv.schema, None))
    out.sort(key=lambda x: (x.date or "", x.via_schema, x.other_caption or ""), reverse=True)
    return out


def identifiers(view: EntityView) -> list[tuple[str, str]]:
    """(type, value) of the typed values that link this entity to others (phones, accounts, …)."""
    seen = set()
    out = []
    for r in view.statements:
        if r["prop_type"] in LINK_TYPES or r["prop"] in ("registrationNumber", "accountNumber", "iban", "passportNumber", "idNumber"):
            key = (r["prop"], r["value"])
            if key not in seen:
                seen.add(key)
                out.append(key)
    return sorted(out)


#: Above this many carrying entities a value is a hub: one scan of the statements counts its
#: carriers faster than reading each of them by index.
HUB_CARRIERS = 200


def shared_value_counts(store: Store, viewer: Viewer, view: EntityView) -> dict[str, int]:
    """For each identifier value: how many other canonical entities the viewer can see carry it."""
    values = sorted({v for _, v in identifiers(view)})
    if not values:
        return {}
    members = set(view.members)
    carriers = value_index.carriers(store, values)
    hubs = sorted(v for v, ids in carriers.items() if len(ids) > HUB_CARRIERS)
    few = [v for v in values if v in carriers and v not in hubs]
    out: dict[str, int] = {}
    others = sorted({e for v in few for e in carriers[v]} - members)
    if others:
        found = read_members(store, viewer, others, few)
        canon = canonical_map(store, others)
        own = {canon.get(m, m) for m in members} | {view.id}
        seen: dict[str, set[str]] = defaultdict(set)
        for r in found.rows:
            seen[r["value"]].add(canon.get(r["entity_id"], r["entity_id"]))
        out.update({v: len(ids - own) for v, ids in seen.items() if ids - own})
    if hubs:
        cond, params = statement_filter(viewer, "s")
        marks = ", ".join("?" for _ in hubs)
        mmarks = ", ".join("?" for _ in view.members)
        rows = store.query(
            f"SELECT s.value, count(DISTINCT coalesce(r.canonical_id, s.entity_id)) "
            f"FROM {store.value_statements_sql(marks)} s LEFT JOIN resolved r ON r.entity_id = s.entity_id "
            f"WHERE s.entity_id NOT IN ({mmarks}) AND {cond} GROUP BY s.value",
            [*hubs, *view.members, *params],
        )
        out.update({str(v): int(n) for v, n in rows if int(n)})
    return out


def timeline(view: EntityView, link_list: list[Link]) -> list[dict[str, Any]]:
    """Dated happenings of the entity: its relation records with a date, and when facts were observed."""
    items: list[dict[str, Any]] = []
    for ln in link_list:
        if ln.date:
            items.append({"date": ln.date, "what": f"{ln.via_schema}: {ln.via_caption}", "id": ln.via_id,
                          "other": ln.other_caption})
    per_record: dict[tuple[Any, str, str], int] = Counter()
    for r in view.statements:
        if r["observed"] is not None:
            per_record[(r["observed"], r["agency"], r["source_record"])] += 1
    for (obs, agency, record), n in per_record.items():
        items.append({"date": obs.isoformat() if isinstance(obs, date) else str(obs),
                      "what": f"{n} fact(s) recorded by {agency} ({record})", "id": None, "other": None})
    items.sort(key=lambda x: x["date"], reverse=True)
    return items
