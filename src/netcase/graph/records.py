"""Events a report records beside a network's members, with no member attached to them.

A case report lists its subjects and, apart, the trips and harm incidents the investigation
learnt of; many of those events name no participant (the informant did not say who drove).
A victim's interview records the harm done to the victim and, apart, the smugglers the victim
named. In the graph such an event is attached to nobody, or only to a protected person (the
victim), so it falls in no network, and the network's harm and people moved are undercounted.

The report itself is the evidence: an event that no network reaches is given to the network
holding most of the members the same report names (all networks tied for most). A report's
nested parts (``DEA-R-000036:s0``, a subject of report ``DEA-R-000036``) belong to the report.

A vehicle is evidence too: a truck stopped at the line with nobody but migrants aboard (the
driver ran) is the encounter of no member, but its plate is the plate of a vehicle the network
uses elsewhere. An event that no network reaches is given to the network whose vehicles carry the
plate most of its people were recorded with.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Mapping, Set

from netcase.access.viewer import Viewer
from netcase.graph.load import canonical_statements, fetch
from netcase.store import Store

# The statements that show an entity is in a report: any of these is enough (one row each).
_EVENT_PROPS = ("date", "startDate", "nc:eventType", "nc:migrantCount", "nc:harmType", "nc:deaths", "name")


def co_recorded(
    store: Store, viewer: Viewer, member_net: Mapping[str, str], attached: Set[str],
) -> dict[str, dict[str, list[str]]]:
    """Network id → {event id → members named in the same report} for every ``Trip``/``Event``
    not in ``attached`` (objects already in some network) whose report names members."""
    props = ", ".join(f"'{p}'" for p in _EVENT_PROPS)
    cs, params = canonical_statements(
        viewer, f"((s.schema IN ('Trip', 'Event') AND s.prop IN ({props})) OR (s.schema = 'Person' AND s.prop = 'name'))")
    sql = (
        f"WITH cs AS ({cs}), k AS (SELECT DISTINCT cid, schema, source_file, "
        "split_part(source_record, ':', 1) AS rec FROM cs) "
        "SELECT e.cid AS event, p.cid AS person FROM k e JOIN k p "
        "ON e.source_file = p.source_file AND e.rec = p.rec "
        "WHERE e.schema <> 'Person' AND p.schema = 'Person'"
    )
    rows = fetch(store, sql, params)
    named: dict[str, set[str]] = defaultdict(set)
    for ev, person in zip(rows["event"], rows["person"], strict=True):
        if ev not in attached and person in member_net:
            named[ev].add(person)
    out: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for ev, people in named.items():
        votes = Counter(member_net[p] for p in people)
        top = max(votes.values())
        for nid, n in votes.items():
            if n == top:
                out[nid][ev] = sorted(p for p in people if member_net[p] == nid)
    return dict(out)


def _plate(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


def same_vehicle(
    store: Store, viewer: Viewer, net_objects: Mapping[str, Set[str]], attached: Set[str],
) -> dict[str, dict[str, list[str]]]:
    """Network id → {event id → vehicles} for every ``Trip``/``Event`` not in ``attached`` made in
    a vehicle whose plate is the plate of a vehicle in one of the network's objects.

    An event's vehicle is its ``Trip.vehicle`` or, when it has none, the plate more than half of its
    people were recorded with as the vehicle's operator or owner (a migrant who crossed before in
    another network's truck does not make a group on foot that network's)."""
    cs, params = canonical_statements(
        viewer, "((s.schema = 'Vehicle' AND s.prop IN ('registrationNumber', 'operator', 'owner')) OR "
                "(s.schema IN ('Trip', 'Event') AND s.prop IN ('involved', 'vehicle')))")
    rows = fetch(store, f"WITH cs AS ({cs}) SELECT DISTINCT cid, schema, prop, vcid FROM cs", params)
    plate_of: dict[str, str] = {}
    people_vehicles: dict[str, set[str]] = defaultdict(set)
    event_people: dict[str, set[str]] = defaultdict(set)
    event_vehicles: dict[str, set[str]] = defaultdict(set)
    for cid, schema, prop, value in zip(rows["cid"], rows["schema"], rows["prop"], rows["vcid"], strict=True):
        if schema == "Vehicle":
            if prop == "registrationNumber":
                if _plate(value):
                    plate_of[cid] = _plate(value)
            else:
                people_vehicles[value].add(cid)
        elif cid not in attached:
            (event_people if prop == "involved" else event_vehicles)[cid].add(value)
    nets_of_plate: dict[str, Counter[str]] = defaultdict(Counter)
    for nid, objs in net_objects.items():
        for o in objs:
            if o in plate_of:
                nets_of_plate[plate_of[o]][nid] += 1
    out: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for ev in sorted(set(event_people) | set(event_vehicles)):
        vehicles = {v for v in event_vehicles.get(ev, ()) if v in plate_of}
        if not vehicles:
            votes: Counter[str] = Counter()
            for person in event_people.get(ev, ()):
                votes.update({plate_of[v] for v in people_vehicles.get(person, ()) if v in plate_of})
            if not votes:
                continue
            plate, n = max(sorted(votes.items()), key=lambda kv: kv[1])
            if 2 * n <= len(event_people[ev]):
                continue
            vehicles = {v for p in event_people[ev] for v in people_vehicles.get(p, ()) if plate_of.get(v) == plate}
        plates = {plate_of[v] for v in vehicles}
        nets: Counter[str] = Counter()
        for pl in plates:
            nets.update(nets_of_plate.get(pl, Counter()))
        if not nets:
            continue
        top = max(nets.values())
        for nid, n in nets.items():
            if n == top:
                out[nid][ev] = sorted(vehicles)
    return dict(out)
