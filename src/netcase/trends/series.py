"""Monthly series by district and by corridor, from what one viewer may see.

Field series come from Event and Trip statements (``nc:eventType``, ``nc:harmType``,
``nc:deaths``, ``nc:migrantCount``, ``nc:district``, ``nc:sector``, ``nc:corridor``, and the
FtM ``date``/``startDate``), read through ``statement_filter`` so a partner liaison's trends count
only facts releasable to their country. Case series come from the case tables under the case-record
rule. Every series is a list of month values over one common month axis (zeros filled), so a
surge flag can always be shown with the series behind it.

A corridor is *origin country → crossing sector* (``corridor_of``). A source that states it
(``nc:corridor``) is taken at its word; otherwise the origin is the country of the people moved
in the event -- the nationality (else country of birth) of the people it involves who are
recorded as migrants or victims (CBP's subject category, victim interviews), the most common one
when a group mixes nationalities -- and the crossing is the event's Border Patrol sector.
Smugglers involved in an event (guides, drivers, lookouts, case-report subjects without a
category) say nothing about where the people came from and are not counted. Without a known
origin the corridor is ``unknown → SECTOR``; without a sector there is no corridor.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from netcase.access.policy import statement_filter
from netcase.access.viewer import Viewer
from netcase.cases.investigations import case_filter
from netcase.cases.prosecution import court_case_filter
from netcase.cases.vocab import disposition_class, request_surrendered
from netcase.store import Store

# Border Patrol sector → federal district (DOMAIN.md), for events that carry a sector only.
SECTOR_DISTRICT: dict[str, str] = {
    "san diego": "S.D. Cal.",
    "el centro": "S.D. Cal.",
    "yuma": "D. Ariz.",
    "tucson": "D. Ariz.",
    "el paso": "W.D. Tex.",
    "big bend": "W.D. Tex.",
    "del rio": "W.D. Tex.",
    "laredo": "S.D. Tex.",
    "rio grande valley": "S.D. Tex.",
}

# Metrics that are counts of independent events, and so may be surge-tested (see trends.surge).
COUNT_METRICS: tuple[str, ...] = (
    "smuggling_events", "apprehension_events", "harm_incidents", "deaths", "investigations_opened",
    "indictments", "defendants_charged", "convictions", "extraditions",
)
SUM_METRICS: tuple[str, ...] = ("people_moved", "apprehensions", "forfeiture_value_usd")
METRICS: tuple[str, ...] = (
    "smuggling_events", "people_moved", "apprehension_events", "apprehensions", "harm_incidents", "deaths",
    "investigations_opened", "indictments", "defendants_charged", "convictions", "forfeiture_value_usd",
    "extraditions",
)
SMUGGLING_TYPES = ("smuggling_trip", "smuggling", "trip", "crossing", "transport")
ENCOUNTER_TYPES = ("encounter", "apprehension", "arrest")
FIELD_PROPS = ("nc:eventType", "nc:harmType", "nc:deaths", "nc:migrantCount", "nc:district", "nc:sector",
               "nc:corridor", "date", "startDate")
UNKNOWN = "unknown"
# Subject categories of the people an event moved (the others are the smugglers moving them).
MOVED_CATEGORIES: tuple[str, ...] = ("MIGRANT", "VICTIM", "UAC", "FAMILY_UNIT", "UNACCOMPANIED_MINOR")
PERSON_PROPS: tuple[str, ...] = ("nationality", "birthCountry", "nc:subjectCategory")


@dataclass
class Series:
    """One metric for one district or corridor over the common month axis."""

    metric: str
    by: str  # "district" or "corridor"
    group: str
    values: list[float] = field(default_factory=list)


@dataclass
class Trends:
    """All series of one view: the month axis and the series on it."""

    months: list[str]
    series: list[Series]

    def get(self, metric: str, by: str, group: str) -> Series | None:
        for s in self.series:
            if s.metric == metric and s.by == by and s.group == group:
                return s
        return None


def district_of_sector(sector: str | None) -> str | None:
    """The federal district a Border Patrol sector mostly falls in."""
    if not sector:
        return None
    key = sector.strip().lower().removesuffix(" sector")
    return SECTOR_DISTRICT.get(key)


def _month(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, date):
        return f"{value.year:04d}-{value.month:02d}"
    text = str(value).strip()
    if len(text) >= 7 and text[4] == "-" and text[:4].isdigit() and text[5:7].isdigit():
        return text[:7]
    return None


def _num(value: str | None) -> float:
    try:
        return float(value) if value not in (None, "") else 0.0
    except ValueError:
        return 0.0


Counts = dict[tuple[str, str, str, str], float]  # (metric, by, group, month) → value


def corridor_of(stated: str | None, sector: str | None, origins: list[str]) -> str | None:
    """The corridor of one event: as stated, else ``ORIGIN → SECTOR`` with the most common origin of
    the people moved (ties broken alphabetically), ``unknown → SECTOR`` without one, None without
    a sector."""
    if stated:
        return stated
    if not sector:
        return None
    crossing = sector.strip().removesuffix(" Sector").removesuffix(" sector")
    if not origins:
        return f"{UNKNOWN} → {crossing}"
    tally: dict[str, int] = defaultdict(int)
    for o in origins:
        tally[o] += 1
    origin = min(tally, key=lambda o: (-tally[o], o))
    return f"{origin} → {crossing}"


def _origins(store: Store, viewer: Viewer) -> dict[str, list[str]]:
    """Per event id, the origin country of each person it moved (migrants and victims it involves)."""
    evis, eparams = statement_filter(viewer, "e")
    pvis, pparams = statement_filter(viewer, "p")
    marks = ", ".join("?" for _ in PERSON_PROPS)
    rows = store.query(
        "SELECT e.entity_id, p.entity_id, p.prop, p.value FROM statements e JOIN statements p ON p.entity_id = e.value "
        f"WHERE e.schema IN ('Event', 'Trip') AND e.prop = 'involved' AND p.prop IN ({marks}) AND {evis} AND {pvis}",
        [*PERSON_PROPS, *eparams, *pparams])
    people: dict[tuple[str, str], dict[str, str]] = defaultdict(dict)
    for event_id, person_id, prop, value in rows:
        props = people[(event_id, person_id)]
        if prop not in props or value < props[prop]:
            props[prop] = value
    out: dict[str, list[str]] = defaultdict(list)
    for (event_id, _person), props in people.items():
        if (props.get("nc:subjectCategory") or "").upper() not in MOVED_CATEGORIES:
            continue
        country = props.get("nationality") or props.get("birthCountry")
        if country:
            out[event_id].append(country.strip().upper())
    return out


def _field_counts(store: Store, viewer: Viewer, counts: Counts, *, district: str | None = None) -> None:
    """Field metrics by district and by corridor; with ``district``, corridors count only its events."""
    vis, vparams = statement_filter(viewer, "s")
    marks = ", ".join("?" for _ in FIELD_PROPS)
    rows = store.query(
        f"SELECT s.entity_id, s.schema, s.prop, s.value FROM statements s WHERE s.schema IN ('Event', 'Trip') "
        f"AND s.prop IN ({marks}) AND {vis}", [*FIELD_PROPS, *vparams])
    entities: dict[str, dict[str, str]] = defaultdict(dict)
    schemata: dict[str, str] = {}
    for entity_id, schema, prop, value in rows:
        # Several statements may give one property; keep the smallest value so the choice is stable.
        props = entities[entity_id]
        if prop not in props or value < props[prop]:
            props[prop] = value
        schemata[entity_id] = schema
    origins = _origins(store, viewer)
    for entity_id, props in entities.items():
        month = _month(props.get("date") or props.get("startDate"))
        if month is None:
            continue
        etype = (props.get("nc:eventType") or "").lower()
        where = props.get("nc:district") or district_of_sector(props.get("nc:sector")) or UNKNOWN
        groups = [("district", where)]
        corridor = corridor_of(props.get("nc:corridor"), props.get("nc:sector"), origins.get(entity_id, []))
        if corridor and (district is None or where == district):
            groups.append(("corridor", corridor))
        migrants = _num(props.get("nc:migrantCount"))
        add: dict[str, float] = {}
        if schemata[entity_id] == "Trip" or etype in SMUGGLING_TYPES:
            add["smuggling_events"] = 1
            add["people_moved"] = migrants
        elif etype in ENCOUNTER_TYPES:
            add["apprehension_events"] = 1
            add["apprehensions"] = migrants or 1
        if props.get("nc:harmType") or etype == "harm":
            add["harm_incidents"] = 1
        deaths = _num(props.get("nc:deaths"))
        if deaths:
            add["deaths"] = deaths
        for by, group in groups:
            for metric, v in add.items():
                counts[(metric, by, group, month)] = counts.get((metric, by, group, month), 0.0) + v


def _case_counts(store: Store, viewer: Viewer, counts: Counts) -> None:
    def bump(metric: str, district: str | None, when: Any, value: float = 1.0) -> None:
        month = _month(when)
        if month is None:
            return
        key = (metric, "district", district or UNKNOWN, month)
        counts[key] = counts.get(key, 0.0) + value

    cond, params = case_filter(viewer, "i")
    for district, opened in store.query(f"SELECT i.district, i.opened FROM investigations i WHERE {cond}", params):
        bump("investigations_opened", district, opened)
    ccond, cparams = court_case_filter(viewer, "c")
    for district, ftype, fdate in store.query(
            f"SELECT c.district, c.filing_type, c.filing_date FROM court_cases c WHERE {ccond}", cparams):
        if ftype in ("indictment", "superseding"):
            bump("indictments", district, fdate)
    for district, fdate, disposition, ddate in store.query(
            "SELECT c.district, c.filing_date, d.disposition, d.disposition_date FROM defendants d JOIN court_cases c "
            f"ON c.case_id = d.case_id WHERE {ccond}", cparams):
        bump("defendants_charged", district, fdate)
        if disposition_class(disposition) == "convicted":
            bump("convictions", district, ddate or fdate)
    if viewer.is_system or viewer.country.upper() == "USA":
        for district, value, when in store.query(
                "SELECT c.district, f.value_usd, f.event_date FROM forfeitures f LEFT JOIN court_cases c "
                f"ON c.case_id = f.case_id WHERE f.status = 'forfeited' AND (c.case_id IS NULL OR {ccond})", cparams):
            bump("forfeiture_value_usd", district, when, float(value or 0))
        for district, status, decided, sent in store.query(
                "SELECT c.district, r.status, r.decided, r.sent FROM legal_requests r LEFT JOIN court_cases c "
                f"ON c.case_id = r.case_id WHERE r.kind = 'extradition' AND (c.case_id IS NULL OR {ccond})", cparams):
            if request_surrendered(status):
                bump("extraditions", district, decided or sent)


def monthly_series(
    store: Store, viewer: Viewer, *, district: str | None = None, corridor: str | None = None,
    start: str | None = None, end: str | None = None,
) -> Trends:
    """Every metric by district (plus ``all``) and by corridor, monthly, over a common axis.

    ``start``/``end`` are ``YYYY-MM`` bounds (inclusive); by default the months that have data.
    With ``district``: that district's series, and the corridors of the events in that district.
    With ``corridor``: only that corridor's series (field metrics; case records have no corridor).
    """
    counts: Counts = {}
    _field_counts(store, viewer, counts, district=district)
    _case_counts(store, viewer, counts)
    totals: Counts = {}
    for (metric, by, _group, month), v in counts.items():
        if by == "district":
            key = (metric, "district", "all", month)
            totals[key] = totals.get(key, 0.0) + v
    counts.update(totals)
    months_seen = sorted({k[3] for k in counts})
    if not months_seen:
        return Trends(months=[], series=[])
    first = start or months_seen[0]
    last = end or months_seen[-1]
    months = _month_range(first, last)
    index = {m: i for i, m in enumerate(months)}
    series: dict[tuple[str, str, str], Series] = {}
    for (metric, by, group, month), v in counts.items():
        if month not in index:
            continue
        if district and by == "district" and group != district:
            continue
        if corridor and not (by == "corridor" and group == corridor):
            continue
        s = series.get((metric, by, group))
        if s is None:
            s = series[(metric, by, group)] = Series(metric, by, group, [0.0] * len(months))
        s.values[index[month]] += v
    ordered = sorted(series.values(), key=lambda s: (s.by != "district", s.group == "all", s.group,
                                                      METRICS.index(s.metric)))
    return Trends(months=months, series=ordered)


def _month_range(first: str, last: str) -> list[str]:
    y, m = int(first[:4]), int(first[5:7])
    ly, lm = int(last[:4]), int(last[5:7])
    out = []
    while (y, m) <= (ly, lm):
        out.append(f"{y:04d}-{m:02d}")
        m += 1
        if m == 13:
            y, m = y + 1, 1
    return out
