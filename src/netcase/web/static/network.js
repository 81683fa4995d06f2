// The network view: Cytoscape graph (server-side layout, so 2,000 nodes draw at once), a time
// slider over link dates, a profile panel for the selected node, and the disruption plan overlay
// with its dismantling curves. Data comes from this server's JSON API only.
(function () {
  const el = document.getElementById("graph");
  if (!el) return;
  const id = el.dataset.network;
  const status = document.getElementById("graph-status");
  const profile = document.getElementById("profile");
  const slider = document.getElementById("time");
  const sliderOut = document.getElementById("time-out");
  const ROLE_COLOURS = {
    coordinator: "#d73027", leader: "#d73027", organizer: "#d73027", boss: "#d73027",
    recruiter: "#fc8d59", guide: "#4575b4", driver: "#4575b4", transporter: "#4575b4",
    stash_house_operator: "#91bfdb", stash: "#91bfdb", money_collector: "#fee090", financier: "#fee090",
    lookout: "#b2abd2", victim: "#1a9850", migrant: "#1a9850",
  };
  const SHAPES = { person: "ellipse", phone: "diamond", account: "rectangle", vehicle: "triangle",
    place: "hexagon", event: "octagon", trip: "round-rectangle", payment: "rectangle", call: "diamond",
    identifier: "tag", email: "diamond", other: "round-tag" };
  const roleColour = (role, prot) => prot ? "#1a9850" :
    (ROLE_COLOURS[role] || Object.entries(ROLE_COLOURS).find(([k]) => (role || "").includes(k))?.[1] || "#6a6a6a");
  let cy = null;
  let dates = [];

  function esc(s) { const d = document.createElement("div"); d.textContent = s == null ? "" : String(s); return d.innerHTML; }

  async function showProfile(node) {
    const d = node.data();
    if (d.kind !== "person" && !["vehicle", "account", "place", "event", "trip", "payment", "call", "other"].includes(d.kind)) {
      profile.innerHTML = `<p><strong>${esc(d.kind)}</strong>: ${esc(d.label)}</p>` +
        `<p>${node.degree()} link(s) in this network.${d.hub ? " Cut as a hub: it links too many people to mean anything." : ""}</p>` +
        `<p><a href="/search?q=${encodeURIComponent(d.label)}">Search for this value</a></p>`;
      return;
    }
    profile.innerHTML = "<p>Loading…</p>";
    const r = await fetch(`/api/entities/${encodeURIComponent(d.id)}`, { credentials: "same-origin" });
    if (!r.ok) { profile.innerHTML = `<p>${esc(d.label)}: not visible to you.</p>`; return; }
    const e = await r.json();
    const props = Object.entries(e.properties).filter(([k]) => !k.startsWith("nc:") || k === "nc:reportedRole")
      .slice(0, 12).map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(v.slice(0, 4).join(", "))}</dd>`).join("");
    profile.innerHTML = `<h3>${esc(e.caption)}</h3><p>${esc(e.schema)}${d.role ? " · " + esc(d.role) : ""}` +
      `${e.protected ? ' · <span class="badge protected">protected — never a target</span>' : ""}` +
      `${d.custody ? ' · <span class="badge">in custody</span>' : ""}</p><dl class="props">${props}</dl>` +
      `<p>${e.statements.length} facts · <a href="/entities/${encodeURIComponent(e.id)}">full profile</a></p>`;
  }

  // Above LARGE nodes the view trades detail for speed: edges hidden and a cached texture while
  // the viewport moves, labels only once zoomed in far enough to read them, one device pixel per
  // CSS pixel, and a cheap concentric layout (by degree) instead of the force-directed one.
  const LARGE = 600;
  let byTime = [];   // dated edges, oldest first
  let shownUpTo = 0; // edges byTime[0 .. shownUpTo) are shown
  let pending = false;

  // The slider's cut-off moves over edges sorted by date, so a change touches only the edges
  // between the old and the new cut-off, once per frame however fast the input events come.
  function applyTime() {
    if (!cy || !dates.length || pending) return;
    pending = true;
    requestAnimationFrame(() => {
      pending = false;
      const lo = new Date(dates[0]).getTime(), hi = new Date(dates[1]).getTime();
      const all = slider.value === "100";
      const t = all ? Infinity : lo + (hi - lo) * slider.value / 100;
      sliderOut.textContent = all ? "all dates" : new Date(t).toISOString().slice(0, 10);
      let cut = 0;
      while (cut < byTime.length && byTime[cut].t <= t) cut++;
      if (cut === shownUpTo) return;
      const changed = cy.collection(byTime.slice(Math.min(cut, shownUpTo), Math.max(cut, shownUpTo)).map((x) => x.e));
      cy.batch(() => { if (cut > shownUpTo) changed.removeClass("later"); else changed.addClass("later"); });
      shownUpTo = cut;
    });
  }

  function relayout() {
    if (!cy) return;
    const visible = cy.elements().not(".later");
    const large = cy.nodes().length > LARGE;
    const options = large
      ? { name: "concentric", concentric: (n) => n.degree(), levelWidth: () => 2, minNodeSpacing: 4,
          animate: false, fit: true, padding: 20 }
      : { name: "cose", animate: false, fit: true, padding: 20, randomize: false, numIter: 1000 };
    performance.mark("netcase:layout-start");
    const layout = visible.layout(options);
    layout.one("layoutstop", () => {
      requestAnimationFrame(() => {
        performance.measure("netcase:layout", "netcase:layout-start");
        status.dataset.layout = options.name;
      });
    });
    layout.run();
  }

  async function load() {
    status.textContent = "Loading the graph…";
    const r = await fetch(`/api/networks/${encodeURIComponent(id)}/graph`, { credentials: "same-origin" });
    if (!r.ok) { status.textContent = `The graph could not be loaded (HTTP ${r.status}).`; return; }
    const data = await r.json();
    performance.mark("netcase:graph-data");
    const large = data.nodes.length > LARGE;
    // Colours and shapes are computed once here: style functions would run per element and frame.
    for (const n of data.nodes) {
      const d = n.data;
      d.shape = d.harm ? "octagon" : (SHAPES[d.kind] || "ellipse");
      d.colour = d.kind === "person" ? roleColour(d.role, d.protected) : (d.harm || d.hub ? "#fff" : "#bbb");
    }
    for (const e of data.edges) { if (e.data.date) e.data.t = new Date(e.data.date).getTime(); }
    const settings = { large: LARGE, hideEdgesOnViewport: large, textureOnViewport: large, pixelRatio: large ? 1 : "auto",
      motionBlur: false, labelsFromZoomedFontPx: large ? 8 : 0, relayout: large ? "concentric" : "cose" };
    window.netcaseGraphSettings = settings;
    // A large graph is drawn in two steps: its nodes first (at their server-side positions, a first
    // frame in a second or two), then its links, whose first drawing takes most of the time.
    cy = cytoscape({
      container: el,
      elements: { nodes: data.nodes, edges: large ? [] : data.edges },
      layout: { name: "preset", fit: true, padding: 20 },
      minZoom: 0.05, maxZoom: 4, wheelSensitivity: 0.3,
      hideEdgesOnViewport: settings.hideEdgesOnViewport, textureOnViewport: settings.textureOnViewport,
      pixelRatio: settings.pixelRatio, motionBlur: false,
      style: [
        { selector: "node", style: { "background-color": "data(colour)", shape: "data(shape)",
          width: 10, height: 10, "border-width": 1, "border-color": "#333", label: "", "font-size": 9 } },
        { selector: 'node[kind = "person"]', style: { width: 16, height: 16, label: "data(label)",
          "min-zoomed-font-size": settings.labelsFromZoomedFontPx } },
        { selector: "node[?custody]", style: { "border-width": 3, "border-color": "#000", "border-style": "double" } },
        { selector: "node[?harm]", style: { "border-color": "#a50026", "border-width": 3, width: 16, height: 16 } },
        { selector: "node[?hub]", style: { "border-style": "dashed", "border-width": 2 } },
        { selector: "node.target", style: { "border-width": 4, "border-color": "#a50026", label: "data(targetLabel)",
          "font-size": 12, "font-weight": "bold", "text-background-color": "#fff", "text-background-opacity": 0.9,
          "min-zoomed-font-size": 0 } },
        { selector: "node:selected", style: { "overlay-color": "#ffbf47", "overlay-opacity": 0.5 } },
        { selector: "edge", style: { width: 1, "line-color": "#9aa8b3", "curve-style": "haystack", opacity: 0.7 } },
        { selector: 'edge[kind = "link"]', style: { width: "mapData(weight, 0, 4, 1, 5)", "line-color": "#56616b" } },
        { selector: "edge.later", style: { display: "none" } },
      ],
    });
    cy.on("tap", "node", (ev) => showProfile(ev.target));
    window.netcaseGraph = cy;
    if (large) {
      status.textContent = `${data.nodes.length} nodes drawn; drawing ${data.edges.length} links…`;
      await new Promise((resolve) => cy.one("render", resolve));
      performance.mark("netcase:graph-nodes-drawn");
      await new Promise(requestAnimationFrame);
      cy.add(data.edges);
    }
    cy.one("render", () => performance.mark("netcase:graph-drawn"));
    dates = data.dates || [];
    byTime = cy.edges("[t]").toArray().map((e) => ({ e, t: e.data("t") })).sort((a, b) => a.t - b.t);
    shownUpTo = byTime.length;
    if (dates.length) { slider.disabled = false; slider.addEventListener("input", applyTime); }
    const again = document.getElementById("relayout");
    if (again) { again.disabled = false; again.addEventListener("click", relayout); }
    // Keyboard and screen-reader users select nodes from the members table.
    document.querySelectorAll("#members a[data-node]").forEach((a) => {
      a.addEventListener("focus", () => {
        const n = cy.getElementById(a.dataset.node);
        if (n.nonempty()) { cy.$(":selected").unselect(); n.select(); }
      });
    });
    const people = data.nodes.filter((n) => n.data.kind === "person").length;
    status.textContent = `${people} people and ${data.nodes.length - people} other nodes, ${data.edges.length} links` +
      (data.cut_hubs.length ? `; ${data.cut_hubs.length} hub(s) cut` : "") + "." +
      (large ? " Large graph: labels appear when you zoom in." : "");
  }

  let chart = null;
  const form = document.getElementById("plan-form");
  if (form) {
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const targets = document.getElementById("plan-targets");
      targets.textContent = "Planning…";
      const q = new URLSearchParams(new FormData(form));
      const r = await fetch(`/api/networks/${encodeURIComponent(id)}/plan?${q}`, { credentials: "same-origin" });
      if (!r.ok) {
        const body = await r.json().catch(() => ({}));
        targets.textContent = `No plan: ${body.detail ? JSON.stringify(body.detail) : "HTTP " + r.status}`;
        return;
      }
      const plan = await r.json();
      if (cy) {
        cy.nodes().removeClass("target");
        plan.targets.forEach((t) => {
          const n = cy.getElementById(t.entity_id);
          if (n.nonempty()) { n.data("targetLabel", `#${t.rank}`); n.addClass("target"); }
        });
      }
      const rows = plan.targets.map((t) => `<tr><td class="num">${t.rank}</td><td><a href="/entities/${encodeURIComponent(t.entity_id)}">${esc(t.label)}</a></td>` +
        `<td>${esc(t.role || "")}</td><td>${esc(t.reason)}</td><td>${esc((t.flags || []).join(", "))}</td></tr>`).join("");
      targets.innerHTML = `<h3>Targets (${esc(plan.recommended)} strategy)</h3>` +
        `<table><thead><tr><th scope="col" class="num">#</th><th scope="col">Person</th><th scope="col">Role</th><th scope="col">Why</th><th scope="col">Needs</th></tr></thead><tbody>${rows}</tbody></table>` +
        (plan.flags.length ? `<p>${plan.flags.map(esc).join("<br>")}</p>` : "") +
        `<p class="hint">Excluded: ${Object.entries(plan.excluded).filter(([, v]) => v.length).map(([k, v]) => `${v.length} ${esc(k)}`).join(", ") || "none"}.</p>`;
      const colours = ["#a50026", "#005a9c", "#1b7837", "#7b3294", "#d95f02", "#666"];
      const datasets = Object.values(plan.strategies).map((s, i) => ({
        label: `${s.name} (R=${s.robustness.toFixed(3)})`, data: s.curve, borderColor: colours[i % colours.length],
        borderWidth: s.name === plan.recommended ? 3 : 1.5, pointRadius: 0, fill: false,
      }));
      const longest = Math.max(...datasets.map((d) => d.data.length));
      if (chart) chart.destroy();
      chart = new Chart(document.getElementById("plan-curve"), {
        type: "line",
        data: { labels: Array.from({ length: longest }, (_, i) => i), datasets },
        options: { animation: false, responsive: true,
          scales: { x: { title: { display: true, text: "people removed" } },
                    y: { min: 0, max: 1, title: { display: true, text: "largest connected share" } } } },
      });
      document.getElementById("plan-note").textContent = plan.definition;
    });
  }
  load().catch((err) => { status.textContent = "The graph could not be loaded: " + err.message; });
})();
