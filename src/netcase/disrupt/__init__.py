"""Disruption planning: key players, operational capacity and its recovery, money chokepoints.

Other stages call :func:`plan_disruption` with one network's igraph Graph (see
:mod:`netcase.disrupt.plan` for the vertex attributes it reads), or :func:`plan_for_network` with
a store and a network id. Plans are stored, listed and shown again by :mod:`netcase.disrupt.plans`.

Names are imported on first use, so that the command line (which imports every stage's commands
module at start-up) does not pay for igraph and numpy until a command needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netcase.disrupt.capacity import Corridor, RecoveryConfig, load_recovery_config
    from netcase.disrupt.dismantle import dismantling_curve, robustness
    from netcase.disrupt.money import MoneyPlan, Payment, plan_seizures
    from netcase.disrupt.plan import (
        Constraints,
        DisruptionPlan,
        StrategyResult,
        Target,
        plan_disruption,
        plan_for_network,
    )

_HOME = {
    "Corridor": "capacity",
    "RecoveryConfig": "capacity",
    "load_recovery_config": "capacity",
    "dismantling_curve": "dismantle",
    "robustness": "dismantle",
    "MoneyPlan": "money",
    "Payment": "money",
    "plan_seizures": "money",
    "Constraints": "plan",
    "DisruptionPlan": "plan",
    "StrategyResult": "plan",
    "Target": "plan",
    "plan_disruption": "plan",
    "plan_for_network": "plan",
}

__all__ = [
    "Constraints",
    "Corridor",
    "DisruptionPlan",
    "MoneyPlan",
    "Payment",
    "RecoveryConfig",
    "StrategyResult",
    "Target",
    "dismantling_curve",
    "load_recovery_config",
    "plan_disruption",
    "plan_for_network",
    "plan_seizures",
    "robustness",
]


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"netcase.disrupt.{_HOME[name]}"), name)
    raise AttributeError(f"module 'netcase.disrupt' has no attribute {name!r}")
