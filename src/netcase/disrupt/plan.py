"""The disruption plan: whom to arrest and what to seize, with the evidence for each choice.

:func:`plan_disruption` is the Python API other stages call. It takes one network as an igraph
Graph whose vertices carry ``name`` (entity id), ``label``, ``role`` (may be None), ``protected``,
``custody`` and ``country`` (ISO alpha-3 or None) — and optionally ``cooperating`` (a cooperating
witness) and ``jurisdiction`` (False: outside every jurisdiction) — with an optional edge
``weight``; plus optional corridors and payments. It returns a :class:`DisruptionPlan`.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import igraph as ig

from netcase.disrupt import dismantle as dm
from netcase.disrupt.capacity import (
    Corridor,
    MemberState,
    OpNetwork,
    RecoveryConfig,
    capacity,
    capacity_after_recovery,
    load_recovery_config,
    parse_roles,
    select_for_capacity,
    simulate_recovery,
)
from netcase.disrupt.money import CutPayment, MoneyPlan, Payment, Seizure, plan_seizures

Objective = Literal["connectivity", "capacity"]

R_DEFINITION = (
    "R = (1/N) * sum_{q=1..N} s(q), s(q) = largest connected component after q removals / N; "
    "N = members at planning time (custody excluded); after a strategy's own order ends (no "
    "targetable node has an edge left) the remaining targetable nodes, then the untargetable "
    "ones, are appended, the same for every strategy. Lower is better."
)

# Roles that make a person someone to protect, never a target.
PROTECTED_ROLES = frozenset({"victim", "migrant", "smuggled_migrant", "victim_witness", "witness"})
# Operational roles a corridor is assumed to need when it comes without an explicit list.
DEFAULT_NEEDS: tuple[str, ...] = (
    "recruiter",
    "guide",
    "driver",
    "stash_house_operator",
    "financier|coordinator|leader",
)

STRATEGY_DESCRIPTIONS = {
    "degree": "adaptive degree: most ties, recomputed after each removal",
    "betweenness": "adaptive betweenness: most shortest paths, recomputed in the affected component",
    "collective_influence": "adaptive collective influence CI_2 (Morone & Makse 2015)",
    "corehd": "CoreHD: highest degree in the 2-core, then tree breaking (Zdeborová et al. 2016)",
    "optimised": "whole-sequence optimiser: reinsertion seeded by every strategy, lookahead, local search",
    "capacity": "greedy on operational capacity with a recovery-aware lookahead",
}


@dataclass(frozen=True)
class Constraints:
    """Who may be targeted, and which targets need a partner country's action."""

    home_countries: frozenset[str] = frozenset({"USA"})
    partner_countries: frozenset[str] = frozenset({"MEX", "GTM", "SLV", "HND"})
    protected_roles: frozenset[str] = PROTECTED_ROLES
    unknown_country_is_home: bool = True


@dataclass
class Target:
    """One person to arrest (in order), with why they were chosen and what it needs."""

    rank: int
    entity_id: str
    label: str
    role: str | None
    country: str | None
    reason: str
    flags: list[str] = field(default_factory=list)
    largest_component_after: float = 0.0
    capacity_after: float | None = None


@dataclass
class StrategyResult:
    """One strategy: its removal order (entity ids, until no edge is left), curve and R."""

    name: str
    description: str
    order: list[str]
    curve: list[float]
    robustness: float
    removals_to_10pct: int
    seconds: float
    capacity_after: float | None = None
    capacity_after_recovery: float | None = None
    note: str = ""


