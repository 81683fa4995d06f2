"""Web page loads on the medium world, and the network view at 2,000 nodes in the browser.

Page loads: ``netcase serve`` in its own process on a store built once under /tmp (bench/api.py's
``build_store``); one logged-on user of a typical role (supervisor by default: the role whose menu
has the most pages) fetches every page of its menu and the detail pages behind them, one at a time
over loopback. Per page: median and p95 of the server time to the whole response, the server's
CPU seconds per load and the load average (wall time is inflated while others share the machine).
Goal: p95 ≤ 300 ms.

Network view: Debian's chromium through Playwright opens the view of a network with more than
2,000 nodes: a copy of the store in which the world's largest networks are merged into one of
``--big-people`` members (the generator's people and links; only the boundary is widened). Timed:
the first drawn frame, a layout of the whole graph in the browser, frames while panning and
zooming, and the time-slider update. Goal: responsive at ≥ 2,000 nodes (frames ≤ 50 ms, slider
≤ 100 ms).

    .venv/bin/python bench/web.py --scale medium
    .venv/bin/python bench/web.py --scale medium --profile /networks   # cProfile one page in-process
"""

from __future__ import annotations

import argparse
import cProfile
import io
import os
import pstats
import statistics
import sys
import time
import warnings
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import markdown_table, write_section  # noqa: E402
from api import build_store, default_out, free_port, start_server  # noqa: E402

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
CLK_TCK = os.sysconf("SC_CLK_TCK")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process has used so far (from /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / CLK_TCK


def login(base: str, username: str, password: str, secret: str) -> Any:
    """An httpx client with a live session cookie."""
    import httpx

    c = httpx.Client(base_url=base, timeout=600)
    for code in codes(secret):
        r = c.post("/login", data={"username": username, "password": password, "totp": code, "next": "/"})
        if "netcase_session" in c.cookies:
            break
    if r.status_code not in (200, 303) or "netcase_session" not in c.cookies:
        raise RuntimeError(f"log-on failed for {username}: {r.status_code}")
    return c


def codes(secret: str) -> list[str]:
    """The TOTP codes to try: this time step's, then the next one's (a code is accepted once, so a
    second log-on within the same 30 s needs the next)."""
    import pyotp

    totp = pyotp.TOTP(secret)
    return [totp.now(), totp.at(time.time() + 30)]


def pct(values: list[float], q: int) -> float:
    """The q-th percentile (inclusive method); the value itself for a single load."""
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1] if len(values) > 1 else values[0]


def demo_user(role: str) -> tuple[str, str, str]:
    """User name, password and TOTP secret of the demo user of ``role``."""
    from netcase.web.demo import DEMO_ROLES, demo_password, demo_totp_secret

    user = next(u for u, r, _, _ in DEMO_ROLES if r == role)
    return user, demo_password(user), demo_totp_secret(user)


NAMES = ("garcia", "hernandez", "lopez", "martinez", "gonzalez", "rodriguez", "perez", "sanchez", "ramirez",
         "cruz", "flores", "gomez", "morales", "reyes", "jimenez", "torres", "diaz", "vasquez", "castillo", "ortiz")


def page_paths(c: Any, n: int) -> list[tuple[str, list[str]]]:
    """Every page of the user's menu, the detail pages behind them and the JSON the map and the
    graph fetch. A listing is loaded again and again (as its users do); a detail page rotates over
    ``n`` different entities, networks or investigations and a search over ``n`` different names, so
    nothing is measured from a single cached answer."""
    import re

    home = c.get("/").text
    menu = re.findall(r'<nav class="side".*?</nav>', home, re.S)
    out = [(p, [p]) for p in re.findall(r'href="(/[^"]*)"', menu[0] if menu else "")]
    paths = [p for p, _ in out]
    if "/search" in paths:
        out.append(("/search?q=NAME", [f"/search?q={q}" for q in NAMES[:n]]))
        people: list[str] = []
        for q in NAMES:
            people += [h["id"] for h in c.get("/api/search", params={"q": q, "limit": 3}).json()["items"]]
            if len(people) >= n:
                break
        out.append(("/entities/ID", [f"/entities/{p}" for p in people[:n]]))
    if "/networks" in paths:
        nets = [r["network_id"] for r in c.get("/api/networks", params={"limit": n}).json()["items"]]
        out.append(("/networks/ID", [f"/networks/{i}" for i in nets]))
    if "/investigations" in paths:
        inv = list(dict.fromkeys(re.findall(r'href="(/investigations/[^"]+)"', c.get("/investigations").text)))
        out.append(("/investigations/ID", inv[:n]))
    if "/map" in paths:
        out.append(("/api/map", ["/api/map"]))
    if "/brief" in paths:
        out.append(("/brief/view", ["/brief/view"]))
    return [(label, ps) for label, ps in out if ps]


