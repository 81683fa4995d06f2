// The corridors map: Leaflet with the vendored TopoJSON base layers and no tile layer, so the page
// makes requests to this server only.
(function () {
  const el = document.getElementById("map");
  if (!el) return;
  const status = document.getElementById("map-status");
  const map = L.map(el, { zoomControl: true, attributionControl: true, preferCanvas: true })
    .setView([24, -98], 4);
  map.attributionControl.setPrefix(false);
  map.attributionControl.addAttribution("Natural Earth (world-atlas, us-atlas)");
  const kindColour = (kind) => {
    const k = (kind || "").toLowerCase();
    if (k.includes("stash")) return "#7b3294";
    if (k.includes("cross") || k.includes("plaza") || k.includes("port")) return "#d95f02";
    if (k.includes("origin") || k.includes("town") || k.includes("transit")) return "#1b7837";
    return "#2166ac";
  };
  async function base() {
    const [world, states] = await Promise.all([
      fetch("/static/vendor/atlas/countries-50m.json").then((r) => r.json()),
      fetch("/static/vendor/atlas/states-10m.json").then((r) => r.json()),
    ]);
    L.geoJSON(topojson.feature(world, world.objects.countries), {
      style: { color: "#6b7b88", weight: 0.8, fillColor: "#f4f1e8", fillOpacity: 1 },
      interactive: false,
    }).addTo(map);
    L.geoJSON(topojson.mesh(states, states.objects.states, (a, b) => a !== b), {
      style: { color: "#9aa8b3", weight: 0.6, fill: false }, interactive: false,
    }).addTo(map);
  }
  async function overlay() {
    const data = await fetch(el.dataset.src, { credentials: "same-origin" }).then((r) => {
      if (!r.ok) throw new Error("map data: HTTP " + r.status);
      return r.json();
    });
    const legs = data.features.filter((f) => f.geometry.type === "LineString");
    const points = data.features.filter((f) => f.geometry.type === "Point");
    const maxTrips = Math.max(1, ...legs.map((f) => f.properties.trips));
    L.geoJSON({ type: "FeatureCollection", features: legs }, {
      style: (f) => ({ color: "#b2182b", opacity: 0.55, weight: 1 + 6 * f.properties.trips / maxTrips }),
      onEachFeature: (f, layer) => layer.bindTooltip(
        `${f.properties.corridor || "trip leg"}: ${f.properties.trips} trips, ${f.properties.migrants} people`),
    }).addTo(map);
    const tbody = document.querySelector("#places tbody");
    L.geoJSON({ type: "FeatureCollection", features: points }, {
      pointToLayer: (f, latlng) => L.circleMarker(latlng, {
        radius: 5, color: "#222", weight: 1, fillColor: kindColour(f.properties.kind), fillOpacity: 0.9,
      }),
      onEachFeature: (f, layer) => {
        const label = f.properties.name + (f.properties.approximate ? " (city-level position)" : "");
        if (!f.properties.id) { layer.bindPopup(document.createTextNode(label)); return; }
        const a = document.createElement("a");
        a.href = "/entities/" + encodeURIComponent(f.properties.id);
        a.textContent = label;
        layer.bindPopup(a);
      },
    }).addTo(map);
    for (const f of points.slice(0, 500)) {
      const tr = document.createElement("tr");
      const cells = [f.properties.name, f.properties.kind, f.properties.city || "", f.properties.country || ""];
      cells.forEach((text, i) => {
        const td = document.createElement("td");
        if (i === 0 && f.properties.id) {
          const a = document.createElement("a");
          a.href = "/entities/" + encodeURIComponent(f.properties.id);
          a.textContent = text;
          td.appendChild(a);
        } else td.textContent = text;
        tr.appendChild(td);
      });
      tbody.appendChild(tr);
    }
    status.textContent = `${points.length} places and ${legs.length} routes shown` +
      (data.unplaced ? `; ${data.unplaced} route(s) or address(es) name places this map does not know and are not drawn.` : ".");
    if (points.length) {
      map.fitBounds(L.geoJSON({ type: "FeatureCollection", features: points }).getBounds().pad(0.1));
    }
  }
  base().then(overlay).catch((err) => { status.textContent = "The map could not be loaded: " + err.message; });
})();
