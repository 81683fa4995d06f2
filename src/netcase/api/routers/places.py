"""Places and corridors as GeoJSON for the map (drawn on the vendored base map, no tiles)."""

from __future__ import annotations

import contextlib
from collections import defaultdict
from typing import Any

from fastapi import APIRouter, Request

from netcase.api import reads
from netcase.api.deps import StoreDep, ViewerDep
from netcase.api.security import require

router = APIRouter(tags=["map"])


def _float(value: str | None) -> float | None:
    try:
        return float(value) if value is not None else None
    except ValueError:
        return None


def map_features(store: Any, viewer: Any) -> dict[str, Any]:
    """Located places and the trip legs between them, as one GeoJSON FeatureCollection."""
    places = reads.located_places(store, viewer)
    features: list[dict[str, Any]] = []
    coords: dict[str, tuple[float, float]] = {}
    for p in places:
        lat, lon = _float(p.first("latitude")), _float(p.first("longitude"))
        if lat is None or lon is None:
            continue
        for m in p.members:
            coords[m] = (lon, lat)
        kind = (p.first("nc:placeType") or p.first("summary") or p.first("remarks") or "place")
        features.append({
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [lon, lat]},
            "properties": {"id": p.id, "name": p.caption, "kind": kind, "country": p.first("country"),
                           "city": p.first("city")},
        })
    legs: dict[tuple[str, str], dict[str, Any]] = {}
    counts: dict[tuple[str, str], int] = defaultdict(int)
    for t in reads.trips_between(store, viewer):
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
    return {"type": "FeatureCollection", "features": features}


@router.get("/map", summary="Places and corridor legs as GeoJSON")
def map_geojson(request: Request, store: StoreDep, viewer: ViewerDep) -> dict[str, Any]:
    """Located places (origins, crossings, stash houses) and the trips between them."""
    require(viewer, "read:entities")
    return map_features(store, viewer)
