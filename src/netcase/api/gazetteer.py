"""Where the places of the smuggling corridors are: origin towns, border plazas, Border Patrol
sectors and stash-house cities, with public coordinates (decimal degrees, WGS 84).

Agency records name a route as text ("Reynosa → Rio Grande Valley → Houston") or an address by
city; this small table lets the map draw them without any geocoding service (the app is
air-gapped). A name not in it is left off the map and counted, never guessed.
"""

from __future__ import annotations

import re

from unidecode import unidecode

# name → (latitude, longitude, kind)
PLACES: dict[str, tuple[float, float, str]] = {
    # Origin towns and the Guatemala–Mexico border (DOMAIN.md: common routes).
    "huehuetenango": (15.3197, -91.4709, "origin"),
    "san marcos": (14.9659, -91.7944, "origin"),
    "quiche": (15.0306, -91.1489, "origin"),
    "santa cruz del quiche": (15.0306, -91.1489, "origin"),
    "guatemala city": (14.6349, -90.5069, "origin"),
    "san pedro sula": (15.5000, -88.0333, "origin"),
    "tegucigalpa": (14.0723, -87.1921, "origin"),
    "san salvador": (13.6929, -89.2182, "origin"),
    "san miguel": (13.4833, -88.1833, "origin"),
    "tecun uman": (14.6750, -92.1390, "transit"),
    "ciudad hidalgo": (14.6790, -92.1500, "transit"),
    "tapachula": (14.9034, -92.2575, "transit"),
    # Mexican border plazas.
    "tijuana": (32.5149, -117.0382, "plaza"),
    "mexicali": (32.6245, -115.4523, "plaza"),
    "san luis rio colorado": (32.4561, -114.7719, "plaza"),
    "sonoyta": (31.8615, -112.8522, "plaza"),
    "nogales": (31.3086, -110.9422, "plaza"),
    "agua prieta": (31.3276, -109.5489, "plaza"),
    "palomas": (31.7706, -107.6244, "plaza"),
    "ciudad juarez": (31.6904, -106.4245, "plaza"),
    "juarez": (31.6904, -106.4245, "plaza"),
    "ojinaga": (29.5646, -104.4164, "plaza"),
    "ciudad acuna": (29.3232, -100.9522, "plaza"),
    "acuna": (29.3232, -100.9522, "plaza"),
    "piedras negras": (28.7007, -100.5232, "plaza"),
    "nuevo laredo": (27.4779, -99.5496, "plaza"),
    "reynosa": (26.0508, -98.2279, "plaza"),
    "matamoros": (25.8690, -97.5027, "plaza"),
    # Border Patrol sectors (sector headquarters).
    "san diego sector": (32.6401, -117.0842, "sector"),
    "el centro sector": (32.7920, -115.5630, "sector"),
    "yuma sector": (32.6927, -114.6277, "sector"),
    "tucson sector": (32.2226, -110.9747, "sector"),
    "el paso sector": (31.7619, -106.4850, "sector"),
    "big bend sector": (30.3585, -103.6610, "sector"),
    "del rio sector": (29.3627, -100.8968, "sector"),
    "laredo sector": (27.5306, -99.4803, "sector"),
    "rio grande valley sector": (26.3017, -98.1633, "sector"),
    # U.S. cities where stash houses and destinations are.
    "houston": (29.7604, -95.3698, "city"),
    "laredo": (27.5306, -99.4803, "city"),
    "mcallen": (26.2034, -98.2300, "city"),
    "brownsville": (25.9017, -97.4975, "city"),
    "eagle pass": (28.7091, -100.4995, "city"),
    "del rio": (29.3627, -100.8968, "city"),
    "san antonio": (29.4241, -98.4936, "city"),
    "dallas": (32.7767, -96.7970, "city"),
    "phoenix": (33.4484, -112.0740, "city"),
    "tucson": (32.2226, -110.9747, "city"),
    "yuma": (32.6927, -114.6277, "city"),
    "el paso": (31.7619, -106.4850, "city"),
    "los angeles": (34.0522, -118.2437, "city"),
    "san diego": (32.7157, -117.1611, "city"),
    "el centro": (32.7920, -115.5630, "city"),
    "atlanta": (33.7490, -84.3880, "city"),
    "chicago": (41.8781, -87.6298, "city"),
    "new york": (40.7128, -74.0060, "city"),
}
SECTORS = ("san diego", "el centro", "yuma", "tucson", "el paso", "big bend", "del rio", "laredo", "rio grande valley")


def key(name: str) -> str:
    """Lower-case ASCII, single spaces: 'Ciudad Juárez' → 'ciudad juarez'."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", unidecode(name).lower()).split())


def locate(name: str, *, sector_hint: bool = False) -> tuple[float, float, str] | None:
    """Coordinates and kind of a place name, or None when the gazetteer does not know it.

    With ``sector_hint`` (the middle stop of a route is the crossing sector) a bare sector name
    ("Laredo") resolves to the sector rather than the city.
    """
    k = key(name)
    if sector_hint and k in SECTORS:
        return PLACES[f"{k} sector"]
    if k in PLACES:
        return PLACES[k]
    if k.endswith(" sector") and k in PLACES:
        return PLACES[k]
    return None


def city_of_address(full: str) -> tuple[float, float, str] | None:
    """The city of an address written '…, City, ST, USA' (for a city-level marker)."""
    parts = [p.strip() for p in full.split(",")]
    for part in reversed(parts[:-1] if len(parts) > 1 else parts):
        found = locate(part)
        if found:
            return found
    return None


def route_stops(name: str) -> list[str]:
    """The stops of a route name 'A → B → C' (also '->' or '>')."""
    return [p.strip() for p in re.split(r"\s*(?:→|->|>)\s*", name) if p.strip()]