def select_ready(stream: Any) -> bool:
    import select

    return bool(select.select([stream], [], [], 0)[0])


def wait_warm(proc: Any, timeout: float) -> dict[str, float] | None:
    """Wait until the server says its page cache is warm (``netcase.web.warm`` logs one line on
    stderr when done); its wall and CPU seconds, or None after ``timeout`` seconds."""
    import re
    import select

    deadline = time.time() + timeout
    buf = b""
    while time.time() < deadline:
        ready, _, _ = select.select([proc.stderr], [], [], 1.0)
        if not ready:
            continue
        chunk = os.read(proc.stderr.fileno(), 65536)
        if not chunk:
            return None
        buf += chunk
        m = re.search(rb"page cache warmed for (\d+) users in (\d+) s \(([\d.]+) CPU s\)", buf)
        if m:
            return {"users": float(m.group(1)), "seconds": float(m.group(2)), "cpu_seconds": float(m.group(3))}
        buf = buf[-4096:]
    return None


def measure_pages(db: Path, role: str, repeat: int, distinct: int, only: list[str] | None,
                  warm_wait: float = 0.0) -> tuple[list[tuple[Any, ...]], dict[str, float] | None]:
    """Load each page ``repeat`` times after one first load (reported apart); one row per page.
    With ``warm_wait``, the loads start once the server has warmed its page cache (or after that
    many seconds)."""
    port = free_port()
    proc = start_server(db, port)
    base = f"http://127.0.0.1:{port}"
    rows: list[tuple[Any, ...]] = []
    warmed = None
    try:
        if warm_wait > 0:
            warmed = wait_warm(proc, warm_wait)
            print(f"warm: {warmed}", flush=True)
        c = login(base, *demo_user(role))
        pages = [(p, [p]) for p in only] if only else page_paths(c, distinct)
        for label, paths in pages:
            t0 = time.perf_counter()
            r = c.get(paths[0])
            first = (time.perf_counter() - t0) * 1000
            if r.status_code != 200:
                raise RuntimeError(f"{paths[0]}: HTTP {r.status_code}")
            times, size = [], 0
            cpu0 = cpu_seconds(proc.pid)
            for i in range(repeat):
                path = paths[1 + i % (len(paths) - 1)] if len(paths) > 1 else paths[0]
                t0 = time.perf_counter()
                r = c.get(path)
                times.append((time.perf_counter() - t0) * 1000)
                if r.status_code != 200:
                    raise RuntimeError(f"{path}: HTTP {r.status_code}")
                size += len(r.content)
            cpu = (cpu_seconds(proc.pid) - cpu0) / repeat
            rows.append((label, len(paths), size // repeat, first, statistics.median(times), pct(times, 95),
                         max(times), cpu, os.getloadavg()[0]))
            print("  ".join(f"{v:,.1f}" if isinstance(v, float) else str(v) for v in rows[-1]), flush=True)
            if proc.stderr is not None:
                # Keep the server's stderr pipe drained (a full pipe would block the server).
                while select_ready(proc.stderr):
                    if not os.read(proc.stderr.fileno(), 65536):
                        break
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except Exception:
            proc.kill()
    return rows, warmed


