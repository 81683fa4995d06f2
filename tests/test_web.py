"""Browser tests: the app served by uvicorn on 127.0.0.1, driven by Playwright with Debian's chromium.

Each role logs on with its TOTP code, navigates and clicks; every request a page makes must go to
127.0.0.1 (air-gapped: no CDN, no tiles, no call home). With NETCASE_SCREENSHOTS=1 the main pages
are saved to docs/screenshots/ at 1280x800.
"""

from __future__ import annotations

import os
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import pytest

from netcase.store import open_store
from test_api_world import fresh_code, piped_store, users_by_role

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
SHOTS = Path(__file__).resolve().parents[1] / "docs" / "screenshots"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="module")
def server(tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    """The app on a free loopback port, serving the tiny world run through the pipeline."""
    import uvicorn

    from netcase.api import create_app

    url = piped_store(tiny_world, tmp_path_factory.getbasetemp())
    store = open_store(url)
    users = users_by_role(store)
    store.close()
    port = _free_port()
    config = uvicorn.Config(create_app(url), host="127.0.0.1", port=port, log_level="warning")
    srv = uvicorn.Server(config)
    thread = threading.Thread(target=srv.run, daemon=True)
    thread.start()
    deadline = time.time() + 30
    while not srv.started:
        if time.time() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.05)
    yield {"base": f"http://127.0.0.1:{port}", "users": users}
    srv.should_exit = True
    thread.join(timeout=10)


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield b
        b.close()


class Session:
    """One role's browser context: logs on, records every request, takes screenshots."""

    def __init__(self, browser: Any, server: dict[str, Any], role: str) -> None:
        self.base = server["base"]
        self.user = server["users"][role]
        self.context = browser.new_context(viewport={"width": 1280, "height": 800})
        # Generous: the suite shares a busy 2-core machine, where a first uncached page can take minutes.
        self.context.set_default_timeout(300_000)
        self.page = self.context.new_page()
        self.requests: list[str] = []
        self.page.on("request", lambda r: self.requests.append(r.url))
        self.errors: list[str] = []
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))

    def login(self) -> None:
        p = self.page
        p.goto(self.base + "/")
        assert "/login" in p.url
        p.fill("#username", self.user.username)
        p.fill("#password", self.user.password)
        p.fill("#totp", fresh_code(self.user))
        p.click("button[type=submit]")
        p.wait_for_selector("h1:has-text('Welcome')")

    def shot(self, name: str) -> None:
        if os.environ.get("NETCASE_SCREENSHOTS") == "1":
            SHOTS.mkdir(parents=True, exist_ok=True)
            self.page.screenshot(path=str(SHOTS / f"{name}.png"))

    def close(self) -> None:
        hosts = {urlparse(u).hostname for u in self.requests if not u.startswith(("data:", "blob:", "about:"))}
        self.context.close()
        assert hosts == {"127.0.0.1"}, f"requests left the machine: {hosts}"
        assert not self.errors, self.errors


@pytest.fixture
def session(browser: Any, server: dict[str, Any]) -> Iterator[Any]:
    opened: list[Session] = []

    def make(role: str) -> Session:
        s = Session(browser, server, role)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()


def test_login_with_the_keyboard_and_a_wrong_code(session: Any) -> None:
    s = session("analyst")
    p = s.page
    p.goto(s.base + "/login")
    s.shot("login")
    # The user-name field has the focus on arrival; the rest is reached with Tab, sent with Enter.
    assert p.evaluate("document.activeElement.id") == "username"
    p.keyboard.type(s.user.username)
    p.keyboard.press("Tab")
    p.keyboard.type(s.user.password)
    p.keyboard.press("Tab")
    p.keyboard.type("000000")
    p.keyboard.press("Enter")
    p.wait_for_selector("[role=alert]")
    assert "invalid user name, password or one-time code" in p.inner_text("[role=alert]")
    s.login()


def test_analyst_searches_opens_a_profile_and_the_map(session: Any) -> None:
    s = session("analyst")
    s.login()
    p = s.page
    s.shot("home")
    p.fill("#top-q", "jose hernandez")
    p.keyboard.press("Enter")
    p.wait_for_selector("#results table")
    assert "result" in p.inner_text("#results-h")
    s.shot("search")
    p.click("#results tbody tr:first-child a")
    p.wait_for_selector("#h-facts")
    assert p.locator("#h-facts ~ table tbody tr").count() > 0
    assert p.locator(".marking").count() > 0
    s.shot("entity")
    p.click("nav.side >> text=Map")
    p.wait_for_selector("#map-status:has-text('places')")
    assert p.locator("#places tbody tr").count() > 0
    # The base map came from the vendored atlas and was drawn (Leaflet draws on a canvas here).
    assert any(u.endswith("/static/vendor/atlas/countries-50m.json") for u in s.requests)
    assert p.locator("#map canvas").count() >= 1
    s.shot("map")


