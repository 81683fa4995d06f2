"""Event deconfliction: planned operations of different agencies too close in place and time.

Two operations conflict when they belong to different agencies, their time windows overlap or are
less than ``buffer`` apart (a raid ending at 06:00 still warns a surveillance team arriving at
06:30: people and vehicles linger) and their places are within ``max_km`` (haversine on the WGS 84 mean radius). Only
operations not yet over at ``now`` are considered: the point is officer safety before the event.

The search is a sweep over start times: operations are sorted by start and kept in an active
heap ordered by end, and the active ones in a grid of cells about ``max_km`` wide; an operation
is compared only with the operations still active when it starts and in the 3 x 3 cells around
it. That is O(n log n) plus the near candidates, instead of all n² pairs.
"""

from __future__ import annotations

import hashlib
import heapq
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from netcase.access.viewer import Viewer
from netcase.cases.investigations import CaseError, case_filter
from netcase.cases.vocab import OPERATION_KINDS
from netcase.store import Store

EARTH_RADIUS_KM = 6371.0088


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance in kilometres."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dphi = p2 - p1
    dlmb = math.radians(lon2 - lon1)
    a = math.sin(dphi / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dlmb / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


@dataclass(frozen=True)
class Operation:
    """A planned operation: who, what, where and when."""

    operation_id: str
    agency: str
    kind: str
    latitude: float
    longitude: float
    starts: datetime
    ends: datetime
    investigation_id: str | None = None
    address: str | None = None


@dataclass(frozen=True)
class OperationConflict:
    """Two operations that may meet each other on the ground."""

    alert_id: str
    operation_a: str
    operation_b: str
    distance_km: float
    overlap_start: datetime
    overlap_end: datetime


def find_operation_conflicts(
    ops: Sequence[Operation], *, max_km: float, buffer: timedelta, now: datetime | None = None,
) -> list[OperationConflict]:
    """All cross-agency pairs within ``max_km`` whose windows are less than ``buffer`` apart.

    A sweep by start time with a heap of active operations ordered by (buffered) end; the active
    operations are also kept in a grid of cells at least ``max_km`` wide, so an operation is compared
    only with active operations in its own and the eight neighbouring cells.

    ``overlap_start``/``overlap_end`` is the shared window (start after end when the windows only
    come within ``buffer`` of each other without overlapping).
    """
    live = [o for o in ops if now is None or o.ends + buffer >= now]
    if not live:
        return []
    live.sort(key=lambda o: (o.starts, o.operation_id))
    # Cell sizes in degrees: a degree of latitude is ~111.2 km everywhere; a degree of longitude
    # shrinks with cos(latitude), so the widest latitude of the data sets it (conservatively).
    lat_step = max(max_km, 1e-6) / 111.0
    max_abs_lat = min(89.0, max(abs(o.latitude) for o in live) + lat_step)
    lon_step = max(max_km, 1e-6) / (111.32 * max(math.cos(math.radians(max_abs_lat)), 1e-3))

    def cell(o: Operation) -> tuple[int, int]:
        return int(math.floor(o.latitude / lat_step)), int(math.floor(o.longitude / lon_step))

    active: list[tuple[datetime, int, Operation]] = []  # heap of (buffered end, seq, op)
    grid: dict[tuple[int, int], dict[int, Operation]] = {}
    out: list[OperationConflict] = []
    for seq, op in enumerate(live):
        while active and active[0][0] < op.starts:
            _end, old_seq, old = heapq.heappop(active)
            bucket = grid[cell(old)]
            del bucket[old_seq]
            if not bucket:
                del grid[cell(old)]
        ci, cj = cell(op)
        for di in (-1, 0, 1):
            for dj in (-1, 0, 1):
                for other in grid.get((ci + di, cj + dj), {}).values():
                    if other.agency == op.agency:
                        continue
                    dist = haversine_km(op.latitude, op.longitude, other.latitude, other.longitude)
                    if dist > max_km:
                        continue
                    a, b = sorted((op, other), key=lambda o: o.operation_id)
                    key = f"{a.operation_id}\x1f{b.operation_id}"
                    out.append(OperationConflict(
                        alert_id="OA-" + hashlib.sha1(key.encode()).hexdigest()[:16],
                        operation_a=a.operation_id,
                        operation_b=b.operation_id,
                        distance_km=round(dist, 3),
                        overlap_start=max(a.starts, b.starts),
                        overlap_end=min(a.ends, b.ends),
                    ))
        heapq.heappush(active, (op.ends + buffer, seq, op))
        grid.setdefault((ci, cj), {})[seq] = op
    out.sort(key=lambda c: (c.overlap_start, c.alert_id))
    return out


def stored_operations(store: Store) -> list[Operation]:
    """Every stored operation."""
    return [
        Operation(operation_id=r[0], agency=r[1], kind=r[2], latitude=float(r[3]), longitude=float(r[4]),
                  starts=r[5], ends=r[6], investigation_id=r[7], address=r[8])
        for r in store.query("SELECT operation_id, agency, kind, latitude, longitude, starts, ends, "
                             "investigation_id, address FROM operations")
    ]


def add_operation(
    store: Store, viewer: Viewer, op: Operation, *, now: datetime | None = None, max_km: float = 1.0,
    buffer: timedelta = timedelta(hours=2),
) -> list[OperationConflict]:
    """Plan an operation (investigators and supervisors) and deconflict it at once.

    The operation is stored and event deconfliction re-evaluated in one transaction, so a new plan
    that meets another agency's is alerted before anyone reads it. Returns the new conflicts.
    """
    if not viewer.has_role("investigator", "supervisor", "administrator"):
        raise CaseError(f"{viewer.user} may not plan operations")
    if op.kind not in OPERATION_KINDS:
        raise CaseError(f"kind {op.kind!r} is not one of {', '.join(OPERATION_KINDS)}")
    if op.ends <= op.starts:
        raise CaseError("an operation must end after it starts")
    if not (-90 <= op.latitude <= 90 and -180 <= op.longitude <= 180):
        raise CaseError("latitude/longitude out of range")
    if store.scalar("SELECT count(*) FROM operations WHERE operation_id = ?", (op.operation_id,)):
        raise CaseError(f"operation {op.operation_id} already exists")
    with store.transaction():
        store.insert_rows(
            "operations",
            ("operation_id", "investigation_id", "agency", "kind", "latitude", "longitude", "address", "starts",
             "ends", "source_file", "batch_id"),
            [(op.operation_id, op.investigation_id, op.agency.upper(), op.kind, op.latitude, op.longitude,
              op.address, op.starts, op.ends, "netcase operation add", None)],
        )
        # Imported here: notices build on this module's conflicts.
        from netcase.cases.notices import operation_notices, store_notices

        when = now or datetime.now(UTC).replace(tzinfo=None)
        new, _current = evaluate_operations(store, now=when, max_km=max_km, buffer=buffer)
        store_notices(store, operation_notices(store, new, now=when))
    return new


def evaluate_operations(
    store: Store, *, now: datetime, max_km: float = 1.0, buffer: timedelta = timedelta(hours=2),
) -> tuple[list[OperationConflict], list[OperationConflict]]:
    """Find conflicts among operations not yet over; store new ones. Returns (new, all current)."""
    current = find_operation_conflicts(stored_operations(store), max_km=max_km, buffer=buffer, now=now)
    with store.transaction():
        known = {r[0] for r in store.query("SELECT alert_id FROM operation_alerts")}
        new = [c for c in current if c.alert_id not in known]
        store.insert_rows(
            "operation_alerts",
            ("alert_id", "operation_a", "operation_b", "distance_km", "overlap_start", "overlap_end", "first_seen"),
            [(c.alert_id, c.operation_a, c.operation_b, c.distance_km, c.overlap_start, c.overlap_end, now)
             for c in new],
        )
    return new, current


def operation_alerts_for(
    store: Store, viewer: Viewer, conflicts: Iterable[OperationConflict]
) -> list[dict[str, Any]]:
    """Pointer-model view of operation conflicts: the viewer's own operation, and whom to call."""
    cond, params = case_filter(viewer, "i")
    visible = {r[0] for r in store.query(f"SELECT i.investigation_id FROM investigations i WHERE {cond}", params)}
    ops = {o.operation_id: o for o in stored_operations(store)}
    contacts = {r[0]: r[1:] for r in store.query(
        "SELECT investigation_id, lead_agent, contact_phone, contact_email FROM investigations")}
    items = []
    for c in conflicts:
        for own_id, other_id in ((c.operation_a, c.operation_b), (c.operation_b, c.operation_a)):
            own, other = ops[own_id], ops[other_id]
            # Agents are warned about their own agency's operations; supervisors about every
            # operation of an investigation they may see.
            own_case_visible = own.investigation_id is None or own.investigation_id in visible
            mine = viewer.is_system or (own_case_visible and (
                own.agency == viewer.agency.upper() or viewer.has_role("supervisor", "administrator")))
            if not mine:
                continue
            lead, phone, email = contacts.get(other.investigation_id or "", (None, None, None))
            items.append({
                "alert_id": c.alert_id,
                "operation_id": own.operation_id,
                "kind": own.kind,
                "starts": own.starts,
                "ends": own.ends,
                "distance_km": c.distance_km,
                "overlap_start": c.overlap_start,
                "overlap_end": c.overlap_end,
                "contact": {"agency": other.agency, "lead_agent": lead, "phone": phone, "email": email},
            })
    return items
