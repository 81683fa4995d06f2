"""Disruption planning: key players, operational capacity and its recovery, money chokepoints.

Other stages call :func:`plan_disruption` with one network's igraph Graph (see
:mod:`netcase.disrupt.plan` for the vertex attributes it reads), or :func:`plan_for_network` with
a store and a network id.
"""

from netcase.disrupt.capacity import Corridor, RecoveryConfig, load_recovery_config
from netcase.disrupt.dismantle import dismantling_curve, robustness
from netcase.disrupt.money import MoneyPlan, Payment, plan_seizures
from netcase.disrupt.plan import (
    Constraints,
    DisruptionPlan,
    StrategyResult,
    Target,
    plan_disruption,
)

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
    "plan_seizures",
    "robustness",
]
