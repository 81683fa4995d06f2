"""Watchlists: tell a user when new facts touch an entity, an identifier or a network they watch.

A watch is checked after every ingest or resolution run. The statements that touch it *now* are
computed (an entity's statements include those of every mention resolved to it, so a merge that
brings in an old record counts as news), the ones the user may not see are dropped with the same
``statement_filter`` every read path uses, and the ones already reported are subtracted
(``watch_seen``). What is left becomes alerts: which entity, which source file and agency, which
batch, and the facts that changed.

The user's viewer is given by the caller (``viewer_for``); by default it is the account's current
viewer (so a revoked compartment or a locked account stops the alerts), and in the single-user
embedded mode without accounts, the viewer stored with the watch.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from netcase.access.policy import statement_filter
from netcase.access.viewer import Viewer
from netcase.cases.identifiers import normalize_name, normalize_phone, normalize_token
from netcase.store import Store

WATCH_KINDS: tuple[str, ...] = ("entity", "phone", "account", "plate", "document", "name_dob", "network")
# Kinds whose touch set follows the resolution (the statements of every mention of the person);
# an identifier watch matches statement values and is changed by ingest alone.
RESOLUTION_KINDS: tuple[str, ...] = ("entity", "name_dob", "network")
MAX_CHANGES = 25

# Which statement properties carry each kind of identifier (FtM property names).
_IDENTIFIER_PROPS: dict[str, tuple[str, ...]] = {
    "account": ("accountNumber", "iban"),
    "plate": ("registrationNumber",),
    "document": ("passportNumber", "idNumber", "number"),
}

NetworkMembers = Callable[[Store, str], list[str]]


class WatchError(ValueError):
    """A watch that cannot be made as asked."""


@dataclass(frozen=True)
class WatchCheck:
    """What one check produced: alerts per user, and watches skipped for want of a viewer."""

    alerts: list[dict[str, Any]]
    skipped: list[str]


def _viewer_json(viewer: Viewer) -> dict[str, Any]:
    return {"user": viewer.user, "agency": viewer.agency, "country": viewer.country,
            "roles": sorted(viewer.roles), "compartments": sorted(viewer.compartments)}


def _viewer_from(data: dict[str, Any]) -> Viewer:
    return Viewer(user=data["user"], agency=data["agency"], country=data["country"],
                  roles=frozenset(data["roles"]), compartments=frozenset(data["compartments"]))


def account_viewer(store: Store, username: str, snapshot: dict[str, Any]) -> Viewer | None:
    """The user's current viewer from the account table; None for a locked or disabled account.

    Without an account table (the single-user embedded mode) the viewer stored with the watch is
    used.
    """
    if store.table_exists("users") and store.scalar("SELECT count(*) FROM users WHERE username = ?", (username,)):
        from netcase.access.errors import AccessError
        from netcase.access.identity import viewer_for

        try:
            return viewer_for(store, username)
        except AccessError:
            return None
    return _viewer_from(snapshot)


def normalise_watch_value(kind: str, value: str) -> str:
    """The stored form of a watched value (E.164 phone, bare account/plate/document, NAME|DOB)."""
    if kind not in WATCH_KINDS:
        raise WatchError(f"kind {kind!r} is not one of {', '.join(WATCH_KINDS)}")
    if kind == "phone":
        phone = normalize_phone(value)
        if phone is None:
            raise WatchError(f"{value!r} is not a telephone number")
        return phone
    if kind in _IDENTIFIER_PROPS:
        token = normalize_token(value)
        if token is None:
            raise WatchError(f"empty {kind}")
        return token
    if kind == "name_dob":
        name, _, dob = value.rpartition("|")
        norm = normalize_name(name)
        try:
            day = date.fromisoformat(dob.strip())
        except ValueError as exc:
            raise WatchError("a name and date of birth watch is written 'NAME|YYYY-MM-DD'") from exc
        if not norm:
            raise WatchError("a name and date of birth watch needs a name")
        return f"{norm}|{day.isoformat()}"
    if not value.strip():
        raise WatchError(f"empty {kind}")
    return value.strip()


def network_members_from_table(store: Store, network_id: str) -> list[str]:
    """Members of a network in its latest graph run (``networks.last_run``, ``network_members``)."""
    if not store.table_exists("network_members"):
        return []
    if store.table_exists("networks"):
        rows = store.query("SELECT m.entity_id FROM network_members m JOIN networks n ON n.network_id = m.network_id "
                           "AND n.last_run = m.run_id WHERE m.network_id = ?", (network_id,))
        if rows:
            return [r[0] for r in rows]
    return [r[0] for r in store.query("SELECT DISTINCT entity_id FROM network_members WHERE network_id = ?",
                                      (network_id,))]


def _canonical_family(store: Store, ids: Iterable[str]) -> set[str]:
    """Every entity id that resolves to the same canonical id as one of ``ids`` (ids included)."""
    wanted = sorted({i for i in ids if i})
    if not wanted:
        return set()
    marks = ", ".join("?" for _ in wanted)
    mapped = dict(store.query(f"SELECT entity_id, canonical_id FROM resolved WHERE entity_id IN ({marks})", wanted))
    canon = sorted({mapped.get(i, i) for i in wanted})
    marks = ", ".join("?" for _ in canon)
    members = {r[0] for r in store.query(f"SELECT entity_id FROM resolved WHERE canonical_id IN ({marks})", canon)}
    return set(canon) | members | set(wanted)


def _seeds(store: Store, kind: str, value: str, network_members: NetworkMembers) -> set[str]:
    """The entity ids an entity, name-and-birth-date or network watch starts from."""
    if kind == "name_dob":
        name, _, dob = value.rpartition("|")
        pairs = store.query("SELECT n.entity_id, n.value FROM statements n JOIN statements d ON d.entity_id = "
                            "n.entity_id AND d.prop = 'birthDate' AND d.value = ? WHERE n.schema = 'Person' "
                            "AND n.prop = 'name'", (dob,))
        return {p[0] for p in pairs if normalize_name(p[1]) == name}
    if kind == "network":
        return set(network_members(store, value))
    return {value}


def _family_print(family: Iterable[str]) -> str:
    """A short fingerprint of an entity family: equal prints mean resolution changed nothing here."""
    return hashlib.sha1("\x1f".join(sorted(family)).encode()).hexdigest()


def _touching(
    store: Store, viewer: Viewer, kind: str, value: str, network_members: NetworkMembers, *,
    batch_id: str | None = None, family: set[str] | None = None,
) -> list[dict[str, Any]]:
    """Statements visible to ``viewer`` that touch the watched thing now (only ``batch_id``'s if given).

    ``family`` is the already computed canonical family of an entity-like watch.
    """
    vis, vparams = statement_filter(viewer, "s")
    cols = "s.id, s.entity_id, s.schema, s.prop, s.value, s.source_file, s.agency, s.batch_id"
    src, bparams = store.batch_statements_sql(batch_id) if batch_id is not None else ("statements", [])
    in_batch = ""
    if kind == "phone":
        return store.query_dicts(f"SELECT {cols} FROM {src} s WHERE {in_batch}s.prop_type = 'phone' "
                                 f"AND s.value = ? AND {vis}", [*bparams, value, *vparams])
    if kind in _IDENTIFIER_PROPS:
        props = _IDENTIFIER_PROPS[kind]
        marks = ", ".join("?" for _ in props)
        rows = store.query_dicts(f"SELECT {cols} FROM {src} s WHERE {in_batch}s.prop IN ({marks}) AND {vis}",
                                 [*bparams, *props, *vparams])
        return [r for r in rows if normalize_token(r["value"]) == value]
    if family is None:
        family = _canonical_family(store, _seeds(store, kind, value, network_members))
    members = sorted(family)
    if not members:
        return []
    marks = ", ".join("?" for _ in members)
    return store.query_dicts(
        f"SELECT {cols} FROM {src} s WHERE {in_batch}(s.entity_id IN ({marks}) OR (s.prop_type = 'entity' "
        f"AND s.value IN ({marks}))) AND {vis}", [*bparams, *members, *members, *vparams])


def add_watch(
    store: Store, viewer: Viewer, kind: str, value: str, *, now: datetime,
    network_members: NetworkMembers = network_members_from_table,
) -> dict[str, Any]:
    """Start watching; what the user can already see is the baseline and is not reported."""
    norm = normalise_watch_value(kind, value)
    watch_id = "W-" + hashlib.sha1(f"{viewer.user}\x1f{kind}\x1f{norm}".encode()).hexdigest()[:12]
    if store.scalar("SELECT count(*) FROM watches WHERE watch_id = ? AND active", (watch_id,)):
        raise WatchError(f"{viewer.user} already watches {kind} {norm} ({watch_id})")
    extra: dict[str, Any] = {"viewer": _viewer_json(viewer)}
    family = None
    if kind in RESOLUTION_KINDS:
        family = _canonical_family(store, _seeds(store, kind, norm, network_members))
        extra["family"] = _family_print(family)
    baseline = _touching(store, viewer, kind, norm, network_members, family=family)
    with store.transaction():
        store.execute("DELETE FROM watches WHERE watch_id = ?", (watch_id,))
        store.execute("DELETE FROM watch_seen WHERE watch_id = ?", (watch_id,))
        store.insert_rows("watches", ("watch_id", "username", "kind", "value", "extra", "created", "active"),
                          [(watch_id, viewer.user, kind, norm, json.dumps(extra), now, True)])
        ids = sorted({r["id"] for r in baseline})
        store.insert_columns("watch_seen", {"watch_id": [watch_id] * len(ids), "statement_id": ids})
    return {"watch_id": watch_id, "username": viewer.user, "kind": kind, "value": norm, "created": now,
            "baseline_statements": len(ids)}


def list_watches(store: Store, username: str) -> list[dict[str, Any]]:
    """A user's active watches."""
    return store.query_dicts("SELECT watch_id, kind, value, created FROM watches WHERE username = ? AND active "
                             "ORDER BY created, watch_id", (username,))


def remove_watch(store: Store, username: str, watch_id: str) -> bool:
    """Stop a watch of ``username``; False if there was none."""
    if not store.scalar("SELECT count(*) FROM watches WHERE watch_id = ? AND username = ? AND active",
                        (watch_id, username)):
        return False
    store.execute("UPDATE watches SET active = FALSE WHERE watch_id = ?", (watch_id,))
    return True


def _alert_rows(
    watch_id: str, user: str, kind: str, value: str, fresh: list[dict[str, Any]], now: datetime,
) -> tuple[list[dict[str, Any]], list[tuple[Any, ...]]]:
    """Group fresh statements by (entity, source file, agency, batch): one alert each."""
    groups: dict[tuple[str, str, str, str], list[dict[str, Any]]] = defaultdict(list)
    for r in fresh:
        groups[(r["entity_id"], r["source_file"], r["agency"], r["batch_id"])].append(r)
    alerts, rows = [], []
    for (entity_id, source_file, agency, batch_id), facts in sorted(groups.items()):
        facts.sort(key=lambda f: (f["prop"], f["value"]))
        changes = [{"schema": f["schema"], "prop": f["prop"], "value": f["value"]} for f in facts[:MAX_CHANGES]]
        aid = "WA-" + hashlib.sha1("\x1f".join((watch_id, entity_id, batch_id, *sorted(f["id"] for f in facts)))
                                   .encode()).hexdigest()[:16]
        alert = {"alert_id": aid, "watch_id": watch_id, "username": user, "created": now,
                 "entity_id": entity_id, "source_file": source_file, "agency": agency, "batch_id": batch_id,
                 "changes": changes, "more": max(0, len(facts) - MAX_CHANGES), "kind": kind, "value": value}
        alerts.append(alert)
        rows.append((aid, watch_id, user, now, entity_id, source_file, agency, batch_id,
                     json.dumps({"changes": changes, "more": alert["more"]}, ensure_ascii=False)))
    return alerts, rows


def _in_array(column: str) -> str:
    """``column IN`` the values of one array parameter (bind a Python list): one parameter however
    many ids. Both stores run it as a hash semi-join, where a long ``IN (?, ?, ...)`` list is
    evaluated as an expression per row (five to six times slower over the statements)."""
    return f"{column} IN (SELECT unnest(CAST(? AS VARCHAR[])))"


def _chunks(values: list[str], size: int = 1000) -> Iterable[list[str]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


@dataclass
class _Watch:
    watch_id: str
    user: str
    kind: str
    value: str
    extra: dict[str, Any]


def _families(store: Store, watches: list[_Watch], network_members: NetworkMembers) -> dict[str, set[str]]:
    """The canonical family of every entity-like watch, with two queries for all of them."""
    seeds = {w.watch_id: _seeds(store, w.kind, w.value, network_members)
             for w in watches if w.kind in RESOLUTION_KINDS}
    every = sorted(set().union(*seeds.values())) if seeds else []
    canon: dict[str, str] = {}
    for chunk in _chunks(every):
        marks = ", ".join("?" for _ in chunk)
        canon.update(store.query(f"SELECT entity_id, canonical_id FROM resolved WHERE entity_id IN ({marks})", chunk))
    canons = sorted({canon.get(i, i) for i in every})
    members: dict[str, set[str]] = defaultdict(set)
    for chunk in _chunks(canons):
        marks = ", ".join("?" for _ in chunk)
        for entity_id, canonical_id in store.query(
                f"SELECT entity_id, canonical_id FROM resolved WHERE canonical_id IN ({marks})", chunk):
            members[canonical_id].add(entity_id)
    out = {}
    for watch_id, ids in seeds.items():
        fam = set(ids)
        for i in ids:
            c = canon.get(i, i)
            fam.add(c)
            fam |= members.get(c, set())
        out[watch_id] = fam
    return out


_COLS = "s.id, s.entity_id, s.schema, s.prop, s.prop_type, s.value, s.source_file, s.agency, s.batch_id"


def _candidates(store: Store, viewer: Viewer, batch_id: str | None, watches: list[_Watch],
                families: dict[str, set[str]]) -> list[dict[str, Any]]:
    """The statements ``viewer`` may read (of ``batch_id`` if given) that may touch some of
    ``watches``: a few scans for all of one user's watches together, whatever their number."""
    rows: dict[str, dict[str, Any]] = {}
    vis, vparams = statement_filter(viewer, "s")
    # Only the batch's statements, read the store's way; their parameters come first.
    src, sparams = store.batch_statements_sql(batch_id) if batch_id is not None else ("statements", [])
    in_batch = f"{vis} AND "
    bparams = [*sparams, *vparams]
    phones = sorted({w.value for w in watches if w.kind == "phone"})
    if phones:
        for r in store.query_dicts(f"SELECT {_COLS} FROM {src} s WHERE {in_batch}s.prop_type = 'phone' "
                                   f"AND {_in_array('s.value')}", [*bparams, phones]):
            rows[r["id"]] = r
    props = sorted({p for w in watches for p in _IDENTIFIER_PROPS.get(w.kind, ())})
    if props:
        marks = ", ".join("?" for _ in props)
        for r in store.query_dicts(f"SELECT {_COLS} FROM {src} s WHERE {in_batch}s.prop IN ({marks})",
                                   [*bparams, *props]):
            rows[r["id"]] = r
    members = sorted(set().union(*families.values())) if families else []
    if members:
        for r in store.query_dicts(
                f"SELECT {_COLS} FROM {src} s WHERE {in_batch}({_in_array('s.entity_id')} OR "
                f"(s.prop_type = 'entity' AND {_in_array('s.value')}))", [*bparams, members, members]):
            rows[r["id"]] = r
    return list(rows.values())


def _match(watches: list[_Watch], families: dict[str, set[str]],
           candidates: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    """The candidates each watch touches, through indexes of the candidates (not watches x rows)."""
    by_entity: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_ref: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_phone: dict[str, list[dict[str, Any]]] = defaultdict(list)
    by_token: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
    kind_of_prop = {prop: kind for kind, props in _IDENTIFIER_PROPS.items() for prop in props}
    for r in candidates:
        by_entity[r["entity_id"]].append(r)
        if r["prop_type"] == "entity":
            by_ref[r["value"]].append(r)
        if r["prop_type"] == "phone":
            by_phone[r["value"]].append(r)
        if r["prop"] in kind_of_prop:
            token = normalize_token(r["value"])
            if token:
                by_token[(kind_of_prop[r["prop"]], token)].append(r)
    out: dict[str, list[dict[str, Any]]] = {}
    for w in watches:
        if w.kind == "phone":
            rows = by_phone.get(w.value, [])
        elif w.kind in _IDENTIFIER_PROPS:
            rows = by_token.get((w.kind, w.value), [])
        else:
            found: dict[str, dict[str, Any]] = {}
            for member in families.get(w.watch_id, ()):
                for r in (*by_entity.get(member, ()), *by_ref.get(member, ())):
                    found[r["id"]] = r
            rows = list(found.values())
        if rows:
            out[w.watch_id] = rows
    return out


def _remember_families(store: Store, watches: list[_Watch], families: dict[str, set[str]]) -> None:
    """Keep each watch's family fingerprint with it (one UPDATE per 200 watches), so the next
    resolution run can skip the watches it did not change."""
    changed = []
    for w in watches:
        family = families.get(w.watch_id)
        if family is not None and w.extra.get("family") != _family_print(family):
            w.extra["family"] = _family_print(family)
            changed.append(w)
    for i in range(0, len(changed), 200):
        part = changed[i:i + 200]
        cases = " ".join("WHEN ? THEN ?" for _ in part)
        store.execute(f"UPDATE watches SET extra = CASE watch_id {cases} END "
                      f"WHERE watch_id IN ({', '.join('?' for _ in part)})",
                      [*(v for w in part for v in (w.watch_id, json.dumps(w.extra))), *(w.watch_id for w in part)])


def check_watches(
    store: Store, *, now: datetime, viewer_for: Callable[[str], Viewer | None] | None = None,
    network_members: NetworkMembers = network_members_from_table, username: str | None = None,
    batch_id: str | None = None, resolution_changed: bool = False,
) -> WatchCheck:
    """Report statements that newly touch each active watch, within what its user may see.

    With ``batch_id`` only that batch's statements are looked at (the ingest hook: nothing else is
    new), with a few queries for all watches together. With ``resolution_changed`` only entity, name
    and network watches are checked, and only those whose family of resolved mentions changed since
    their last check (the resolution hook: a merge brings old records onto the watched person;
    identifiers do not depend on resolution). Without either, everything is recomputed.
    """
    sql = "SELECT watch_id, username, kind, value, extra FROM watches WHERE active"
    params: list[Any] = []
    if username:
        sql += " AND username = ?"
        params.append(username)
    if resolution_changed:
        sql += f" AND kind IN ({', '.join('?' for _ in RESOLUTION_KINDS)})"
        params.extend(RESOLUTION_KINDS)
    skipped: list[str] = []
    watches: list[_Watch] = []
    for watch_id, user, kind, value, extra_text in store.query(sql + " ORDER BY watch_id", params):
        try:
            extra = json.loads(extra_text or "{}")
            if not isinstance(extra.get("viewer"), dict):
                raise ValueError("no viewer")
        except (ValueError, TypeError):
            skipped.append(watch_id)  # a damaged watch row must not stop an ingest; it is reported
            continue
        watches.append(_Watch(watch_id, user, kind, value, extra))
    families = _families(store, watches, network_members)
    if resolution_changed and batch_id is None:
        changed = []
        for w in watches:
            fingerprint = _family_print(families[w.watch_id])
            if w.extra.get("family") != fingerprint:  # else: the same mentions as at the last check
                changed.append(w)
        watches = changed
    if batch_id is None:
        _remember_families(store, watches, families)
    alerts: list[dict[str, Any]] = []
    by_user: dict[str, list[_Watch]] = defaultdict(list)
    for w in watches:
        by_user[w.user].append(w)
    for user, mine in sorted(by_user.items()):
        viewer = viewer_for(user) if viewer_for else account_viewer(store, user, mine[0].extra["viewer"])
        if viewer is None:
            skipped.extend(w.watch_id for w in mine)
            continue
        candidates = _candidates(store, viewer, batch_id, mine,
                                 {w.watch_id: families[w.watch_id] for w in mine if w.watch_id in families})
        if candidates:
            alerts += _report(store, mine, families, candidates, now)
    return WatchCheck(alerts=alerts, skipped=sorted(skipped))


def _seen(store: Store, watch_ids: list[str], statement_ids: list[str]) -> set[tuple[str, str]]:
    """(watch, statement) pairs already reported, among these watches and statements."""
    if not watch_ids or not statement_ids:
        return set()
    return {(r[0], r[1]) for r in store.query(
        f"SELECT watch_id, statement_id FROM watch_seen WHERE {_in_array('watch_id')} "
        f"AND {_in_array('statement_id')}", [watch_ids, statement_ids])}


def _report(store: Store, watches: list[_Watch], families: dict[str, set[str]], candidates: list[dict[str, Any]],
            now: datetime) -> list[dict[str, Any]]:
    """Store and return the alerts of ``watches`` for the visible ``candidates`` not reported yet
    (one look-up of what was reported and one insert for all the watches together)."""
    touched = _match(watches, families, candidates)
    if not touched:
        return []
    seen = _seen(store, sorted(touched), sorted({r["id"] for rows in touched.values() for r in rows}))
    alerts: list[dict[str, Any]] = []
    alert_rows: list[tuple[Any, ...]] = []
    seen_watch: list[str] = []
    seen_stmt: list[str] = []
    for w in watches:
        fresh = [r for r in touched.get(w.watch_id, []) if (w.watch_id, r["id"]) not in seen]
        if not fresh:
            continue
        made, rows = _alert_rows(w.watch_id, w.user, w.kind, w.value, fresh, now)
        alerts.extend(made)
        alert_rows.extend(rows)
        ids = sorted({r["id"] for r in fresh})
        seen_watch.extend([w.watch_id] * len(ids))
        seen_stmt.extend(ids)
    if alert_rows:
        with store.transaction():
            store.insert_rows("watch_alerts", ("alert_id", "watch_id", "username", "created", "entity_id",
                                               "source_file", "agency", "batch_id", "changes"), alert_rows)
            store.insert_columns("watch_seen", {"watch_id": seen_watch, "statement_id": seen_stmt})
    return alerts


def watch_alerts(store: Store, username: str, *, since: datetime | None = None) -> list[dict[str, Any]]:
    """Alerts already produced for ``username``, newest first."""
    sql = ("SELECT a.alert_id, a.watch_id, w.kind, w.value, a.created, a.entity_id, a.source_file, a.agency, "
           "a.batch_id, a.changes FROM watch_alerts a JOIN watches w ON w.watch_id = a.watch_id "
           "WHERE a.username = ?")
    params: list[Any] = [username]
    if since:
        sql += " AND a.created >= ?"
        params.append(since)
    rows = store.query_dicts(sql + " ORDER BY a.created DESC, a.alert_id", params)
    for r in rows:
        r["changes"] = json.loads(r["changes"])
    return rows
