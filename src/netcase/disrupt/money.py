"""Money chokepoints: which accounts, collectors and payees to seize to cut the network's revenue.

Fees flow from the families and senders who pay (often in instalments, through money-service
businesses) to collectors and accounts and on to the leadership. Revenue is the maximum flow from
a super-source joined to every payer to a super-sink joined to every leadership node, with the
summed payment amounts as capacities (igraph's push–relabel max-flow).

Two answers are given:

* ``cut_payments``: the minimum s–t cut with amounts as capacities — the payment channels whose
  total equals the whole revenue, i.e. the narrowest place to interdict the money;
* ``seizures``: the nodes to seize within a budget of ``m``. If a minimum *vertex* cut (each
  seizable node costs one seizure, nothing else can be cut) fits in the budget it is used and
  cuts all revenue; otherwise a greedy picks, one at a time, the node whose seizure lowers the
  remaining max-flow the most.

Payers (families and senders of migrants) and protected nodes are never seized.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import igraph as ig


@dataclass(frozen=True)
class Payment:
    """One payment (or summed payments) from ``payer`` to ``payee``, with its statement id."""

    payer: str
    payee: str
    amount: float
    statement_id: str | None = None


@dataclass
class Seizure:
    """A node to seize: how much money passed through it and what seizing it cuts."""

    node: str
    amount_through: float
    revenue_cut: float
    statement_ids: list[str] = field(default_factory=list)


@dataclass
class CutPayment:
    """A payment channel in the minimum cut (amounts summed over its payments)."""

    payer: str
    payee: str
    amount: float
    statement_ids: list[str] = field(default_factory=list)


@dataclass
class MoneyPlan:
    """Revenue before and after the seizures, the seizures, and the min-cut payment channels."""

    revenue: float
    revenue_after: float
    share_cut: float
    method: str
    seizures: list[Seizure]
    cut_payments: list[CutPayment]
    payers: int  # families and senders are counted, never listed
    sinks: list[str]


class _Flows:
    """The payment network with each node split in two (in → out), for vertex cuts."""

    def __init__(self, payments: Sequence[Payment], sources: Iterable[str], sinks: Iterable[str]):
        self.amount: dict[tuple[str, str], float] = {}
        self.statements: dict[tuple[str, str], list[str]] = {}
        for p in payments:
            if not (p.amount >= 0 and math.isfinite(p.amount)):
                raise ValueError(f"payment {p.payer}→{p.payee} has a bad amount: {p.amount!r}")
            if p.payer == p.payee:
                continue
            key = (p.payer, p.payee)
            self.amount[key] = self.amount.get(key, 0.0) + p.amount
            if p.statement_id:
                self.statements.setdefault(key, []).append(p.statement_id)
        names = sorted({n for k in self.amount for n in k})
        self.names = names
        self.index = {n: i for i, n in enumerate(names)}
        self.sources = [s for s in sources if s in self.index]
        self.sinks = [t for t in sinks if t in self.index]
        self.total = sum(self.amount.values())

    def inflow(self, node: str) -> float:
        return sum(a for (u, v), a in self.amount.items() if v == node)

    def outflow(self, node: str) -> float:
        return sum(a for (u, v), a in self.amount.items() if u == node)

    def node_statements(self, node: str) -> list[str]:
        return sorted({s for (u, v), ids in self.statements.items() if node in (u, v) for s in ids})

    def _graph(self, node_cap: dict[str, float], edge_cap: float | None) -> tuple[ig.Graph, list[float], int, int]:
        """Split graph: node i → (2i in, 2i+1 out); S = 2n, T = 2n + 1."""
        n = len(self.names)
        big = self.total * 4 + 1.0
        edges: list[tuple[int, int]] = []
        caps: list[float] = []
        for name, i in self.index.items():
            edges.append((2 * i, 2 * i + 1))
            caps.append(node_cap.get(name, big))
        for (u, v), a in self.amount.items():
            edges.append((2 * self.index[u] + 1, 2 * self.index[v]))
            caps.append(a if edge_cap is None else edge_cap)
        s, t = 2 * n, 2 * n + 1
        for src in self.sources:
            edges.append((s, 2 * self.index[src]))
            caps.append(big)
        for snk in self.sinks:
            edges.append((2 * self.index[snk] + 1, t))
            caps.append(big)
        return ig.Graph(n=2 * n + 2, edges=edges, directed=True), caps, s, t

    def revenue(self, seized: Iterable[str] = ()) -> float:
        """Max flow with amounts as capacities after seizing ``seized`` (their throughput → 0)."""
        if not self.sources or not self.sinks:
            return 0.0
        g, caps, s, t = self._graph({n: 0.0 for n in seized}, None)
        return float(g.maxflow(s, t, capacity=caps).value)

    def min_cut_payments(self) -> list[CutPayment]:
        """The payment channels of the minimum s–t cut with amounts as capacities."""
        if not self.sources or not self.sinks:
            return []
        g, caps, s, t = self._graph({}, None)
        flow = g.maxflow(s, t, capacity=caps)
        n = len(self.names)
        out = []
        for e in flow.cut:
            a, b = g.es[e].tuple
            if a < 2 * n and b < 2 * n and a % 2 == 1 and b % 2 == 0:
                u, v = self.names[a // 2], self.names[b // 2]
                out.append(CutPayment(u, v, self.amount[(u, v)], sorted(self.statements.get((u, v), []))))
        return sorted(out, key=lambda c: -c.amount)

    def min_vertex_cut(self, seizable: set[str]) -> list[str] | None:
        """Fewest seizable nodes separating payers from leadership, or None if none exists."""
        if not self.sources or not self.sinks:
            return []
        g, caps, s, t = self._graph({n: 1.0 for n in seizable}, self.total * 4 + 1.0)
        flow = g.maxflow(s, t, capacity=caps)
        if flow.value >= len(seizable) + 0.5:
            return None  # some payer reaches the leadership without passing a seizable node
        n = len(self.names)
        return sorted(
            self.names[a // 2]
            for a, b in (g.es[e].tuple for e in flow.cut)
            if a < 2 * n and b == a + 1 and a % 2 == 0
        )


def plan_seizures(
    payments: Sequence[Payment],
    budget: int | None = None,
    *,
    sources: Iterable[str] | None = None,
    sinks: Iterable[str] | None = None,
    protected: Iterable[str] = (),
) -> MoneyPlan:
    """Choose up to ``budget`` accounts, collectors or payees to seize (None: as many as needed).

    ``sources`` default to nodes that only pay (families, senders), ``sinks`` to nodes that only
    receive (the leadership's accounts). Neither payers nor ``protected`` nodes are seized.
    """
    payers = {p.payer for p in payments}
    payees = {p.payee for p in payments}
    src = sorted(set(sources) if sources is not None else payers - payees)
    snk = sorted(set(sinks) if sinks is not None else payees - payers)
    flows = _Flows(payments, src, snk)
    shielded = set(protected) | set(src)
    seizable = {n for n in flows.names if n not in shielded}
    revenue = flows.revenue()
    cut = flows.min_vertex_cut(seizable)
    chosen: list[str]
    if cut is not None and (budget is None or len(cut) <= budget):
        chosen, method = cut, "minimum vertex cut (all revenue)"
    else:
        chosen, method = [], "greedy on remaining max-flow (budget below the minimum vertex cut)"
        limit = len(seizable) if budget is None else budget
        remaining = revenue
        while len(chosen) < limit and remaining > 0:
            best = min(
                (flows.revenue([*chosen, n]), n) for n in sorted(seizable - set(chosen))
            ) if seizable - set(chosen) else None
            if best is None or best[0] >= remaining:
                break
            remaining = best[0]
            chosen.append(best[1])
    seizures = []
    before = revenue
    for i, node in enumerate(chosen):
        after = flows.revenue(chosen[: i + 1])
        seizures.append(Seizure(node, flows.inflow(node), before - after, flows.node_statements(node)))
        before = after
    after_all = flows.revenue(chosen)
    return MoneyPlan(
        revenue=revenue,
        revenue_after=after_all,
        share_cut=(revenue - after_all) / revenue if revenue > 0 else 0.0,
        method=method,
        seizures=seizures,
        cut_payments=flows.min_cut_payments(),
        payers=len(src),
        sinks=snk,
    )