def profile_page(db: Path, role: str, path: str, top: int = 30) -> str:
    """cProfile of one page load in-process (FastAPI's TestClient), after one warm-up load.

    FastAPI runs a page's function in a worker thread, where a profiler enabled in this thread sees
    nothing: the worker call is wrapped so the profiler is switched on inside it."""
    import fastapi.dependencies.utils
    import fastapi.routing
    from fastapi.testclient import TestClient

    from netcase.api import create_app

    prof = cProfile.Profile()
    on = {"profile": False}
    original = fastapi.routing.run_in_threadpool

    async def profiled(func: Any, *args: Any, **kwargs: Any) -> Any:
        def run(*a: Any, **k: Any) -> Any:
            if not on["profile"]:
                return func(*a, **k)
            prof.enable()
            try:
                return func(*a, **k)
            finally:
                prof.disable()

        return await original(run, *args, **kwargs)

    fastapi.routing.run_in_threadpool = profiled  # type: ignore[assignment]
    fastapi.dependencies.utils.run_in_threadpool = profiled  # type: ignore[assignment]
    user, password, secret = demo_user(role)
    with TestClient(create_app(str(db)), base_url="http://127.0.0.1") as c:
        for code in codes(secret):
            r = c.post("/login", data={"username": user, "password": password, "totp": code, "next": "/"},
                       follow_redirects=False)
            if r.status_code == 303:
                break
        assert r.status_code == 303, r.text
        c.get(path)
        on["profile"] = True
        t0 = time.perf_counter()
        r = c.get(path)
        wall = (time.perf_counter() - t0) * 1000
        on["profile"] = False
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats(top)
    return f"{path}: HTTP {r.status_code}, {wall:.0f} ms (after a first load)\n{out.getvalue()}"


def merged_network_store(src: Path, out: Path, people: int) -> tuple[Path, str, int]:
    """A copy of ``src`` in which its largest networks are merged into one of at least ``people``
    members, for the view at 2,000+ nodes.

    The people, phones, accounts, vehicles, trips and their links are the generator's world as the
    pipeline resolved it; only the network boundaries are widened (the medium world's largest
    network has about 200 members, its graph a few hundred nodes). Returns the store, the merged
    network's id and its member count. Reused when it exists.
    """
    import shutil

    from netcase.store import open_store

    db = out / "netcase.duckdb"
    if not db.exists():
        out.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(src, out / "copy.duckdb")
        if src.with_name(src.name + ".wal").exists():
            shutil.copyfile(src.with_name(src.name + ".wal"), out / "copy.duckdb.wal")
        store = open_store(str(out / "copy.duckdb"))
        try:
            sizes = store.query("SELECT m.network_id, count(*) FROM network_members m JOIN networks n "
                                "ON n.network_id = m.network_id WHERE n.status = 'active' "
                                "GROUP BY m.network_id ORDER BY count(*) DESC, m.network_id")
            taken, total = [], 0
            for nid, n in sizes:
                taken.append(str(nid))
                total += int(n)
                if total >= people:
                    break
            keep, others = taken[0], taken[1:]
            marks = ", ".join("?" for _ in others)
            with store.transaction():
                for table in ("network_members", "network_objects", "network_protected"):
                    cols = [c for c, in store.query(
                        "SELECT column_name FROM information_schema.columns WHERE table_name = ? "
                        "ORDER BY ordinal_position", (table,))]
                    select = ", ".join("? AS network_id" if c == "network_id" else c for c in cols)
                    store.execute(f"INSERT INTO {table} ({', '.join(cols)}) SELECT {select} FROM {table} "
                                  f"WHERE network_id IN ({marks})", [keep, *others])
                    store.execute(f"DELETE FROM {table} WHERE network_id IN ({marks})", others)
                store.execute(f"UPDATE networks SET status = 'merged' WHERE network_id IN ({marks})", others)
                store.execute("UPDATE networks SET size = ?, label = ? WHERE network_id = ?",
                              [total, f"{len(taken)} largest networks merged", keep])
        finally:
            store.close()
        (out / "copy.duckdb").rename(db)
        if (out / "copy.duckdb.wal").exists():
            (out / "copy.duckdb.wal").rename(out / "netcase.duckdb.wal")
    store = open_store(str(db))
    try:
        nid, n = store.query("SELECT m.network_id, count(*) FROM network_members m JOIN networks n ON "
                             "n.network_id = m.network_id WHERE n.status = 'active' GROUP BY 1 ORDER BY 2 DESC "
                             "LIMIT 1")[0]
    finally:
        store.close()
    return db, str(nid), int(n)


