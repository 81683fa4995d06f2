"""Disruption plans for stored networks, read through netcase.graph (hand-made world)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

from typer.testing import CliRunner

from netcase.access.viewer import Viewer
from netcase.cli import build_app
from netcase.disrupt.plan import plan_for_network
from netcase.graph import build_networks, network_graph
from netcase.store import open_store

sys.path.insert(0, str(Path(__file__).resolve().parent))
from graph_world import build_world  # noqa: E402


def test_plan_and_command_for_stored_network(tmp_path: Path) -> None:
    db = str(tmp_path / "n.duckdb")
    store = open_store(db)
    try:
        truth = build_world(store)
        build_networks(store)
        nid = str(store.scalar("SELECT network_id FROM network_members WHERE entity_id = 'A-coord'"))
        plan = plan_for_network(store, nid, viewer=Viewer.system(), budget=2, account_budget=1)
        graph_ids = set(network_graph(store, nid, Viewer.system()).vs["name"])
    finally:
        store.close()
    for res in plan.strategies.values():
        assert set(res.order) <= graph_ids  # members only: never migrants, victims or relatives
        assert not set(res.order) & set(truth["protected"])
    # The coordinator ties the network together: the plan takes them first.
    assert plan.targets[0].entity_id == "A-coord"
    assert plan.money is not None and plan.money.revenue > 0
    assert all(not s.node.startswith("REL-") for s in plan.money.seizures)  # payers are never seized

    result = CliRunner().invoke(build_app(), ["disrupt", "--db", db, nid, "--budget", "2", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["order"] and data["targets"][0]["entity_id"] == "A-coord"
    missing = CliRunner().invoke(build_app(), ["disrupt", "--db", db, "no-such-network"])
    assert missing.exit_code == 2 and "no network" in " ".join(missing.output.split())


def test_plan_for_stored_network_is_stored_listed_shown_and_audited(tmp_path: Path) -> None:
    from netcase.access import audit

    db = str(tmp_path / "p.duckdb")
    store = open_store(db)
    try:
        truth = build_world(store)
        build_networks(store)
        nid = str(store.scalar("SELECT network_id FROM network_members WHERE entity_id = 'A-coord'"))
        run = store.scalar("SELECT last_run FROM networks WHERE network_id = ?", (nid,))
    finally:
        store.close()
    app = build_app()
    made = CliRunner().invoke(app, ["disrupt", "--db", db, nid, "--budget", "2", "--accounts", "1", "--json"])
    assert made.exit_code == 0, made.output
    plan_id = json.loads(made.output)["plan_id"]
    assert plan_id

    listed = CliRunner().invoke(app, ["disrupt", "plans", "--db", db, "--json"])
    assert listed.exit_code == 0, listed.output
    (row,) = json.loads(listed.output)
    assert (row["plan_id"], row["network_id"], row["graph_run"], row["budget"]) == (plan_id, nid, run, 2)

    shown = CliRunner().invoke(app, ["disrupt", "plans", plan_id, "--db", db, "--json"])
    assert shown.exit_code == 0, shown.output
    data = json.loads(shown.output)
    assert data["inputs"]["budget"] == 2 and data["inputs"]["account_budget"] == 1
    assert data["inputs"]["objective"] == "connectivity" and data["inputs"]["recovery"]["rounds"] >= 0
    assert data["result"]["targets"][0]["entity_id"] == "A-coord"
    assert data["result"]["order"] == data["result"]["strategies"][data["recommended"]]["order"]
    # Victims and migrants are never targets, in the stored plan either.
    assert not set(data["result"]["order"]) & set(truth["protected"])
    table = CliRunner().invoke(app, ["disrupt", "plans", plan_id, "--db", db])
    assert table.exit_code == 0 and plan_id in table.output and "Targets" in table.output

    store = open_store(db)
    try:
        actions = [(e.action, e.object_id) for e in audit.entries(store)]
    finally:
        store.close()
    assert ("plan:disrupt", plan_id) in actions and ("read:plan", plan_id) in actions
    unknown = CliRunner().invoke(app, ["disrupt", "plans", "plan-nope", "--db", db])
    assert unknown.exit_code == 2 and "no plan" in unknown.output


def test_plan_network_makes_and_stores_a_plan_for_any_caller(tmp_path: Path) -> None:
    """The entry point the API and web share with the CLI: the plan is stored with its maker and
    inputs and audited; a viewer who sees no member gets a LookupError and nothing is stored."""
    import pytest

    from netcase.access import audit
    from netcase.disrupt.plans import list_plans, load_plan, plan_network

    store = open_store(str(tmp_path / "m.duckdb"))
    try:
        truth = build_world(store)
        build_networks(store)
        nid = str(store.scalar("SELECT network_id FROM network_members WHERE entity_id = 'A-coord'"))
        analyst = Viewer.local("analyst1")
        made = plan_network(store, nid, viewer=analyst, budget=2)
        assert made.plan_id is not None
        data = made.to_dict()
        assert data["plan_id"] == made.plan_id and data["targets"][0]["entity_id"] == "A-coord"
        assert not set(data["order"]) & set(truth["protected"])
        stored = load_plan(store, analyst, made.plan_id)
        assert stored["made_by"] == "analyst1" and stored["network_id"] == nid
        assert stored["inputs"]["budget"] == 2 and stored["result"]["order"] == data["order"]
        # Members are in jurisdiction (alpha-3 countries), so the plan has targets to name.
        assert all(t["country"] in (None, "MEX", "USA") for t in data["targets"])
        assert ("plan:disrupt", made.plan_id) in [(e.action, e.object_id) for e in audit.entries(store)]

        unsaved = plan_network(store, nid, viewer=analyst, budget=2, save=False)
        assert unsaved.plan_id is None and unsaved.plan.order == made.plan.order

        partner = Viewer(user="x", agency="PNC", country="SLV", roles=frozenset({"analyst"}))
        before = len(list_plans(store, Viewer.system()))
        with pytest.raises(LookupError, match="visible"):
            plan_network(store, nid, viewer=partner, budget=2)
        with pytest.raises(LookupError, match="no network"):
            plan_network(store, "no-such-network", viewer=analyst)
        with pytest.raises(ValueError):
            plan_network(store, nid, viewer=analyst, objective="chaos")
        assert len(list_plans(store, Viewer.system())) == before
    finally:
        store.close()