@dataclass
class DisruptionPlan:
    """The plan: targets, every strategy side by side, capacity, money, exclusions and flags."""

    budget: int
    objective: str
    nodes: int
    edges: int
    recommended: str
    targets: list[Target]
    strategies: dict[str, StrategyResult]
    capacity_before: float | None = None
    capacity_after: float | None = None
    capacity_after_recovery: float | None = None
    recovery_example: list[dict[str, Any]] = field(default_factory=list)
    recovery_config: str | None = None
    money: MoneyPlan | None = None
    excluded: dict[str, list[str]] = field(default_factory=dict)
    protected_count: int = 0
    flags: list[str] = field(default_factory=list)
    definition: str = R_DEFINITION

    @property
    def order(self) -> list[str]:
        """The recommended strategy's full removal order."""
        return self.strategies[self.recommended].order

    def to_dict(self, curves: bool = True) -> dict[str, Any]:
        """Plain data for JSON; ``curves=False`` leaves the per-strategy curves out."""
        data = asdict(self)
        if not curves:
            for s in data["strategies"].values():
                s.pop("curve", None)
        data["order"] = self.order
        return data


def plan_from_dict(data: Mapping[str, Any]) -> DisruptionPlan:
    """The plan again from :meth:`DisruptionPlan.to_dict` output (a stored plan's result)."""
    fields = {k: v for k, v in data.items() if k in DisruptionPlan.__dataclass_fields__}
    fields["targets"] = [Target(**t) for t in data["targets"]]
    fields["strategies"] = {
        k: StrategyResult(**{"curve": [], **v}) for k, v in data["strategies"].items()
    }
    money = data.get("money")
    if money is not None:
        fields["money"] = MoneyPlan(**{
            **money,
            "seizures": [Seizure(**z) for z in money["seizures"]],
            "cut_payments": [CutPayment(**c) for c in money["cut_payments"]],
        })
    return DisruptionPlan(**fields)


def _attr(graph: ig.Graph, name: str, default: Any) -> list[Any]:
    if name in graph.vs.attributes():
        return [default if v is None else v for v in graph.vs[name]]
    return [default] * graph.vcount()


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "y", "t")
    return bool(value) and value == value  # NaN (GraphML's missing number) is not True


def _corridors(raw: Iterable[Corridor | Mapping[str, Any]] | None) -> list[Corridor | Mapping[str, Any]]:
    return list(raw or [])


def _to_corridor(c: Corridor | Mapping[str, Any], roles_by_name: Mapping[str, frozenset[str]]) -> Corridor:
    """A Corridor from a dataclass or a dict (``netcase.graph.network_corridors`` rows work)."""
    if isinstance(c, Corridor):
        return c
    cid = str(c.get("id") or c.get("corridor") or "corridor")
    people = float(c.get("people", c.get("people_moved", 1.0)) or 0.0)
    members = c.get("members")
    member_set = frozenset(str(m) for m in members) if members is not None else None
    needs = c.get("needs")
    if not needs:
        held: set[str] = set()
        for m in member_set if member_set is not None else roles_by_name:
            held |= roles_by_name.get(m, frozenset())
        needs = [n for n in DEFAULT_NEEDS if set(n.split("|")) & held]
    return Corridor(cid, tuple(str(n) for n in needs), people, member_set)


def _to_payments(p: Payment | Mapping[str, Any]) -> list[Payment]:
    """Payment hops from a Payment or a dict.

    A ``netcase.graph.network_payments`` row becomes the chain payer → payer's account →
    beneficiary's account → beneficiary (the parts that are known), each hop carrying the
    amount and the statement id; a dict with ``payer``/``payee``/``amount`` is one hop.
    """
    if isinstance(p, Payment):
        return [p]
    amount = p.get("amount")
    if amount is None:
        return []
    chain = [
        p.get("payer"),
        p.get("payer_account"),
        p.get("beneficiary_account"),
        p.get("payee") or p.get("beneficiary"),
    ]
    nodes = [str(x) for x in chain if x]
    nodes = [x for i, x in enumerate(nodes) if i == 0 or x != nodes[i - 1]]
    sid = p.get("statement_id")
    return [Payment(a, b, float(amount), sid) for a, b in zip(nodes, nodes[1:], strict=False)]


