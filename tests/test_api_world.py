"""A small hand-made world for the API and web tests, written with the ingest's StatementBuffer.

It holds what the access rules act on: a NOFORN fact, a fact released to Mexico, a compartment,
a victim whose identity is shielded, and places with coordinates joined by trips. Helpers only;
the tests are in test_api.py and test_web.py.
"""

from __future__ import annotations

import time
from datetime import date, datetime
from pathlib import Path

import pyotp

from netcase import hooks
from netcase.access.testing import write_resolved
from netcase.ingest.base import StatementBuffer
from netcase.model.marking import Marking
from netcase.model.statement import Provenance
from netcase.store import Store
from netcase.web.demo import DemoUser, create_demo_users

NOW = datetime(2026, 3, 1, 12, 0, 0)
REL_MEX = Marking(caveat="LES", releasable_to=("USA", "MEX"), tlp="TLP:GREEN")
NOFORN = Marking(caveat="LES", releasable_to=("USA",), tlp="TLP:AMBER")
VICTIM = Marking(caveat="LES", releasable_to=("USA",), tlp="TLP:RED", victim_sensitive=True)


def build_world(store: Store) -> dict[str, str]:
    """Write the world's statements into ``store``; returns the ids the tests look for."""
    prov = Provenance(dataset="hsi_cases", source_file="hsi/subjects.csv", agency="HSI", batch_id="b-test-1",
                      ingested=NOW, marking=NOFORN, compartment=None, predicate="8 U.S.C. 1324",
                      reliability="B", validity="2")
    buf = StatementBuffer(prov)

    def add(eid: str, schema: str, prop: str, ptype: str, value: str, *, record: str = "r1",
            marking: Marking | None = None, compartment: str | None = None, observed: date | None = date(2025, 6, 1),
            original: str | None = None) -> None:
        buf.add(entity_id=eid, schema=schema, prop=prop, prop_type=ptype, value=value, original_value=original,
                source_record=record, observed=observed, marking=marking, compartment=compartment)

    # A coordinator known on both sides of the border.
    add("p-jose", "Person", "name", "name", "José Hernández Ruiz", marking=REL_MEX)
    add("p-jose", "Person", "alias", "name", "El Güero", marking=REL_MEX)
    add("p-jose", "Person", "phone", "phone", "+526641234567", original="(664) 123-4567", marking=REL_MEX)
    add("p-jose", "Person", "nc:reportedRole", "string", "coordinator")
    add("p-jose", "Person", "nationality", "country", "mx", marking=REL_MEX)
    # A second mention of the same man, merged by resolution.
    add("p-jose-2", "Person", "name", "name", "Jose Hernandez", record="r7")
    add("p-jose-2", "Person", "birthDate", "date", "1984-02-11", record="r7")
    # A driver, U.S.-only, inside the compartment of an investigation.
    add("p-driver", "Person", "name", "name", "Ricardo Salinas", compartment="HSI-LAREDO-24")
    add("p-driver", "Person", "phone", "phone", "+19565550142", compartment="HSI-LAREDO-24")
    add("p-noforn", "Person", "name", "name", "Walter Keane")
    # A victim of the network: shielded identity.
    add("p-victim", "Person", "name", "name", "María López", marking=VICTIM)
    add("p-victim", "Person", "nc:protected", "string", "victim")
    add("p-victim", "Person", "nc:subjectCategory", "string", "VICTIM")
    add("p-victim", "Person", "nationality", "country", "gt")
    # A vehicle and an account.
    add("v-truck", "Vehicle", "registrationNumber", "identifier", "TX-8KD-442", marking=REL_MEX)
    add("v-truck", "Vehicle", "owner", "entity", "p-jose", marking=REL_MEX)
    add("a-acct", "BankAccount", "accountNumber", "identifier", "001122334455")
    add("a-acct", "BankAccount", "bankName", "string", "Banco Ejemplo")
    # Relations.
    add("assoc-1", "Associate", "person", "entity", "p-jose", marking=REL_MEX)
    add("assoc-1", "Associate", "associate", "entity", "p-driver", marking=REL_MEX)
    add("assoc-1", "Associate", "relationship", "string", "employs as driver", marking=REL_MEX)
    add("assoc-1", "Associate", "date", "date", "2025-05-20", marking=REL_MEX)
    add("pay-1", "Payment", "payer", "entity", "p-victim")
    add("pay-1", "Payment", "beneficiary", "entity", "p-jose")
    add("pay-1", "Payment", "amount", "number", "6500")
    add("pay-1", "Payment", "date", "date", "2025-05-01")
    # Places and the trips between them (origin → crossing → stash house).
    for eid, name, lat, lon, kind, country in (
        ("addr-huehue", "Huehuetenango", "15.3197", "-91.4709", "origin town", "gt"),
        ("addr-nld", "Nuevo Laredo", "27.4779", "-99.5496", "crossing plaza", "mx"),
        ("addr-stash", "Stash house, Laredo TX", "27.5306", "-99.4803", "stash house", "us"),
    ):
        add(eid, "Address", "full", "address", name, marking=REL_MEX)
        add(eid, "Address", "latitude", "number", lat, marking=REL_MEX)
        add(eid, "Address", "longitude", "number", lon, marking=REL_MEX)
        add(eid, "Address", "summary", "string", kind, marking=REL_MEX)
        add(eid, "Address", "country", "country", country, marking=REL_MEX)
    for tid, a, b in (("trip-1", "addr-huehue", "addr-nld"), ("trip-2", "addr-nld", "addr-stash"),
                      ("trip-3", "addr-nld", "addr-stash")):
        add(tid, "Trip", "startLocation", "entity", a, marking=REL_MEX)
        add(tid, "Trip", "endLocation", "entity", b, marking=REL_MEX)
        add(tid, "Trip", "nc:corridor", "string", "GTM → Laredo", marking=REL_MEX)
        add(tid, "Trip", "nc:migrantCount", "number", "12", marking=REL_MEX)
        add(tid, "Trip", "organizer", "entity", "p-jose", marking=REL_MEX)
    # Enough more people that lists paginate.
    for i in range(30):
        add(f"p-extra-{i:02d}", "Person", "name", "name", f"Extra Person {i:02d}", record=f"x{i}")
    with store.transaction():
        store.insert_columns("statements", buf.take())
        # What an ingested file's transaction does after writing its statements (protection, the
        # index of linking values, the cases' watches).
        hooks.after_ingest(store, "b-test-1")
    write_resolved(store, [("p-jose", "p-jose"), ("p-jose-2", "p-jose")], run_id="run-t")
    return {"jose": "p-jose", "driver": "p-driver", "victim": "p-victim", "noforn": "p-noforn", "truck": "v-truck"}


