"""Key-player selection: dismantling orders, their curves, and the robustness R.

Every strategy works on a simple undirected graph given as adjacency lists over vertex indices
``0..n-1`` and a ``candidate`` mask (who may be targeted: never victims, migrants, cooperating
witnesses or people outside every jurisdiction). A strategy returns the order in which it removes
candidates, stopping when no candidate has an edge left. :func:`complete_order` appends the rest
(the remaining candidates, then the non-candidates) so that every strategy is scored on a full
permutation of the N nodes with the same :func:`robustness`.

Robustness (Schneider et al., PNAS 108(10):3838, 2011)::

    R = (1/N) * sum_{q=1..N} s(q),   s(q) = |largest component after q removals| / N

so R lies in [0, 0.5]; lower is better for the task force. s(N) = 0.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import igraph as ig

Adjacency = list[list[int]]


def simple_adjacency(graph: ig.Graph) -> Adjacency:
    """Adjacency lists of ``graph`` made simple and undirected (weights and directions ignored).

    Dismantling is about who can still reach whom, so a call in either direction is a tie and
    parallel edges or loops add nothing.
    """
    h = graph.copy()
    if h.is_directed():
        h.to_undirected(mode="collapse")
    h.simplify(multiple=True, loops=True)
    return [list(a) for a in h.get_adjlist()]


class Reinsertion:
    """Nodes put back one by one into the empty graph, with a union-find over their components.

    The one union-find every backward computation here uses: the dismantling curve, the
    reverse-greedy order and the annealer's window evaluations. ``largest`` is the largest
    component among the nodes inserted so far.
    """

    __slots__ = ("adj", "largest", "parent", "present", "size")

    def __init__(self, adj: Adjacency) -> None:
        n = len(adj)
        self.adj = adj
        self.parent = list(range(n))
        self.size = [1] * n
        self.present = [False] * n
        self.largest = 0

    def copy(self) -> Reinsertion:
        other = Reinsertion.__new__(Reinsertion)
        other.adj = self.adj
        other.parent = self.parent[:]
        other.size = self.size[:]
        other.present = self.present[:]
        other.largest = self.largest
        return other

    def find(self, x: int) -> int:
        parent = self.parent
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    def insert(self, v: int) -> int:
        """Put ``v`` back (joining its present neighbours); returns the size of its component."""
        parent, size, present = self.parent, self.size, self.present
        present[v] = True
        # Path halving inlined: this loop is the annealer's inner loop.
        rv = v
        while parent[rv] != rv:
            parent[rv] = parent[parent[rv]]
            rv = parent[rv]
        for u in self.adj[v]:
            if present[u]:
                ru = u
                while parent[ru] != ru:
                    parent[ru] = parent[parent[ru]]
                    ru = parent[ru]
                if ru != rv:
                    if size[ru] > size[rv]:
                        ru, rv = rv, ru
                    parent[ru] = rv
                    size[rv] += size[ru]
        if size[rv] > self.largest:
            self.largest = size[rv]
        return size[rv]

    def merged_size(self, v: int) -> int:
        """The size of the component ``v`` would form if it were inserted now."""
        present = self.present
        roots = {self.find(u) for u in self.adj[v] if present[u]}
        return 1 + sum(self.size[r] for r in roots)


def dismantling_curve(adj: Adjacency, order: Sequence[int]) -> list[int]:
    """Largest-component size after q removals, for q = 0..N (``order`` must be a permutation).

    Computed backwards: re-inserting the nodes from last to first with a union-find gives the
    whole curve in O((N + M) α(N)).
    """
    n = len(adj)
    if len(order) != n or len(set(order)) != n:
        raise ValueError("the order must be a permutation of all nodes")
    state = Reinsertion(adj)
    curve = [0] * (n + 1)
    for q in range(n - 1, -1, -1):
        state.insert(order[q])
        curve[q] = state.largest
    return curve


def robustness(curve: Sequence[int]) -> float:
    """R = (1/N) Σ_{q=1..N} s(q) with s(q) = curve[q] / N; ``curve`` has N + 1 entries (q = 0..N)."""
    n = len(curve) - 1
    if n <= 0:
        return 0.0
    return sum(curve[1:]) / (n * n)


def removals_to_fraction(curve: Sequence[int], fraction: float = 0.1) -> int:
    """Fewest removals q after which the largest component is below ``fraction`` of N."""
    n = len(curve) - 1
    for q, size in enumerate(curve):
        if size < fraction * n:
            return q
    return n


def complete_order(adj: Adjacency, partial: Sequence[int], candidate: Sequence[bool]) -> list[int]:
    """``partial`` followed by the remaining candidates, then the non-candidates (index order).

    After a strategy stops no candidate has an edge left, so the appended candidates each leave
    s(q) unchanged; non-candidates come last for every strategy alike, keeping R comparable.
    """
    seen = set(partial)
    rest = [v for v in range(len(adj)) if v not in seen and candidate[v]]
    tail = [v for v in range(len(adj)) if v not in seen and not candidate[v]]
    return [*partial, *rest, *tail]


# --------------------------------------------------------------------------------------------
# Adaptive degree
# --------------------------------------------------------------------------------------------


def adaptive_degree(adj: Adjacency, candidate: Sequence[bool]) -> list[int]:
    """Remove the candidate of highest current degree, recomputing degrees after each removal."""
    n = len(adj)
    deg = [len(a) for a in adj]
    alive = [True] * n
    heap = [(-deg[v], v) for v in range(n) if candidate[v] and deg[v] > 0]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        d, v = heapq.heappop(heap)
        if not alive[v] or -d != deg[v] or deg[v] == 0:
            continue  # stale entry: the degree dropped since it was pushed
        alive[v] = False
        order.append(v)
        for u in adj[v]:
            if alive[u]:
                deg[u] -= 1
                if candidate[u] and deg[u] > 0:
                    heapq.heappush(heap, (-deg[u], u))
    return order


# --------------------------------------------------------------------------------------------
# Adaptive betweenness, recomputed only within the component that lost a node
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BetweennessSettings:
    """How adaptive betweenness stays affordable on large graphs.

    Components of at most ``exact_limit`` nodes get exact betweenness. Larger ones get the
    Brandes–Pich (2007) estimate from ``pivots`` random sources (scaled to the component size),
    and lose ``max(1, size // batch_divisor)`` of their top nodes per recomputation; components
    above ``20 × exact_limit`` nodes use half the pivots and twice the batch.
    """

    exact_limit: int = 100
    pivots: int = 32
    batch_divisor: int = 200
    seed: int = 0


def components(adj: Adjacency, alive: Sequence[bool], nodes: Sequence[int]) -> list[list[int]]:
    """Connected components of the alive subgraph induced by ``nodes`` (BFS)."""
    mark: dict[int, bool] = {v: False for v in nodes if alive[v]}
    comps: list[list[int]] = []
    for s in mark:
        if mark[s]:
            continue
        mark[s] = True
        comp = [s]
        i = 0
        while i < len(comp):
            x = comp[i]
            i += 1
            for y in adj[x]:
                if alive[y] and not mark.get(y, True):
                    mark[y] = True
                    comp.append(y)
        comps.append(comp)
    return comps


def adaptive_betweenness(
    adj: Adjacency, candidate: Sequence[bool], settings: BetweennessSettings | None = None
) -> list[int]:
    """Remove the candidate of highest betweenness, recomputed after each removal.

    Betweenness of a node depends only on its own component, so after a removal only the
    component that lost the node is recomputed (its pieces); the others keep their scores. With
    exact scores this equals recomputing the whole graph, at a fraction of the cost. Components
    are kept as igraph subgraphs so splitting and scoring stay in C.
    """
    cfg = settings or BetweennessSettings()
    rng = random.Random(cfg.seed)
    n = len(adj)
    # One heap entry per component: its best key, the subgraph and the local ids it loses next.
    heap: list[tuple[tuple[float, int, int], int]] = []
    comp_live: dict[int, tuple[ig.Graph, list[int]]] = {}
    next_id = 0

    def score(sub: ig.Graph) -> None:
        nonlocal next_id
        size = sub.vcount()
        ids = sub.vs["id"]
        if size < 2:
            return
        if size <= cfg.exact_limit:
            bt = sub.betweenness(directed=False)
            batch = 1
        else:
            # Very large components (> 20 × exact_limit) get half the pivots and twice the batch:
            # they are re-scored often early on and dominate the cost on 10^4-node graphs.
            huge = size > 20 * cfg.exact_limit
            pivots = max(8, cfg.pivots // 2) if huge else cfg.pivots
            sources = rng.sample(range(size), pivots)
            raw = sub.betweenness(directed=False, sources=sources)
            # Paths are counted from the sampled sources only; scale to the full estimate.
            bt = [b * size / pivots for b in raw]
            batch = max(1, size // (cfg.batch_divisor // 2 if huge else cfg.batch_divisor))
        deg = sub.degree()
        # Highest betweenness, then degree, then lowest node id.
        keys = [(-bt[i], -deg[i], ids[i], i) for i in range(size) if deg[i] > 0 and candidate[ids[i]]]
        if not keys:
            return
        top = [k[3] for k in (heapq.nsmallest(batch, keys) if batch > 1 else [min(keys)])]
        best = top[0]
        cid = next_id
        next_id += 1
        comp_live[cid] = (sub, top)
        heapq.heappush(heap, ((-float(bt[best]), -deg[best], ids[best]), cid))

    whole = ig.Graph(n=n, edges=[(v, u) for v in range(n) for u in adj[v] if u > v])
    whole.vs["id"] = list(range(n))
    for piece in whole.connected_components():
        if len(piece) > 1:
            score(whole.induced_subgraph(piece))

    order: list[int] = []
    while heap:
        _, cid = heapq.heappop(heap)
        sub, batch = comp_live.pop(cid)
        ids = sub.vs["id"]
        order.extend(ids[i] for i in batch)
        sub.delete_vertices(batch)
        for piece in sub.connected_components():
            if len(piece) > 1:
                score(sub.induced_subgraph(piece))
    return order


# --------------------------------------------------------------------------------------------
# Collective influence CI_l (Morone & Makse, Nature 524:65, 2015), adaptive
# --------------------------------------------------------------------------------------------


def _ball(adj: Adjacency, alive: Sequence[bool], v: int, radius: int) -> tuple[list[int], list[int]]:
    """(all alive nodes within ``radius`` of v, the nodes at exactly ``radius``)."""
    seen = {v}
    frontier = [v]
    for _ in range(radius):
        nxt = []
        for x in frontier:
            for y in adj[x]:
                if alive[y] and y not in seen:
                    seen.add(y)
                    nxt.append(y)
        frontier = nxt
    return list(seen), frontier


def collective_influence(adj: Adjacency, candidate: Sequence[bool], ell: int = 2) -> list[int]:
    """Remove the candidate of highest CI_ℓ(i) = (k_i − 1) Σ_{j ∈ ∂Ball(i, ℓ)} (k_j − 1).

    Exact adaptive selection without recomputing whole neighbourhoods: CI only decreases as
    nodes are removed, so a lazy heap re-evaluates just the nodes that reach its top. When every
    CI is 0 (stars, paths of length ≤ 2 remain), the highest-degree candidate goes next, as in the
    reference implementation.
    """
    n = len(adj)
    alive = [True] * n
    deg = [len(a) for a in adj]

    def ci(i: int) -> int:
        if deg[i] <= 1:
            return 0
        if ell != 2:
            _, boundary = _ball(adj, alive, i, ell)
            return (deg[i] - 1) * sum(deg[j] - 1 for j in boundary)
        # ℓ = 2 inlined (the hot path): sum over nodes at distance exactly 2.
        seen = {i}
        near = [j for j in adj[i] if alive[j]]
        seen.update(near)
        total = 0
        for j in near:
            for u in adj[j]:
                if alive[u] and u not in seen:
                    seen.add(u)
                    total += deg[u] - 1
        return (deg[i] - 1) * total

    heap = [(-ci(v), -deg[v], v) for v in range(n) if candidate[v] and deg[v] > 0]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        c, d, v = heapq.heappop(heap)
        if not alive[v] or deg[v] == 0:
            continue
        # Removals only lower degrees and push nodes farther away, so CI and degree never grow:
        # a stored key is an upper bound (lazy greedy). Recompute the top; if it still holds, it
        # is the true maximum; otherwise push it back with its current key.
        key = (-ci(v), -deg[v], v)
        if key != (c, d, v):
            heapq.heappush(heap, key)
            continue
        alive[v] = False
        order.append(v)
        for u in adj[v]:
            deg[u] -= 1
    return order


# --------------------------------------------------------------------------------------------
# CoreHD (Zdeborová, Zhang & Zhou, Sci. Rep. 6:37954, 2016) with centroid tree-breaking
# --------------------------------------------------------------------------------------------


def _tree_breaking(adj: Adjacency, alive: list[bool], candidate: Sequence[bool]) -> list[int]:
    """Break the remaining forest: repeatedly take the largest tree and remove its centroid.

    The centroid (the candidate whose removal leaves the smallest largest subtree) is optimal for
    a single removal in a tree. Also copes with the few cycles left when non-candidates form them.
    """
    n = len(adj)
    heap: list[tuple[int, int, list[int]]] = []
    tick = 0
    for comp in components(adj, alive, range(n)):
        if len(comp) > 1:
            heap.append((-len(comp), tick, comp))
            tick += 1
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        _, _, comp = heapq.heappop(heap)
        best, best_key = -1, (n + 1, 0)
        size = len(comp)
        # Subtree sizes by a DFS from the first node; for a cycle-free component this is exact.
        root = comp[0]
        parent = {root: -1}
        seq = [root]
        i = 0
        while i < len(seq):
            x = seq[i]
            i += 1
            for y in adj[x]:
                if alive[y] and y not in parent:
                    parent[y] = x
                    seq.append(y)
        sub = {x: 1 for x in seq}
        for x in reversed(seq):
            p = parent[x]
            if p >= 0:
                sub[p] += sub[x]
        for x in seq:
            if not candidate[x]:
                continue
            largest = size - sub[x]
            live_deg = 0
            for y in adj[x]:
                if alive[y]:
                    live_deg += 1
                    if parent.get(y) == x:
                        largest = max(largest, sub[y])
            if live_deg == 0:
                continue
            key = (largest, -live_deg)
            if key < best_key:
                best, best_key = x, key
        if best < 0:
            continue  # only non-candidates carry the edges of this component
        alive[best] = False
        order.append(best)
        for piece in components(adj, alive, comp):
            if len(piece) > 1:
                heapq.heappush(heap, (-len(piece), tick, piece))
                tick += 1
    return order


def core_hd(adj: Adjacency, candidate: Sequence[bool]) -> list[int]:
    """Remove the highest-degree candidate of the 2-core until the 2-core is empty, then break trees."""
    n = len(adj)
    alive = [True] * n
    in_core = [True] * n
    core_deg = [len(a) for a in adj]
    # Peel to the 2-core: nodes of core degree < 2 leave the core (they stay in the network).
    stack = [v for v in range(n) if core_deg[v] < 2]
    for v in stack:
        in_core[v] = False

    def peel(stack: list[int]) -> None:
        while stack:
            x = stack.pop()
            for y in adj[x]:
                if in_core[y]:
                    core_deg[y] -= 1
                    if core_deg[y] < 2:
                        in_core[y] = False
                        stack.append(y)

    peel(stack)
    heap = [(-core_deg[v], v) for v in range(n) if in_core[v] and candidate[v]]
    heapq.heapify(heap)
    order: list[int] = []
    while heap:
        d, v = heapq.heappop(heap)
        if not in_core[v] or -d != core_deg[v]:
            continue
        alive[v] = False
        in_core[v] = False
        order.append(v)
        drop = []
        for u in adj[v]:
            if in_core[u]:
                core_deg[u] -= 1
                if core_deg[u] < 2:
                    in_core[u] = False
                    drop.append(u)
                elif candidate[u]:
                    heapq.heappush(heap, (-core_deg[u], u))
        peel(drop)
        for u in adj[v]:
            if in_core[u] and candidate[u]:
                heapq.heappush(heap, (-core_deg[u], u))
    order += _tree_breaking(adj, alive, candidate)
    return order


StrategyFn = Callable[[Adjacency, Sequence[bool]], list[int]]


# --------------------------------------------------------------------------------------------
# The optimiser: whole-sequence search (reverse greedy reinsertion + local search on the order)
# --------------------------------------------------------------------------------------------


def trim_order(adj: Adjacency, order: Sequence[int], candidate: Sequence[bool]) -> list[int]:
    """The prefix of a full ``order`` after which no candidate has an edge to a remaining node."""
    present = [False] * len(adj)
    cut = 0
    for q in range(len(order) - 1, -1, -1):
        v = order[q]
        present[v] = True
        if any(present[u] and (candidate[u] or candidate[v]) for u in adj[v] if u != v):
            cut = q + 1
            break
    return [v for v in order[:cut] if candidate[v]]


def reverse_greedy(
    adj: Adjacency,
    candidate: Sequence[bool],
    prior: Sequence[int] | None = None,
    prefix: int | None = None,
) -> list[int]:
    """Removal order built backwards: re-insert the node that forms the smallest component.

    Starting from the empty network (non-candidates present from the start, as they are never
    removed), the candidate whose re-insertion yields the smallest component goes in next, ties
    going to the node that ``prior`` removes latest. Read backwards this is a removal order that
    keeps every component small for as long as possible — the explosive-percolation idea of
    Clusella et al. (PRL 117:208301, 2016) and the reinsertion step of Braunstein et al. (PNAS
    113:12368, 2016) applied to the whole sequence.

    With ``prefix`` (needs ``prior``) only the first ``prefix`` nodes of ``prior`` are re-ordered
    greedily; the rest keep the prior's order and are inserted first. On large graphs this is
    the classic reinsertion of a dismantling set, at a fraction of the cost.
    """
    n = len(adj)
    rank = [0] * n
    if prior is not None:
        for i, v in enumerate(prior):
            rank[v] = i
    state = Reinsertion(adj)
    insert, cost = state.insert, state.merged_size
    for v in range(n):
        if not candidate[v]:
            insert(v)
    pool = [v for v in range(n) if candidate[v]]
    fixed: list[int] = []
    if prefix is not None and prior is not None:
        head = {v for v in prior[:prefix] if candidate[v]}
        fixed = [v for v in prior if candidate[v] and v not in head]
        for v in reversed(fixed):
            insert(v)
        pool = [v for v in pool if v in head]
    heap = [(cost(v), -rank[v], v) for v in pool]
    heapq.heapify(heap)
    inserted: list[int] = []
    while heap:
        c, r, v = heapq.heappop(heap)
        now = cost(v)
        # Costs only grow as components merge, so every stored key is a lower bound: v is a
        # minimum as soon as its current cost is no larger than the smallest stored key left.
        if heap and (now, r) > heap[0][:2]:
            heapq.heappush(heap, (now, r, v))
            continue
        insert(v)
        inserted.append(v)
    inserted.reverse()
    return trim_order(adj, complete_order(adj, inserted + fixed, candidate), candidate)


def _largest_component(adj: Adjacency, alive: Sequence[bool]) -> list[int]:
    best: list[int] = []
    seen = [False] * len(adj)
    for s in range(len(adj)):
        if alive[s] and not seen[s]:
            seen[s] = True
            comp = [s]
            i = 0
            while i < len(comp):
                x = comp[i]
                i += 1
                for y in adj[x]:
                    if alive[y] and not seen[y]:
                        seen[y] = True
                        comp.append(y)
            if len(comp) > len(best):
                best = comp
    return best


def greedy_lookahead(adj: Adjacency, candidate: Sequence[bool], prior: Sequence[int]) -> list[int]:
    """Remove the candidate of the largest component whose removal leaves the smallest largest
    component (ties to the one ``prior`` removes first). O(N² (N + M)); for small networks only.
    """
    n = len(adj)
    alive = [True] * n
    rank = [n] * n
    for i, v in enumerate(prior):
        rank[v] = i
    order: list[int] = []
    while True:
        lcc = _largest_component(adj, alive)
        if len(lcc) <= 1 or not any(candidate[v] for v in lcc):
            break
        best, best_key = -1, (n + 1, n + 1)
        for v in lcc:
            if not candidate[v]:
                continue
            alive[v] = False
            key = (len(_largest_component(adj, alive)), rank[v])
            alive[v] = True
            if key < best_key:
                best, best_key = v, key
        alive[best] = False
        order.append(best)
    # Whatever is left after the largest components stop holding candidates: adaptive degree.
    rest = adaptive_degree(adj, [candidate[v] and alive[v] for v in range(n)])
    return order + rest


def _window(adj: Adjacency, order: Sequence[int], candidate: Sequence[bool], whole: int = 400) -> int:
    """Length of the part of ``order`` the annealer permutes.

    Up to the last removal of a candidate that still had a tie to a node removed later (after it
    every step costs the same), plus a margin of as many again so that members can be swapped in
    and out of that set; on networks of at most ``whole`` nodes, every candidate.
    """
    cands = sum(1 for v in order if candidate[v])
    if len(adj) <= whole:
        return cands
    return min(cands, 2 * len(trim_order(adj, order, candidate)))


def suffix_state(adj: Adjacency, order: Sequence[int], k: int) -> Reinsertion:
    """The union-find after re-inserting ``order[k:]``: the fixed tail every window evaluation of
    :func:`anneal` starts from."""
    state = Reinsertion(adj)
    for v in reversed(order[k:]):
        state.insert(v)
    return state


def window_cost(base: Reinsertion, window: Sequence[int]) -> int:
    """Σ_{q=1..k} |largest component after q removals| for an order starting with ``window``
    (k = its length) over the fixed tail of ``base`` (:func:`suffix_state`): k re-insertions, not N."""
    state = base.copy()
    insert = state.insert
    total = 0
    for q in range(len(window) - 1, -1, -1):
        total += state.largest  # the largest component after q + 1 removals (window[q] still out)
        insert(window[q])
    return total


@dataclass(frozen=True)
class SearchBudget:
    """How long the annealer searches, scaled to the network.

    ``evaluations`` (None: scaled) is the number of orders tried, so results are reproducible for
    a seed. Scaled, it is what ``base_seconds + per_item_seconds × (N + M)`` (plus a bonus for small
    networks, see :meth:`seconds`) buys at the nominal
    cost of ``overhead_ns`` per evaluation plus ``nominal_ns`` per re-inserted member or tie (measured
    on the 2-core reference machine); ``cap_factor`` × that time is a wall-clock
    safety cap (reached only on a much slower or busier machine, and then reported).
    """

    evaluations: int | None = None
    base_seconds: float = 0.1
    per_item_seconds: float = 10e-6
    small_extra_seconds: float = 0.25
    small_items: int = 2000
    max_seconds: float = 5.0
    nominal_ns: float = 90.0
    overhead_ns: float = 4000.0
    cap_factor: float = 10.0
    t_start: float = 1.5
    t_end: float = 0.05

    def seconds(self, n: int, m: int) -> float:
        """The nominal search time for a network of n nodes and m edges.

        Small networks get up to ``small_extra_seconds`` more, fading out at ``small_items`` nodes
        plus edges: there the whole order is annealed, every evaluation is cheap, and the search
        pays most; a 1,000-member plan stays within its second.
        """
        extra = self.small_extra_seconds * max(0.0, 1.0 - (n + m) / self.small_items)
        return min(self.max_seconds, self.base_seconds + self.per_item_seconds * (n + m) + extra)

    def plan(self, n: int, m: int, units: int) -> tuple[int, float]:
        """(evaluations, wall-clock cap in seconds) for windows costing ``units`` each."""
        if self.evaluations is not None:
            return self.evaluations, float("inf")  # asked for: reproducible, no cap
        secs = self.seconds(n, m)
        evals = int(secs / ((self.overhead_ns + units * self.nominal_ns) * 1e-9))
        # A tiny window has few orders to try: k² moves each tried ~50 times is plenty.
        return min(evals, 50 * units * units), secs * self.cap_factor


def anneal(
    adj: Adjacency,
    order: Sequence[int],
    candidate: Sequence[bool],
    evaluations: int,
    seed: int = 0,
    cap_seconds: float | None = None,
    t_start: float = 1.5,
    t_end: float = 0.05,
) -> tuple[list[int], float, int]:
    """Simulated annealing on the removal order; returns the best full order found, its R and
    the evaluations made (fewer than asked only if ``cap_seconds`` ran out). Never worse than
    ``order``.

    Only the window that matters is permuted (:func:`_window`); the tail's union-find is built
    once, so one evaluation re-inserts the window only. Moves: take a member out and put it back
    elsewhere (mostly nearby), or swap two members. Metropolis acceptance with a geometric
    temperature schedule (in members of the largest component) over the evaluations, so the result
    is reproducible for a seed.
    """
    import math
    import time

    full = list(order)
    k = _window(adj, full, candidate)
    if k < 3 or evaluations <= 0:
        return full, robustness(dismantling_curve(adj, full)), 0
    base = suffix_state(adj, full, k)
    cur = full[:k]
    cur_cost = window_cost(base, cur)
    best, best_cost = cur[:], cur_cost
    rng = random.Random(seed)
    deadline = time.perf_counter() + cap_seconds if cap_seconds is not None else None
    spread = 1.0 + k / 20
    done = 0
    for done in range(1, evaluations + 1):
        if deadline is not None and done % 32 == 0 and time.perf_counter() > deadline:
            break
        temp = t_start * (t_end / t_start) ** (done / evaluations)
        i = rng.randrange(k)
        if rng.random() < 0.8:
            j = min(k - 1, max(0, i + int(round(rng.gauss(0.0, spread)))))
        else:
            j = rng.randrange(k)
        if i == j:
            continue
        trial = cur[:]
        if rng.random() < 0.7:
            trial.insert(j, trial.pop(i))
        else:
            trial[i], trial[j] = trial[j], trial[i]
        cost = window_cost(base, trial)
        if cost <= cur_cost or rng.random() < math.exp((cur_cost - cost) / temp):
            cur, cur_cost = trial, cost
            if cost < best_cost:
                best, best_cost = trial[:], cost
    result = best + full[k:]
    return result, robustness(dismantling_curve(adj, result)), done


def window_units(adj: Adjacency, order: Sequence[int], candidate: Sequence[bool]) -> int:
    """Members plus ties re-inserted by one :func:`window_cost` on ``order``'s window."""
    k = _window(adj, order, candidate)
    return k + sum(len(adj[v]) for v in order[:k])


def optimised(
    adj: Adjacency,
    candidate: Sequence[bool],
    seeds: dict[str, list[int]],
    budget: SearchBudget | None = None,
    seed: int = 0,
    lookahead_limit: int = 250,
    large: int = 3000,
    max_prefix: int = 2000,
) -> tuple[list[int], str]:
    """The best whole-sequence order found; never worse than any seed order.

    Candidates: every seed order, the reverse-greedy order seeded by the best of them, the
    unseeded reverse greedy, and on networks of at most ``lookahead_limit`` nodes the
    one-step-lookahead greedy. The two best are then refined by :func:`anneal`, sharing the
    ``budget`` (default :class:`SearchBudget`: about 0.1 s + 10 µs per node and edge, up to 0.25 s
    more on small networks).
    Returns the trimmed order and a note of where it came from.
    """
    cfg = budget or SearchBudget()
    n = len(adj)
    m = sum(len(a) for a in adj) // 2
    pool: dict[str, list[int]] = {}
    seed_r = {
        name: robustness(dismantling_curve(adj, complete_order(adj, order, candidate)))
        for name, order in seeds.items()
    }
    ranked_seeds = sorted(seeds, key=lambda k: (seed_r[k], k))
    for name in ranked_seeds:
        pool[name] = seeds[name]
    # Reinsertion is seeded by the two best strategies only on small graphs: the others rarely
    # win and each pass costs about as much as a strategy.
    for name in ranked_seeds[: 2 if n <= 500 else 1]:
        full = complete_order(adj, seeds[name], candidate)
        prefix = None
        if n > large:
            # Large graphs: re-order only the dismantling set (until the largest component is
            # below 1 % of N), as in Braunstein et al.; the full pass costs minutes at 10^4
            # nodes. A dismantling set above ``max_prefix`` nodes (dense graphs) is skipped:
            # re-inserting into a giant component costs O(set²) and gains nothing.
            prefix = removals_to_fraction(dismantling_curve(adj, full), 0.01)
            if prefix > max_prefix:
                continue
        pool[f"reinsertion({name})"] = reverse_greedy(adj, candidate, full, prefix)
    if n <= 500:
        pool["reinsertion"] = reverse_greedy(adj, candidate)
    if n <= lookahead_limit and seeds:
        prior = seeds[ranked_seeds[0]]
        pool["lookahead"] = greedy_lookahead(adj, candidate, prior)
    scored = []
    for name, order in pool.items():
        full = complete_order(adj, order, candidate)
        r = seed_r[name] if name in seed_r else robustness(dismantling_curve(adj, full))
        scored.append((r, name, full))
    scored.sort(key=lambda t: (t[0], t[1]))
    best_r, origin, best = scored[0]
    # Anneal the two best starting points (their local optima differ), splitting the budget.
    tops = scored[:2]
    evals, cap = cfg.plan(n, m, window_units(adj, best, candidate))
    temps = (cfg.t_start, cfg.t_end)
    made = asked = 0
    for k, (r0, name, start) in enumerate(tops):
        share = evals // len(tops)
        cand_order, r1, done = anneal(adj, start, candidate, share, seed + k, cap / len(tops), *temps)
        made, asked = made + done, asked + share
        if r1 < best_r - 1e-12:
            best_r, best = r1, cand_order
            origin = f"{name} + annealing" if r1 < r0 - 1e-12 else name
    if made < asked:
        origin += f" (time cap reached after {made} of {asked} evaluations)"
    return trim_order(adj, best, candidate), origin
