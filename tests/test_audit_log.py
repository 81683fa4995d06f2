"""The audit log in a store: entries, signed tree heads, proofs, and detection of every single change."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netcase.access import audit, merkle
from netcase.access.viewer import Viewer
from netcase.store import Store

T0 = datetime(2026, 11, 29, 20, 0, 0)
ANN = Viewer("ann", "HSI", "USA", frozenset({"analyst"}))
COLS = ["seq", "logged_at", "username", "source", "action", "object_type", "object_id", "outcome", "details"]


class Rollback(Exception):
    pass


def _fill(store: Store, n: int) -> None:
    for i in range(n):
        audit.record(store, ANN, "read:entity", object_type="entity", object_id=f"e{i}", now=T0 + timedelta(seconds=i),
                     source="10.0.0.1", details={"i": i})


def test_entries_carry_who_when_where_what_outcome(store: Store) -> None:
    seq = audit.record(store, ANN, "read:entity", object_type="entity", object_id="e1",
                       now=datetime(2026, 11, 29, 20, 1, 2, 345678), source="10.1.2.3", outcome="ok")
    assert seq == 0
    (e,) = audit.entries(store)
    assert e.as_dict() == {"seq": 0, "at": "2026-11-29T20:01:02.34Z", "user": "ann", "source": "10.1.2.3",
                           "action": "read:entity", "object_type": "entity", "object_id": "e1", "outcome": "ok",
                           "details": {}}


def test_head_signature_and_root(store: Store) -> None:
    _fill(store, 5)
    head = audit.current_head(store)
    assert head is not None and head.tree_size == 5
    assert head.root_hash == merkle.root(audit.leaves(store)).hex()
    from netcase.access.audit import load_public_key
    from netcase.access.config import get_config
    pk = load_public_key(get_config(store, "audit_public_key") or "")
    assert head.verify(pk)
    forged = audit.TreeHead(head.tree_size, "00" * 32, head.signed_at, head.signature, head.key_id)
    assert not forged.verify(pk)
    assert audit.verify(store).ok


def test_inclusion_and_consistency_proofs_from_store(store: Store) -> None:
    _fill(store, 3)
    old = audit.checkpoint(store)
    assert old is not None
    _fill(store, 4)
    head = audit.current_head(store)
    assert head is not None
    for seq in range(7):
        p = audit.inclusion_proof(store, seq)
        assert merkle.verify_inclusion(seq, p["tree_size"], bytes.fromhex(p["leaf_hash"]),
                                       [bytes.fromhex(h) for h in p["path"]], bytes.fromhex(head.root_hash))
    c = audit.consistency(store, 3)
    assert len(c["proof"]) == 4  # [c, d, g, l] of the RFC's example
    assert merkle.verify_consistency(3, 7, bytes.fromhex(old.root_hash), bytes.fromhex(head.root_hash),
                                     [bytes.fromhex(h) for h in c["proof"]])
    report = audit.verify(store)
    assert report.ok and report.checked_heads == 1


def test_rewritten_history_is_inconsistent_with_an_old_head(store: Store) -> None:
    _fill(store, 4)
    old = audit.current_head(store)
    assert old is not None
    # An attacker with the store (and its key) rewrites the log and re-signs a fresh head:
    rows = store.query(f"SELECT {', '.join(COLS)} FROM audit_log ORDER BY seq")
    with store.transaction():
        store.execute("DELETE FROM audit_log")
        store.execute("DELETE FROM audit_head")
    for r in rows:
        if r[6] == "e2":
            continue
        audit.record(store, r[2], r[4], object_type=r[5], object_id=r[6], now=r[1], source=r[3])
    assert audit.verify(store).ok  # internally consistent...
    report = audit.verify(store, old_heads=[old])  # ...but not with the head the auditor kept
    assert not report.ok
    assert any("not consistent" in p or "larger" in p for p in report.problems)


def test_pinned_public_key_detects_a_replaced_key(store: Store, tmp_path: Path) -> None:
    _fill(store, 2)
    from netcase.access.config import get_config
    pinned = audit.load_public_key(get_config(store, "audit_public_key") or "")
    other = tmp_path / "other.pem"
    audit.generate_key_file(other)
    store.execute("DELETE FROM access_config WHERE key IN ('audit_signing_key', 'audit_public_key')")
    audit.record(store, ANN, "x", now=T0, )  # re-signed with a new key
    assert audit.verify(store).ok
    assert not audit.verify(store, public_key=pinned).ok


def test_key_file(store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    key = tmp_path / "audit.pem"
    pub = audit.generate_key_file(key)
    monkeypatch.setenv(audit.KEY_FILE_ENV, str(key))
    _fill(store, 3)
    assert audit.verify(store, public_key=audit.load_public_key(pub)).ok
    assert audit.get_config(store, "audit_signing_key") is None  # never stored when a key file is used


def test_search_terms_are_kept_as_digests(store: Store) -> None:
    audit.record_search(store, ANN, "Maria  Lopez", results=2, now=T0)
    text = json.dumps([e.as_dict() for e in audit.entries(store)])
    assert "Maria" not in text and "Lopez" not in text
    assert audit.entries(store, object_id=audit.search_digest(store, "maria lopez"))


def _mutate(rows: list[tuple[Any, ...]], kind: str, i: int, j: int, field: int, text: str) -> list[tuple[Any, ...]]:
    rows = [list(r) for r in rows]  # type: ignore[misc]
    if kind == "alter":
        r = rows[i]
        if field == 1:
            r[1] = r[1] + timedelta(seconds=1)
        else:
            r[field] = (r[field] or "") + text
    elif kind == "remove":
        del rows[i]
    elif kind == "remove_renumber":
        del rows[i]
        for k, r in enumerate(rows):
            r[0] = k
    elif kind == "insert":
        new = list(rows[i])
        new[6] = "inserted-" + text
        rows.insert(i, new)
        for k, r in enumerate(rows):
            r[0] = k
    elif kind == "swap":
        a, b = rows[i], rows[j]
        rows[i] = [a[0], *b[1:]]
        rows[j] = [b[0], *a[1:]]
    elif kind == "append":
        new = list(rows[-1])
        new[0] = len(rows)
        rows.append(new)
    return [tuple(r) for r in rows]


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    kind=st.sampled_from(["alter", "remove", "remove_renumber", "insert", "swap", "append"]),
    i=st.integers(0, 6),
    j=st.integers(0, 6),
    field=st.sampled_from([1, 2, 3, 4, 5, 6, 7, 8]),
    # Any text a store can hold (PostgreSQL text refuses NUL characters).
    text=st.text(alphabet=st.characters(blacklist_characters="\x00"), min_size=1, max_size=5),
)
def test_verifier_rejects_any_single_change(store: Store, kind: str, i: int, j: int, field: int, text: str) -> None:
    if not audit.entries(store):
        _fill(store, 7)
    if kind == "swap" and i == j:
        j = (i + 1) % 7
    rows = store.query(f"SELECT {', '.join(COLS)} FROM audit_log ORDER BY seq")
    changed = _mutate(rows, kind, i, j, field, text)
    assert changed != rows
    with pytest.raises(Rollback), store.transaction():
        store.execute("DELETE FROM audit_log")
        store.insert_rows("audit_log", COLS, changed)
        report = audit.verify(store)
        assert not report.ok, (kind, i, j, field)
        raise Rollback
    assert audit.verify(store).ok  # the rollback restored the log


def test_record_read_pseudonymises_protected_people(store: Store) -> None:
    from netcase.access.testing import insert_statements, statement_row

    insert_statements(store, [statement_row("v9", "nc:protected", "victim"), statement_row("s9", "name", "X")])
    audit.record_read(store, ANN, "entity", "v9", now=T0)
    audit.record_read(store, ANN, "entity", "s9", now=T0)
    audit.record_read(store, ANN, "network", "net-3", now=T0)
    got = [(e.action, e.object_id) for e in audit.entries(store)]
    assert got[1:] == [("read:entity", "s9"), ("read:network", "net-3")]
    assert got[0][0] == "read:victim" and got[0][1] != "v9" and got[0][1].startswith("P-")


def test_cli_verify_with_a_kept_tree_head(store: Store, store_url: str, tmp_path: Path) -> None:
    from typer.testing import CliRunner

    from netcase.cli import build_app

    _fill(store, 3)
    store.close()
    app, runner = build_app(), CliRunner()
    sth = tmp_path / "sth.json"
    r = runner.invoke(app, ["audit", "sth", "--db", store_url, "--out", str(sth)])
    assert r.exit_code == 0, r.output
    assert json.loads(sth.read_text())["tree_size"] == 3
    # the store's own checkpoint row is removed: the auditor's file is what remains
    from netcase.store import open_store

    with open_store(store_url) as s:
        s.execute("DELETE FROM audit_tree_heads")
        _fill(s, 2)
    r = runner.invoke(app, ["audit", "verify", "--db", store_url, "--sth", str(sth), "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["checked_heads"] == 1
    r = runner.invoke(app, ["audit", "proof", "--old-size", "3", "--db", store_url])
    assert r.exit_code == 0 and len(json.loads(r.output)["proof"]) >= 1
    with open_store(store_url) as s:
        s.execute("UPDATE audit_log SET object_id = 'e9' WHERE seq = 1")
        # the attacker re-signs: delete and replay the log with the changed entry
        rows = s.query(f"SELECT {', '.join(COLS)} FROM audit_log ORDER BY seq")
        s.execute("DELETE FROM audit_log")
        s.execute("DELETE FROM audit_head")
        for row in rows:
            audit.record(s, row[2], row[4], object_type=row[5], object_id=row[6], now=row[1], source=row[3])
    r = runner.invoke(app, ["audit", "verify", "--db", store_url])
    assert r.exit_code == 0  # self-consistent after re-signing...
    r = runner.invoke(app, ["audit", "verify", "--db", store_url, "--sth", str(sth)])
    assert r.exit_code == 1 and "not consistent" in r.output  # ...but the kept head exposes it
