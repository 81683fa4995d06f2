"""The materialised set of protected people (victims, minors) always equals the rules applied now."""

from __future__ import annotations

import shutil
from pathlib import Path

from netcase.access import protected
from netcase.access.policy import visible_entity
from netcase.access.testing import write_resolved
from netcase.access.viewer import Viewer
from netcase.eval.networks import oracle_resolve
from netcase.ingest.engine import ingest_paths
from netcase.ingest.registry import default_loaders
from netcase.store import Store


def _victims(store: Store) -> set[str]:
    return {r[0] for r in store.query("SELECT entity_id FROM protected_entities WHERE kind = 'victim'")}


def test_protected_set_follows_ingest_and_resolution(store: Store, tiny_world: Path, tmp_path: Path) -> None:
    # Ingest everything but the victim interviews first: who is protected grows file by file.
    first = tmp_path / "first"
    shutil.copytree(tiny_world, first, ignore=shutil.ignore_patterns("victims", "truth"))
    ingest_paths(store, [first], default_loaders())
    assert protected.stale(store) == []
    before = _victims(store)

    ingest_paths(store, [tiny_world], default_loaders())
    assert protected.stale(store) == []
    assert _victims(store) > before, "the victim interviews flag more people"

    # A resolution run spreads each flag to every mention of the same person and the canonical id.
    oracle_resolve(store, tiny_world)
    assert protected.stale(store) == []
    after_resolve = _victims(store)
    assert after_resolve > _victims_without_resolution(store)

    # Undoing the resolution withdraws the widened protection again.
    write_resolved(store, [])
    assert protected.stale(store) == []
    assert _victims(store) < after_resolve


def _victims_without_resolution(store: Store) -> set[str]:
    return {r[0] for r in store.query(
        f"SELECT p.entity_id FROM statements p WHERE {protected.FLAG_WHERE['victim']}")}


def test_a_victim_flag_shields_the_name_of_every_mention_of_that_person(duck: Store, tiny_world: Path) -> None:
    ingest_paths(duck, [tiny_world], default_loaders())
    oracle_resolve(duck, tiny_world)
    # A mention not itself flagged, resolved to a flagged person: an analyst sees only a pseudonym.
    row = duck.query(
        "SELECT r.entity_id FROM resolved r JOIN protected_entities p ON p.entity_id = r.entity_id"
        " AND p.kind = 'victim' WHERE r.entity_id NOT IN"
        f" (SELECT p.entity_id FROM statements p WHERE {protected.FLAG_WHERE['victim']})"
        " AND r.entity_id IN (SELECT entity_id FROM statements WHERE prop = 'name') LIMIT 1")
    assert row, "the tiny world has a victim mentioned by another source"
    analyst = Viewer(user="ana", roles=frozenset({"analyst"}), country="USA", agency="HSI")
    seen = visible_entity(duck, analyst, row[0][0], audit=False)
    assert seen is None or "name" not in seen.properties
