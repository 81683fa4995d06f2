"""Graph and networks: typed graph from resolved entities, hubs, Leiden organisations, roles.

For other stages (disruption, reports):

- ``network_graph(store, network_id, viewer)`` → one network's person graph as an igraph Graph
  (vertex ``name``, ``label``, ``role``, ``protected``, ``custody``, ``country``; edge ``weight``).
- ``network_corridors(store, network_id, viewer)`` and ``network_payments(store, network_id, viewer)``.
- ``build_networks(store)`` runs the whole stage.
"""

from netcase.graph.build import BuildResult, build_networks
from netcase.graph.read import (
    list_networks,
    network_corridors,
    network_detail,
    network_graph,
    network_payments,
)

__all__ = [
    "BuildResult",
    "build_networks",
    "list_networks",
    "network_corridors",
    "network_detail",
    "network_graph",
    "network_payments",
]
