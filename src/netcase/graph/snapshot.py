"""One viewer's whole typed graph in memory, for drawing many networks without re-reading it.

``network_graph`` reads a network's two-hop neighbourhood and its node info from the statements:
seven or eight passes over every statement per network (seconds on the medium world). A
``GraphSnapshot`` reads the viewer's links and node info for the whole store once (four passes:
links, node info in two, last observations), after which any network's neighbourhood, person
graph and node info are taken from memory. Every answer equals the per-network read's:

- the links are the same aggregates (``load_edges`` is ``load_edges_around`` without narrowing),
  and the two-hop neighbourhood is the links touching the members, then the links touching any
  node those reach;
- an entity's node info depends only on its own statements; the projection's recency is measured
  from the newest observation among the entities the network's read would have loaded, as there.

A snapshot is built from the statements one need-to-know profile may read and is shared, like
the answers computed from it, by the viewers of that profile only (``netcase.api.shared_reads``).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import igraph as ig
import numpy as np
import scipy.sparse as sp

from netcase.access.policy import statement_filter
from netcase.access.viewer import Viewer
from netcase.graph.config import GraphConfig
from netcase.graph.load import Edges, NodeInfo, canonical_statements, fetch, load_edges, load_nodes
from netcase.graph.project import factorize, is_value_node
from netcase.graph.roles import MemberLinks
from netcase.store import Store

_FIELDS = ("src", "dst", "kind", "count", "last_seen", "sample")


class GraphSnapshot:
    """The links, node info, harm types and hubs one viewer's profile may see, indexed by node."""

    def __init__(self, store: Store, viewer: Viewer) -> None:
        from netcase.graph.read import hub_ids

        self.edges = load_edges(store, viewer)
        self.info = load_nodes(store, viewer, None)
        cs, params = canonical_statements(viewer)
        cols = fetch(store, f"WITH cs AS ({cs}) SELECT cid, max(observed) AS last_obs FROM cs GROUP BY cid", params)
        self.last_obs: dict[str, Any] = {c: d for c, d in zip(cols["cid"], cols["last_obs"], strict=True)
                                         if d is not None}
        cond, fparams = statement_filter(viewer, "s")
        self.harm: dict[str, str] = {str(e): str(h) for e, h in store.query(
            "SELECT coalesce(r.canonical_id, s.entity_id), s.value FROM statements s LEFT JOIN resolved r "
            f"ON r.entity_id = s.entity_id WHERE s.prop = 'nc:harmType' AND {cond}", fparams)}
        self.hubs = hub_ids(store)
        n = len(self.edges)
        codes, self.names = factorize(np.concatenate([self.edges.src, self.edges.dst]))
        self.code = {name: i for i, name in enumerate(self.names.tolist())}
        ends = codes.reshape(2, n) if n else np.zeros((2, 0), dtype=np.int64)
        # Each link's ends and kind as references to one string per distinct value (the read gives
        # a string object per row: about 200 MB more on the medium world).
        kinds, kind_names = factorize(self.edges.kind)
        e = self.edges
        self.edges = Edges(self.names[ends[0]], self.names[ends[1]], kind_names[kinds] if n else e.kind,
                           e.count, e.last_seen, e.sample)
        rows = np.concatenate([ends[0], ends[1]])
        cols_ = np.concatenate([np.arange(n), np.arange(n)])
        # Node -> the links touching it.
        self.touching = sp.csr_matrix((np.ones(2 * n, dtype=np.int8), (rows, cols_)), shape=(len(self.names), n))
        self._ends = ends

    def _links_of(self, nodes: np.ndarray) -> np.ndarray:
        if not len(nodes):
            return np.array([], dtype=np.int64)
        return np.unique(self.touching[nodes].indices)

    def around(self, seeds: set[str]) -> Edges:
        """``load_edges_around(seeds, hops=2)`` from memory."""
        start = np.array(sorted(self.code[s] for s in seeds if s in self.code), dtype=np.int64)
        first = self._links_of(start)
        reached = np.unique(np.concatenate([self._ends[0][first], self._ends[1][first]])) if len(first) else start
        both = np.union1d(first, self._links_of(np.setdiff1d(reached, start)))
        return Edges(*(getattr(self.edges, f)[both] for f in _FIELDS))

    def member_links(self, members: list[str]) -> dict[str, MemberLinks]:
        """``netcase.graph.read._member_links(members)`` (their one-hop links) from memory."""
        start = np.array(sorted(self.code[m] for m in members if m in self.code), dtype=np.int64)
        idx = self._links_of(start)
        ms = set(members)
        links: dict[str, MemberLinks] = defaultdict(MemberLinks)
        e = self.edges
        for s, d, k, n, sid in zip(e.src[idx], e.dst[idx], e.kind[idx], e.count[idx], e.sample[idx], strict=True):
            if s in ms:
                links[s].links.append((k, d, int(n), sid))
            if d in ms:
                links[d].links.append((k, s, int(n), sid))
        return links

    def visible(self, ids: list[str]) -> set[str]:
        """The ids with a statement the viewer may read (``load_nodes(ids).schema``)."""
        return {i for i in ids if i in self.info.schema}

    def node_info(self, ids: set[str]) -> NodeInfo:
        """``load_nodes(ids)`` from memory (the node info dictionaries are shared, not copied: look
        entities up, do not list them)."""
        dates = [self.last_obs[i] for i in ids if i in self.last_obs]
        return NodeInfo(self.info.schema, self.info.label, self.info.protected, self.info.custody, self.info.country,
                        max(dates) if dates else None)

    def network_graph_parts(self, rows: list[dict[str, Any]], cfg: GraphConfig | None = None,
                            ) -> tuple[ig.Graph, Edges, NodeInfo]:
        """``netcase.graph.read.network_graph_parts`` of the network with member ``rows`` (no
        protected people), from memory."""
        from netcase.graph.read import drop_nodes, person_graph

        roles = {r["entity_id"]: r for r in rows}
        seeds = self.visible(list(roles))
        around = self.around(seeds) if seeds else Edges.empty()
        edges = drop_nodes(around, self.hubs)
        ent_ids = {n for n in np.concatenate([edges.src, edges.dst]).tolist() if not is_value_node(n)} | seeds
        info = self.node_info(ent_ids)
        return person_graph(roles, seeds, edges, info, cfg or GraphConfig()), around, info
