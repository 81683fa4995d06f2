"""Exports read back with the tools they are for: igraph (GraphML), networkx (GEXF), the
followthemoney library (FtM JSON lines), csv with the i2 and neo4j-admin headers."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import igraph as ig
import networkx as nx

from netcase.access.viewer import Viewer
from netcase.graph import build_networks
from netcase.graph.export import export_graph, export_members
from netcase.store import Store

sys.path.insert(0, str(Path(__file__).parent))
from graph_world import build_world  # noqa: E402


def test_exports_read_back(duck: Store, tmp_path: Path) -> None:
    truth = build_world(duck)
    build_networks(duck)
    v = Viewer.system()
    nid = duck.scalar("SELECT network_id FROM network_members WHERE entity_id = 'B-driver'")

    n = export_members(duck, v, tmp_path / "members.csv")
    rows = list(csv.DictReader((tmp_path / "members.csv").open()))
    assert len(rows) == n and set(rows[0]) == {"entity_id", "network_id", "role"}

    export_graph(duck, v, "graphml", tmp_path / "g.graphml", nid)
    g = ig.Graph.Read_GraphML(str(tmp_path / "g.graphml"))
    names = set(g.vs["name"])
    assert "B-driver" in names and not names & set(truth["protected"]) and "phone:+528001234567" not in names
    assert {"kind", "statement"} <= set(g.es.attributes())

    export_graph(duck, v, "gexf", tmp_path / "g.gexf", nid)
    assert "B-driver" in nx.read_gexf(tmp_path / "g.gexf").nodes

    from followthemoney import model

    export_graph(duck, v, "ftm", tmp_path / "g.ftm.json", nid)
    proxies = [model.get_proxy(json.loads(line)) for line in (tmp_path / "g.ftm.json").open()]
    by_id = {p.id: p for p in proxies}
    assert by_id["B-driver"].schema.name == "Person"
    assert "B-driver" in by_id["B-veh"].get("owner")

    export_graph(duck, v, "neo4j", tmp_path / "neo", nid)
    header = next(csv.reader((tmp_path / "neo" / "nodes.csv").open()))
    assert header[0] == "id:ID" and header[-1] == ":LABEL"
    rels = list(csv.reader((tmp_path / "neo" / "relationships.csv").open()))
    assert rels[0][:3] == [":START_ID", ":END_ID", ":TYPE"] and len(rels) > 1
    node_ids = {r[0] for r in csv.reader((tmp_path / "neo" / "nodes.csv").open())}
    assert all(r[0] in node_ids and r[1] in node_ids for r in rels[1:])

    export_graph(duck, v, "i2", tmp_path / "i2", nid)
    links = list(csv.DictReader((tmp_path / "i2" / "links.csv").open()))
    assert links and {"From ID", "To ID", "Link Type", "Statement ID"} <= set(links[0])
