"""Graph and networks: typed graph from resolved entities, hubs, Leiden organisations, roles.

For other stages (disruption, reports):

- ``network_graph(store, network_id, viewer)`` → one network's person graph as an igraph Graph
  (vertex ``name``, ``label``, ``role``, ``protected``, ``custody``, ``country``; edge ``weight``).
- ``network_corridors(store, network_id, viewer)`` and ``network_payments(store, network_id, viewer)``.
- ``build_networks(store)`` runs the whole stage.

Names are imported on first use: the command line imports every stage's ``commands`` module at
start-up, and the build's imports (Leiden, projection) cost most of a second.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from netcase.graph.build import BuildResult, build_networks
    from netcase.graph.read import (
        list_networks,
        network_corridors,
        network_detail,
        network_graph,
        network_payments,
    )

_HOME = {
    "BuildResult": "build",
    "build_networks": "build",
    "list_networks": "read",
    "network_corridors": "read",
    "network_detail": "read",
    "network_graph": "read",
    "network_payments": "read",
}

__all__ = [
    "BuildResult",
    "build_networks",
    "list_networks",
    "network_corridors",
    "network_detail",
    "network_graph",
    "network_payments",
]


def __getattr__(name: str) -> Any:
    if name in _HOME:
        return getattr(importlib.import_module(f"netcase.graph.{_HOME[name]}"), name)
    raise AttributeError(f"module 'netcase.graph' has no attribute {name!r}")
