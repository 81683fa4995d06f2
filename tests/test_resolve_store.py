"""The resolution run on both store backends (DuckDB file and PostgreSQL): same SQL, same answer."""

from __future__ import annotations

from netcase.eval.resolution import score
from netcase.resolve.analyst import judge, review_queue
from netcase.resolve.engine import resolve
from netcase.resolve.sample import organisation_mentions, person_mentions, write_statements
from netcase.store import Store


def test_resolve_on_each_backend(store: Store) -> None:
    sample = list(person_mentions(120, seed=21))
    companies = list(organisation_mentions(40, seed=21))
    write_statements(store, (m for m, _ in sample))
    write_statements(store, (m for m, _ in companies), schema="Company")
    first = resolve(store)
    assert first.trained and first.mode == "full"
    assert first.org_mentions == len(companies) and first.org_entities < len(companies)
    c = dict(store.query("SELECT entity_id, canonical_id FROM resolved"))
    assert len(c) == len(sample) + len(companies)
    org_score = score({m.entity_id: c[m.entity_id] for m, _ in companies}, {m.entity_id: o for m, o in companies})
    assert org_score.pair_precision >= 0.95, org_score
    s = score(c, {m.entity_id: p for m, p in sample})
    assert s.pair_precision >= 0.95, s
    assert s.pair_recall >= 0.6, s
    # Split one merged pair by judgement; the next (incremental) run keeps them apart.
    a, b = store.query(
        "SELECT e.entity_l, e.entity_r FROM resolve_edges e JOIN resolved x ON x.entity_id = e.entity_l "
        "JOIN resolved y ON y.entity_id = e.entity_r WHERE x.canonical_id = y.canonical_id "
        "ORDER BY e.entity_l, e.entity_r LIMIT 1"
    )[0]
    judge(store, a, b, "not-same", "tester")
    second = resolve(store)
    assert second.mode == "incremental" and second.new_mentions == 0
    c = dict(store.query("SELECT entity_id, canonical_id FROM resolved"))
    assert c[a] != c[b]
    assert isinstance(review_queue(store), list)