def smallest_network(db: Path) -> str:
    """The active network with the fewest members."""
    from netcase.store import open_store

    store = open_store(str(db))
    try:
        return str(store.query("SELECT m.network_id FROM network_members m JOIN networks n ON n.network_id = "
                               "m.network_id WHERE n.status = 'active' GROUP BY 1 ORDER BY count(*), 1 LIMIT 1")[0][0])
    finally:
        store.close()


# In the page: frame intervals while the view pans and zooms (one step per animation frame),
# the viewport moved by script (Cytoscape then redraws everything, edges included, each frame).
PAN_ZOOM = """async () => {
  const cy = window.netcaseGraph; const times = [];
  const w = cy.width(), h = cy.height(); const z0 = cy.zoom();
  let last = await new Promise(requestAnimationFrame);
  for (let i = 0; i < 60; i++) {
    if (i < 20) cy.zoom({ level: z0 * (1 + 0.05 * (i + 1)), renderedPosition: { x: w / 2, y: h / 2 } });
    else if (i < 40) cy.panBy({ x: 12, y: 8 });
    else cy.zoom({ level: z0 * (1 + 0.05 * (60 - i)), renderedPosition: { x: w / 3, y: h / 3 } });
    const t = await new Promise(requestAnimationFrame); times.push(t - last); last = t;
  }
  cy.fit(undefined, 20);
  await new Promise(requestAnimationFrame);
  return { frames: times };
}"""

# In the page: record every animation frame and every Cytoscape render until told to stop, while
# the test drives the mouse (wheel zoom and drag pan as a person does: Cytoscape then hides the
# edges and moves a cached texture while the viewport moves, and redraws in full once it stops).
RECORD = """() => {
  const rec = { frames: [], renders: [], on: true };
  window.netcaseRecord = rec;
  const loop = (t) => { if (!rec.on) return; rec.frames.push(t); requestAnimationFrame(loop); };
  requestAnimationFrame(loop);
  window.netcaseGraph.on("render", () => rec.renders.push(performance.now()));
  return performance.now();
}"""
STOP = """async () => {
  const rec = window.netcaseRecord; const end = performance.now();
  // Let the view settle: the full redraw with edges comes once the viewport has stopped.
  await new Promise((r) => setTimeout(r, 3000));
  rec.on = false;
  const frames = rec.frames.filter((t) => t <= end);
  const after = rec.renders.filter((t) => t > end);
  return { frames: frames.slice(1).map((t, i) => t - frames[i]), end,
           settle: after.length ? after[after.length - 1] - end : 0 };
}"""


def mouse_pan_zoom(page: Any) -> dict[str, Any]:
    """Wheel in 20 notches, drag the background 20 steps, wheel out 20 notches; frame intervals
    meanwhile and the time until the last redraw after the mouse stops."""
    box = page.locator("#graph").bounding_box()
    cx, cy = box["x"] + box["width"] / 2, box["y"] + box["height"] / 2
    page.evaluate(RECORD)
    page.mouse.move(cx, cy)
    for _ in range(20):
        page.mouse.wheel(0, -60)
        page.wait_for_timeout(25)
    page.mouse.move(box["x"] + 6, box["y"] + 6)
    page.mouse.down()
    for i in range(1, 21):
        page.mouse.move(box["x"] + 6 + 10 * i, box["y"] + 6 + 6 * i)
        page.wait_for_timeout(16)
    page.mouse.up()
    page.mouse.move(cx, cy)
    for _ in range(20):
        page.mouse.wheel(0, 60)
        page.wait_for_timeout(25)
    return dict(page.evaluate(STOP))


