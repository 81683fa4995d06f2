"""The audit log (CJIS Security Policy 5.4): who did what, when, from where, to which object, and
with what outcome -- tamper-evident as an RFC 6962 Merkle tree with Ed25519-signed tree heads.

Every entry is one row of ``audit_log`` and one leaf of the tree. The leaf is the SHA-256 of 0x00
and the entry's canonical JSON (sorted keys, the time in UTC to a hundredth of a second). After
each append the store keeps the tree's compact frontier, its root and a signature over
(size, root, time) in ``audit_head``; ``checkpoint`` copies a signed tree head (STH) into
``audit_tree_heads`` and hands it out, so an auditor can keep it outside the store and later ask
for a consistency proof. ``verify`` recomputes the tree from the rows and detects any altered,
removed, inserted or reordered entry.

The signing key: an Ed25519 private key in a PEM file named by ``NETCASE_AUDIT_KEY_FILE`` (the
server deployment: keep it outside the database, readable by the service only), else a key
generated on first use and kept in ``access_config`` (embedded mode; anyone who can write the
database file can then re-sign it -- pin the public key with ``audit verify --public-key``).

Victims' names never appear here: objects are ids, protected people are written as pseudonyms,
and search terms are kept as keyed digests (``search_digest``) that an auditor can recompute.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from netcase.access import merkle
from netcase.access.config import get_config, secret_bytes, set_config
from netcase.access.viewer import Viewer
from netcase.store import Store

KEY_FILE_ENV = "NETCASE_AUDIT_KEY_FILE"
STH_PREFIX = "netcase-sth-v1"


# -- time ----------------------------------------------------------------------------------------


def utc_now() -> datetime:
    """The real clock (naive UTC), for the edges of the system: the CLI and the web layer."""
    return datetime.now(UTC).replace(tzinfo=None)


def audit_time(now: datetime | None) -> datetime:
    """``now`` as naive UTC truncated to a hundredth of a second (what the log stores)."""
    t = utc_now() if now is None else now
    if t.tzinfo is not None:
        t = t.astimezone(UTC).replace(tzinfo=None)
    return t.replace(microsecond=(t.microsecond // 10_000) * 10_000)


def format_time(t: datetime) -> str:
    """``2026-11-29T20:18:27.43Z``."""
    return t.strftime("%Y-%m-%dT%H:%M:%S.") + f"{t.microsecond // 10_000:02d}Z"


# -- entries -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AuditEntry:
    """One audit record."""

    seq: int
    at: datetime
    user: str
    source: str
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    details: str  # canonical JSON

    def canonical(self) -> bytes:
        """The bytes hashed into the tree leaf."""
        doc = {
            "seq": self.seq,
            "at": format_time(self.at),
            "user": self.user,
            "source": self.source,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "outcome": self.outcome,
            "details": self.details,
        }
        return json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")

    def leaf(self) -> bytes:
        """The RFC 6962 leaf hash of this entry."""
        return merkle.leaf_hash(self.canonical())

    def as_dict(self) -> dict[str, Any]:
        """For ``audit show --json``."""
        return {
            "seq": self.seq,
            "at": format_time(self.at),
            "user": self.user,
            "source": self.source,
            "action": self.action,
            "object_type": self.object_type,
            "object_id": self.object_id,
            "outcome": self.outcome,
            "details": json.loads(self.details),
        }


_COLUMNS = "seq, logged_at, username, source, action, object_type, object_id, outcome, details"


def _entry(row: Sequence[Any]) -> AuditEntry:
    return AuditEntry(int(row[0]), row[1], row[2], row[3], row[4], row[5], row[6], row[7], row[8])


# -- keys ----------------------------------------------------------------------------------------


def signing_key(store: Store, key_file: Path | None = None) -> Ed25519PrivateKey:
    """The audit signing key: from ``key_file`` / ``$NETCASE_AUDIT_KEY_FILE`` if set, else from the store."""
    path = key_file or (Path(os.environ[KEY_FILE_ENV]) if os.environ.get(KEY_FILE_ENV) else None)
    if path is not None:
        key = serialization.load_pem_private_key(path.read_bytes(), password=None)
        if not isinstance(key, Ed25519PrivateKey):
            raise ValueError(f"{path} is not an Ed25519 private key")
        return key
    raw = secret_bytes(store, "audit_signing_key", 32)
    key = Ed25519PrivateKey.from_private_bytes(raw)
    if get_config(store, "audit_public_key") is None:
        set_config(store, "audit_public_key", public_key_hex(key.public_key()))
    return key


def public_key_hex(key: Ed25519PublicKey) -> str:
    """Raw public key bytes as hex."""
    return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()


def key_id(key: Ed25519PublicKey) -> str:
    """A short fingerprint of a public key."""
    return hashlib.sha256(bytes.fromhex(public_key_hex(key))).hexdigest()[:16]


def load_public_key(text: str) -> Ed25519PublicKey:
    """A public key from raw hex or a PEM file's text."""
    text = text.strip()
    if text.startswith("-----BEGIN"):
        key = serialization.load_pem_public_key(text.encode())
        if not isinstance(key, Ed25519PublicKey):
            raise ValueError("not an Ed25519 public key")
        return key
    return Ed25519PublicKey.from_public_bytes(bytes.fromhex(text))


