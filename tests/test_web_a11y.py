"""Accessibility of the pages, audited by a tool: axe-core (pinned in package.json) in Debian's chromium.

Each role logs on, opens every page of its menu plus the detail pages it reaches from them (an
entity profile, a network view, an investigation), and axe-core checks the rendered page: no
violation of impact *serious* or *critical* may remain. The same walk checks keyboard use (Tab
reaches the skip link, the search box and the menu, each with a visible focus outline) and a
laptop width (1280×800, no horizontal scrolling). Every request still goes to 127.0.0.1: axe is
read from node_modules by the test and evaluated in the page, never fetched.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from test_web import CHROMIUM, Session, browser, server  # noqa: F401  (fixtures used by name)

AXE = Path(__file__).resolve().parents[1] / "node_modules" / "axe-core" / "axe.min.js"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not Path(CHROMIUM).exists(), reason=f"{CHROMIUM} is missing: apt-get install -y chromium"),
    pytest.mark.skipif(not AXE.exists(), reason=f"{AXE} is missing: run `npm ci` (axe-core is a devDependency)"),
]

# WCAG 2.1 A/AA rules plus axe's best practices (landmarks, one main, headings, region).
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]
BLOCKING = {"serious", "critical"}


def axe_violations(page: Any) -> list[dict[str, Any]]:
    """Run axe-core on the current page; its violations (rule, impact, the offending nodes)."""
    if not page.evaluate("typeof window.axe !== 'undefined'"):
        # Evaluated through the DevTools protocol: no <script> element, no request, and the
        # page's Content-Security-Policy (no inline scripts) stays in force for everything else.
        page.evaluate(AXE.read_text(encoding="utf-8") + "\n;void 0")
    result = page.evaluate(
        "async (tags) => { const r = await axe.run(document, {runOnly: {type: 'tag', values: tags},"
        " resultTypes: ['violations']}); return r.violations.map(v => ({id: v.id, impact: v.impact,"
        " help: v.help, nodes: v.nodes.slice(0, 5).map(n => n.target.join(' ') + ' :: ' + n.failureSummary)})); }",
        AXE_TAGS,
    )
    return list(result)


def blocking(violations: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [v for v in violations if v["impact"] in BLOCKING]


def horizontal_overflow(page: Any) -> int:
    """How many CSS pixels the page is wider than the window (0: no horizontal scrolling)."""
    return int(page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth"))


def settle(page: Any) -> None:
    """Wait until the page's own scripts have finished what they load (graph, map): axe then sees
    the page as a user does, status messages included."""
    page.wait_for_load_state("load")
    for status in ("#graph-status", "#map-status"):
        if page.locator(status).count():
            page.wait_for_function(
                f"() => {{ const t = document.querySelector({status!r}).textContent;"
                " return t && !t.startsWith('Loading'); }", timeout=600_000)


def pages_of(s: Session) -> list[str]:
    """The role's menu, and the detail pages one click away from it."""
    p = s.page
    paths = [str(h) for h in p.eval_on_selector_all("nav.side a", "els => els.map(a => a.getAttribute('href'))")]
    # The brief's HTML view is a standalone document: audited here as the page a leader opens.
    if "/brief" in paths:
        paths.append("/brief/view")
    if "/search" in paths:
        paths.append("/search?q=garcia")
    details = []
    for listing, selector in (("/networks", "#net-table tbody tr:first-child td:nth-child(2) a"),
                              ("/investigations", "main a[href^='/investigations/']"),
                              ("/search?q=garcia", "#results tbody tr:first-child a")):
        if listing in paths:
            p.goto(s.base + listing)
            link = p.locator(selector).first
            if link.count():
                details.append(str(link.get_attribute("href")))
    return paths + details


ROLES = ["analyst", "investigator", "prosecutor", "supervisor", "partner_liaison", "victim_services",
         "auditor", "administrator"]


@pytest.fixture
def session(browser: Any, server: dict[str, Any]) -> Iterator[Any]:  # noqa: F811
    opened: list[Session] = []

    def make(role: str) -> Session:
        s = Session(browser, server, role)
        opened.append(s)
        return s

    yield make
    for s in opened:
        s.close()  # asserts every request went to 127.0.0.1 and no script error happened


