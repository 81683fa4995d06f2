"""Places and corridors as GeoJSON for the map (drawn on the vendored base map, no tiles)."""

from __future__ import annotations

import contextlib
import json
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request, Response

from netcase.api import gazetteer, map_reads
from netcase.api.deps import StoreDep, ViewerDep

router = APIRouter(prefix="/api", tags=["map"])


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def map_features(store: Any, viewer: Any) -> dict[str, Any]:
    """Located places and the trip legs between them, as one GeoJSON FeatureCollection."""
    places = map_reads.located_places(store, viewer)
    features: list[dict[str, Any]] = []
    coords: dict[str, tuple[float, float]] = {}
    for p in places:
        lat, lon = _float(p.first("latitude")), _float(p.first("longitude"))
        if lat is None or lon is None:
            continue
        for m in p.members:
            coords[m] = (lon, lat)
        kind = (p.first("nc:placeType") or p.first("summary") or p.first("remarks") or "place").replace("_", " ")
        if "sector" in p.caption.lower() and kind == "place":
            kind = "Border Patrol station"
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": p.id, "name": p.caption, "kind": kind, "country": p.first("country"),
                           "city": p.first("city")},
        })
    legs: dict[tuple[str, str], dict[str, Any]] = {}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for t in map_reads.trips_between(store, viewer):
        a, b = coords.get(t["startLocation"]), coords.get(t["endLocation"])
        if a is None or b is None:
            continue
        key = (t["startLocation"], t["endLocation"])
        counts[key] += 1
        leg = legs.setdefault(key, {"a": a, "b": b, "corridor": t.get("nc:corridor"), "sector": t.get("nc:sector"),
                                    "migrants": 0})
        with contextlib.suppress(ValueError):
            leg["migrants"] += int(float(t.get("nc:migrantCount") or 0))
    for key, leg in legs.items():
        features.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": [list(leg["a"]), list(leg["b"])]},
            "properties": {"kind": "leg", "trips": counts[key], "migrants": leg["migrants"],
                           "corridor": leg["corridor"], "sector": leg["sector"]},
        })
    unplaced = _routes(store, viewer, features) + _stash_cities(store, viewer, features)
    return {"type": "FeatureCollection", "features": features, "unplaced": unplaced}


def _routes(store: Any, viewer: Any, features: list[dict[str, Any]]) -> int:
    """Trips named as routes, drawn plaza → sector → stash city through the gazetteer."""
    routes: dict[str, dict[str, int]] = defaultdict(lambda: {"trips": 0, "migrants": 0})
    for t in map_reads.trip_routes(store, viewer):
        r = routes[t["name"]]
        r["trips"] += 1
        with contextlib.suppress(ValueError):
            r["migrants"] += int(float(t.get("nc:migrantCount") or 0))
    unplaced = 0
    stops_drawn: set[str] = set()
    for name, r in sorted(routes.items()):
        stops = gazetteer.route_stops(name)
        # The middle stop of a three-stop route is the crossing sector.
        located = [gazetteer.locate(s, sector_hint=(len(stops) == 3 and i == 1)) for i, s in enumerate(stops)]
        coords = [[p[1], p[0]] for p in located if p is not None]
        if len(coords) < 2:
            unplaced += 1
            continue
        features.append({
            "type": "Feature",
            "geometry": {"type": "LineString", "coordinates": coords},
            "properties": {"kind": "leg", "corridor": name, "trips": r["trips"], "migrants": r["migrants"]},
        })
        for stop, p in zip(stops, located, strict=True):
            if p is not None and f"{stop}|{p[2]}" not in stops_drawn:
                stops_drawn.add(f"{stop}|{p[2]}")
                features.append({
                    "type": "Feature", "geometry": {"type": "Point", "coordinates": [p[1], p[0]]},
                    "properties": {"id": None, "name": stop, "kind": {"plaza": "crossing plaza", "sector": "crossing sector",
                                                                     "city": "stash-house city"}.get(p[2], p[2]),
                                   "city": None, "country": None, "approximate": True},
                })
    return unplaced


def _stash_cities(store: Any, viewer: Any, features: list[dict[str, Any]]) -> int:
    """Stash houses recorded without coordinates, one city-level marker per city."""
    per_city: dict[tuple[float, float], list[str]] = defaultdict(list)
    names: dict[tuple[float, float], str] = {}
    unplaced = 0
    for eid, full in map_reads.stash_addresses(store, viewer):
        place = gazetteer.city_of_address(full)
        if place is None:
            unplaced += 1
            continue
        per_city[(place[0], place[1])].append(eid)
        names[(place[0], place[1])] = full.split(",")[-3].strip() if full.count(",") >= 2 else full
    for (lat, lon), ids in per_city.items():
        features.append({
            "type": "Feature", "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": ids[0], "name": f"{len(ids)} stash house(s), {names[(lat, lon)]}", "kind": "stash house",
                           "city": names[(lat, lon)], "country": "us", "approximate": True, "count": len(ids)},
        })
    return unplaced


@router.get("/map", summary="Places and corridor legs as GeoJSON", response_class=Response,
            responses={200: {"content": {"application/json": {}},
                             "description": "A GeoJSON FeatureCollection, with `unplaced`: routes and stash "
                                            "houses that could not be placed"}})
def map_geojson(request: Request, store: StoreDep, viewer: ViewerDep) -> Response:
    """Located places (origins, crossings, stash houses) and the trips between them.

    Computed from the statements the viewer may read and nothing else about them, so one answer
    serves every viewer with the same visibility profile until the data changes (``shared``)."""
    cache = getattr(request.app.state, "page_cache", None)
    return Response(map_json(store, viewer, cache), media_type="application/json")


def map_json(store: Any, viewer: Any, cache: Any = None) -> bytes:
    """``map_features`` as JSON, kept encoded (FastAPI's encoder walking 5,000 features again on
    every load cost more than reading them) in the page cache when one is given."""
    def encoded() -> bytes:
        return json.dumps(map_features(store, viewer), separators=(",", ":")).encode()

    if cache is None:
        return encoded()
    from netcase.web.cache import shared

    return shared(cache, store, viewer, "map", (), encoded)
