"""Operational capacity of a smuggling network, and how it recovers after arrests.

A network moves people along *corridors* (e.g. Huehuetenango → Tapachula → Reynosa → McAllen
stash houses). A corridor works only while every role it needs — recruiter, guide, driver,
stash-house operator, a financier or coordinator — is held by a member, and those members can
still reach one another. Connectivity alone misses this: a network that loses all its drivers, or
its only financier, cannot move people even while it stays connected.

Capacity left = Σ people moved on operational corridors / Σ people moved on all corridors, where a
corridor is *operational* when one connected component of the remaining network (the corridor's
core) holds, for each needed role, a remaining member who holds that role and serves the corridor.

Recovery follows Duijn, Kashirin & Sloot (Sci. Rep. 4:4238, 2014): the remaining member best tied
to a removed one takes over its role and corridors and forms ties with the removed member's
contacts. Rules and rates live in ``recovery.toml``.
"""

from __future__ import annotations

import random
import tomllib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from importlib import resources
from pathlib import Path
from typing import Any

ROLE_SEPARATORS = (";", ",", "/")
# The vacancy left by an arrested member who held no role: someone still takes over the ties.
POSITION = "(position)"


def parse_roles(value: object) -> frozenset[str]:
    """Roles of a member from an attribute value: None, a string (``"driver; guide"``) or a list."""
    if value is None:
        return frozenset()
    items: Iterable[object]
    if isinstance(value, str):
        text = value
        for sep in ROLE_SEPARATORS:
            text = text.replace(sep, "\n")
        items = text.splitlines()
    elif isinstance(value, Iterable):
        items = value
    else:
        items = [value]
    return frozenset(str(r).strip().lower() for r in items if str(r).strip())


@dataclass(frozen=True)
class Corridor:
    """A route the network serves.

    ``needs`` lists the roles it cannot run without; an entry may offer alternatives
    (``"financier|coordinator"``: either one suffices). ``people`` is the number of people moved
    (the corridor's weight). ``members`` are the entity ids serving it; None means any member.
    """

    id: str
    needs: tuple[str, ...]
    people: float = 1.0
    members: frozenset[str] | None = None

    def requirements(self) -> list[frozenset[str]]:
        """Each needed role as a set of acceptable alternatives (lower case)."""
        return [frozenset(a.strip().lower() for a in need.split("|") if a.strip()) for need in self.needs]


@dataclass(frozen=True)
class RecoveryConfig:
    """Rules and rates of the recovery simulation (see ``recovery.toml`` for their meaning)."""

    rounds: int = 3
    replacement_rate: float = 0.5
    min_ties: float = 1
    max_distance: int = 2
    new_tie_rate: float = 0.7
    protected_can_replace: bool = False
    runs: int = 20
    seed: int = 0
    source: str = "built-in defaults"

    def __post_init__(self) -> None:
        for name in ("replacement_rate", "new_tie_rate"):
            v = getattr(self, name)
            if not 0.0 <= v <= 1.0:
                raise ValueError(f"recovery.{name} must be between 0 and 1, not {v}")
        if self.rounds < 0 or self.runs < 1 or self.max_distance < 1:
            raise ValueError("recovery.rounds must be ≥ 0, runs ≥ 1 and max_distance ≥ 1")


def load_recovery_config(path: str | Path | None = None) -> RecoveryConfig:
    """Read the recovery rules from a TOML file (default: the packaged ``recovery.toml``)."""
    if path is None:
        text = resources.files("netcase.disrupt").joinpath("recovery.toml").read_text(encoding="utf-8")
        source = "netcase/disrupt/recovery.toml"
    else:
        text = Path(path).read_text(encoding="utf-8")
        source = str(path)
    data: dict[str, Any] = tomllib.loads(text).get("recovery", {})
    known = set(RecoveryConfig.__dataclass_fields__) - {"source"}
    unknown = set(data) - known
    if unknown:
        raise ValueError(f"unknown recovery settings in {source}: {', '.join(sorted(unknown))}")
    return RecoveryConfig(**data, source=source)