def test_supervisor_network_view_graph_plan_and_trends(session: Any) -> None:
    s = session("supervisor")
    s.login()
    p = s.page
    p.click("nav.side >> text=Priority networks")
    p.wait_for_selector("#net-table tbody tr")
    s.shot("networks")
    p.select_option("#f-district", index=1)
    p.wait_for_url("**district=**")
    p.wait_for_selector("#net-table tbody tr")
    p.goto(s.base + "/networks")  # the top-ranked network of all
    p.click("#net-table tbody tr:first-child td:nth-child(2) a")
    p.wait_for_selector("#graph-status:has-text('people')", timeout=300_000)
    assert p.evaluate("window.netcaseGraph.nodes().length") > 0
    # Click a person node: the profile panel loads it.
    node_id = p.evaluate("window.netcaseGraph.nodes('[kind = \"person\"]')[0].id()")
    p.evaluate(f"window.netcaseGraph.getElementById({node_id!r}).emit('tap')")
    p.wait_for_selector("#profile a:has-text('full profile')")
    p.fill("#time", "50")
    p.dispatch_event("#time", "input")
    # The slider's label follows at the next animation frame (a busy machine may take a while).
    # (Polled from here: a predicate evaluated in the page would need 'unsafe-eval', which the CSP forbids.)
    from playwright.sync_api import expect

    expect(p.locator("#time-out")).not_to_have_text("all dates", timeout=30_000)
    p.click("#plan-form button[type=submit]")
    p.wait_for_selector("#plan-targets table", timeout=300_000)
    ranked = p.locator("#plan-targets tbody tr").count()
    assert ranked >= 1
    assert p.evaluate("window.netcaseGraph.nodes('.target').length") == ranked
    assert p.locator("#plan-curve").bounding_box()["height"] > 50
    s.shot("network")
    p.goto(s.base + "/trends")
    assert p.locator("figure svg").count() > 0
    s.shot("trends")
    p.goto(s.base + "/brief")
    with p.expect_download() as dl:
        p.click("text=Download the brief (PDF)")
    assert dl.value.suggested_filename.endswith(".pdf")


def test_partner_sees_less_and_cannot_plan(session: Any) -> None:
    s = session("partner_liaison")
    s.login()
    p = s.page
    assert p.locator("nav.side >> text=Investigations").count() == 1
    assert p.locator("nav.side >> text=District trends").count() == 0
    p.goto(s.base + "/networks")
    link = p.locator("#net-table tbody tr:first-child td:nth-child(2) a")
    if link.count():
        link.click()
        p.wait_for_selector("#h-plan")
        assert "does not give access" in p.inner_text("#h-plan + *")
    p.goto(s.base + "/trends")
    assert "Not allowed" in p.inner_text("h1")


def test_case_pages_for_investigator_and_prosecutor(session: Any) -> None:
    s = session("investigator")
    s.login()
    s.page.click("nav.side >> text=Investigations")
    s.page.wait_for_selector("#h-alerts")
    s.shot("investigations")
    s2 = session("prosecutor")
    s2.login()
    s2.page.click("nav.side >> text=Court cases")
    assert s2.page.locator("table tbody tr").count() > 0
    s2.shot("court-cases")


def test_auditor_and_administrator(session: Any) -> None:
    s = session("auditor")
    s.login()
    s.page.click("nav.side >> text=Audit log")
    assert s.page.locator("table tbody tr").count() > 0
    assert "logon" in s.page.inner_text("table")
    s.shot("audit")
    a = session("administrator")
    a.login()
    a.page.click("nav.side >> text=Users")
    assert "ana.analyst" in a.page.inner_text("table")
    a.shot("users")
    assert a.page.locator("nav.side >> text=Search").count() == 0  # runs the system, reads no cases


def test_victim_services_sees_protected_people(session: Any) -> None:
    s = session("victim_services")
    s.login()
    assert "Victim services" in s.page.inner_text("main")


