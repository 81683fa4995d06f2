"""Network reads shared by viewers of one need-to-know profile (netcase.api.shared_reads), on the
tiny synthetic world run through the pipeline: an answer is served only to viewers of the profile
it was computed for, new data invalidates it, it survives a restart, and the bulk and in-memory
computations give the per-network answers."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from netcase.access.identity import add_user, viewer_for
from netcase.access.policy import visibility_key
from netcase.access.viewer import Viewer
from netcase.api import create_app, services
from netcase.api.shared_reads import (
    SharedReads,
    active_profiles,
    profile_of,
    shared_reads,
    to_json,
    warm_network_reads,
)
from netcase.store import Store, open_store
from test_api_world import piped_store, totp_now, users_by_role


@pytest.fixture(scope="module")
def world(tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """A private copy of the piped store (these tests change its data)."""
    shared = piped_store(tiny_world, tmp_path_factory.getbasetemp())
    url = str(tmp_path_factory.mktemp("shared_reads") / "copy.duckdb")
    src = open_store(shared)
    try:
        src.execute(f"ATTACH '{url}' AS cp")
        src.execute(f"COPY FROM DATABASE {Path(shared).stem} TO cp")
        src.execute("DETACH cp")
    finally:
        src.close()
    store = open_store(url)
    # The piped store is shared by the test process: another module's server may have warmed
    # answers into it. These tests count what is computed and loaded, so they start with none.
    store.execute("DELETE FROM read_cache")
    # New data is seen at the next read (not within the second a server allows itself).
    shared_reads(store).max_age = 0
    users = users_by_role(store)
    viewers = {role: viewer_for(store, u.username) for role, u in users.items()}
    yield {"url": url, "store": store, "users": users, "viewers": viewers}
    store.close()


def plain(value: Any) -> Any:
    """An answer as the API sends it (the cache keeps answers in that form)."""
    return json.loads(to_json(value))


def fresh_detail(store: Store, viewer: Viewer, network_id: str) -> Any:
    """One network's detail computed alone, without any cache."""
    return plain(services.compute_network_details(store, viewer, [network_id]).get(network_id))


def networks(store: Store) -> list[str]:
    return [str(r[0]) for r in store.query("SELECT network_id FROM networks WHERE status = 'active' ORDER BY network_id")]


def test_bulk_details_equal_one_network_at_a_time(world: dict[str, Any]) -> None:
    store = world["store"]
    for role in ("analyst", "partner_liaison", "victim_services", "investigator"):
        viewer = world["viewers"][role]
        every = plain(services.compute_network_details(store, viewer, None))
        assert set(every) == set(networks(store))
        for nid in networks(store):
            assert every[nid] == fresh_detail(store, viewer, nid), (role, nid)


def test_cached_detail_is_never_another_profiles_answer(world: dict[str, Any]) -> None:
    store = world["store"]
    us, partner = world["viewers"]["investigator"], world["viewers"]["partner_liaison"]
    assert visibility_key(us) != visibility_key(partner)
    # A network the two profiles see differently (otherwise this test could not fail).
    nid = next(n for n in networks(store) if fresh_detail(store, us, n) != fresh_detail(store, partner, n))
    cache = shared_reads(store)
    first = services.network_detail(store, us, nid)
    assert first == fresh_detail(store, us, nid)
    computed = cache.computed
    # The partner's read finds the investigator's answer kept, and must not be given it.
    theirs = services.network_detail(store, partner, nid)
    assert cache.computed == computed + 1
    assert theirs == fresh_detail(store, partner, nid) != first


def test_viewers_of_one_profile_share_one_computation(world: dict[str, Any]) -> None:
    store = world["store"]
    ana = world["viewers"]["analyst"]
    add_user(store, username="other.analyst", password="A-long-enough-Password-2026!", roles=("analyst",),
             agency="CBP", country="USA", by=Viewer.system(), now=datetime(2026, 1, 1))
    other = viewer_for(store, "other.analyst")
    assert other.user != ana.user and profile_of(other) == profile_of(ana)
    nid = networks(store)[0]
    cache = shared_reads(store)
    mine = services.network_detail(store, ana, nid)
    computed = cache.computed
    assert services.network_detail(store, other, nid) == mine
    assert cache.computed == computed