@dataclass
class OpNetwork:
    """The members as the capacity model sees them (indices as in the dismantling adjacency)."""

    names: list[str]
    adj: list[dict[int, float]]  # neighbour → tie weight
    roles: list[frozenset[str]]
    protected: list[bool]
    corridors: list[Corridor]
    serves: list[set[int]] = field(default_factory=list)  # corridor indices each member serves

    def __post_init__(self) -> None:
        if not self.serves:
            index = {name: i for i, name in enumerate(self.names)}
            self.serves = [set() for _ in self.names]
            for c, corridor in enumerate(self.corridors):
                if corridor.members is None:
                    for i in range(len(self.names)):
                        if not self.protected[i]:
                            self.serves[i].add(c)
                else:
                    for name in corridor.members:
                        if name in index:
                            self.serves[index[name]].add(c)


@dataclass
class MemberState:
    """What changes during recovery: who is present, their roles, corridors and ties.

    Roles, corridors and ties start as the network's own objects and are copied only for the
    members that change (copy on write), so a recovery run on 1,000 members copies a handful.
    """

    alive: list[bool]
    roles: list[set[str]] | list[frozenset[str]]
    serves: list[set[int]]
    adj: list[dict[int, float]]
    owned: set[int] = field(default_factory=set)

    @classmethod
    def start(cls, net: OpNetwork, removed: Iterable[int] = ()) -> MemberState:
        alive = [True] * len(net.names)
        for v in removed:
            alive[v] = False
        return cls(alive=alive, roles=list(net.roles), serves=list(net.serves), adj=list(net.adj))

    def _own(self, v: int) -> None:
        if v not in self.owned:
            self.owned.add(v)
            self.roles[v] = set(self.roles[v])  # type: ignore[call-overload]
            self.serves[v] = set(self.serves[v])
            self.adj[v] = dict(self.adj[v])

    def take_over(self, v: int, role: str, corridors: set[int]) -> None:
        """Member v takes ``role`` and serves ``corridors`` too."""
        self._own(v)
        self.roles[v].add(role)  # type: ignore[union-attr]
        self.serves[v] |= corridors

    def tie(self, a: int, b: int, weight: float) -> None:
        """A new tie between a and b."""
        self._own(a)
        self._own(b)
        self.adj[a][b] = weight
        self.adj[b][a] = weight


def _component_labels(adj: Sequence[dict[int, float]], alive: Sequence[bool]) -> list[int]:
    label = [-1] * len(adj)
    c = 0
    for s in range(len(adj)):
        if not alive[s] or label[s] >= 0:
            continue
        label[s] = c
        stack = [s]
        while stack:
            x = stack.pop()
            for y in adj[x]:
                if alive[y] and label[y] < 0:
                    label[y] = c
                    stack.append(y)
        c += 1
    return label


def operational(net: OpNetwork, state: MemberState) -> list[bool]:
    """For each corridor, whether some component of the remaining network covers all its needs."""
    label = _component_labels(state.adj, state.alive)
    covered: dict[tuple[int, int], set[str]] = {}
    for v, ok in enumerate(state.alive):
        if not ok or not state.roles[v] or net.protected[v]:
            continue
        for c in state.serves[v]:
            covered.setdefault((c, label[v]), set()).update(state.roles[v])
    by_corridor: dict[int, list[set[str]]] = {}
    for (c, _), roles in covered.items():
        by_corridor.setdefault(c, []).append(roles)
    status = []
    for c, corridor in enumerate(net.corridors):
        reqs = corridor.requirements()
        status.append(any(all(req & roles for req in reqs) for roles in by_corridor.get(c, [])))
    return status


def capacity(net: OpNetwork, state: MemberState) -> float:
    """Share of people moved (corridor weights) on corridors that are still operational."""
    total = sum(c.people for c in net.corridors)
    if total <= 0:
        return 0.0
    return sum(c.people for c, ok in zip(net.corridors, operational(net, state), strict=True) if ok) / total


@dataclass(frozen=True)
class Replacement:
    """One step of recovery: ``successor`` took ``role`` of ``removed`` in ``round``."""

    removed: int
    role: str
    successor: int
    round: int
    new_ties: int


def _distance_within(adj: Sequence[dict[int, float]], start: int, limit: int) -> dict[int, int]:
    dist = {start: 0}
    frontier = [start]
    for d in range(1, limit + 1):
        nxt = []
        for x in frontier:
            for y in adj[x]:
                if y not in dist:
                    dist[y] = d
                    nxt.append(y)
        frontier = nxt
    return dist


