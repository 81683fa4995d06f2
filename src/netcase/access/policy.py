"""The access policy: the one place that decides what a viewer may read and do.

Statements (``statement_filter`` and the readers built on it). A viewer sees a statement only if

1. their country is in its releasability (``REL TO``);
2. they hold its compartment, or it has none;
3. a partner-country viewer additionally needs a recorded, unrevoked information-sharing
   agreement for their country, and never sees ``TLP:RED`` or ``TLP:AMBER+STRICT`` facts (those
   stay inside the task force, whatever the releasability says);
4. their role may see its category:

   * *general* facts: every role except ``administrator`` and ``auditor`` (they run and check
     the system, they do not work cases);
   * *victim-sensitive* facts -- flagged ``victim_sensitive``, any immigration-relief status
     (``nc:reliefStatus``, 8 U.S.C. 1367) and the identifying facts (name, phone, e-mail, address,
     identifiers, birth date) of a person recorded as a victim -- only ``victim_services`` and the
     assigned case team (investigator, prosecutor or supervisor holding the fact's compartment; a
     fact without compartment has no case team; analysts work with pseudonyms). For everyone
     else the facts are filtered out entirely, so not even the existence of a relief flag shows,
     and the victim appears only as a pseudonym (``pseudonym``);
   * facts about a *minor* (an entity with ``nc:minor`` true, 18 U.S.C. 3509(d)): every fact of
     that entity, for ``victim_services`` only.

Actions (``authorize``): a declarative role x action table (``ROLE_ACTIONS``), narrowed by an API
token's scopes and by the marking/compartment of the resource acted on.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping, Sequence, Set
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from netcase.access.errors import AccessDenied, NoSharingAgreement
from netcase.access.protected import protected_set_sql, sql_list
from netcase.access.viewer import ROLES, Viewer
from netcase.model.marking import Marking
from netcase.store import Store

# -- categories ------------------------------------------------------------------------------

#: Roles that may read statement content at all: the administrator runs the system and the auditor
#: reads the audit trail and review lists (ids, dates, predicates), neither works cases.
CONTENT_ROLES: frozenset[str] = frozenset(ROLES) - {"administrator", "auditor"}
#: Roles that form the "assigned case team" when they hold a fact's compartment.
CASE_TEAM_ROLES: frozenset[str] = frozenset({"investigator", "prosecutor", "supervisor"})
#: TLP labels that never leave the task force (partner viewers do not see them).
TASK_FORCE_ONLY_TLP: tuple[str, ...] = ("TLP:RED", "TLP:AMBER+STRICT")
#: FtM property types that identify a person: victim-sensitive when the person is a victim.
IDENTIFYING_TYPES: tuple[str, ...] = ("name", "phone", "email", "address", "identifier", "iban", "ip", "url")
IDENTIFYING_PROPS: tuple[str, ...] = ("birthDate", "birthPlace", "addressEntity", "passportNumber", "idNumber")
RELIEF_PROP = "nc:reliefStatus"


MINOR_SET = protected_set_sql("minor")
VICTIM_SET = protected_set_sql("victim")


def sensitive_sql(alias: str = "s") -> str:
    """SQL true when the statement is victim-sensitive (flagged, relief status, victim identity)."""
    a = f"{alias}." if alias else ""
    return (
        f"({a}victim_sensitive OR {a}prop = '{RELIEF_PROP}' OR (({a}prop_type IN ({sql_list(IDENTIFYING_TYPES)})"
        f" OR {a}prop IN ({sql_list(IDENTIFYING_PROPS)})) AND {a}entity_id IN {VICTIM_SET}))"
    )


def minor_sql(alias: str = "s") -> str:
    """SQL true when the statement is about an entity recorded as a minor."""
    a = f"{alias}." if alias else ""
    return f"({a}entity_id IN {MINOR_SET})"


def statement_filter(viewer: Viewer, alias: str = "s") -> tuple[str, list[Any]]:
    """SQL condition (with ``?`` parameters) true for the statements ``viewer`` may read.

    Every reader of statements for a person builds its WHERE clause here; the rules are in the
    module docstring and ``docs/security.md``.
    """
    if viewer.is_system:
        return "TRUE", []
    if not viewer.roles & CONTENT_ROLES:
        return "FALSE", []
    a = f"{alias}." if alias else ""
    clauses = [f"{a}releasable_to LIKE ?"]
    params: list[Any] = [f"%,{viewer.country.upper()},%"]
    held = sorted(viewer.compartments)
    marks = ", ".join("?" for _ in held)
    if held:
        clauses.append(f"({a}compartment IS NULL OR {a}compartment IN ({marks}))")
        params.extend(held)
    else:
        clauses.append(f"{a}compartment IS NULL")
    if viewer.is_partner:
        clauses.append(f"{a}tlp NOT IN ({sql_list(TASK_FORCE_ONLY_TLP)})")
        clauses.append(
            "EXISTS (SELECT 1 FROM sharing_agreements sa WHERE sa.country = ? AND sa.revoked_at IS NULL)"
        )
        params.append(viewer.country.upper())
    if viewer.has_role("victim_services"):
        return " AND ".join(clauses), params
    clauses.append(f"NOT {minor_sql(alias)}")
    if held and viewer.roles & CASE_TEAM_ROLES:
        # The assigned case team sees victim-sensitive facts of its own compartments only.
        clauses.append(f"(NOT {sensitive_sql(alias)} OR {a}compartment IN ({marks}))")
        params.extend(held)
    else:
        clauses.append(f"NOT {sensitive_sql(alias)}")
    return " AND ".join(clauses), params


def statement_visible(viewer: Viewer, row: Mapping[str, Any], *, victims: Set[str], minors: Set[str],
                      agreement: bool) -> bool:
    """``statement_filter`` evaluated in Python on one stored statement row.

    For readers that fetch a few rows by index and would otherwise pay for the filter's set
    lookups in every query. ``victims`` and ``minors`` are the row entities' kinds in
    ``protected_entities`` (a superset is fine: only the row's entity is looked up), and
    ``agreement`` whether the viewer's country has an unrevoked sharing agreement (ignored for
    U.S. viewers). A property test (tests/test_policy_visibility_key.py) checks that this and the
    SQL form agree on every statement.
    """
    if viewer.is_system:
        return True
    if not viewer.roles & CONTENT_ROLES:
        return False
    if f",{viewer.country.upper()}," not in (row["releasable_to"] or ""):
        return False
    compartment = row["compartment"]
    held = viewer.compartments
    if compartment is not None and compartment not in held:
        return False
    if viewer.is_partner and (row["tlp"] in TASK_FORCE_ONLY_TLP or not agreement):
        return False
    if viewer.has_role("victim_services"):
        return True
    entity = row["entity_id"]
    if entity in minors:
        return False
    sensitive = bool(row["victim_sensitive"]) or row["prop"] == RELIEF_PROP or (
        (row["prop_type"] in IDENTIFYING_TYPES or row["prop"] in IDENTIFYING_PROPS) and entity in victims)
    if not sensitive:
        return True
    return bool(held) and bool(viewer.roles & CASE_TEAM_ROLES) and compartment in held


def has_sharing_agreement(store: Store, country: str) -> bool:
    """True if ``country`` has a recorded, unrevoked information-sharing agreement."""
    return bool(store.scalar("SELECT count(*) FROM sharing_agreements WHERE country = ? AND revoked_at IS NULL",
                             (country.upper(),)))


@dataclass(frozen=True)
class VisibilityKey:
    """Everything about a viewer that ``statement_filter`` (and ``pseudonym``) depends on.

    Two viewers with equal keys read exactly the same statements and see the same pseudonyms, so
    an answer computed from those statements for one of them may be served to the other (shared
    caches of expensive aggregates: a network's detail, its drawing, the map). Anything else a
    page shows per person (their name, their actions) must not be cached under this key.
    """

    is_system: bool
    country: str
    compartments: frozenset[str]
    reads_content: bool
    victim_services: bool
    case_team: bool


def visibility_key(viewer: Viewer) -> VisibilityKey:
    """The viewer's need-to-know profile for statement reads (see ``VisibilityKey``).

    Derived from the same fields, in the same way, as ``statement_filter``; a property test
    (tests/test_policy_visibility_key.py) checks that equal keys give equal filters.
    """
    if viewer.is_system:
        return VisibilityKey(True, "USA", frozenset(), True, True, True)
    return VisibilityKey(
        is_system=False,
        country=viewer.country.upper(),
        compartments=frozenset(viewer.compartments),
        reads_content=bool(viewer.roles & CONTENT_ROLES),
        victim_services=viewer.has_role("victim_services"),
        case_team=bool(viewer.roles & CASE_TEAM_ROLES),
    )


# -- readers -----------------------------------------------------------------------------------


def visible_statements(
    store: Store, viewer: Viewer, where_sql: str = "", params: Sequence[Any] = ()
) -> list[dict[str, Any]]:
    """The statements ``viewer`` may read (as dicts of the statement columns), optionally narrowed
    by ``where_sql`` written against alias ``s`` with its own ``?`` parameters.

    Bulk readers for pipeline stages; callers that serve a person one entity at a time should use
    ``visible_entity``, which also writes the audit entry.
    """
    cond, cparams = statement_filter(viewer, "s")
    sql = f"SELECT s.* FROM statements s WHERE {cond}"
    all_params = list(cparams)
    if where_sql.strip():
        sql += f" AND ({where_sql})"
        all_params.extend(params)
    sql += " ORDER BY s.entity_id, s.prop, s.value, s.id"
    return store.query_dicts(sql, all_params)


def is_protected_victim(store: Store, entity_id: str) -> bool:
    """True if the entity (or a mention resolved with it) is a victim or a minor."""
    sql = f"SELECT count(*) FROM (SELECT ? AS entity_id) s WHERE s.entity_id IN {VICTIM_SET} OR {minor_sql('s')}"
    return bool(store.scalar(sql, (entity_id,)))


def may_see_identity(store: Store, viewer: Viewer, entity_id: str, compartment: str | None = None) -> bool:
    """True if ``viewer`` may see a victim's identity (otherwise show ``pseudonym``)."""
    if viewer.is_system or viewer.has_role("victim_services"):
        return True
    if not is_protected_victim(store, entity_id):
        return True
    is_minor = bool(store.scalar(f"SELECT count(*) FROM (SELECT ? AS entity_id) s WHERE {minor_sql('s')}", (entity_id,)))
    if is_minor:
        return False
    return compartment is not None and compartment in viewer.compartments and bool(viewer.roles & CASE_TEAM_ROLES)


@dataclass(frozen=True)
class VisibleEntity:
    """An entity as one viewer may see it: the statements they may read and a caption.

    ``caption`` is a name when the viewer may see one, else the pseudonym for protected people.
    """

    id: str
    schema: str
    caption: str
    properties: Mapping[str, tuple[str, ...]]
    statements: tuple[dict[str, Any], ...]
    pseudonymised: bool


def visible_entity(
    store: Store,
    viewer: Viewer,
    entity_id: str,
    *,
    now: datetime | None = None,
    source: str = "local",
    audit: bool = True,
) -> VisibleEntity | None:
    """The entity ``entity_id`` (a mention or a canonical id) as ``viewer`` may see it.

    Returns None when the viewer may see nothing of it -- the same answer as for an id that does
    not exist, so existence does not leak. Records the read in the audit log (object: the entity
    id, or its pseudonym for protected people), including refused and empty reads.
    """
    rows = visible_statements(
        store,
        viewer,
        "s.entity_id = ? OR s.entity_id IN (SELECT r.entity_id FROM resolved r WHERE r.canonical_id = ?)",
        (entity_id, entity_id),
    )
    protected = is_protected_victim(store, entity_id)
    if audit:
        from netcase.access.audit import record, search_digest

        if protected:
            object_id = pseudonym(entity_id, Viewer.system(), secret=pseudonym_secret(store))
        elif store.scalar("SELECT count(*) FROM statements WHERE entity_id = ? OR entity_id IN"
                          " (SELECT entity_id FROM resolved WHERE canonical_id = ?)", (entity_id, entity_id)):
            object_id = entity_id
        else:
            # An id that names nothing may be typed text (even a person's name): keep a digest only.
            object_id = "unknown:" + search_digest(store, entity_id)
        record(
            store,
            viewer,
            "read:entity" if not protected else "read:victim",
            object_type="entity",
            object_id=object_id,
            outcome="ok" if rows else "not_found",
            now=now,
            source=source,
        )
    if not rows:
        return None
    props: dict[str, list[str]] = {}
    for r in rows:
        props.setdefault(r["prop"], []).append(r["value"])
    schemas = sorted({r["schema"] for r in rows})
    names = sorted(set(props.get("name", [])))
    identity_hidden = protected and not any(r["prop"] == "name" for r in rows)
    caption = names[0] if names and not identity_hidden else (
        pseudonym(entity_id, viewer, secret=pseudonym_secret(store)) if protected else entity_id
    )
    return VisibleEntity(
        id=entity_id,
        schema=schemas[0],
        caption=caption,
        properties={k: tuple(sorted(set(v))) for k, v in props.items()},
        statements=tuple(rows),
        pseudonymised=identity_hidden,
    )


# -- pseudonyms ---------------------------------------------------------------------------------


def pseudonym_secret(store: Store) -> bytes:
    """The per-store HMAC key for pseudonyms (created on first use, kept in ``access_config``)."""
    from netcase.access.config import secret_bytes

    return secret_bytes(store, "pseudonym_secret")


def pseudonym(entity_id: str, viewer: Viewer, *, secret: bytes) -> str:
    """A deterministic, non-reversible stand-in for a protected person's identity.

    HMAC-SHA-256 of the entity id under the per-store ``secret`` (``pseudonym_secret``), scoped to
    the viewer's country: every U.S. member of the task force sees the same pseudonym for the same
    person (they can talk about "P-3f9a…"), while a partner country's pseudonyms cannot be joined
    with another partner's. Without the secret the id cannot be recovered or tested.
    """
    scope = "USA" if viewer.is_system else viewer.country.upper()
    digest = hmac.new(secret, f"{scope}\x1f{entity_id}".encode(), hashlib.sha256).hexdigest()
    return f"P-{digest[:16]}"


# -- actions ------------------------------------------------------------------------------------

#: Every action the platform guards, with what it means. API token scopes are action names.
ACTIONS: dict[str, str] = {
    "read:entities": "read entities and their statements",
    "read:networks": "read networks, organisations and graphs",
    "read:plans": "read target packages and disruption plans",
    "read:victims": "open a victim or witness record",
    "read:cases": "read investigations, prosecutions and court records",
    "read:trends": "read district trends and the leadership brief",
    "search": "search names, phones, identifiers",
    "export": "export data to files",
    "share": "disseminate to a recipient outside the task force",
    "write:cases": "register investigations, targets and legal process",
    "write:ingest": "load agency data",
    "run:pipeline": "run resolution, graph and assessment stages",
    "read:audit": "read the audit log and dissemination records",
    "verify:audit": "verify the audit log and sign tree heads",
    "retention:review": "list what is due for 28 CFR 23 review",
    "retention:revalidate": "revalidate a record (extend its review date)",
    "retention:purge": "purge records not revalidated",
    "manage:users": "add, lock, unlock users; grant and revoke roles and compartments",
    "manage:agreements": "record and revoke information-sharing agreements",
    "manage:tokens": "issue and revoke API tokens",
}

_READ = frozenset({"read:entities", "read:networks", "read:plans", "read:cases", "search"})

#: The declarative role x action table. Marking and compartment checks come on top.
ROLE_ACTIONS: dict[str, frozenset[str]] = {
    "analyst": _READ | {"read:trends", "export", "run:pipeline", "write:ingest", "manage:tokens"},
    "investigator": _READ | {"read:victims", "export", "share", "write:cases"},
    "prosecutor": _READ | {"read:victims", "export", "share", "write:cases"},
    "supervisor": _READ
    | {"read:victims", "read:trends", "export", "share", "retention:review", "retention:revalidate", "manage:agreements"},
    "partner_liaison": frozenset({"read:entities", "read:networks", "read:cases", "search"}),
    "victim_services": frozenset({"read:entities", "read:victims", "read:cases", "search"}),
    "auditor": frozenset({"read:audit", "verify:audit", "retention:review"}),
    "administrator": frozenset(
        {"manage:users", "manage:tokens", "manage:agreements", "verify:audit", "retention:review", "retention:purge", "write:ingest"}
    ),
}

#: The action each guarded CLI command needs (the CLI checks it; the matrix tests are generated from it).
COMMAND_ACTIONS: dict[tuple[str, ...], str] = {
    ("user", "add"): "manage:users",
    ("user", "list"): "manage:users",
    ("user", "lock"): "manage:users",
    ("user", "unlock"): "manage:users",
    ("user", "grant"): "manage:users",
    ("user", "revoke"): "manage:users",
    ("user", "token"): "manage:tokens",
    ("user", "agreement"): "manage:agreements",
    ("audit", "show"): "read:audit",
    ("audit", "verify"): "verify:audit",
    ("audit", "sth"): "verify:audit",
    ("audit", "proof"): "verify:audit",
    ("retention", "review"): "retention:review",
    ("retention", "revalidate"): "retention:revalidate",
    ("retention", "purge"): "retention:purge",
}

#: Roles of the operator in single-user embedded mode (a store with no user accounts yet): the
#: one person runs the whole desk. Victim services and partner liaison are never implied.
EMBEDDED_ROLES: frozenset[str] = frozenset({"analyst", "supervisor", "auditor", "administrator"})

#: Actions that hand facts to someone: partner viewers need a sharing agreement for them.
DISSEMINATING_ACTIONS: frozenset[str] = frozenset({"export", "share"})


@dataclass(frozen=True)
class Decision:
    """The answer of ``authorize``: allowed (truthy) with the rule that allowed it."""

    allowed: bool
    action: str
    reason: str

    def __bool__(self) -> bool:
        return self.allowed


def decide(
    viewer: Viewer,
    action: str,
    resource_marking: Marking | None = None,
    compartment: str | None = None,
) -> Decision:
    """Allow or deny ``action`` for ``viewer`` on a resource with this marking and compartment."""
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    if viewer.is_system:
        return Decision(True, action, "system")
    granting = sorted(r for r in viewer.roles if action in ROLE_ACTIONS.get(r, frozenset()))
    if not granting:
        return Decision(False, action, f"no role of {viewer.user} allows {action}")
    if viewer.scopes is not None and action not in viewer.scopes:
        return Decision(False, action, f"token scope does not include {action}")
    if compartment is not None and compartment not in viewer.compartments:
        return Decision(False, action, "compartment not held")
    if resource_marking is not None:
        if not resource_marking.releasable(viewer.country):
            return Decision(False, action, f"not releasable to {viewer.country}")
        if viewer.is_partner and resource_marking.tlp in TASK_FORCE_ONLY_TLP:
            return Decision(False, action, f"{resource_marking.tlp} stays inside the task force")
        if resource_marking.victim_sensitive and not (
            viewer.has_role("victim_services")
            or (compartment is not None and bool(viewer.roles & CASE_TEAM_ROLES))
        ):
            return Decision(False, action, "victim-sensitive: victim services and the case team only")
    return Decision(True, action, f"allowed by role {granting[0]}")


def authorize(
    viewer: Viewer,
    action: str,
    resource_marking: Marking | None = None,
    compartment: str | None = None,
) -> Decision:
    """Raise ``AccessDenied`` unless ``viewer`` may do ``action`` (see ``decide``).

    Raising (rather than returning False) fails closed when a caller forgets to test the result.
    """
    decision = decide(viewer, action, resource_marking, compartment)
    if not decision.allowed:
        raise AccessDenied(f"{action} denied: {decision.reason}")
    return decision


def authorization_matrix() -> list[tuple[str, dict[str, bool]]]:
    """The role x action table as rows (action, {role: allowed}), for docs and reviews."""
    return [(a, {r: a in ROLE_ACTIONS[r] for r in ROLES}) for a in ACTIONS]


def authorization_matrix_markdown() -> str:
    """``authorization_matrix`` as a Markdown table (``docs/security.md`` embeds it)."""
    head = "| action | " + " | ".join(ROLES) + " |"
    sep = "|---|" + "---|" * len(ROLES)
    rows = [f"| `{a}` | " + " | ".join("yes" if ok[r] else "·" for r in ROLES) + " |" for a, ok in authorization_matrix()]
    return "\n".join([head, sep, *rows])


def allowed_actions(viewer: Viewer) -> list[str]:
    """The actions ``viewer`` may do on an unmarked resource (for menus and token scopes)."""
    return [a for a in ACTIONS if decide(viewer, a).allowed]


# -- information-sharing agreements ----------------------------------------------------------------


def record_sharing_agreement(
    store: Store,
    *,
    agreement_id: str,
    country: str,
    title: str,
    signed_on: date,
    recorded_by: Viewer,
    now: datetime,
    agency: str | None = None,
    expires_on: date | None = None,
) -> None:
    """Record an information-sharing agreement with a partner country (optionally one agency)."""
    authorize(recorded_by, "manage:agreements")
    from netcase.access.audit import record

    with store.transaction():
        store.execute(
            "INSERT INTO sharing_agreements (agreement_id, country, agency, title, signed_on, expires_on,"
            " recorded_by, recorded_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, NULL)",
            (agreement_id, country.upper(), agency, title, signed_on, expires_on, recorded_by.user, now),
        )
        record(store, recorded_by, "agreement:record", object_type="agreement", object_id=agreement_id, now=now,
               details={"country": country.upper(), "agency": agency})


def revoke_sharing_agreement(store: Store, agreement_id: str, *, by: Viewer, now: datetime) -> None:
    """Revoke an agreement: partner reads and shares under it stop at once."""
    authorize(by, "manage:agreements")
    from netcase.access.audit import record

    with store.transaction():
        store.execute("UPDATE sharing_agreements SET revoked_at = ? WHERE agreement_id = ?", (now, agreement_id))
        record(store, by, "agreement:revoke", object_type="agreement", object_id=agreement_id, now=now)


def expire_sharing_agreements(store: Store, now: datetime) -> int:
    """Revoke agreements whose end date has passed (run daily); returns how many."""
    n = int(store.scalar(
        "SELECT count(*) FROM sharing_agreements WHERE revoked_at IS NULL AND expires_on < ?", (now.date(),)
    ) or 0)
    if n:
        store.execute("UPDATE sharing_agreements SET revoked_at = ? WHERE revoked_at IS NULL AND expires_on < ?",
                      (now, now.date()))
    return n


def require_sharing_agreement(store: Store, country: str, agency: str | None, on: date) -> str:
    """The id of a current agreement covering ``country`` (and ``agency``), or ``NoSharingAgreement``.

    U.S. recipients need none (they are under U.S. law and the task force's own MOU).
    """
    country = country.upper()
    if country == "USA":
        return ""
    rows = store.query(
        "SELECT agreement_id FROM sharing_agreements WHERE country = ? AND revoked_at IS NULL"
        " AND signed_on <= ? AND (expires_on IS NULL OR expires_on >= ?) AND (agency IS NULL OR agency = ?)"
        " ORDER BY agreement_id",
        (country, on, on, agency or ""),
    )
    if not rows:
        who = f"{agency} ({country})" if agency else country
        raise NoSharingAgreement(f"no current information-sharing agreement with {who} on {on.isoformat()}")
    return str(rows[0][0])