def plan_disruption(
    graph: ig.Graph,
    budget: int = 5,
    *,
    objective: Objective = "connectivity",
    corridors: Iterable[Corridor | Mapping[str, Any]] | None = None,
    payments: Iterable[Payment | Mapping[str, Any]] | None = None,
    account_budget: int | None = None,
    leadership: Iterable[str] | None = None,
    recovery: RecoveryConfig | None = None,
    constraints: Constraints | None = None,
    strategies: Sequence[str] | None = None,
    betweenness: dm.BetweennessSettings | None = None,
    search: dm.SearchBudget | None = None,
    seed: int = 0,
) -> DisruptionPlan:
    """Plan arrests (``budget`` people) and seizures (``account_budget`` accounts) for one network.

    Members in custody are removed before planning; protected people (victims, migrants),
    cooperating witnesses and members outside every jurisdiction are never targets; members in a
    partner country are targets flagged for partner action or an extradition request. Every
    strategy is run and scored with the same R; ``objective='connectivity'`` recommends the one
    with the lowest R, ``objective='capacity'`` (needs corridors) the capacity greedy.
    """
    if budget < 0:
        raise ValueError("the budget must be ≥ 0")
    if objective not in ("connectivity", "capacity"):
        raise ValueError(f"unknown objective {objective!r} (connectivity or capacity)")
    cons = constraints or Constraints()
    names_all = [str(x) for x in _attr(graph, "name", None)]
    names_all = [n if n != "None" else str(i) for i, n in enumerate(names_all)]
    labels_all = [str(x) for x in _attr(graph, "label", None)]
    labels_all = [lab if lab != "None" else names_all[i] for i, lab in enumerate(labels_all)]
    roles_all = _attr(graph, "role", None)
    custody_all = [_truthy(x) for x in _attr(graph, "custody", False)]
    keep = [i for i in range(graph.vcount()) if not custody_all[i]]
    excluded: dict[str, list[str]] = {
        "custody": [names_all[i] for i in range(graph.vcount()) if custody_all[i]],
        "cooperating": [],
        "outside_jurisdiction": [],
    }
    g = graph.induced_subgraph(keep, implementation="create_from_scratch")
    n = g.vcount()
    names = [names_all[i] for i in keep]
    labels = [labels_all[i] for i in keep]
    roles = [parse_roles(roles_all[i]) for i in keep]
    countries = [(str(c).upper() if c not in (None, "") else None) for c in _attr(g, "country", None)]
    protected = [
        _truthy(p) or bool(r & cons.protected_roles)
        for p, r in zip(_attr(g, "protected", False), roles, strict=True)
    ]
    cooperating = [_truthy(x) for x in _attr(g, "cooperating", False)]
    jurisdiction_attr = _attr(g, "jurisdiction", None)
    candidate = [True] * n
    protected_count = 0  # victims and migrants are counted, never listed
    partner_flag: dict[int, str] = {}
    for v in range(n):
        country = countries[v]
        explicit = jurisdiction_attr[v]
        in_scope = (
            _truthy(explicit)
            if explicit is not None and explicit == explicit
            else (
                (country is None and cons.unknown_country_is_home)
                or country in cons.home_countries
                or country in cons.partner_countries
            )
        )
        if protected[v]:
            candidate[v] = False
            protected_count += 1
        elif cooperating[v]:
            candidate[v] = False
            excluded["cooperating"].append(names[v])
        elif not in_scope:
            candidate[v] = False
            excluded["outside_jurisdiction"].append(names[v])
        elif country in cons.partner_countries and country not in cons.home_countries:
            partner_flag[v] = f"needs partner action or extradition request ({country})"

    adj = dm.simple_adjacency(g)
    m_edges = sum(len(a) for a in adj) // 2

    runners: dict[str, Callable[[dm.Adjacency, Sequence[bool]], list[int]]] = {
        "degree": dm.adaptive_degree,
        "betweenness": lambda a, c: dm.adaptive_betweenness(
            a, c, betweenness or dm.BetweennessSettings(seed=seed)
        ),
        "collective_influence": dm.collective_influence,
        "corehd": dm.core_hd,
    }
    wanted = list(strategies or [*runners, "optimised"])
    orders: dict[str, list[int]] = {}
    seconds: dict[str, float] = {}
    notes: dict[str, str] = {}
    for name in wanted:
        if name in runners:
            t0 = time.perf_counter()
            orders[name] = runners[name](adj, candidate)
            seconds[name] = time.perf_counter() - t0
        elif name not in ("optimised", "capacity"):
            raise ValueError(f"unknown strategy {name!r}")
    if "optimised" in wanted:
        t0 = time.perf_counter()
        orders["optimised"], notes["optimised"] = dm.optimised(
            adj, candidate, {k: v for k, v in orders.items()}, search, seed
        )
        seconds["optimised"] = time.perf_counter() - t0 + sum(seconds.values())
        notes["optimised"] = "best start: " + notes["optimised"] + " (time includes the seed strategies)"

    # ----- capacity model
    weights = g.es["weight"] if "weight" in g.es.attributes() else [1.0] * g.ecount()
    op_adj: list[dict[int, float]] = [{} for _ in range(n)]
    for e, (a, b) in enumerate(g.get_edgelist()):
        if a != b:
            w = float(weights[e]) if weights[e] is not None else 1.0
            op_adj[a][b] = op_adj[a].get(b, 0.0) + w
            op_adj[b][a] = op_adj[b].get(a, 0.0) + w
    roles_by_name = {names[v]: roles[v] for v in range(n)}
    corridor_list = [_to_corridor(c, roles_by_name) for c in _corridors(corridors)]
    net = OpNetwork(names, op_adj, roles, protected, corridor_list) if corridor_list else None
    cfg = recovery or load_recovery_config()
    if objective == "capacity" and net is None:
        raise ValueError("objective=capacity needs corridors (with the roles each one needs)")

    capacity_picks: list[tuple[int, float, float]] = []
    if net is not None and objective == "capacity":
        t0 = time.perf_counter()
        capacity_picks = select_for_capacity(net, candidate, budget, cfg)
        chosen = [v for v, _, _ in capacity_picks]
        base = orders.get("optimised") or next(iter(orders.values()), [])
        # After the capacity picks, continue with the best connectivity order for the curve.
        orders["capacity"] = [*chosen, *[v for v in base if v not in set(chosen)]]
        orders["capacity"] = dm.trim_order(adj, dm.complete_order(adj, orders["capacity"], candidate), candidate)
        seconds["capacity"] = time.perf_counter() - t0
        notes["capacity"] = f"first {len(chosen)} by capacity, then the optimised order"

    results: dict[str, StrategyResult] = {}
    for name, order in orders.items():
        full = dm.complete_order(adj, order, candidate)
        curve = dm.dismantling_curve(adj, full)
        res = StrategyResult(
            name=name,
            description=STRATEGY_DESCRIPTIONS.get(name, name),
            order=[names[v] for v in order],
            curve=[c / n for c in curve] if n else [0.0],
            robustness=dm.robustness(curve),
            removals_to_10pct=dm.removals_to_fraction(curve, 0.1),
            seconds=round(seconds.get(name, 0.0), 4),
            note=notes.get(name, ""),
        )
        if net is not None:
            first = order[:budget]
            res.capacity_after = capacity(net, MemberState.start(net, first))
            res.capacity_after_recovery = capacity_after_recovery(net, first, cfg)
        results[name] = res

    if objective == "capacity":
        recommended = "capacity"
    else:
        recommended = min(results, key=lambda k: (results[k].robustness, k != "optimised", k))

    # ----- targets with their reasons
    index = {name: v for v, name in enumerate(names)}
    rec_order = [index[x] for x in results[recommended].order]
    shares = results[recommended].curve
    targets: list[Target] = []
    for q, v in enumerate(rec_order[:budget], start=1):
        before, after = shares[q - 1], shares[q]
        role_text = ", ".join(sorted(roles[v])) or "no recorded role"
        if recommended == "capacity" and q <= len(capacity_picks):
            _, cap_now, cap_rec = capacity_picks[q - 1]
            reason = (
                f"capacity pick {q}: leaves {cap_now:.0%} of people-moving capacity right after the arrests "
                f"and {cap_rec:.0%} after recovery; {role_text}"
            )
        else:
            reason = (
                f"removal {q} of {recommended}: largest connected group {before:.0%} → {after:.0%} of "
                f"{n} members; {role_text}; degree {len(adj[v])}"
            )
        cap_after = None
        if net is not None:
            cap_after = capacity(net, MemberState.start(net, rec_order[:q]))
        targets.append(
            Target(
                rank=q,
                entity_id=names[v],
                label=labels[v],
                role=",".join(sorted(roles[v])) or None,
                country=countries[v],
                reason=reason,
                flags=[partner_flag[v]] if v in partner_flag else [],
                largest_component_after=after,
                capacity_after=cap_after,
            )
        )

    plan = DisruptionPlan(
        budget=budget,
        objective=objective,
        nodes=n,
        edges=m_edges,
        recommended=recommended,
        targets=targets,
        strategies=results,
        excluded=excluded,
        protected_count=protected_count,
        recovery_config=cfg.source if net is not None else None,
    )
    if net is not None:
        first = rec_order[:budget]
        plan.capacity_before = capacity(net, MemberState.start(net))
        plan.capacity_after = capacity(net, MemberState.start(net, first))
        plan.capacity_after_recovery = capacity_after_recovery(net, first, cfg)
        _, history = simulate_recovery(net, first, cfg, cfg.seed)
        plan.recovery_example = [
            {
                "removed": names[h.removed],
                "role": h.role,
                "successor": names[h.successor],
                "round": h.round,
                "new_ties": h.new_ties,
            }
            for h in history
        ]
    if payments is not None:
        pays = [hop for x in payments for hop in _to_payments(x)]
        if pays:
            shield = {names[v] for v in range(n) if protected[v] or cooperating[v]}
            plan.money = plan_seizures(pays, account_budget, sinks=leadership, protected=shield)
    if any(t.flags for t in targets):
        plan.flags.append("some targets are in partner countries: coordinate with the partner or request extradition")
    if len(targets) < budget:
        plan.flags.append(f"only {len(targets)} targetable members have ties left; budget {budget} not used up")
    return plan