# In the page: the time slider moved to a value, until the next frame has been drawn.
SLIDER = """async (value) => {
  const s = document.getElementById('time'); const t0 = performance.now();
  s.value = String(value); s.dispatchEvent(new Event('input'));
  await new Promise(requestAnimationFrame); await new Promise(requestAnimationFrame);
  return performance.now() - t0;
}"""


def graph_elements(db: Path, role: str, network_id: str, out: Path) -> dict[str, Any]:
    """The network's Cytoscape elements as the API serves them (``services.network_elements``,
    server-side layout included), computed in-process and kept in ``out``; with the seconds taken."""
    import json

    from netcase.access.identity import viewer_for
    from netcase.api import services
    from netcase.store import open_store

    if out.exists():
        return dict(json.loads(out.read_text()))
    store = open_store(str(db))
    try:
        t0, cpu0 = time.perf_counter(), time.process_time()
        g = services.network_elements(store, viewer_for(store, demo_user(role)[0]), network_id)
        g["bench"] = {"seconds": time.perf_counter() - t0, "cpu_seconds": time.process_time() - cpu0}
    finally:
        store.close()
    out.write_text(json.dumps(g))
    return g


def measure_view(db: Path, role: str, network_id: str, graph: str | None = None) -> dict[str, Any]:
    """Open the network view in chromium and time first render, a layout, pan/zoom and the slider.

    With ``graph`` (elements as JSON), the view of ``network_id`` is given those elements in place of
    its own graph: the page, its scripts and the drawing are the app's, the graph is the big one."""
    from playwright.sync_api import sync_playwright

    port = free_port()
    proc = start_server(db, port)
    base = f"http://127.0.0.1:{port}"
    hosts: set[str | None] = set()
    try:
        c = login(base, *demo_user(role))
        with sync_playwright() as pw:
            b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
            ctx = b.new_context(viewport={"width": 1280, "height": 800})
            ctx.add_cookies([{"name": "netcase_session", "value": c.cookies["netcase_session"], "url": base}])
            ctx.set_default_timeout(600_000)
            page = ctx.new_page()
            page.on("request", lambda r: hosts.add(urlparse(r.url).hostname))
            if graph is not None:
                page.route(f"**/api/networks/{network_id}/graph",
                           lambda route: route.fulfill(status=200, content_type="application/json", body=graph))
            out: dict[str, Any] = {}
            for attempt in ("cold", "warm"):
                cpu0 = cpu_seconds(proc.pid)
                page.goto(f"{base}/networks/{network_id}")
                page.wait_for_selector("#graph-status:has-text('people')")
                page.wait_for_function("() => performance.getEntriesByName('netcase:graph-drawn').length > 0")
                marks = page.evaluate("""() => Object.fromEntries(performance.getEntriesByType('mark')
                    .filter(m => m.name.startsWith('netcase:')).map(m => [m.name.slice(8), m.startTime]))""")
                out[attempt] = {"data": marks["graph-data"], "drawn": marks["graph-drawn"],
                                "draw": marks["graph-drawn"] - marks["graph-data"],
                                "nodes": marks.get("graph-nodes-drawn", marks["graph-drawn"]) - marks["graph-data"],
                                "server_cpu": cpu_seconds(proc.pid) - cpu0}
            out["nodes"], out["edges"] = page.evaluate(
                "() => [window.netcaseGraph.nodes().length, window.netcaseGraph.edges().length]")
            out["settings"] = page.evaluate("() => window.netcaseGraphSettings")
            page.click("#relayout")
            page.wait_for_function("() => performance.getEntriesByName('netcase:layout', 'measure').length > 0")
            out["layout"] = page.evaluate("() => performance.getEntriesByName('netcase:layout', 'measure')[0].duration")
            out["layout_name"] = page.evaluate("() => window.netcaseGraphSettings.relayout")
            pz = mouse_pan_zoom(page)
            out["frame_p50"], out["frame_p95"], out["frame_max"] = (statistics.median(pz["frames"]),
                                                                    pct(pz["frames"], 95), max(pz["frames"]))
            out["settle"] = pz["settle"]
            # The same moves made by script: no viewport shortcuts, a full redraw per frame.
            full = page.evaluate(PAN_ZOOM)["frames"]
            out["script_p50"], out["script_p95"] = statistics.median(full), pct(full, 95)
            slider = [page.evaluate(SLIDER, v) for v in (20, 40, 60, 80, 50, 100)]
            out["slider_p50"], out["slider_max"] = statistics.median(slider), max(slider)
            b.close()
    finally:
        proc.terminate()
        proc.wait(timeout=30)
    if hosts - {"127.0.0.1"}:
        raise RuntimeError(f"the view made requests off the machine: {hosts}")
    return out


