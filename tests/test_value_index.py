"""The index of values (``statement_values``): kept per ingested file exactly as a rebuild from all
statements would make it, and what the search and the links read through it."""

from __future__ import annotations

from pathlib import Path

import pytest

from netcase.access.identity import viewer_for
from netcase.api import reads
from netcase.api.search import SearchIndex, search
from netcase.ingest.engine import ingest_paths
from netcase.ingest.registry import default_loaders
from netcase.store import Store, open_store, value_index
from netcase.web.demo import create_demo_users


@pytest.fixture(scope="module")
def ingested(tiny_world: Path, tmp_path_factory: pytest.TempPathFactory) -> Store:
    store = open_store(str(tmp_path_factory.mktemp("vi") / "netcase.duckdb"))
    ingest_paths(store, [tiny_world], default_loaders())
    create_demo_users(store)
    return store


def _rows(store: Store) -> set[tuple[str, str, str]]:
    return value_index.rows(store)


def test_index_kept_per_file_equals_a_rebuild_from_all_statements(ingested: Store) -> None:
    kept = _rows(ingested)
    assert kept, "the world's phones, names and relation pointers are indexed"
    assert {t for _, t, _ in kept} >= {"entity", "phone", "name"}
    value_index.rebuild(ingested)
    assert _rows(ingested) == kept


def test_search_through_the_index_finds_what_a_scan_finds(ingested: Store) -> None:
    analyst = viewer_for(ingested, "ana.analyst")
    # A member of an organisation (victims and migrants are never found by name).
    name = str(ingested.scalar(
        "SELECT value FROM statements s WHERE schema = 'Person' AND prop = 'name' AND compartment IS NULL "
        "AND NOT victim_sensitive AND releasable_to LIKE '%,USA,%' AND NOT EXISTS (SELECT 1 FROM statements f "
        "WHERE f.entity_id = s.entity_id AND f.prop IN ('nc:protected', 'nc:subjectCategory')) "
        "ORDER BY value LIMIT 1 OFFSET 40"))
    hits, total = search(ingested, analyst, SearchIndex(), name, limit=500)
    assert total >= 1 and any(name in h.matched for h in hits)
    scanned = {str(r[0]) for r in ingested.query(
        "SELECT DISTINCT coalesce(r.canonical_id, s.entity_id) FROM statements s LEFT JOIN resolved r "
        "ON r.entity_id = s.entity_id WHERE s.value = ? AND s.prop = 'name'", (name,))}
    assert {h.id for h in hits if name in h.matched} <= scanned


def test_links_find_the_relation_records_pointing_at_a_person(ingested: Store) -> None:
    analyst = viewer_for(ingested, "ana.analyst")
    person, record = ingested.query(
        "SELECT s.value, s.entity_id FROM statements s JOIN statements p ON p.entity_id = s.value "
        "AND p.schema = 'Person' AND p.prop = 'name' WHERE s.prop_type = 'entity' AND s.schema = 'Call' "
        "AND s.compartment IS NULL AND NOT s.victim_sensitive AND s.releasable_to LIKE '%,USA,%' "
        "AND p.compartment IS NULL AND NOT p.victim_sensitive ORDER BY 1 LIMIT 1")[0]
    view = reads.entity(ingested, analyst, str(person))
    assert view is not None
    assert any(ln.via_id == reads.canonical_id(ingested, str(record)) for ln in reads.links(ingested, analyst, view))


def test_codes_containing_a_query_are_those_a_plain_loop_finds(ingested: Store) -> None:
    index = SearchIndex()
    idx = index._current(ingested)
    queries = {key[-4:] for key in idx.code_keys[::97]} | {idx.code_keys[0], "664", "ZZZZ9"}
    for q in queries:
        assert idx.codes_containing(q) == [k for k in idx.code_keys if q in k]
