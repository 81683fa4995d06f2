"""Viewer-aware reads for the map: located places, trip legs and routes, stash-house addresses.

Every query carries the access layer's ``statement_filter`` for the viewer, as in ``reads``.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from netcase.access.policy import statement_filter
from netcase.access.viewer import Viewer
from netcase.api.reads import EntityView, entities
from netcase.store import Store


def located_places(store: Store, viewer: Viewer, limit: int = 5000) -> list[EntityView]:
    """Visible Address (and other) entities that carry both a latitude and a longitude."""
    cond, params = statement_filter(viewer, "s")
    rows = store.query(
        f"SELECT DISTINCT coalesce(r.canonical_id, s.entity_id) FROM statements s "
        f"LEFT JOIN resolved r ON r.entity_id = s.entity_id WHERE s.prop = 'latitude' AND {cond} LIMIT ?",
        [*params, limit],
    )
    views = entities(store, viewer, [str(r[0]) for r in rows])
    return [v for v in views.values() if v.first("latitude") and v.first("longitude")]


def trips_between(store: Store, viewer: Viewer, limit: int = 20000) -> list[dict[str, Any]]:
    """Visible trips with a start and an end location: the legs of the smuggling corridors."""
    cond, params = statement_filter(viewer, "s")
    rows = store.query_dicts(
        f"SELECT s.entity_id, s.prop, s.value FROM statements s WHERE s.schema = 'Trip' "
        f"AND s.prop IN ('startLocation', 'endLocation', 'nc:corridor', 'nc:migrantCount', 'startDate', 'nc:sector') "
        f"AND {cond} LIMIT ?",
        [*params, limit],
    )
    trips: dict[str, dict[str, Any]] = defaultdict(dict)
    for r in rows:
        trips[r["entity_id"]].setdefault(r["prop"], r["value"])
    return [dict(id=k, **v) for k, v in trips.items() if "startLocation" in v and "endLocation" in v]


def trip_routes(store: Store, viewer: Viewer, limit: int = 50000) -> list[dict[str, Any]]:
    """Visible trips named as routes ('Reynosa → Rio Grande Valley → Houston') with people moved."""
    cond, params = statement_filter(viewer, "s")
    rows = store.query(
        f"SELECT s.entity_id, s.prop, s.value FROM statements s WHERE s.schema = 'Trip' "
        f"AND s.prop IN ('name', 'nc:migrantCount', 'nc:sector') AND {cond} LIMIT ?",
        [*params, limit],
    )
    trips: dict[str, dict[str, Any]] = defaultdict(dict)
    for eid, prop, value in rows:
        trips[str(eid)].setdefault(str(prop), str(value))
    return [dict(id=k, **v) for k, v in trips.items() if "name" in v]


def stash_addresses(store: Store, viewer: Viewer, limit: int = 5000) -> list[tuple[str, str]]:
    """(canonical id, full address) of visible addresses recorded as stash houses."""
    cond, params = statement_filter(viewer, "s")
    cond2, params2 = statement_filter(viewer, "a")
    rows = store.query(
        f"SELECT DISTINCT coalesce(r.canonical_id, s.entity_id), a.value FROM statements s "
        f"JOIN statements a ON a.entity_id = s.entity_id AND a.prop = 'full' "
        f"LEFT JOIN resolved r ON r.entity_id = s.entity_id "
        f"WHERE s.schema = 'Address' AND s.prop IN ('remarks', 'summary') AND lower(s.value) LIKE '%stash%' "
        f"AND {cond} AND {cond2} LIMIT ?",
        [*params, *params2, limit],
    )
    return [(str(a), str(b)) for a, b in rows]
