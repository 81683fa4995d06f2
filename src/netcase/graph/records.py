"""Events a report records beside a network's members, with no member attached to them.

A case report lists its subjects and, apart, the trips and harm incidents the investigation
learnt of; many of those events name no participant (the informant did not say who drove).
A victim's interview records the harm done to the victim and, apart, the smugglers the victim
named. In the graph such an event is attached to nobody, or only to a protected person (the
victim), so it falls in no network, and the network's harm and people moved are undercounted.

The report itself is the evidence: an event that no network reaches is given to the network
holding most of the members the same report names (all networks tied for most). A report's
nested parts (``DEA-R-000036:s0``, a subject of report ``DEA-R-000036``) belong to the report.
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