def plan_for_network(
    db: str | Any,
    network_id: str,
    *,
    viewer: Any | None = None,
    budget: int = 5,
    objective: Objective = "connectivity",
    account_budget: int | None = None,
    recovery: RecoveryConfig | None = None,
) -> DisruptionPlan:
    """Plan for a stored network: reads its graph, corridors and payments through the graph stage.

    ``db`` is a store URL or an open Store; ``viewer`` defaults to the local analyst, so the
    access policy decides what the plan can see. Raises LookupError for an unknown network or one
    with no member visible to the viewer, ValueError for ``objective='capacity'`` on a network
    without corridors. To plan *and store* (with who made it and the inputs), as every caller
    should, use :func:`netcase.disrupt.plans.plan_network`.
    """
    from netcase.access.viewer import Viewer
    from netcase.graph import network_corridors, network_graph, network_payments
    from netcase.graph.read import network_exists
    from netcase.store import open_store

    store = open_store(db) if isinstance(db, str) else db
    try:
        who = viewer or Viewer.local()
        if not network_exists(store, network_id):
            raise LookupError(f"no network {network_id!r} in this store (see `netcase networks`)")
        graph = network_graph(store, network_id, who)
        if graph.vcount() == 0:
            raise LookupError(f"no members of network {network_id!r} are visible to you")
        if "country" in graph.vs.attributes():
            from netcase.model.country import iso_alpha3

            # The jurisdiction rules speak ISO alpha-3; older graph runs may carry alpha-2 codes,
            # which would put every member "outside jurisdiction".
            graph.vs["country"] = [iso_alpha3(str(c)) if c else None for c in graph.vs["country"]]
        corridors = network_corridors(store, network_id, who)
        payments = network_payments(store, network_id, who)
    finally:
        if isinstance(db, str):
            store.close()
    usable = [c for c in corridors if c.get("people_moved")]
    if objective == "capacity" and not usable:
        raise ValueError(f"network {network_id} has no corridors with people moved: use objective=connectivity")
    return plan_disruption(
        graph,
        budget,
        objective=objective,
        corridors=usable or None,
        payments=payments or None,
        account_budget=account_budget,
        recovery=recovery,
    )