def likely_successor(net: OpNetwork, state: MemberState, removed: int, config: RecoveryConfig) -> int:
    """The remaining member who would take over from ``removed`` (−1 if nobody can).

    Most ties to the removed member in the network before the arrests (summed edge weight), then
    most common contacts, then most current ties, then lowest index; within ``max_distance``
    steps, at least ``min_ties`` for direct contacts, never a protected person unless allowed.
    """
    dist = _distance_within(net.adj, removed, config.max_distance)
    best, best_key = -1, None
    for u, d in dist.items():
        if u == removed or not state.alive[u] or (net.protected[u] and not config.protected_can_replace):
            continue
        ties = net.adj[removed].get(u, 0.0)
        if d == 1 and ties < config.min_ties:
            continue
        common = sum(1 for w in net.adj[removed] if w in state.adj[u])
        key = (ties, common, len(state.adj[u]), -u)
        if best_key is None or key > best_key:
            best, best_key = u, key
    return best


def simulate_recovery(
    net: OpNetwork,
    removed: Sequence[int],
    config: RecoveryConfig,
    seed: int,
    heirs: dict[int, int] | None = None,
) -> tuple[MemberState, list[Replacement]]:
    """Let the network adapt for ``config.rounds`` rounds after ``removed`` are arrested.

    Each round, each vacancy (a role of a removed member, or its position if it had none) is filled with
    probability ``replacement_rate`` by the remaining member with most ties to the removed one in
    the network before the arrests (ties: summed edge weight; then common contacts; then degree;
    then index), within ``max_distance`` steps and with at least ``min_ties``. The successor takes
    the role and the removed member's corridors, and each remaining former contact of the removed
    member links to the successor with probability ``new_tie_rate``. Seeded, hence reproducible.

    Successors are chosen on the network right after the arrests (``heirs``: removed → successor,
    computed here when not given, so repeated runs can share it); which vacancies fill, and when,
    and which new ties form, are the random part.
    """
    rng = random.Random(seed)
    state = MemberState.start(net, removed)
    if heirs is None:
        heirs = successors(net, removed, config)
    # Every arrested member leaves a vacancy — each of its roles, or its bare position when it
    # has none: a broker who held no corridor role still tied cells to their financiers.
    vacancies = [(v, role) for v in removed for role in (sorted(net.roles[v]) or [POSITION])]
    history: list[Replacement] = []
    for rnd in range(1, config.rounds + 1):
        open_ = []
        for v, role in vacancies:
            if rng.random() >= config.replacement_rate:
                open_.append((v, role))
                continue
            best = heirs.get(v, -1)
            if best < 0:
                open_.append((v, role))
                continue
            if role != POSITION:
                state.take_over(best, role, net.serves[v])
            made = 0
            for w, weight in net.adj[v].items():
                if w != best and state.alive[w] and w not in state.adj[best] and rng.random() < config.new_tie_rate:
                    state.tie(best, w, weight)
                    made += 1
            history.append(Replacement(v, role, best, rnd, made))
        vacancies = open_
    return state, history


def successors(net: OpNetwork, removed: Sequence[int], config: RecoveryConfig) -> dict[int, int]:
    """Who would step in for each removed member, on the network right after the arrests."""
    state = MemberState.start(net, removed)
    return {v: likely_successor(net, state, v, config) for v in removed}


def capacity_after_recovery(
    net: OpNetwork, removed: Sequence[int], config: RecoveryConfig, runs: int | None = None
) -> float:
    """Mean capacity over ``runs`` seeded recovery runs (seeds ``config.seed`` + i)."""
    runs = runs or config.runs
    heirs = successors(net, removed, config)
    total = 0.0
    for i in range(runs):
        state, _ = simulate_recovery(net, removed, config, config.seed + i, heirs)
        total += capacity(net, state)
    return total / runs


def _reliance(net: OpNetwork, state: MemberState) -> list[float]:
    """How much operational corridors lean on each member: Σ people / holders, per role held."""
    status = operational(net, state)
    holders: dict[tuple[int, int], list[int]] = {}
    for c, corridor in enumerate(net.corridors):
        if not status[c]:
            continue
        for r, req in enumerate(corridor.requirements()):
            holders[(c, r)] = [
                u for u, ok in enumerate(state.alive) if ok and c in state.serves[u] and req & state.roles[u]
            ]
    score = [0.0] * len(state.alive)
    for (c, _), members in holders.items():
        for u in members:
            score[u] += net.corridors[c].people / len(members)
    return score


