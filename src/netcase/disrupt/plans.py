"""Stored disruption plans: save a plan with who made it, on what and with which inputs; list and
show it again later. Every save and every read is written to the audit log.

:func:`plan_network` makes a plan for a stored network and stores it: the one entry point for every
caller (``netcase disrupt --db``, the API and the web), so that every plan made is on record.

A plan was computed from what its maker could see, so it is shown only to viewers who may read
plans (``read:plans``) and hold every compartment the maker held (the system sees all).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from typing import Any

from netcase.access.viewer import Viewer
from netcase.disrupt.capacity import RecoveryConfig
from netcase.disrupt.plan import Constraints, DisruptionPlan, Objective, plan_for_network
from netcase.store import Store

_SUMMARY = (
    "plan_id, created_at, made_by, agency, country, compartments, source, network_id, graph_run, graph_file, "
    "budget, objective, recommended, robustness, members, targets"
)


def _json(data: Any) -> str:
    def default(obj: Any) -> Any:
        if isinstance(obj, set | frozenset):
            return sorted(obj)
        if isinstance(obj, datetime):
            return obj.isoformat()
        raise TypeError(f"cannot store {type(obj).__name__} in a plan")

    return json.dumps(data, default=default, ensure_ascii=False, sort_keys=True)


def plan_inputs(
    *,
    budget: int,
    objective: str,
    account_budget: int | None = None,
    recovery: RecoveryConfig | None = None,
    constraints: Constraints | None = None,
    seed: int = 0,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The inputs of a plan as plain data: what someone re-running or auditing it needs."""
    return {
        "budget": budget,
        "objective": objective,
        "account_budget": account_budget,
        "recovery": asdict(recovery) if recovery is not None else None,
        "constraints": asdict(constraints or Constraints()),
        "seed": seed,
        **dict(extra or {}),
    }


def _authorize(viewer: Viewer) -> None:
    from netcase.access.errors import AccessDenied
    from netcase.access.policy import decide

    decision = decide(viewer, "read:plans")
    if not decision.allowed:
        raise AccessDenied(f"disruption plans: {decision.reason}")


def save_plan(
    store: Store,
    plan: DisruptionPlan,
    *,
    viewer: Viewer,
    inputs: Mapping[str, Any],
    network_id: str | None = None,
    graph_file: str | None = None,
    now: datetime | None = None,
) -> str:
    """Store ``plan`` (made by ``viewer`` with ``inputs``) and audit it; returns the new plan id.

    The graph run is the network's latest build run (``networks.last_run``), so a later rebuild does
    not change what the plan was made on. Plan and audit entry are written in one transaction.
    """
    at = (now or datetime.now(UTC)).replace(tzinfo=None)
    plan_id = "plan-" + uuid.uuid4().hex[:16]
    graph_run = None
    if network_id is not None:
        graph_run = store.scalar("SELECT last_run FROM networks WHERE network_id = ?", (network_id,))
    source = "network" if network_id is not None else "graph-file"
    rec = plan.strategies[plan.recommended]
    row = (
        plan_id, at, viewer.user, viewer.agency, viewer.country, _json(sorted(viewer.compartments)), source,
        network_id, graph_run, graph_file, plan.budget, plan.objective, plan.recommended, rec.robustness,
        plan.nodes, len(plan.targets), _json(dict(inputs)), _json(plan.to_dict(curves=True)),
    )
    from netcase.access.audit import record

    with store.transaction():
        store.execute(
            "INSERT INTO disrupt_plans (plan_id, created_at, made_by, agency, country, compartments, source, "
            "network_id, graph_run, graph_file, budget, objective, recommended, robustness, members, targets, "
            "inputs, result) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            row,
        )
        # Ids and figures only: never a person's name in the audit log.
        record(store, viewer, "plan:disrupt", object_type="disrupt_plan", object_id=plan_id, now=now,
               details={"network_id": network_id, "graph_run": graph_run, "budget": plan.budget,
                        "objective": plan.objective, "targets": len(plan.targets)})
    return plan_id


@dataclass
class MadePlan:
    """A plan made by :func:`plan_network` and the id it is stored under (None: not stored)."""

    plan: DisruptionPlan
    plan_id: str | None

    def to_dict(self, curves: bool = True) -> dict[str, Any]:
        """The plan as plain data (:meth:`DisruptionPlan.to_dict`) with its ``plan_id``."""
        data = self.plan.to_dict(curves=curves)
        data["plan_id"] = self.plan_id
        return data


def plan_network(
    store: Store,
    network_id: str,
    *,
    viewer: Viewer,
    budget: int = 5,
    objective: Objective | str = "connectivity",
    account_budget: int | None = None,
    recovery: RecoveryConfig | None = None,
    save: bool = True,
) -> MadePlan:
    """Plan for a stored network from what ``viewer`` may see, and store the plan with its maker,
    inputs and graph run (audited ``plan:disrupt``) unless ``save`` is False.

    Raises LookupError for an unknown network or one with no member visible to the viewer, and
    ValueError for an unusable request (an unknown objective, a negative budget, the capacity
    objective on a network without corridors); nothing is stored then.
    """
    from netcase.disrupt.capacity import load_recovery_config

    cfg = recovery or load_recovery_config()
    plan = plan_for_network(store, network_id, viewer=viewer, budget=budget,
                            objective=objective,  # type: ignore[arg-type]
                            account_budget=account_budget, recovery=cfg)
    plan_id = None
    if save:
        inputs = plan_inputs(budget=budget, objective=objective, account_budget=account_budget, recovery=cfg)
        plan_id = save_plan(store, plan, viewer=viewer, inputs=inputs, network_id=network_id)
    return MadePlan(plan, plan_id)


def _visible_to(viewer: Viewer, row: Mapping[str, Any]) -> bool:
    if viewer.is_system:
        return True
    held = set(json.loads(row["compartments"]))
    return held <= set(viewer.compartments) and (row["country"] == viewer.country or not viewer.is_partner)


def list_plans(
    store: Store, viewer: Viewer, *, network_id: str | None = None, limit: int = 50
) -> list[dict[str, Any]]:
    """Stored plans the viewer may read, newest first (summaries: no targets, no result)."""
    _authorize(viewer)
    where, params = ("WHERE network_id = ?", [network_id]) if network_id is not None else ("", [])
    rows = store.query_dicts(
        f"SELECT {_SUMMARY} FROM disrupt_plans {where} ORDER BY created_at DESC, plan_id", params)
    return [r for r in rows if _visible_to(viewer, r)][:limit]


def load_plan(store: Store, viewer: Viewer, plan_id: str) -> dict[str, Any]:
    """One stored plan with its inputs and result (parsed); the read is audited.

    Raises LookupError for an unknown plan or one the viewer may not see (the same message, so
    a refusal does not reveal that the plan exists).
    """
    _authorize(viewer)
    rows = store.query_dicts(f"SELECT {_SUMMARY}, inputs, result FROM disrupt_plans WHERE plan_id = ?", (plan_id,))
    if not rows or not _visible_to(viewer, rows[0]):
        raise LookupError(f"no plan {plan_id!r} (see `netcase disrupt plans`)")
    from netcase.access.audit import record_read

    record_read(store, viewer, "plan", plan_id)
    data = rows[0]
    data["compartments"] = json.loads(data["compartments"])
    data["inputs"] = json.loads(data["inputs"])
    data["result"] = json.loads(data["result"])
    return data