def test_login_page_has_no_serious_axe_violation_and_fits_a_laptop(session: Any) -> None:
    s = session("analyst")
    s.page.goto(s.base + "/login")
    assert blocking(axe_violations(s.page)) == []
    assert horizontal_overflow(s.page) == 0
    s.page.fill("#username", "nobody")
    s.page.fill("#password", "wrong")
    s.page.fill("#totp", "000000")
    s.page.click("button[type=submit]")
    s.page.wait_for_selector("[role=alert]")
    assert blocking(axe_violations(s.page)) == []


def test_axe_catches_an_unlabelled_field_so_a_clean_result_means_something(session: Any) -> None:
    s = session("analyst")
    s.page.goto(s.base + "/login")
    s.page.evaluate("document.querySelector('main').insertAdjacentHTML('beforeend', '<input id=\"bare\">')")
    found = blocking(axe_violations(s.page))
    assert any(v["id"] == "label" and any("#bare" in n for n in v["nodes"]) for v in found), found


@pytest.mark.parametrize("role", ROLES)
def test_every_page_of_a_role_passes_axe_and_fits_1280_wide(session: Any, role: str) -> None:
    s = session(role)
    s.login()
    paths = pages_of(s)
    assert len(paths) >= 2, paths
    found: dict[str, list[dict[str, Any]]] = {}
    overflow: dict[str, int] = {}
    for path in paths:
        s.page.goto(s.base + path)
        settle(s.page)
        bad = blocking(axe_violations(s.page))
        if bad:
            found[path] = bad
        wide = horizontal_overflow(s.page)
        if wide > 0:
            overflow[path] = wide
    assert found == {}, f"{role}: serious/critical axe violations: {found}"
    assert overflow == {}, f"{role}: pages wider than 1280 px (px too wide): {overflow}"


def focus_ring(page: Any) -> dict[str, Any]:
    """The focused element and whether its focus is drawn (outline or box-shadow)."""
    return dict(page.evaluate(
        "() => { const e = document.activeElement; const cs = getComputedStyle(e);"
        " return {tag: e.tagName, id: e.id, text: (e.textContent || '').trim().slice(0, 40),"
        " href: e.getAttribute('href'), visible: (cs.outlineStyle !== 'none' && parseFloat(cs.outlineWidth) >= 2)"
        " || (cs.boxShadow && cs.boxShadow !== 'none')}; }"))


def test_keyboard_reaches_skip_link_search_and_menu_with_visible_focus(session: Any) -> None:
    s = session("supervisor")
    s.login()
    p = s.page
    p.goto(s.base + "/networks")
    stops = []
    for _ in range(25):
        p.keyboard.press("Tab")
        stops.append(focus_ring(p))
    assert stops[0]["text"] == "Skip to content", stops[0]
    assert any(f["id"] == "top-q" for f in stops), stops
    menu = {f["href"] for f in stops if f["tag"] == "A"}
    assert {"/", "/search", "/networks", "/investigations", "/trends"} <= menu, menu
    assert any(f["id"] == "f-district" for f in stops), "the network filters are reachable by Tab"
    hidden = [f for f in stops if not f["visible"]]
    assert hidden == [], f"focus not visible on: {hidden}"
    # The skip link moves the focus to the main content.
    p.keyboard.press("Shift+Tab")
    p.goto(s.base + "/networks")
    p.keyboard.press("Tab")
    p.keyboard.press("Enter")
    assert p.evaluate("document.activeElement.id") == "main"
    # From the networks table a network opens with Enter, and its members table selects graph nodes.
    link = p.locator("#net-table tbody tr:first-child td:nth-child(2) a")
    link.focus()
    p.keyboard.press("Enter")
    p.wait_for_selector("#graph-status:has-text('people')", timeout=300_000)
    member = p.locator("#members a[data-node]").first
    node = member.get_attribute("data-node")
    member.focus()
    assert focus_ring(p)["visible"]
    assert p.evaluate("window.netcaseGraph.$(':selected').map(n => n.id())") == [node]