def test_new_data_invalidates_shared_answers(world: dict[str, Any]) -> None:
    store = world["store"]
    partner = world["viewers"]["partner_liaison"]
    seen = [n for n in networks(store) if services.network_detail(store, partner, n) is not None]
    assert seen, "the partner sees some network under the sharing agreement"
    graph = services.network_elements(store, partner, seen[0])
    assert graph["nodes"]
    # The agreement is revoked: a partner may read nothing, and no kept answer may say otherwise.
    store.execute("UPDATE sharing_agreements SET revoked_at = ? WHERE country = 'MEX'", (datetime(2026, 2, 1),))
    try:
        assert all(services.network_detail(store, partner, n) is None for n in seen)
        assert services.network_elements(store, partner, seen[0])["nodes"] == []
    finally:
        store.execute("UPDATE sharing_agreements SET revoked_at = NULL WHERE country = 'MEX'")
    # Once restored the version differs again, and the answer is the fresh one.
    assert services.network_detail(store, partner, seen[0]) == fresh_detail(store, partner, seen[0])


def test_answers_survive_a_restart_in_the_table(world: dict[str, Any]) -> None:
    store = world["store"]
    viewer = world["viewers"]["prosecutor"]
    nid = networks(store)[-1]
    expected = services.network_detail(store, viewer, nid)
    restarted = SharedReads(max_age=0)  # a new process: nothing in memory

    def must_not_run() -> dict[str, Any]:
        raise AssertionError("recomputed an answer kept in read_cache")

    assert restarted.get(store, "network_detail", nid, viewer, must_not_run, group="active") == expected
    # The profile's kept answers came in one read of the table, and none was recomputed.
    assert restarted.loaded == len(networks(store)) and restarted.computed == 0
    # Another profile's row is not this viewer's answer: it is computed, not loaded.
    partner = world["viewers"]["partner_liaison"]
    got = restarted.get(store, "network_detail", nid, partner,
                        lambda: services.compute_network_details(store, partner, [nid]))
    assert got == fresh_detail(store, partner, nid) and restarted.computed == 1


def test_drawing_from_the_snapshot_equals_the_networks_own_read(world: dict[str, Any]) -> None:
    store = world["store"]
    version = shared_reads(store).version(store)
    for role in ("supervisor", "partner_liaison"):
        viewer = world["viewers"][role]
        snap = services.graph_snapshot(store, viewer, version)
        for nid in networks(store)[:6]:
            a = services.compute_network_elements(store, viewer, nid)
            b = services.compute_network_elements(store, viewer, nid, snapshot=snap)
            for key in ("dates", "cut_hubs"):
                assert a[key] == b[key]
            assert sorted(json.dumps(n["data"], sort_keys=True) for n in a["nodes"]) == \
                sorted(json.dumps(n["data"], sort_keys=True) for n in b["nodes"])
            assert sorted(json.dumps({k: v for k, v in e["data"].items() if k != "id"}, sort_keys=True)
                          for e in a["edges"]) == \
                sorted(json.dumps({k: v for k, v in e["data"].items() if k != "id"}, sort_keys=True)
                       for e in b["edges"])


def test_warming_keeps_every_active_profile(world: dict[str, Any]) -> None:
    store = world["store"]
    profiles = active_profiles(store)
    assert len({profile_of(v) for v in profiles}) == len(profiles) >= 4
    warm_network_reads(store, drawings=True)
    again = warm_network_reads(store, drawings=True)
    assert again == {"computed": 0, "warm": len(profiles)}
    version = shared_reads(store).version(store)
    for viewer in profiles:
        for what in ("network_detail", "network_elements"):
            kept = store.scalar("SELECT count(*) FROM read_cache WHERE what = ? AND profile = ? AND version = ?",
                                (what, profile_of(viewer), version))
            assert kept == len(networks(store)), (what, viewer.user)


def test_new_data_is_seen_once_the_version_is_read_again(world: dict[str, Any]) -> None:
    store = world["store"]
    cache = SharedReads(max_age=60)
    before = cache.version(store)
    store.execute("UPDATE sharing_agreements SET revoked_at = ? WHERE country = 'MEX'", (datetime(2026, 2, 1),))
    try:
        assert cache.version(store) == before  # read less than max_age ago
        time.sleep(0.05)
        cache.max_age = 0.01  # now read longer ago than max_age
        assert cache.version(store) != before
    finally:
        store.execute("UPDATE sharing_agreements SET revoked_at = NULL WHERE country = 'MEX'")


