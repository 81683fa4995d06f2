"""Parameters of the graph build: link weights by kind, recency, hub rules, Leiden.

Defaults are what the benchmark (``bench/networks.py``) was measured with; every field is
documented in ``docs/networks.md``. A build records the parameters it used in ``graph_runs``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field

# Typed values that link entities become nodes of the graph, as in FollowTheMoney's graph.
VALUE_TYPES: tuple[str, ...] = ("phone", "email", "iban", "identifier", "address")

# Schemata whose entities are events (things that happened, with a date), not standing objects.
EVENT_SCHEMATA: tuple[str, ...] = ("Trip", "Event", "Call", "Payment")

# Link weight by the kind of thing two people share. A shared phone or account is strong evidence
# of working together; a shared address is weaker (apartments, shelters); money sent once is weaker
# than travelling together. Keys are node types (a schema or a value type).
KIND_WEIGHTS: dict[str, float] = {
    "phone": 1.0,
    "email": 1.0,
    "iban": 1.0,
    "identifier": 0.9,
    "address": 0.5,
    # The name an agency files a member's organisation under (Membership → Organization.name).
    "orgname": 0.8,
    "Person": 1.0,  # direct person-person links (Associate, Family, UnknownLink)
    "Trip": 1.0,
    "Event": 1.0,
    "Call": 0.8,
    "Payment": 0.6,
    "Vehicle": 0.8,
    "BankAccount": 1.0,
    "CryptoWallet": 1.0,
    "Address": 0.5,
    "Organization": 0.3,
    "Associate": 1.0,
    "Family": 0.7,
    "UnknownLink": 0.7,
    "Membership": 0.3,
    "Occupancy": 0.5,
}
DEFAULT_KIND_WEIGHT = 0.5


@dataclass(frozen=True)
class GraphConfig:
    """How the person graph is built and cut into networks."""

    kind_weights: dict[str, float] = field(default_factory=lambda: dict(KIND_WEIGHTS))
    # Recency: a link's weight halves every ``half_life_days`` before the newest date in the data
    # (not the wall clock, so a build is reproducible), down to ``recency_floor``.
    half_life_days: float = 730.0
    recency_floor: float = 0.25
    # Hub rules (see docs/networks.md): a node reaching at least ``hub_abs_people`` people is cut;
    # one reaching at least ``hub_min_people`` is cut when its reach is an outlier (log reach above
    # Q3 + ``hub_iqr_k`` x IQR of all linking nodes); after a first Leiden pass, a node whose people
    # fall in at least ``hub_min_communities`` networks with no network holding ``hub_max_share``
    # of them is cut too (it glues unrelated groups) and Leiden runs again.
    # A person paid by at least this many different people is a collector, not a client.
    collector_min_payers: int = 3
    hub_abs_people: int = 150
    hub_min_people: int = 25
    hub_iqr_k: float = 3.0
    hub_min_communities: int = 3
    hub_max_share: float = 0.5
    # Leiden (leidenalg), run on each connected component: ``quality`` "modularity"
    # (RBConfiguration with ``resolution``) or "cpm" (constant Potts with ``cpm_resolution``, a
    # link density in weight units).
    quality: str = "cpm"
    resolution: float = 2.0
    cpm_resolution: float = 0.03
    seed: int = 42
    leiden_iterations: int = 10
    min_network_size: int = 3
    # Parts of a community linked to the rest with conductance below this split off (0: never),
    # when they hold at least ``split_min_size`` people (communities.split_weak).
    split_max_conductance: float = 0.2
    split_min_size: int = 5
    # A community sending more than this share of its link weight to one larger community joins
    # it (communities.merge_attached; 0: never).
    merge_min_share: float = 0.4
    # Second-level Leiden inside a network finds cells when the split is clear.
    cell_min_size: int = 8
    cell_min_modularity: float = 0.3
    # Stable ids: a new community takes an old id when they share at least this share of the
    # smaller of the two.
    match_min_overlap: float = 0.5

    def weight_of(self, node_type: str) -> float:
        return self.kind_weights.get(node_type, DEFAULT_KIND_WEIGHT)

    def to_json(self) -> str:
        return json.dumps(asdict(self), sort_keys=True)