def test_page_cache_reuses_an_answer_until_the_data_or_the_viewer_changes(store: Any, tiny_world: Path) -> None:
    """The pages' aggregates are computed once per data version and viewer: a second load reuses
    them, an ingest makes the next load recompute, and another viewer never gets the first one's."""
    from netcase.access.viewer import Viewer
    from netcase.ingest.engine import ingest_paths
    from netcase.ingest.registry import default_loaders
    from netcase.web.cache import PageCache, cached, data_version
    from netcase.web.pages import schema_counts

    cache = PageCache()
    analyst = Viewer(user="a", agency="HSI", country="USA", roles=frozenset({"analyst"}))
    partner = Viewer(user="m", agency="FGR", country="MEX", roles=frozenset({"partner_liaison"}))
    calls: list[str] = []

    def counts(viewer: Viewer) -> list[dict[str, Any]]:
        calls.append(viewer.user)
        return schema_counts(store, viewer)

    before = data_version(store)
    assert cached(cache, store, analyst, "home", (), lambda: counts(analyst)) == []
    assert cached(cache, store, analyst, "home", (), lambda: counts(analyst)) == []
    assert calls == ["a"]
    ingest_paths(store, [tiny_world], default_loaders())
    assert data_version(store) != before
    fresh = cached(cache, store, analyst, "home", (), lambda: counts(analyst))
    assert calls == ["a", "a"] and sum(c["facts"] for c in fresh) > 0
    # The partner's answer is computed for the partner (only facts released to Mexico, under a
    # sharing agreement), never taken from the analyst's entry.
    theirs = cached(cache, store, partner, "home", (), lambda: counts(partner))
    assert calls == ["a", "a", "m"]
    assert theirs == schema_counts(store, partner) and theirs != fresh


def test_network_country_filter_takes_alpha2_or_alpha3() -> None:
    from netcase.web.stages import filter_networks

    rows = [{"network_id": "N1", "districts": [], "corridors": [], "countries": ["MEX"]},
            {"network_id": "N2", "districts": [], "corridors": [], "countries": ["GTM"]}]
    assert [r["network_id"] for r in filter_networks(rows, country="mx")] == ["N1"]
    assert [r["network_id"] for r in filter_networks(rows, country="MEX")] == ["N1"]
    assert [r["network_id"] for r in filter_networks(rows, country="HND")] == []


def test_shared_aggregate_serves_viewers_of_one_visibility_profile_and_no_other(tmp_path: Path) -> None:
    """An aggregate kept with ``shared`` is computed once for two analysts who read the same
    statements (same country, compartments and categories), and again for a partner, for an
    analyst holding a compartment and for victim services: their statements differ."""
    from netcase.access.viewer import Viewer
    from netcase.web.cache import PageCache, shared

    store = open_store(str(tmp_path / "s.duckdb"))
    try:
        cache = PageCache()
        calls: list[str] = []

        def load(v: Viewer) -> str:
            def compute() -> str:
                calls.append(v.user)
                return v.user

            return shared(cache, store, v, "agg", (), compute)

        a1 = Viewer(user="a1", agency="HSI", country="USA", roles=frozenset({"analyst"}))
        a2 = Viewer(user="a2", agency="DEA", country="USA", roles=frozenset({"analyst"}))
        assert load(a1) == "a1" and load(a2) == "a1" and calls == ["a1"]
        others = [Viewer(user="m", agency="FGR", country="MEX", roles=frozenset({"partner_liaison"})),
                  Viewer(user="c", agency="HSI", country="USA", roles=frozenset({"analyst"}),
                         compartments=frozenset({"OP-X"})),
                  Viewer(user="v", agency="HSI", country="USA", roles=frozenset({"victim_services"}))]
        for v in others:
            assert load(v) == v.user
        assert calls == ["a1", "m", "c", "v"]
    finally:
        store.close()


def test_page_cache_computes_a_key_once_while_other_requests_wait_for_it(tmp_path: Path) -> None:
    from netcase.web.cache import PageCache

    cache = PageCache()
    started, release = threading.Event(), threading.Event()
    calls: list[int] = []

    def slow() -> int:
        calls.append(1)
        started.set()
        release.wait(10)
        return 42

    results: list[int] = []
    first = threading.Thread(target=lambda: results.append(cache.get("k", slow)))
    first.start()
    assert started.wait(10)
    def again() -> int:
        calls.append(2)
        return 0

    second = threading.Thread(target=lambda: results.append(cache.get("k", again)))
    second.start()
    time.sleep(0.2)
    assert results == []  # the second request waits for the first one's answer
    release.set()
    first.join(10)
    second.join(10)
    assert results == [42, 42] and calls == [1]