def test_api_reads_from_the_cache_are_still_audited(world: dict[str, Any]) -> None:
    store = world["store"]
    u = world["users"]["supervisor"]
    c = TestClient(create_app(world["url"]))
    assert c.post("/api/auth/login", json={"username": u.username, "password": u.password,
                                           "totp": totp_now(u)}).status_code == 200
    nid = networks(store)[0]
    before = store.scalar("SELECT count(*) FROM audit_log WHERE action = 'read:network' AND object_id = ? "
                          "AND username = ?", (nid, u.username))
    for _ in range(2):
        assert c.get(f"/api/networks/{nid}").status_code == 200
        assert c.get(f"/api/networks/{nid}/graph").status_code == 200
    after = store.scalar("SELECT count(*) FROM audit_log WHERE action = 'read:network' AND object_id = ? "
                         "AND username = ?", (nid, u.username))
    assert after - before == 4


def test_plan_from_the_snapshot_equals_the_plan_from_the_networks_own_read(world: dict[str, Any]) -> None:
    from netcase.disrupt.plan import plan_disruption
    from netcase.graph import network_corridors, network_graph, network_payments
    from netcase.model.country import iso_alpha3

    store = world["store"]
    viewer = world["viewers"]["supervisor"]
    nid = networks(store)[0]
    for objective in ("connectivity", "capacity"):
        g = network_graph(store, nid, viewer)
        g.vs["country"] = [iso_alpha3(str(c)) if c else None for c in g.vs["country"]]
        expected = plan_disruption(g, 3, objective=objective,  # type: ignore[arg-type]
                                   corridors=network_corridors(store, nid, viewer) if objective == "capacity" else None,
                                   payments=network_payments(store, nid, viewer)).to_dict(curves=True)
        got = plain(services.network_plan(store, viewer, nid, budget=3, objective=objective))
        want = plain(expected)
        for plan in (got, want):  # how long each strategy took is not part of the answer
            for strategy in plan["strategies"].values():
                strategy.pop("seconds", None)
        assert got == want, objective


def test_kept_answers_round_trip_through_the_table_on_both_stores(store: Store) -> None:
    us = Viewer.local("u1", country="USA")
    mx = Viewer.local("u2", country="MEX", roles=frozenset({"partner_liaison"}))
    writer, reader = SharedReads(max_age=0), SharedReads(max_age=0)
    version = writer.version(store)
    answer = {"when": datetime(2026, 1, 2, 3, 4), "ids": {"b", "a"}, "n": 1}
    writer.put_many(store, "network_detail", profile_of(us), version, {"N1": answer, "N2": None})
    kept = reader.lookup(store, "network_detail", "N1", us)
    assert kept is not None and kept.value == {"when": "2026-01-02T03:04:00", "ids": ["a", "b"], "n": 1}
    assert json.loads(kept.text) == kept.value
    assert reader.lookup(store, "network_detail", "N1", mx) is None
    assert reader.lookup(store, "network_detail", "N1", us, version="another") is None
    # A newer version replaces the profile's rows, never another profile's.
    writer.put_many(store, "network_detail", profile_of(mx), version, {"N1": {"n": 2}})
    writer.put_many(store, "network_detail", profile_of(us), "newer", {"N1": {"n": 3}})
    rows = store.query("SELECT profile, version FROM read_cache ORDER BY profile, version")
    assert sorted(rows) == sorted([(profile_of(mx), version), (profile_of(us), "newer")])


def test_new_priority_weights_are_not_answered_from_the_old_ones(world: dict[str, Any], tmp_path: Path,
                                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    store = world["store"]
    cache = SharedReads(max_age=0)
    before = cache.version(store)
    weights = tmp_path / "priority.toml"
    weights.write_text("[weights]\npeople_moved = 1\n", encoding="utf-8")
    monkeypatch.setenv("NETCASE_PRIORITY", str(weights))
    assert cache.version(store) != before
