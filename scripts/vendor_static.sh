#!/usr/bin/env bash
# Copy the pinned front-end packages (package.json / package-lock.json, installed by `npm ci`) into
# src/netcase/web/static/vendor/, which the app serves at /static/vendor/. The copy is git-ignored:
# the lockfile is the record of what is served, and nothing is ever fetched from a CDN at run time.
set -euo pipefail
cd "$(dirname "$0")/.."
NM=node_modules
OUT=src/netcase/web/static/vendor
if [ ! -d "$NM" ]; then
  echo "vendor_static: no node_modules; run 'npm ci' first" >&2
  exit 1
fi
rm -rf "$OUT"
mkdir -p "$OUT/leaflet/images" "$OUT/atlas"
cp "$NM/htmx.org/dist/htmx.min.js" "$OUT/htmx.min.js"
cp "$NM/cytoscape/dist/cytoscape.min.js" "$OUT/cytoscape.min.js"
cp "$NM/chart.js/dist/chart.umd.min.js" "$OUT/chart.umd.min.js"
cp "$NM/leaflet/dist/leaflet.js" "$OUT/leaflet/leaflet.js"
cp "$NM/leaflet/dist/leaflet.css" "$OUT/leaflet/leaflet.css"
cp "$NM"/leaflet/dist/images/*.png "$OUT/leaflet/images/"
cp "$NM/topojson-client/dist/topojson-client.min.js" "$OUT/topojson-client.min.js"
# Base map: countries at 1:50m (Natural Earth via world-atlas) and U.S. states (us-atlas).
cp "$NM/world-atlas/countries-50m.json" "$OUT/atlas/countries-50m.json"
cp "$NM/us-atlas/states-10m.json" "$OUT/atlas/states-10m.json"
# axe-core (a devDependency) is not copied: only the accessibility tests use it, reading it from
# node_modules and evaluating it in the page, so the app never serves it.
test -f "$NM/axe-core/axe.min.js" || echo "vendor_static: axe-core missing (dev only: tests/test_web_a11y.py skips)" >&2
for pkg in htmx.org cytoscape chart.js leaflet topojson-client world-atlas us-atlas; do
  v=$(node -p "require('./$NM/$pkg/package.json').version")
  echo "$pkg $v"
done > "$OUT/VERSIONS.txt"
echo "vendor_static: copied $(wc -l < "$OUT/VERSIONS.txt") packages to $OUT"