def users_by_role(store: Store) -> dict[str, DemoUser]:
    """Create the demo users (one per role) and return them by role."""
    return {u.role: u for u in create_demo_users(store)}


def totp_now(user: DemoUser) -> str:
    """A currently valid six-digit code of the user (never one this process used already)."""
    return fresh_code(user)


_LAST_STEP: dict[str, int] = {}


def fresh_code(user: DemoUser) -> str:
    """A code the server will accept even if this user logged on moments ago in this process.

    The access layer refuses a replayed time step and accepts one step either side of now; this
    picks the current step, or the next one if the current was used. Never the previous step: on a
    busy machine the form may reach the server after that step has dropped out of the window (the
    log-on then fails and a browser test waits for a page that never comes). A third log-on within
    one step waits for the next.
    """
    totp = pyotp.TOTP(user.totp_secret)
    while True:
        now = datetime.now().timestamp()
        current = int(now // 30)
        step = max(current, _LAST_STEP.get(user.username, current - 1) + 1)
        if step <= current + 1:
            break
        time.sleep(30 - now % 30 + 0.5)
    _LAST_STEP[user.username] = step
    return totp.at(step * 30 + 1)


_PIPED: dict[str, str] = {}


def piped_store(tiny_world: Path, root: Path) -> str:
    """A DuckDB store with the tiny world ingested, resolved from the ground truth, networks built
    and demo users made; built once per test process and shared by the modules that need it."""
    if "url" in _PIPED:
        return _PIPED["url"]
    from netcase.eval.networks import oracle_resolve
    from netcase.graph import build_networks
    from netcase.ingest.engine import ingest_paths
    from netcase.ingest.registry import default_loaders
    from netcase.store import open_store

    url = str(root / "piped.duckdb")
    store = open_store(url)
    try:
        ingest_paths(store, [tiny_world], default_loaders())
        oracle_resolve(store, tiny_world)
        build_networks(store)
        create_demo_users(store)
    finally:
        store.close()
    _PIPED["url"] = url
    return url
