"""A hand-made world for the graph tests: two smuggling networks, a paying-agent hub, a shelter
phone, victims and migrants. Small enough to reason about, made of real statements."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from netcase import hooks
from netcase.model.marking import Marking
from netcase.model.schema import property_type
from netcase.model.statement import STATEMENT_COLUMNS, Provenance, Statement
from netcase.store import Store

PROV = Provenance(dataset="test", source_file="test/world.jsonl", agency="HSI", batch_id="b1",
                  ingested=datetime(2025, 6, 1), marking=Marking(releasable_to=("USA", "MEX")),
                  compartment=None, predicate="8 U.S.C. 1324")


class World:
    def __init__(self) -> None:
        self.rows: list[Statement] = []
        self.n = 0

    def add(self, entity: str, schema: str, prop: str, value: str, on: date | None = date(2025, 3, 1),
            record: str | None = None, marking: Marking | None = None) -> None:
        self.n += 1
        self.rows.append(Statement.make(PROV, entity_id=entity, schema=schema, prop=prop,
                                        prop_type=property_type(schema, prop), value=value,
                                        original_value=None, source_record=record or f"r{self.n}",
                                        observed=on, marking=marking))

    def person(self, pid: str, name: str, nationality: str = "MEX", **props: str) -> None:
        self.add(pid, "Person", "name", name)
        self.add(pid, "Person", "nationality", nationality)
        for k, v in props.items():
            self.add(pid, "Person", k.replace("__", ":"), v)

    def event(self, eid: str, schema: str, on: date, involved: list[str], **props: Any) -> None:
        self.add(eid, schema, "date", on.isoformat(), on)
        for p in involved:
            self.add(eid, schema, "involved", p, on)
        for k, v in props.items():
            self.add(eid, schema, k.replace("__", ":"), str(v), on)

    def payment(self, pid: str, payer: str, beneficiary: str, amount: float, agent: str, on: date) -> None:
        self.add(pid, "Payment", "payer", payer, on)
        self.add(pid, "Payment", "beneficiary", beneficiary, on)
        self.add(pid, "Payment", "amount", str(amount), on)
        self.add(pid, "Payment", "date", on.isoformat(), on)
        # Paid out at one money-service agent location, recorded as the account paid into.
        self.add(pid, "Payment", "beneficiaryAccount", agent, on)

    def write(self, store: Store) -> None:
        cols: dict[str, list[Any]] = {c: [getattr(s, c) for s in self.rows] for c in STATEMENT_COLUMNS}
        with store.transaction():
            store.insert_columns("statements", cols)
            for batch_id in sorted(set(cols["batch_id"])):
                hooks.after_ingest(store, batch_id)


def network(w: World, tag: str, start: date, trips: int, harm: str | None = None, corridor: str = "GTM → Rio Grande Valley") -> list[str]:
    """One network: leader, coordinator, two guides, a driver with a vehicle, a collector."""
    ids = [f"{tag}-{r}" for r in ("leader", "coord", "guide1", "guide2", "driver", "collector")]
    lead, coord, g1, g2, drv, col = ids
    w.person(lead, f"Leader {tag}", phone=f"+5265600{tag}01")
    w.person(coord, f"Coordinator {tag}", phone=f"+5265600{tag}02")
    w.person(g1, f"Guide One {tag}", nc__reportedRole="guide")
    w.person(g2, f"Guide Two {tag}")
    w.person(drv, f"Driver {tag}", nc__subjectCategory="DRIVER")
    w.person(col, f"Collector {tag}")
    w.add(f"{tag}-veh", "Vehicle", "registrationNumber", f"TX{tag}99")
    w.add(f"{tag}-veh", "Vehicle", "owner", drv)
    # Calls: leader <-> coordinator often; coordinator <-> everyone.
    for k, other in enumerate([lead, g1, g2, drv, col, lead, lead]):
        cid = f"{tag}-call{k}"
        w.add(cid, "Call", "caller", coord)
        w.add(cid, "Call", "receiver", other)
        w.add(cid, "Call", "date", "2025-02-01")
    for t in range(trips):
        on = date(start.year, start.month, 1 + t % 27)
        eid = f"{tag}-trip{t}"
        w.event(eid, "Trip", on, [g1 if t % 2 else g2, drv], nc__migrantCount=10, nc__corridor=corridor,
                nc__district="S.D. Tex.")
        w.add(eid, "Trip", "vehicle", f"{tag}-veh", on)
    if harm:
        w.event(f"{tag}-harm", "Event", start, [g1], nc__eventType="harm", nc__harmType=harm, nc__deaths=2 if harm.startswith("death") else 0)
    return ids


def build_world(store: Store, *, nationality_a: str = "MEX") -> dict[str, list[str]]:
    """Write the world; returns the true members of each network and the hub ids."""
    w = World()
    a = network(w, "A", date(2025, 3, 1), trips=6, harm="death_heat")
    b = network(w, "B", date(2025, 1, 1), trips=2)
    for pid in a:
        w.add(pid, "Person", "nationality", nationality_a)
    w.add("AGENT-0001", "BankAccount", "accountNumber", "ELEKTRA-TAPACHULA-0001")
    # The paying agent: 40 relatives wire money to both collectors through one agent location.
    for k in range(40):
        rel = f"REL-{k}"
        w.person(rel, f"Relative {k}", "USA")
        w.payment(f"PAY-{k}", rel, "A-collector" if k % 2 else "B-collector", 1500.0, "AGENT-0001", date(2025, 3, 2))
    # A shelter's phone, shared by a guide of each network and 30 migrants (protected): a hub.
    w.add("A-guide2", "Person", "phone", "+528001234567")
    w.add("B-guide2", "Person", "phone", "+528001234567")
    for k in range(30):
        mid = f"MIG-{k}"
        w.person(mid, f"Migrant {k}", "GTM", nc__protected="migrant", phone="+528001234567")
        if k < 8:
            w.event(f"ENC-{k}", "Event", date(2025, 3, 5), [mid, "A-guide1"], nc__eventType="encounter", nc__migrantCount=1)
    w.person("VIC-1", "Victim One", "HND", nc__protected="victim")
    w.event("A-harm2", "Event", date(2025, 3, 9), ["VIC-1", "A-guide1"], nc__eventType="harm", nc__harmType="kidnapping")
    w.write(store)
    return {"A": a, "B": b, "protected": [f"MIG-{k}" for k in range(30)] + ["VIC-1"]}
