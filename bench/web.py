"""Web page loads and the network view in the browser.

Page loads: each page fetched in turn by a logged-on analyst/supervisor over loopback (server
time to the full HTML, or JSON for the data behind the map and the graph). Network view: Debian's
chromium through Playwright opens the largest network, then a 2,000-node view (the graph
elements of the top networks merged, served in place of one network's graph), and times the
drawing, a time-slider change and a node selection. Goals: page p95 ≤ 300 ms; the view usable
at 2,000 nodes.

    .venv/bin/python bench/web.py --scale medium
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section  # noqa: E402
from api import build_store, default_out, free_port, start_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]


def login(base: str, username: str, password: str, secret: str) -> Any:
    """An httpx client with a live session cookie."""
    import httpx
    import pyotp

    c = httpx.Client(base_url=base, timeout=300)
    r = c.post("/login", data={"username": username, "password": password, "totp": pyotp.TOTP(secret).now(),
                               "next": "/"})
    if r.status_code not in (200, 303) or "netcase_session" not in c.cookies:
        raise RuntimeError(f"log-on failed for {username}: {r.status_code}")
    return c


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


def main() -> None:
    warnings.filterwarnings("ignore")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="medium")
    ap.add_argument("--out", type=Path, default=None)
    ap.add_argument("--repeat", type=int, default=20, help="Loads of each page.")
    ap.add_argument("--nodes", type=int, default=2000)
    args = ap.parse_args()
    db = build_store(args.out or default_out(args.scale), args.scale)
    from netcase.web.demo import DEMO_ROLES, demo_password, demo_totp_secret

    user = next(u for u, role, _, _ in DEMO_ROLES if role == "supervisor")
    port = free_port()
    proc = start_server(db, port)
    base = f"http://127.0.0.1:{port}"
    rows: list[tuple[Any, ...]] = []
    browser_rows: list[tuple[Any, ...]] = []
    try:
        c = login(base, user, demo_password(user), demo_totp_secret(user))
        nets = c.get("/api/networks", params={"limit": 500}).json()["items"]
        top = nets[0]["network_id"]
        person = c.get("/api/search", params={"q": nets[0]["label"] or "garcia", "limit": 1}).json()["items"]
        pages = ["/", "/search?q=garcia", f"/entities/{person[0]['id']}" if person else None, "/networks",
                 f"/networks/{top}", "/map", "/api/map", "/investigations", "/court-cases", "/trends",
                 f"/api/networks/{top}/graph"]
        for path in [p for p in pages if p]:
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                r = c.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                assert r.status_code == 200, (path, r.status_code)
            rows.append((path.split("?")[0], len(r.content), statistics.median(times), p95(times), max(times)))
            print(rows[-1], flush=True)
        # The 2,000-node view: the top networks' elements side by side, tiled (ids suffixed per copy)
        # when the world has fewer nodes in its networks than asked.
        graphs = []
        for n in nets[:30]:
            graphs.append(c.get(f"/api/networks/{n['network_id']}/graph").json())
            if sum(len(g["nodes"]) for g in graphs) >= args.nodes:
                break
        nodes: dict[str, Any] = {}
        edges: list[Any] = []
        copy = 0
        while len(nodes) < args.nodes and any(g["nodes"] for g in graphs):
            for i, g in enumerate(graphs):
                slot = copy * len(graphs) + i
                for node in g["nodes"]:
                    nid = f"{node['data']['id']}#{copy}"
                    nodes[nid] = {"data": {**node["data"], "id": nid},
                                  "position": {"x": node["position"]["x"] + 1100 * (slot % 8),
                                               "y": node["position"]["y"] + 1100 * (slot // 8)}}
                edges += [{"data": {**e["data"], "id": f"{e['data']['id']}#{slot}", "source": f"{e['data']['source']}#{copy}",
                                    "target": f"{e['data']['target']}#{copy}"}} for e in g["edges"]]
            copy += 1
        keep = dict(list(nodes.items())[: args.nodes])
        edges = [e for e in edges if e["data"]["source"] in keep and e["data"]["target"] in keep]
        tiled = copy > 1
        big = json.dumps({"nodes": list(keep.values()), "edges": edges, "dates": None, "cut_hubs": []})
        browser_rows = browse(base, c, top, big, len(keep), len(edges))
        if tiled:
            browser_rows[-1] = (browser_rows[-1][0] + f" (top networks tiled {copy}x)", *browser_rows[-1][1:])
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    body = (f"Scale `{args.scale}`; supervisor session; {args.repeat} loads per page, one at a time, over loopback "
            "(server time to the whole response). Goal: p95 ≤ 300 ms.\n\n"
            + markdown_table(("page", "bytes", "median ms", "p95 ms", "max ms"), rows)
            + "\n\nNetwork view in chromium (Playwright), times in ms:\n\n"
            + markdown_table(("view", "nodes", "edges", "drawn after", "time slider", "select node"), browser_rows))
    write_section("web", "Web pages and network view (bench/web.py)", body,
                  command=f"python bench/web.py --scale {args.scale} --repeat {args.repeat} --nodes {args.nodes}")


def browse(base: str, client: Any, network_id: str, big: str, n_nodes: int, n_edges: int) -> list[tuple[Any, ...]]:
    """Open the network view for the real network and the merged one; time draw, slider, select."""
    from playwright.sync_api import sync_playwright

    out = []
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        ctx = b.new_context(viewport={"width": 1280, "height": 800})
        ctx.add_cookies([{"name": "netcase_session", "value": client.cookies["netcase_session"], "url": base}])
        ctx.set_default_timeout(300_000)
        page = ctx.new_page()
        for label, payload in (("largest network", None), (f"{n_nodes} nodes merged", big)):
            if payload is not None:
                page.route(f"**/api/networks/{network_id}/graph", _serve(payload))
            t0 = time.perf_counter()
            page.goto(f"{base}/networks/{network_id}")
            page.wait_for_selector("#graph-status:has-text('people')")
            drawn = (time.perf_counter() - t0) * 1000
            counts = page.evaluate("() => [window.netcaseGraph.nodes().length, window.netcaseGraph.edges().length]")
            slider = page.evaluate("""() => { const s = document.getElementById('time'); const t = performance.now();
                s.disabled = false; s.value = '40'; s.dispatchEvent(new Event('input'));
                return performance.now() - t; }""")
            select = page.evaluate("""() => { const cy = window.netcaseGraph; const n = cy.nodes()[0];
                const t = performance.now(); cy.$(':selected').unselect(); n.select(); cy.center(n);
                return performance.now() - t; }""")
            out.append((label, counts[0], counts[1], drawn, slider, select))
            print(out[-1], flush=True)
        b.close()
    del n_nodes, n_edges
    return out


def _serve(body: str) -> Any:
    """A Playwright route handler answering with ``body`` (the merged graph)."""

    def handler(route: Any) -> None:
        route.fulfill(status=200, content_type="application/json", body=body)

    return handler


if __name__ == "__main__":
    main()