def test_map_places_read_in_one_query_match_the_entity_reads(tiny_world: Path,
                                                             tmp_path_factory: pytest.TempPathFactory) -> None:
    """The map's located places (one query) are the entities, captions, mentions and values that
    ``reads.entities`` gives each role, partners and victim services included."""
    from netcase.access.identity import viewer_for
    from netcase.access.policy import statement_filter
    from netcase.api import map_reads, reads

    store = open_store(piped_store(tiny_world, tmp_path_factory.getbasetemp()))
    try:
        from netcase.web.demo import DEMO_ROLES

        seen = 0
        for username, *_ in DEMO_ROLES:
            viewer = viewer_for(store, username)
            cond, params = statement_filter(viewer, "s")
            ids = [str(r[0]) for r in store.query(
                f"SELECT DISTINCT coalesce(r.canonical_id, s.entity_id) AS c FROM statements s LEFT JOIN resolved r "
                f"ON r.entity_id = s.entity_id WHERE s.prop = 'latitude' AND {cond} ORDER BY c", params)]
            want = [(v.id, v.caption, v.members, v.props) for v in reads.entities(store, viewer, ids).values()
                    if v.first("latitude") and v.first("longitude")]
            got = [(p.id, p.caption, p.members, p.props) for p in map_reads.located_places(store, viewer)]
            assert got == want, username
            seen += len(got)
        assert seen > 0
    finally:
        store.close()


def test_warming_fills_the_cache_that_the_pages_then_read(tiny_world: Path,
                                                          tmp_path_factory: pytest.TempPathFactory) -> None:
    """After the start-up warming, the aggregates a page asks for are found under its own key,
    for every active user's profile, without computing them again."""
    from netcase.access.identity import viewer_for
    from netcase.api.pool import StorePool
    from netcase.api.search import SearchIndex
    from netcase.api.security import may
    from netcase.web import stages, warm
    from netcase.web.cache import PageCache, cached, shared
    from netcase.web.demo import DEMO_ROLES

    pool = StorePool(piped_store(tiny_world, tmp_path_factory.getbasetemp()))
    try:
        cache = PageCache()
        warmer = warm.Warmer(pool, cache, SearchIndex())
        store = pool.get()
        warmer._warm(store)
        assert cache.misses > 0
        version = cache.version(store)
        def recompute() -> Any:
            raise AssertionError("not warmed")

        checked = 0
        for username, *_ in DEMO_ROLES:
            viewer = viewer_for(store, username)
            for action, name, args in (("read:networks", "networks:list", ()), ("read:trends", "trends", ("",)),
                                       ("read:entities", "map", ()), ("read:cases", "investigations", ("",))):
                if may(viewer, action):
                    shared(cache, store, viewer, name, args, recompute, version)
                    checked += 1
            assert cached(cache, store, viewer, "home:counts", (), recompute, version) is not None
        assert checked >= 10
        every, _ = stages.network_list(store, viewer_for(store, "sam.supervisor"), cache, version)
        assert every, "the tiny world has networks"
    finally:
        pool.close()


def test_search_scores_the_keys_sharing_a_word_and_finds_what_scoring_every_key_finds(
        tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    """The fuzzy name search scores only the keys with a word like the query's; for names of the
    world misspelt, cut short, run together or in another order the matches are those of scoring
    every key."""
    import random

    from rapidfuzz import fuzz, process

    from netcase.api.search import SearchIndex, norm_name

    store = open_store(piped_store(tiny_world, tmp_path_factory.getbasetemp()))
    try:
        idx = SearchIndex()._current(store)
    finally:
        store.close()
    rng = random.Random(5)
    queries = []
    for key in rng.sample(idx.name_keys, min(150, len(idx.name_keys))):
        chars = list(key)
        pos = rng.randrange(len(chars))
        chars[pos] = rng.choice("aeiourns")
        words = key.split()
        queries += ["".join(chars), key[:4], "".join(words), " ".join(reversed(words)), words[-1][:-1]]
    narrowed = 0
    for q in queries:
        qn = norm_name(q)
        every = process.extract(qn, idx.name_keys, scorer=fuzz.WRatio, limit=80, score_cutoff=80)
        some = idx.name_candidates(qn)
        narrowed += len(some) < len(idx.name_keys)
        assert process.extract(qn, some, scorer=fuzz.WRatio, limit=80, score_cutoff=80) == [
            (k, s, some.index(k)) for k, s, _ in every], q
    assert narrowed > len(queries) // 2