def _sole_holder_loss(net: OpNetwork, state: MemberState) -> dict[int, float]:
    """Capacity lost if each member vanished without splitting its component.

    A corridor stops when every component that runs it loses a needed role; for a member who is
    not a cut vertex that happens only where they are the sole holder of a needed role in the
    only component that runs the corridor.
    """
    total = sum(c.people for c in net.corridors)
    if total <= 0:
        return {}
    label = _component_labels(state.adj, state.alive)
    loss: dict[int, float] = {}
    for c, corridor in enumerate(net.corridors):
        reqs = corridor.requirements()
        holders: dict[int, list[list[int]]] = {}
        for v, ok in enumerate(state.alive):
            if not ok or net.protected[v] or c not in state.serves[v] or not state.roles[v]:
                continue
            per = holders.setdefault(label[v], [[] for _ in reqs])
            for r, req in enumerate(reqs):
                if req & state.roles[v]:
                    per[r].append(v)
        running = [k for k, per in holders.items() if all(per)]
        if len(running) != 1:
            continue  # not running, or run by two components: one member cannot stop it
        critical = {per[0] for per in holders[running[0]] if len(per) == 1}
        for v in critical:
            loss[v] = loss.get(v, 0.0) + corridor.people / total
    return loss


def _articulation_points(state: MemberState) -> set[int]:
    import igraph as ig

    edges = [
        (v, u) for v, nbrs in enumerate(state.adj) if state.alive[v] for u in nbrs if u > v and state.alive[u]
    ]
    return set(ig.Graph(n=len(state.adj), edges=edges).articulation_points())


def select_for_capacity(
    net: OpNetwork,
    candidate: Sequence[bool],
    budget: int,
    config: RecoveryConfig,
    *,
    shortlist: int = 5,
    lookahead_runs: int = 6,
) -> list[tuple[int, float, float]]:
    """Greedy targets for ``objective=capacity``: (index, capacity right after, after recovery).

    Each step ranks candidates by the capacity left right after removing them (ties: how much
    operational corridors lean on them, then degree), keeps a short list, and picks the one whose
    removal leaves the least capacity *after recovery* (a recovery-aware lookahead over
    ``lookahead_runs`` seeded runs); the likely successors of those already chosen join the
    short list, since arresting the heir blocks the recovery. Only members who hold a role an operational corridor needs,
    or whose removal splits a component (articulation points), can lower capacity at once; the
    rest are ranked by reliance and degree alone.
    """
    chosen: list[int] = []
    out: list[tuple[int, float, float]] = []
    quick = replace(config, runs=lookahead_runs)
    for _ in range(budget):
        state = MemberState.start(net, chosen)
        pool = [v for v in range(len(net.names)) if candidate[v] and state.alive[v] and state.adj[v]]
        if not pool:
            break
        reliance = _reliance(net, state)
        current = capacity(net, state)
        cuts = _articulation_points(state)
        sole = _sole_holder_loss(net, state)
        ranked = []
        for v in pool:
            cap = current
            if v in cuts and reliance[v] > 0:
                state.alive[v] = False
                cap = capacity(net, state)
                state.alive[v] = True
            elif v in cuts:
                # A cut vertex holding no needed role can still split a corridor's core.
                state.alive[v] = False
                cap = capacity(net, state)
                state.alive[v] = True
            else:
                # Not a cut vertex: its component stays connected without it, so only the
                # corridors for which it is the sole holder of a needed role can stop.
                cap = current - sole.get(v, 0.0)
            ranked.append((cap, -reliance[v], -len(state.adj[v]), v))
        ranked.sort()
        # Recovery-aware: whoever would step in for an arrested member is worth a look too.
        heirs = {likely_successor(net, state, r, config) for r in chosen}
        short = ranked[:shortlist] + [t for t in ranked[shortlist:] if t[3] in heirs]
        best: tuple[tuple[float, float, int], int, float, float] | None = None
        for pos, (cap, _, _, v) in enumerate(short):
            after = capacity_after_recovery(net, [*chosen, v], quick) if quick.rounds else cap
            key = (after, cap, pos)
            if best is None or key < best[0]:
                best = (key, v, cap, after)
        assert best is not None
        chosen.append(best[1])
        out.append((best[1], best[2], best[3]))
    return out
