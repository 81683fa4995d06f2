"""Watchlists: new facts touching a watched phone or entity, within what the watcher may see.

Statements are written the way every writer writes them (``_batch``: the rows and the stages'
``after_ingest`` hooks in one transaction), so the alerts below come from the hooks: no test calls
``check_watches`` to produce them.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import pytest

from netcase import hooks
from netcase.access.policy import record_sharing_agreement
from netcase.access.testing import write_resolved
from netcase.access.viewer import Viewer
from netcase.cases.watch import WatchError, add_watch, check_watches, list_watches, watch_alerts
from netcase.ingest.base import StatementBuffer
from netcase.model.marking import Marking
from netcase.model.statement import Provenance
from netcase.store import Store

T0 = datetime(2026, 11, 29, 12, 0)
LIAISON = Viewer(user="fgr1", agency="FGR", country="MEX", roles=frozenset({"partner_liaison"}))
ANALYST = Viewer(user="ana", agency="HSI", country="USA", roles=frozenset({"analyst"}))
REL_MEX = Marking.parse("LES//REL TO USA, MEX//TLP:AMBER")
NOFORN = Marking.parse("LES//NOFORN//TLP:AMBER")


def _batch(store: Store, batch_id: str, agency: str, facts: list[tuple[str, str, str, str, Marking]]) -> None:
    prov = Provenance(dataset="test", source_file=f"{agency.lower()}/reports.csv", agency=agency, batch_id=batch_id,
                      ingested=T0, marking=NOFORN, compartment=None, predicate=None)
    buf = StatementBuffer(prov)
    for entity_id, prop, ptype, value, marking in facts:
        buf.add(entity_id=entity_id, schema="Person", prop=prop, prop_type=ptype, value=value,
                original_value=None, source_record=entity_id, observed=None, marking=marking)
    with store.transaction():
        store.insert_columns("statements", buf.take())
        hooks.after_ingest(store, batch_id)


def _by_user(alerts: list[dict[str, Any]], user: str) -> list[dict[str, Any]]:
    return [a for a in alerts if a["username"] == user]


def test_watch_alerts_respect_releasability_and_resolution(store: Store) -> None:
    # Partner viewers read nothing without a recorded information-sharing agreement.
    record_sharing_agreement(store, agreement_id="AG-MEX-1", country="MEX", title="FGR information sharing",
                             signed_on=date(2025, 1, 1), recorded_by=Viewer.system(), now=T0)
    _batch(store, "b1", "HSI", [("E1", "name", "name", "Jose Hernandez", REL_MEX),
                                ("E1", "phone", "phone", "+526561234567", REL_MEX)])
    phone_watch = add_watch(store, LIAISON, "phone", "+52 656 123 4567", now=T0)
    assert phone_watch["value"] == "+526561234567" and phone_watch["baseline_statements"] == 1
    add_watch(store, ANALYST, "entity", "E1", now=T0)
    with pytest.raises(WatchError):
        add_watch(store, LIAISON, "phone", "+52 656 123 4567", now=T0)
    assert check_watches(store, now=T0).alerts == []  # the baseline is not news

    # A U.S.-only record and a record releasable to Mexico both carry the phone: the ingest alerts.
    _batch(store, "b2", "FBI", [("E2", "name", "name", "J. Hernandez", NOFORN),
                                ("E2", "phone", "phone", "+526561234567", NOFORN)])
    _batch(store, "b3", "MEX-FGR", [("E3", "name", "name", "Jose Luis Hernandez", REL_MEX),
                                    ("E3", "phone", "phone", "+526561234567", REL_MEX)])
    liaison = watch_alerts(store, "fgr1")
    assert [(a["entity_id"], a["agency"], a["batch_id"]) for a in liaison] == [("E3", "MEX-FGR", "b3")]
    assert liaison[0]["changes"]["changes"] == [{"schema": "Person", "prop": "phone", "value": "+526561234567"}]
    assert watch_alerts(store, "ana") == []  # E2 and E3 are not (yet) the watched entity

    # Resolution merges E2 into E1: the resolve hook tells the analyst's entity watch about E2.
    write_resolved(store, [("E1", "P-1"), ("E2", "P-1")])
    ana = watch_alerts(store, "ana")
    assert [(a["entity_id"], a["agency"], a["source_file"]) for a in ana] == [("E2", "FBI", "fbi/reports.csv")]
    assert {c["prop"] for c in ana[0]["changes"]["changes"]} == {"name", "phone"}
    assert len(watch_alerts(store, "fgr1")) == 1  # the NOFORN record never reaches the liaison
    assert check_watches(store, now=T0).alerts == []  # reported once: a full recheck finds nothing new
    # A later resolution run that changes nothing for the watched person adds nothing.
    write_resolved(store, [("E1", "P-1"), ("E2", "P-1"), ("E3", "P-3")], run_id="r2")
    assert len(watch_alerts(store, "ana")) == 1
    assert [w["kind"] for w in list_watches(store, "ana")] == ["entity"]


def test_a_damaged_watch_does_not_stop_an_ingest(duck: Store) -> None:
    add_watch(duck, ANALYST, "phone", "+15125550134", now=T0)
    duck.insert_rows("watches", ("watch_id", "username", "kind", "value", "extra", "created", "active"),
                     [("W-broken", "ghost", "phone", "+15125550134", "{not json", T0, True)])
    _batch(duck, "b7", "DEA", [("E7", "phone", "phone", "+15125550134", NOFORN)])
    assert duck.scalar("SELECT count(*) FROM statements WHERE batch_id = 'b7'") == 1
    assert [(a["entity_id"], a["agency"]) for a in watch_alerts(duck, "ana")] == [("E7", "DEA")]
    assert check_watches(duck, now=T0).skipped == ["W-broken"]


def test_watch_values_are_validated(duck: Store) -> None:
    with pytest.raises(WatchError):
        add_watch(duck, ANALYST, "phone", "not a phone", now=T0)
    with pytest.raises(WatchError):
        add_watch(duck, ANALYST, "name_dob", "Jose Hernandez|1984-13-01", now=T0)
    with pytest.raises(WatchError):
        add_watch(duck, ANALYST, "horoscope", "Leo", now=T0)
    w = add_watch(duck, ANALYST, "name_dob", "José Hernández|1984-07-02", now=T0)
    assert w["value"] == "JOSE HERNANDEZ|1984-07-02"
    _batch(duck, "b9", "CBP", [("E9", "name", "name", "JOSE HERNANDEZ", NOFORN),
                               ("E9", "birthDate", "date", "1984-07-02", NOFORN)])
    assert [(a["entity_id"], a["agency"]) for a in watch_alerts(duck, "ana")] == [("E9", "CBP")]


def test_network_watch_follows_the_latest_members(duck: Store) -> None:
    duck.insert_rows("networks", ("network_id", "first_run", "last_run", "status", "size", "label"),
                     [("N-1", "g1", "g2", "active", 2, "Los Güeros")])
    duck.insert_rows("network_members", ("run_id", "network_id", "entity_id", "cell", "role", "role_score",
                                         "strength", "evidence"),
                     [("g1", "N-1", "OLD", None, "driver", 0.5, 1.0, "[]"),
                      ("g2", "N-1", "P-7", None, "coordinator", 0.9, 1.0, "[]")])
    add_watch(duck, ANALYST, "network", "N-1", now=T0)
    _batch(duck, "b5", "DEA", [("E7", "phone", "phone", "+15125550134", NOFORN),
                               ("OLDX", "phone", "phone", "+15125550199", NOFORN)])
    assert watch_alerts(duck, "ana") == []  # neither mention is resolved to a member yet
    write_resolved(duck, [("E7", "P-7"), ("OLDX", "OLD")])
    # The resolve hook alerts; only the member of the latest graph run counts.
    assert [(a["entity_id"], a["agency"]) for a in watch_alerts(duck, "ana")] == [("E7", "DEA")]