def generate_key_file(path: Path) -> str:
    """Write a new Ed25519 private key (PEM, mode 0600) to ``path``; return its public key hex."""
    key = Ed25519PrivateKey.generate()
    pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    path.write_bytes(pem)
    path.chmod(0o600)
    return public_key_hex(key.public_key())


# -- signed tree heads ----------------------------------------------------------------------------


@dataclass(frozen=True)
class TreeHead:
    """A signed tree head: the log's size and root at a time, signed by the audit key."""

    tree_size: int
    root_hash: str
    signed_at: datetime
    signature: str
    key_id: str

    def message(self) -> bytes:
        """What the signature covers."""
        return f"{STH_PREFIX}\n{self.tree_size}\n{self.root_hash}\n{format_time(self.signed_at)}".encode()

    def verify(self, public: Ed25519PublicKey) -> bool:
        """True if the signature is valid under ``public``."""
        try:
            public.verify(bytes.fromhex(self.signature), self.message())
        except (InvalidSignature, ValueError):
            return False
        return True

    def as_dict(self) -> dict[str, Any]:
        """JSON form (the file an auditor keeps)."""
        return {
            "tree_size": self.tree_size,
            "root_hash": self.root_hash,
            "signed_at": format_time(self.signed_at),
            "signature": self.signature,
            "key_id": self.key_id,
        }

    @classmethod
    def from_dict(cls, doc: dict[str, Any]) -> TreeHead:
        """Parse the JSON form."""
        at = datetime.strptime(doc["signed_at"].rstrip("Z"), "%Y-%m-%dT%H:%M:%S.%f")
        return cls(int(doc["tree_size"]), str(doc["root_hash"]), at, str(doc["signature"]), str(doc["key_id"]))


def _sign(key: Ed25519PrivateKey, size: int, root_hex: str, at: datetime) -> TreeHead:
    kid = key_id(key.public_key())
    unsigned = TreeHead(size, root_hex, at, "", kid)
    return TreeHead(size, root_hex, at, key.sign(unsigned.message()).hex(), kid)


def _load_head(store: Store) -> tuple[TreeHead, list[tuple[int, bytes]]] | None:
    rows = store.query(
        "SELECT tree_size, root_hash, signed_at, signature, key_id, frontier FROM audit_head WHERE id = 1"
    )
    if not rows:
        return None
    size, root_hex, at, sig, kid, frontier = rows[0]
    front = [(int(s), bytes.fromhex(h)) for s, h in json.loads(frontier)]
    return TreeHead(int(size), root_hex, at, sig, kid), front


