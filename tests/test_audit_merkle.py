"""RFC 6962 Merkle tree: the RFC's seven-leaf example, and proofs that verify (and tampered ones that do not)."""

from __future__ import annotations

import hashlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netcase.access import merkle


def sym(left: str, right: str) -> str:
    return f"({left}{right})"


# RFC 6962 section 2.1.3: leaves d0..d6 hash to a..f and j; g=(ab), h=(cd), i=(ef), k=(gh), l=(ij).
LEAVES = ["a", "b", "c", "d", "e", "f", "j"]
NODE_G, NODE_H, NODE_I, NODE_L = "(ab)", "(cd)", "(ef)", "((ef)j)"


def test_rfc6962_example_tree_root() -> None:
    assert merkle.root(LEAVES, sym) == "(((ab)(cd))((ef)j))"


def test_rfc6962_example_inclusion_paths() -> None:
    assert merkle.inclusion_path(0, LEAVES, sym) == ["b", NODE_H, NODE_L]
    assert merkle.inclusion_path(3, LEAVES, sym) == ["c", NODE_G, NODE_L]
    assert merkle.inclusion_path(4, LEAVES, sym) == ["f", "j", "((ab)(cd))"]
    assert merkle.inclusion_path(6, LEAVES, sym) == [NODE_I, "((ab)(cd))"]


def test_rfc6962_example_consistency_proofs() -> None:
    assert merkle.consistency_proof(3, LEAVES, sym) == ["c", "d", NODE_G, NODE_L]
    assert merkle.consistency_proof(4, LEAVES, sym) == [NODE_L]
    assert merkle.consistency_proof(6, LEAVES, sym) == [NODE_I, "j", "((ab)(cd))"]


def test_split_point_is_largest_power_of_two_below_n() -> None:
    assert [merkle.split_point(n) for n in (2, 3, 4, 5, 7, 8, 9)] == [1, 2, 2, 4, 4, 4, 8]


def test_hashes_are_domain_separated() -> None:
    assert merkle.leaf_hash(b"x") == hashlib.sha256(b"\x00x").digest()
    assert merkle.node_hash(b"l", b"r") == hashlib.sha256(b"\x01lr").digest()
    assert merkle.root([]) == hashlib.sha256(b"").digest()


def _leaves(n: int) -> list[bytes]:
    return [merkle.leaf_hash(f"entry {i}".encode()) for i in range(n)]


def test_all_proofs_verify_up_to_40_leaves() -> None:
    leaves = _leaves(40)
    frontier: list[tuple[int, bytes]] = []
    for n in range(1, 41):
        frontier = merkle.frontier_append(frontier, leaves[n - 1])
        tree = leaves[:n]
        r = merkle.root(tree)
        assert merkle.frontier_root(frontier) == r
        for i in range(n):
            assert merkle.verify_inclusion(i, n, tree[i], merkle.inclusion_path(i, tree), r)
        for m in range(1, n + 1):
            proof = merkle.consistency_proof(m, tree)
            assert merkle.verify_consistency(m, n, merkle.root(leaves[:m]), r, proof)


@given(n=st.integers(2, 60), data=st.data())
def test_tampered_proofs_fail(n: int, data: st.DataObject) -> None:
    tree = _leaves(n)
    r = merkle.root(tree)
    i = data.draw(st.integers(0, n - 1))
    path = merkle.inclusion_path(i, tree)
    other = data.draw(st.integers(0, n - 1).filter(lambda j: j != i))
    assert not merkle.verify_inclusion(i, n, tree[other], path, r)  # wrong leaf
    if path:
        k = data.draw(st.integers(0, len(path) - 1))
        bad = list(path)
        bad[k] = hashlib.sha256(bad[k]).digest()
        assert not merkle.verify_inclusion(i, n, tree[i], bad, r)
    m = data.draw(st.integers(1, n - 1))
    proof = merkle.consistency_proof(m, tree)
    forked = merkle.root([*tree[: m - 1], merkle.leaf_hash(b"forged")])
    assert not merkle.verify_consistency(m, n, forked, r, proof)
    k = data.draw(st.integers(0, len(proof) - 1))
    bad = list(proof)
    bad[k] = hashlib.sha256(bad[k]).digest()
    assert not merkle.verify_consistency(m, n, merkle.root(tree[:m]), r, bad)


def test_bad_arguments() -> None:
    with pytest.raises(IndexError):
        merkle.inclusion_path(3, _leaves(3))
    with pytest.raises(ValueError):
        merkle.consistency_proof(0, _leaves(3))
    assert not merkle.verify_inclusion(5, 3, b"", [], b"")
    assert not merkle.verify_consistency(4, 3, b"", b"", [])
