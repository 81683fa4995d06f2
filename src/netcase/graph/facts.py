"""Facts about events and other objects attached to networks: one SQL read, statement ids kept."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from netcase.access.viewer import Viewer
from netcase.graph.load import ID_CHUNK, canonical_statements, fetch, in_list
from netcase.store import Store

# Properties of objects the roles and the assessment read.
FACT_PROPS: tuple[str, ...] = (
    "nc:eventType", "nc:harmType", "nc:victimCount", "nc:deaths", "nc:migrantCount", "nc:sector",
    "nc:district", "nc:corridor", "nc:feeUsd", "amount", "amountUsd", "currency", "date", "startDate",
    "country", "summary", "description", "notes", "keywords", "topics", "name", "location",
    "startLocation", "endLocation", "address", "city", "jurisdiction", "role", "remarks",
    "relationship", "vehicle",
)


@dataclass
class Facts:
    """prop -> [(value, statement id)] for one object."""

    schema: str = "Thing"
    props: dict[str, list[tuple[str, str]]] = field(default_factory=lambda: defaultdict(list))

    def values(self, prop: str) -> list[str]:
        return [v for v, _ in self.props.get(prop, [])]

    def first(self, prop: str) -> str | None:
        vals = self.props.get(prop)
        return min(vals)[0] if vals else None

    def ids(self, prop: str) -> list[str]:
        return [i for _, i in self.props.get(prop, [])]

    def number(self, prop: str) -> float:
        """The largest number stated (several sources often repeat one count; never add them)."""
        best = 0.0
        for v, _ in self.props.get(prop, []):
            try:
                best = max(best, float(v))
            except ValueError:
                continue
        return best


def _collect(cols: dict[str, list[Any]], out: dict[str, Facts]) -> None:
    for cid, schema, prop, value, sid in zip(cols["cid"], cols["schema"], cols["prop"], cols["value"], cols["id"], strict=True):
        f = out.get(cid)
        if f is None:
            f = out[cid] = Facts(schema=schema)
        f.props[prop].append((value, sid))


def load_facts_for_run(store: Store, viewer: Viewer, run_id: str) -> dict[str, Facts]:
    """Facts of every object a build run attached to a network (joins ``network_objects``)."""
    props = ", ".join(f"'{p}'" for p in FACT_PROPS)
    cs, params = canonical_statements(viewer, f"s.prop IN ({props})")
    sql = (f"WITH cs AS ({cs}) SELECT cs.cid, cs.schema, cs.prop, cs.value, cs.id FROM cs "
           "WHERE cs.cid IN (SELECT DISTINCT object_id FROM network_objects WHERE run_id = ?)")
    out: dict[str, Facts] = {}
    _collect(fetch(store, sql, [*params, run_id]), out)
    return out


def load_facts(store: Store, viewer: Viewer, ids: Sequence[str]) -> dict[str, Facts]:
    """Facts of the given objects (canonical ids)."""
    props = ", ".join(f"'{p}'" for p in FACT_PROPS)
    out: dict[str, Facts] = {}
    ids = list(ids)
    for i in range(0, len(ids), ID_CHUNK):
        chunk = ids[i : i + ID_CHUNK]
        cs, params = canonical_statements(
            viewer, f"s.prop IN ({props}) AND {in_list('coalesce(r.canonical_id, s.entity_id)')}", [chunk], of=chunk)
        _collect(fetch(store, f"WITH cs AS ({cs}) SELECT cid, schema, prop, value, id FROM cs", params), out)
    return out