def current_head(store: Store) -> TreeHead | None:
    """The signed head of the log as it stands (None for an empty log)."""
    loaded = _load_head(store)
    return loaded[0] if loaded else None


# -- writing ---------------------------------------------------------------------------------------


def _canonical_details(details: dict[str, Any] | None) -> str:
    return json.dumps(details or {}, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


@dataclass(frozen=True)
class Pending:
    """An entry not yet in the log: everything but its sequence number (given when appended)."""

    at: datetime
    user: str
    source: str
    action: str
    object_type: str | None
    object_id: str | None
    outcome: str
    details: str  # canonical JSON


def pending(
    viewer: Viewer | str,
    action: str,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
    source: str = "local",
) -> Pending:
    """An entry to append (``record``'s arguments; the time is taken now when ``now`` is None)."""
    user = viewer if isinstance(viewer, str) else viewer.user
    return Pending(audit_time(now), user, source, action, object_type, object_id, outcome, _canonical_details(details))


def record(
    store: Store,
    viewer: Viewer | str,
    action: str,
    *,
    object_type: str | None = None,
    object_id: str | None = None,
    outcome: str = "ok",
    details: dict[str, Any] | None = None,
    now: datetime | None = None,
    source: str = "local",
) -> int:
    """Append one entry to the audit log and re-sign the tree head; returns its sequence number.

    ``viewer`` is the actor (a ``Viewer`` or, for failed log-ons, the user name tried). Never pass
    a victim's name in ``object_id`` or ``details``: use ids and ``pseudonym``.
    """
    return append(store, [pending(viewer, action, object_type=object_type, object_id=object_id, outcome=outcome,
                                  details=details, now=now, source=source)])[0]


def append(store: Store, items: Sequence[Pending]) -> list[int]:
    """Append entries in order, in one transaction, and sign one tree head over them all; returns
    their sequence numbers. A server batching the reads of many requests pays one commit (one
    fsync) and one signature for the batch; every entry is still a leaf, so the tree is the same as
    if they had been recorded one by one (only the intermediate heads are not signed)."""
    if not items:
        return []
    key = signing_key(store)
    with store.transaction():
        # Take the row lock first (PostgreSQL): concurrent writers queue here, so sequence
        # numbers and the frontier never fork.
        store.execute("UPDATE audit_head SET tree_size = tree_size WHERE id = 1")
        loaded = _load_head(store)
        size, frontier = (loaded[0].tree_size, loaded[1]) if loaded else (0, [])
        entries = [AuditEntry(size + i, p.at, p.user, p.source, p.action, p.object_type, p.object_id, p.outcome,
                              p.details) for i, p in enumerate(items)]
        for i in range(0, len(entries), 100):
            # A multi-row INSERT: for the few entries of a batch it costs far less than a bulk load.
            chunk = entries[i : i + 100]
            store.execute(
                f"INSERT INTO audit_log ({_COLUMNS}) VALUES " + ", ".join("(?, ?, ?, ?, ?, ?, ?, ?, ?)" for _ in chunk),
                [v for e in chunk for v in (e.seq, e.at, e.user, e.source, e.action, e.object_type, e.object_id,
                                           e.outcome, e.details)],
            )
        for e in entries:
            frontier = merkle.frontier_append(frontier, e.leaf())
        at = max(p.at for p in items)
        head = _sign(key, size + len(entries), merkle.frontier_root(frontier).hex(), at)
        front_json = json.dumps([[s, h.hex()] for s, h in frontier])
        if loaded:
            store.execute(
                "UPDATE audit_head SET tree_size = ?, root_hash = ?, frontier = ?, signed_at = ?, signature = ?,"
                " key_id = ? WHERE id = 1",
                (head.tree_size, head.root_hash, front_json, head.signed_at, head.signature, head.key_id),
            )
        else:
            store.execute(
                "INSERT INTO audit_head (id, tree_size, root_hash, frontier, signed_at, signature, key_id)"
                " VALUES (1, ?, ?, ?, ?, ?, ?)",
                (head.tree_size, head.root_hash, front_json, head.signed_at, head.signature, head.key_id),
            )
    return [e.seq for e in entries]


def record_read(
    store: Store,
    viewer: Viewer,
    object_type: str,
    object_id: str,
    *,
    outcome: str = "ok",
    now: datetime | None = None,
    source: str = "local",
    details: dict[str, Any] | None = None,
) -> int:
    """Audit a read of an entity, network, plan, case or victim record.

    An entity id of a protected person (victim, minor) is written as its pseudonym and the action
    becomes ``read:victim``, so readers of the log learn who opened a victim record, never whose.
    """
    from netcase.access.policy import is_protected_victim, pseudonym, pseudonym_secret

    action = f"read:{object_type}"
    if object_type in ("entity", "victim") and is_protected_victim(store, object_id):
        object_id = pseudonym(object_id, Viewer.system(), secret=pseudonym_secret(store))
        action = "read:victim"
    return record(store, viewer, action, object_type=object_type, object_id=object_id, outcome=outcome, now=now,
                  source=source, details=details)


def search_digest(store: Store, term: str) -> str:
    """A keyed digest of a search term: the log proves a search happened without holding a name.

    An auditor who wants to know who searched for a given name computes this digest and looks
    for it (``netcase audit show --search TERM``).
    """
    key = secret_bytes(store, "search_digest_secret")
    return "q-" + hmac.new(key, " ".join(term.casefold().split()).encode(), hashlib.sha256).hexdigest()[:24]


def record_search(
    store: Store, viewer: Viewer, term: str, *, kind: str = "search", results: int, now: datetime | None = None,
    source: str = "local",
) -> int:
    """Audit a search without writing the term (which may be a victim's name)."""
    return record(store, viewer, "search", object_type=kind, object_id=search_digest(store, term), now=now,
                  source=source, details={"results": results, "length": len(term)})


def checkpoint(store: Store, now: datetime | None = None) -> TreeHead | None:
    """Keep the current signed tree head in ``audit_tree_heads`` and return it (to hand out)."""
    head = current_head(store)
    if head is None:
        return None
    store.execute(
        "INSERT INTO audit_tree_heads (tree_size, root_hash, signed_at, signature, key_id) VALUES (?, ?, ?, ?, ?)",
        (head.tree_size, head.root_hash, head.signed_at, head.signature, head.key_id),
    )
    return head


# -- reading ----------------------------------------------------------------------------------------


def entries(
    store: Store,
    *,
    user: str | None = None,
    since: datetime | None = None,
    action: str | None = None,
    object_id: str | None = None,
    limit: int | None = None,
) -> list[AuditEntry]:
    """Audit entries in order, optionally narrowed."""
    where: list[str] = []
    params: list[Any] = []
    for col, val in (("username", user), ("action", action), ("object_id", object_id)):
        if val is not None:
            where.append(f"{col} = ?")
            params.append(val)
    if since is not None:
        where.append("logged_at >= ?")
        params.append(audit_time(since))
    sql = f"SELECT {_COLUMNS} FROM audit_log"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += " ORDER BY seq"
    if limit is not None:
        sql += f" LIMIT {int(limit)}"
    return [_entry(r) for r in store.query(sql, params)]


def leaves(store: Store) -> list[bytes]:
    """The leaf hashes of the log as stored, in sequence order."""
    return [e.leaf() for e in entries(store)]


def inclusion_proof(store: Store, seq: int) -> dict[str, Any]:
    """An inclusion proof of entry ``seq`` in the current signed tree."""
    head = current_head(store)
    if head is None:
        raise ValueError("the audit log is empty")
    lv = leaves(store)[: head.tree_size]
    path = merkle.inclusion_path(seq, lv)
    return {"seq": seq, "leaf_hash": lv[seq].hex(), "tree_size": head.tree_size, "root_hash": head.root_hash,
            "path": [p.hex() for p in path]}


def consistency(store: Store, old_size: int) -> dict[str, Any]:
    """A consistency proof from the tree of ``old_size`` entries to the current signed tree."""
    head = current_head(store)
    if head is None:
        raise ValueError("the audit log is empty")
    lv = leaves(store)[: head.tree_size]
    return {"old_size": old_size, "new_size": head.tree_size, "new_root": head.root_hash,
            "proof": [p.hex() for p in merkle.consistency_proof(old_size, lv)]}


# -- verification -----------------------------------------------------------------------------------


@dataclass
class VerifyReport:
    """What ``verify`` found. ``ok`` only if every check passed."""

    tree_size: int = 0
    root_hash: str = ""
    problems: list[str] = field(default_factory=list)
    checked_heads: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


def verify(
    store: Store,
    *,
    public_key: Ed25519PublicKey | None = None,
    old_heads: Sequence[TreeHead] = (),
) -> VerifyReport:
    """Recompute the tree from the stored entries and check it against the signed heads.

    Detects an altered entry (its leaf changes the root), a removed or inserted entry (sequence
    gap, size or root mismatch), reordered entries (root mismatch), a forged head (signature) and a
    rewritten history (a kept or supplied older head that is not consistent with today's tree).
    """
    report = VerifyReport()
    if public_key is None:
        pk_hex = get_config(store, "audit_public_key")
        public_key = load_public_key(pk_hex) if pk_hex else None
    rows = entries(store)
    for expected, e in enumerate(rows):
        if e.seq != expected:
            report.problems.append(f"sequence broken at position {expected}: found entry {e.seq} (removed or inserted entries)")
            break
    lv = [e.leaf() for e in rows]
    head = current_head(store)
    if head is None:
        if rows:
            report.problems.append("entries exist but no signed tree head")
        return report
    report.tree_size, report.root_hash = head.tree_size, head.root_hash
    if public_key is None:
        report.problems.append("no public key to check signatures")
    elif not head.verify(public_key):
        report.problems.append("the current tree head's signature is not valid")
    if head.tree_size != len(lv):
        report.problems.append(f"the signed head covers {head.tree_size} entries but {len(lv)} are stored")
    computed = merkle.root(lv[: head.tree_size]).hex() if head.tree_size <= len(lv) else ""
    if computed != head.root_hash:
        report.problems.append("the entries do not hash to the signed root: an entry was altered, removed, inserted or reordered")
    kept = [TreeHead(int(r[0]), r[1], r[2], r[3], r[4]) for r in store.query(
        "SELECT tree_size, root_hash, signed_at, signature, key_id FROM audit_tree_heads ORDER BY tree_size")]
    for old in [*kept, *old_heads]:
        report.checked_heads += 1
        problem = check_consistency(old, head, lv, public_key)
        if problem:
            report.problems.append(problem)
    return report


def check_consistency(
    old: TreeHead, new: TreeHead, lv: Sequence[bytes], public_key: Ed25519PublicKey | None
) -> str | None:
    """None if ``old`` is a validly signed earlier state of the tree whose head is ``new``.

    Builds the RFC 6962 consistency proof from the stored leaves and verifies it against both
    signed roots, as an outside party holding only the two heads would.
    """
    label = f"tree head of size {old.tree_size} signed {format_time(old.signed_at)}"
    if public_key is not None and not old.verify(public_key):
        return f"{label}: signature not valid"
    if old.tree_size > new.tree_size:
        return f"{label}: larger than today's tree ({new.tree_size}): entries were removed"
    if old.tree_size == 0:
        return None
    if new.tree_size > len(lv):
        return f"{label}: cannot build a proof, entries missing"
    proof = merkle.consistency_proof(old.tree_size, lv[: new.tree_size])
    if not merkle.verify_consistency(old.tree_size, new.tree_size, bytes.fromhex(old.root_hash),
                                     bytes.fromhex(new.root_hash), proof):
        return f"{label}: not consistent with today's tree: history was rewritten"
    return None
