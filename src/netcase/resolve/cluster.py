"""Pairs → clusters → canonical ids, honouring analysts' judgements.

Clustering is union-find over the scored pairs, strongest first, as nomenklatura's resolver does
with its judgements: a "same" judgement always joins its two mentions, a "not same" judgement
forbids any union that would put them in one cluster (whatever chain of pairs would join them),
and the model's pairs fill in the rest. Canonical ids are member mention ids, chosen to stay
stable across runs (see ``canonical_ids``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field


@dataclass
class UnionFind:
    """Union-find with "cannot link" constraints carried by each root."""

    parent: dict[str, str] = field(default_factory=dict)
    cannot: dict[str, set[str]] = field(default_factory=dict)

    def find(self, x: str) -> str:
        parent = self.parent
        root = x
        while parent.get(root, root) != root:
            root = parent[root]
        while parent.get(x, x) != root:  # path compression
            parent[x], x = root, parent[x]
        return root

    def forbid(self, a: str, b: str) -> None:
        self.cannot.setdefault(self.find(a), set()).add(b)
        self.cannot.setdefault(self.find(b), set()).add(a)

    def allowed(self, ra: str, rb: str) -> bool:
        for x in self.cannot.get(ra, ()):
            if self.find(x) == rb:
                return False
        return all(self.find(x) != ra for x in self.cannot.get(rb, ()))

    def union(self, a: str, b: str) -> bool:
        ra, rb = self.find(a), self.find(b)
        if ra == rb:
            return True
        if not self.allowed(ra, rb):
            return False
        if ra > rb:
            ra, rb = rb, ra
        self.parent[rb] = ra
        moved = self.cannot.pop(rb, None)
        if moved:
            self.cannot.setdefault(ra, set()).update(moved)
        return True


@dataclass(frozen=True)
class Judgement:
    """An analyst's decision on two mentions."""

    a: str
    b: str
    judgement: str  # 'same', 'not-same', 'unsure'


def cluster(
    ids: Iterable[str],
    pairs: Iterable[tuple[str, str, float]],
    threshold: float,
    judgements: Sequence[Judgement] = (),
) -> dict[str, str]:
    """Each id → the root id of its cluster.

    ``pairs`` are (id, id, probability); only those at or above ``threshold`` join, strongest
    first so that a "not same" judgement blocks the weaker link of a chain, not the stronger.
    """
    uf = UnionFind()
    for j in judgements:
        if j.judgement == "not-same":
            uf.forbid(j.a, j.b)
    for j in judgements:
        if j.judgement == "same":
            uf.union(j.a, j.b)
    strong = sorted((p for p in pairs if p[2] >= threshold), key=lambda p: (-p[2], p[0], p[1]))
    for a, b, _ in strong:
        uf.union(a, b)
    return {i: uf.find(i) for i in ids}


def canonical_ids(roots: Mapping[str, str], previous: Mapping[str, str]) -> dict[str, str]:
    """Each mention → its canonical id, stable across runs where the cluster is the same.

    A cluster keeps the previous canonical id that most of its members had, provided that id is
    one of its members (so no two clusters can claim it, and a mention that splits off keeps its
    own id); otherwise it takes its smallest member id. A cluster unchanged between runs therefore
    keeps its id, and a cluster that grows keeps the id of its larger part.
    """
    members: dict[str, list[str]] = {}
    for m, r in roots.items():
        members.setdefault(r, []).append(m)
    out: dict[str, str] = {}
    for group in members.values():
        chosen = min(group)
        if previous and len(group) > 1:
            member_set = set(group)
            votes: dict[str, int] = {}
            for m in group:
                prev = previous.get(m)
                if prev is not None and prev in member_set:
                    votes[prev] = votes.get(prev, 0) + 1
            if votes:
                best = max(votes.values())
                chosen = min(k for k, v in votes.items() if v == best)
        elif previous and len(group) == 1:
            chosen = group[0]
        for m in group:
            out[m] = chosen
    return out