def main() -> None:
    warnings.filterwarnings("ignore")
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--scale", default="medium")
    ap.add_argument("--out", type=Path, default=None, help="Store folder (default TMPDIR/netcase-bench/SCALE).")
    ap.add_argument("--role", default="supervisor")
    ap.add_argument("--repeat", type=int, default=20, help="Loads of each page after the first.")
    ap.add_argument("--distinct", type=int, default=20,
                    help="Different entities, networks, investigations and names a detail page or search rotates over.")
    ap.add_argument("--pages", default=None, help="Comma-separated paths instead of the role's menu.")
    ap.add_argument("--profile", default=None, help="cProfile this path in-process and stop.")
    ap.add_argument("--big-people", type=int, default=1000,
                    help="Members of the merged network the browser opens (its graph has more nodes).")
    ap.add_argument("--big-out", type=Path, default=None, help="Folder of the store with the merged network.")
    ap.add_argument("--host-out", type=Path, default=None,
                    help="Serve the network page around the big graph from this tiny world's store.")
    ap.add_argument("--skip", default="", help="Comma-separated: pages, view.")
    ap.add_argument("--warm-wait", type=float, default=0.0,
                    help="Seconds to wait at most for the server to warm its page cache before the loads "
                         "(0: start at once, first loads then race the warming).")
    args = ap.parse_args()
    skip = set(filter(None, args.skip.split(",")))
    t0 = time.perf_counter()
    db = build_store(args.out or default_out(args.scale), args.scale)
    print(f"store ready in {time.perf_counter() - t0:.0f} s: {db}", flush=True)
    if args.profile:
        print(profile_page(db, args.role, args.profile))
        return
    if "pages" not in skip:
        load0 = os.getloadavg()[0]
        rows, warmed = measure_pages(db, args.role, args.repeat, args.distinct,
                                     args.pages.split(",") if args.pages else None, args.warm_wait)
        worst = max(r[5] for r in rows)
        if args.warm_wait <= 0:
            warm_text = ("The loads start as soon as the server answers, while it is still warming its page cache "
                         "(`netcase.web.warm`), so a first load may wait for the warming or compute its page itself.")
        elif warmed is None:
            warm_text = (f"The loads start after waiting {args.warm_wait:.0f} s for the server to warm its page cache "
                         "(`netcase.web.warm`), which had not finished by then.")
        else:
            warm_text = (f"The loads start once the server has warmed its page cache (`netcase.web.warm`, for "
                         f"{warmed['users']:.0f} users: {warmed['seconds']:.0f} s wall, "
                         f"{warmed['cpu_seconds']:.0f} CPU s of the warming thread), as users would find a server "
                         "started before their working day; first loads of pages not warmed (a new search, an entity "
                         "profile, an investigation) are cold.")
        body = (f"Scale `{args.scale}`; {args.role} session; the menu's pages and the detail pages behind them, "
                 f"one first load then {args.repeat} loads each (a listing again and again; a detail page or a search "
                 f"over {args.distinct} different ones), one at a time over loopback (server time to the whole "
                 f"response); server CPU seconds per load; load average (1 min) {load0:.1f} at the start, "
                 f"after each page in the table. {warm_text} Goal: p95 ≤ 300 ms; worst p95 here {worst:,.0f} ms.\n\n"
                 + markdown_table(("page", "distinct pages", "bytes", "first ms", "median ms", "p95 ms", "max ms",
                                   "server CPU s", "load avg"), rows) + "\n")
        write_section("web", "Web pages (bench/web.py)", body,
                      command=f"python bench/web.py --scale {args.scale} --role {args.role} --repeat {args.repeat} "
                              f"--distinct {args.distinct} --skip view"
                              + (f" --warm-wait {args.warm_wait:.0f}" if args.warm_wait > 0 else "")
                              + (f" --out {args.out}" if args.out else ""))
    if "view" not in skip:
        import json

        big, nid, members = merged_network_store(db, args.big_out or db.parent.with_name(db.parent.name + "-merged"),
                                                 args.big_people)
        g = graph_elements(big, args.role, nid, big.parent / f"graph-{nid}-{args.role}.json")
        made = g.pop("bench")
        print(f"graph of {nid}: {len(g['nodes'])} nodes, {len(g['edges'])} edges, computed in "
              f"{made['seconds']:.0f} s ({made['cpu_seconds']:.0f} CPU s)", flush=True)
        # The page around the graph: the smallest network's view (the page is the same for all),
        # from --host-out's store when given (a small world: its page is built in seconds).
        host_db = build_store(args.host_out, "tiny") if args.host_out else db
        host = smallest_network(host_db)
        load0 = os.getloadavg()[0]
        v = measure_view(host_db, args.role, host, json.dumps(g))
        print(v, flush=True)
        if v["nodes"] < 2000:
            print(f"note: the view has {v['nodes']} nodes (< 2,000): raise --big-people", flush=True)
        s = v["settings"]
        rows = [(f"{nid} ({members:,} members)", v["nodes"], v["edges"], made["seconds"] * 1000,
                 v["warm"]["nodes"], v["warm"]["draw"], v["cold"]["draw"], v["layout"], v["frame_p50"],
                 v["frame_p95"], v["settle"], v["script_p50"], v["script_p95"], v["slider_p50"], v["slider_max"])]
        body = (f"Network view in chromium (Playwright, headless, software rendering, 1280×800), {args.role} "
                 f"session; load average {load0:.1f}. The network: the `{args.scale}` world's largest networks "
                 f"merged into one ({members:,} members; asked for ≥ {args.big_people:,}) in a copy of the store (the people and links "
                 "are the generator's; only the network boundary is widened); its elements are what "
                 "`/api/networks/{id}/graph` answers (server-side layout included; computed in-process, "
                 f"{made['cpu_seconds']:.0f} CPU s), handed to the app's network page (`{host}`"
                 + (" of the tiny world" if args.host_out else "") + ") in place of that network's own graph. Times in ms: the elements computed on the server; graph data "
                 "received → first frame drawn in the browser (a large graph's nodes are drawn first, then its "
                 "links: the nodes' frame, then the whole graph's, warm and on the first open); a layout of the "
                 f"whole graph in the browser ({v['layout_name']}); frame interval while zooming and panning with the "
                 "mouse (Playwright's wheel and drag: 20 wheel notches in, a 20-step drag, 20 notches out) and "
                 "the time from the last mouse event to the end of the full redraw after; frame interval for the "
                 "same moves made by script (`cy.zoom`/`cy.panBy`: Cytoscape's viewport shortcuts do not apply, "
                 "every frame is a full redraw with every edge); time-slider change until the next frame. "
                 f"Settings above {s['large']} nodes: " + ", ".join(
                     f"{k}={val}" for k, val in s.items() if k not in ("large", "relayout")) + ".\n\n"
                 + markdown_table(("network", "nodes", "edges", "elements ms (server)", "nodes drawn ms", "all drawn ms",
                                   "all drawn ms (first open)",
                                   "layout ms", "mouse frame p50", "mouse frame p95", "redraw after",
                                   "script frame p50", "script frame p95", "slider p50", "slider max"), rows) + "\n")
        write_section("web-view", "Network view at 2,000+ nodes (bench/web.py)", body,
                      command=f"python bench/web.py --scale {args.scale} --role {args.role} "
                              f"--big-people {args.big_people} --skip pages"
                              + (f" --out {args.out} --big-out {args.big_out}" if args.out and args.big_out else "")
                              + (f" --host-out {args.host_out}" if args.host_out else ""))


if __name__ == "__main__":
    main()
