"""RFC 6962 Merkle trees: tree hash, inclusion and consistency proofs, and their verification.

Hashes follow RFC 6962 section 2.1: a leaf is SHA-256(0x00 || entry), an interior node is
SHA-256(0x01 || left || right), and MTH(D[n]) splits at k, the largest power of two smaller than
n. Proof generation follows sections 2.1.1 (PATH) and 2.1.2 (PROOF/SUBPROOF); verification follows
the algorithms of RFC 9162 sections 2.1.3.2 and 2.1.4.2 (the same trees, spelled out as loops).

Proof generation works on already-hashed leaves and takes the node function as a parameter, so the
tests can run it on symbolic labels and compare with the RFC's worked example tree.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")

EMPTY_ROOT = hashlib.sha256(b"").digest()


def leaf_hash(entry: bytes) -> bytes:
    """SHA-256(0x00 || entry)."""
    return hashlib.sha256(b"\x00" + entry).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    """SHA-256(0x01 || left || right)."""
    return hashlib.sha256(b"\x01" + left + right).digest()


def split_point(n: int) -> int:
    """k: the largest power of two smaller than n (n > 1)."""
    if n < 2:
        raise ValueError("split_point needs n > 1")
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[T], node: Callable[[T, T], T] = node_hash, empty: T | None = None) -> T:  # type: ignore[assignment]
    """MTH over already-hashed ``leaves``."""
    n = len(leaves)
    if n == 0:
        if empty is None:
            return EMPTY_ROOT  # type: ignore[return-value]
        return empty
    if n == 1:
        return leaves[0]
    k = split_point(n)
    return node(root(leaves[:k], node), root(leaves[k:], node))


def inclusion_path(m: int, leaves: Sequence[T], node: Callable[[T, T], T] = node_hash) -> list[T]:  # type: ignore[assignment]
    """PATH(m, D[n]): the audit path of leaf ``m`` (RFC 6962 2.1.1)."""
    n = len(leaves)
    if not 0 <= m < n:
        raise IndexError(f"leaf {m} outside a tree of {n}")
    if n == 1:
        return []
    k = split_point(n)
    if m < k:
        return inclusion_path(m, leaves[:k], node) + [root(leaves[k:], node)]
    return inclusion_path(m - k, leaves[k:], node) + [root(leaves[:k], node)]


def consistency_proof(m: int, leaves: Sequence[T], node: Callable[[T, T], T] = node_hash) -> list[T]:  # type: ignore[assignment]
    """PROOF(m, D[n]): the consistency proof from the tree of the first ``m`` leaves (2.1.2)."""
    n = len(leaves)
    if not 0 < m <= n:
        raise ValueError(f"consistency proof needs 0 < m <= n (m={m}, n={n})")
    return _subproof(m, leaves, True, node)


def _subproof(m: int, leaves: Sequence[T], complete: bool, node: Callable[[T, T], T]) -> list[T]:
    n = len(leaves)
    if m == n:
        return [] if complete else [root(leaves, node)]
    k = split_point(n)
    if m <= k:
        return _subproof(m, leaves[:k], complete, node) + [root(leaves[k:], node)]
    return _subproof(m - k, leaves[k:], False, node) + [root(leaves[:k], node)]


def verify_inclusion(index: int, tree_size: int, leaf: bytes, path: Sequence[bytes], root_hash: bytes) -> bool:
    """True if ``path`` proves ``leaf`` is leaf ``index`` of the tree with ``root_hash``."""
    if index >= tree_size or index < 0:
        return False
    fn, sn, r = index, tree_size - 1, leaf
    for p in path:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == root_hash


def verify_consistency(first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]) -> bool:
    """True if ``proof`` shows the tree of size ``first`` is a prefix of the one of size ``second``."""
    if first < 0 or second < first:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof  # the empty tree is a prefix of every tree
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path = [first_root, *path]
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while not fn & 1 and fn != 0:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


def frontier_append(frontier: list[tuple[int, bytes]], leaf: bytes) -> list[tuple[int, bytes]]:
    """Add one leaf to a compact tree (the perfect-subtree roots, left to right, sizes descending)."""
    out = [*frontier, (1, leaf)]
    while len(out) >= 2 and out[-1][0] == out[-2][0]:
        (size, left), (_, right) = out[-2], out[-1]
        out[-2:] = [(size * 2, node_hash(left, right))]
    return out


def frontier_root(frontier: Sequence[tuple[int, bytes]]) -> bytes:
    """MTH of the tree a frontier describes: fold the subtree roots from the right."""
    if not frontier:
        return EMPTY_ROOT
    r = frontier[-1][1]
    for _, h in reversed(frontier[:-1]):
        r = node_hash(h, r)
    return r
