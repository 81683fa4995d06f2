"""A resolution run: statements → mentions → scored pairs → clusters → the ``resolved`` table.

``resolve(store)`` is the one function the CLI, the demo and the API call. It reuses the newest
saved model (training one by EM when there is none, or when asked), scores only the pairs that
involve new or changed mentions when a previous run exists (incremental), re-clusters all stored
pairs with the analysts' judgements, and rewrites ``resolved`` in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import time
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pyarrow as pa
import pyarrow.compute as pc

from netcase import hooks
from netcase.resolve import model as nm
from netcase.resolve import org_model as om
from netcase.resolve.cluster import Judgement, canonical_ids, cluster
from netcase.resolve.features import mention_table, read_person_mentions
from netcase.resolve.org_features import org_table, read_org_mentions
from netcase.store import Store

DEFAULT_THRESHOLD = 0.99
DEFAULT_REVIEW_LOW = 0.5
# Organisations are few and large, so their pairs carry less certainty than people's (a high prior,
# few fields); 0.95 kept precision at 1.0 on the small synthetic world while joining agencies'
# different labels through shared members (docs/resolution.md).
DEFAULT_ORG_THRESHOLD = 0.95


@dataclass
class ResolveResult:
    """What a run did, for the CLI and the demo."""

    run_id: str
    model_id: str
    mode: str
    mentions: int
    new_mentions: int
    entities: int
    pairs_scored: int
    seconds: float
    trained: bool
    timings: dict[str, float] = field(default_factory=dict)
    org_mentions: int = 0
    org_entities: int = 0
    org_pairs_scored: int = 0
    org_model_id: str | None = None


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def latest_model(store: Store, version: str = nm.MODEL_VERSION) -> tuple[str, str] | None:
    """The newest saved model of ``version`` (person or organisation) as (model_id, Splink JSON), or None."""
    rows = store.query(
        "SELECT model_id, settings_json FROM resolve_models WHERE version = ? ORDER BY created DESC, model_id DESC LIMIT 1",
        (version,),
    )
    return (rows[0][0], rows[0][1]) if rows else None


def save_model(store: Store, model_json: str, trained_on: int, version: str = nm.MODEL_VERSION) -> str:
    """Store a trained model; its id is the hash of its JSON (the same model, the same id)."""
    model_id = "M" + hashlib.sha1(model_json.encode()).hexdigest()[:12]
    if not store.scalar("SELECT count(*) FROM resolve_models WHERE model_id = ?", (model_id,)):
        store.execute(
            "INSERT INTO resolve_models VALUES (?, ?, ?, ?, ?)",
            (model_id, version, _now(), trained_on, model_json),
        )
    return model_id


def read_judgements(store: Store) -> list[Judgement]:
    """The newest judgement on each pair (either order)."""
    rows = store.query(
        "SELECT entity_a, entity_b, judgement, created FROM resolve_judgements ORDER BY created, entity_a, entity_b"
    )
    latest: dict[tuple[str, str], str] = {}
    for a, b, j, _ in rows:
        latest[(min(a, b), max(a, b))] = j
    return [Judgement(a, b, j) for (a, b), j in latest.items() if j != "unsure"]


def edges_table(session: nm.Session, df: Any, run_id: str) -> pa.Table:
    """Splink's scored pairs as rows of ``resolve_edges`` (per-comparison weights as JSON)."""
    names = [c.output_column_name for c in session.linker._settings_obj.comparisons]
    cols = ["unique_id_l", "unique_id_r", "match_probability", "match_weight", *[f"mw_{n}" for n in names]]
    t = nm.sdf_to_arrow(session, df, cols)
    df.drop_table_from_database_and_remove_from_cache()
    weights_cols = [t.column(f"mw_{n}").to_pylist() for n in names if f"mw_{n}" in t.column_names]
    present = [n for n in names if f"mw_{n}" in t.column_names]
    weights = [
        json.dumps({n: round(float(w), 3) for n, w in zip(present, ws, strict=True) if w is not None})
        for ws in zip(*weights_cols, strict=True)
    ] if weights_cols else ["{}"] * t.num_rows
    left = t.column("unique_id_l")
    right = t.column("unique_id_r")
    # Pairs are stored with the smaller id on the left, so a pair has one spelling.
    swap = pc.greater(left, right)
    return pa.table(
        {
            "entity_l": pc.if_else(swap, right, left),
            "entity_r": pc.if_else(swap, left, right),
            "match_probability": t.column("match_probability").cast(pa.float64()),
            "match_weight": t.column("match_weight").cast(pa.float64()),
            "weights": pa.array(weights, pa.string()),
            "run_id": pa.array([run_id] * t.num_rows, pa.string()),
        }
    )


def _insert_arrow(store: Store, table: str, t: pa.Table) -> None:
    if t.num_rows == 0:
        return
    store.insert_columns(table, {name: t.column(name).to_pylist() for name in t.column_names})


def resolve(
    store: Store,
    *,
    retrain: bool = False,
    full: bool = False,
    threshold: float = DEFAULT_THRESHOLD,
    review_low: float = DEFAULT_REVIEW_LOW,
    backend: str = "duckdb",
    schemata: Sequence[str] = ("Person",),
    org_threshold: float = DEFAULT_ORG_THRESHOLD,
) -> ResolveResult:
    """Resolve the person and organisation mentions in ``store`` and rewrite ``resolved``.

    See the module docstring; organisations are resolved after people (their evidence includes
    the people linked to them) with their own model and ``org_threshold``, and written in the same
    transaction.
    """
    started = time.perf_counter()
    started_at = _now()
    run_id = "R" + uuid.uuid4().hex[:12]
    timings: dict[str, float] = {}
    mark = [time.perf_counter()]

    def lap(name: str) -> None:
        now = time.perf_counter()
        timings[name] = round(now - mark[0], 2)
        mark[0] = now

    mentions = read_person_mentions(store, schemata)
    lap("read")
    table = mention_table(mentions)
    del mentions
    lap("normalise")
    if table.num_rows == 0:
        raise ValueError("no person mentions in the statements to resolve")
    saved = None if retrain else latest_model(store)
    session = nm.open_session(table, saved[1] if saved else None, backend=backend)
    trained = saved is None
    if saved is None:
        # u needs enough random pairs to see rare agreements; small stores need fewer than a million.
        model_json = nm.train(session, max_pairs=min(1e6, max(1e5, 50.0 * table.num_rows)), table=table)
        model_id = save_model(store, model_json, table.num_rows)
        # Scoring with the freshly trained model must use exactly what is stored.
        session = nm.open_session(table, model_json, backend=backend)
        full = True
        lap("train")
    else:
        model_id = saved[0]
    previous = {
        r[0]: r[1] for r in store.query("SELECT entity_id, fingerprint FROM resolve_mentions WHERE schema = 'Person'")
    }
    last_model = store.scalar("SELECT model_id FROM resolve_runs ORDER BY finished DESC, run_id DESC LIMIT 1")
    if not previous or last_model != model_id:
        full = True
    ids = table.column("unique_id").to_pylist()
    fps = table.column("fingerprint").to_pylist()
    changed = [i for i, fp in zip(ids, fps, strict=True) if previous.get(i) != fp]
    if full:
        mode = "full"
        df = session.linker.inference.predict(threshold_match_probability=review_low, warning_mode="never")
        edges = edges_table(session, df, run_id)
        kept = pa.table({c: pa.array([], edges.schema.field(c).type) for c in edges.column_names})
    else:
        mode = "incremental"
        changed_set = set(changed)
        gone = set(previous) - set(ids)
        stale = changed_set | gone
        kept = _read_kept_edges(store, stale, set(ids))
        is_new = pa.array([i in changed_set for i in ids])
        new_t = table.filter(is_new)
        old_t = table.filter(pc.invert(is_new))
        parts = []
        if new_t.num_rows:
            new_sdf = session.db_api.register(new_t if backend != "spark" else nm.spark_frame(session.db_api, new_t),
                                              table_name=nm.unique_name("mentions_new"))
            within = session.linker.inference.predict_within(
                new_sdf, threshold_match_probability=review_low, warning_mode="never"
            )
            parts.append(edges_table(session, within, run_id))
            if old_t.num_rows:
                old_sdf = session.db_api.register(
                    old_t if backend != "spark" else nm.spark_frame(session.db_api, old_t), table_name=nm.unique_name("mentions_old")
                )
                between = session.linker.inference.predict_between(
                    new_sdf, old_sdf, threshold_match_probability=review_low, warning_mode="never"
                )
                parts.append(edges_table(session, between, run_id))
        edges = pa.concat_tables(parts) if parts else kept.slice(0, 0)
    all_edges = pa.concat_tables([kept, edges]) if kept.num_rows else edges
    lap("score")
    judgements = read_judgements(store)
    pairs = zip(
        all_edges.column("entity_l").to_pylist(),
        all_edges.column("entity_r").to_pylist(),
        all_edges.column("match_probability").to_pylist(),
        strict=True,
    )
    roots = cluster(ids, pairs, threshold, judgements)
    prev_canon = dict(store.query("SELECT entity_id, canonical_id FROM resolved"))
    canon = canonical_ids(roots, prev_canon)
    entities = len(set(canon.values()))
    lap("cluster")
    orgs = resolve_organisations(
        store, canon, run_id, prev_canon, judgements,
        retrain=retrain, threshold=org_threshold, review_low=min(review_low, org_threshold), backend=backend,
    )
    lap("organisations")
    with store.transaction():
        store.execute("DELETE FROM resolved")
        everything = {**canon, **orgs.canon}
        store.insert_columns(
            "resolved",
            {"entity_id": list(everything), "canonical_id": list(everything.values()),
             "run_id": [run_id] * len(everything)},
        )
        store.execute("DELETE FROM resolve_edges")
        _insert_arrow(store, "resolve_edges", all_edges)
        _insert_arrow(store, "resolve_edges", orgs.edges)
        store.execute("DELETE FROM resolve_mentions")
        for schema, t in (("Person", table), ("Organization", orgs.table)):
            if t.num_rows == 0:
                continue
            store.insert_columns(
                "resolve_mentions",
                {
                    "entity_id": t.column("unique_id").to_pylist(),
                    "schema": [schema] * t.num_rows,
                    "source_file": t.column("source_file").to_pylist(),
                    "source_record": t.column("source_record").to_pylist(),
                    "fingerprint": t.column("fingerprint").to_pylist(),
                    "run_id": [run_id] * t.num_rows,
                },
            )
        store.execute(
            "INSERT INTO resolve_runs VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (run_id, model_id, mode, started_at, _now(), len(ids), len(changed), entities,
             edges.num_rows, threshold, review_low),
        )
        hooks.after_resolve(store, run_id)
    lap("write")
    return ResolveResult(run_id, model_id, mode, len(ids), len(changed), entities, edges.num_rows,
                         time.perf_counter() - started, trained, timings, orgs.table.num_rows,
                         len(set(orgs.canon.values())), orgs.edges.num_rows, orgs.model_id)


@dataclass
class OrgOutcome:
    """The organisation part of a run: its input table, scored pairs and canonical ids."""

    table: pa.Table
    edges: pa.Table
    canon: dict[str, str]
    model_id: str | None
    trained: bool


def resolve_organisations(
    store: Store,
    person_canon: dict[str, str],
    run_id: str,
    prev_canon: dict[str, str],
    judgements: Sequence[Judgement],
    *,
    retrain: bool = False,
    threshold: float = DEFAULT_ORG_THRESHOLD,
    review_low: float = DEFAULT_REVIEW_LOW,
    backend: str = "duckdb",
) -> OrgOutcome:
    """Score and cluster every organisation mention with the saved organisation model.

    Always a full scoring: an organisation's evidence includes the canonical ids of the people
    linked to it, which any person run may change, and organisations are far fewer than people.
    The model is trained by EM when none is saved (or on ``retrain``) and reused afterwards.
    """
    table = org_table(read_org_mentions(store), person_canon)
    ids = table.column("unique_id").to_pylist()
    empty = pa.table({"entity_l": pa.array([], pa.string()), "entity_r": pa.array([], pa.string()),
                      "match_probability": pa.array([], pa.float64()), "match_weight": pa.array([], pa.float64()),
                      "weights": pa.array([], pa.string()), "run_id": pa.array([], pa.string())})
    if table.num_rows < 2:
        return OrgOutcome(table, empty, {i: i for i in ids}, None, False)
    saved = None if retrain else latest_model(store, om.MODEL_VERSION)
    trained = saved is None
    if saved is None:
        session = nm.open_session(table, None, backend=backend, untrained=om.settings)
        model_json = om.train(session, table, max_pairs=min(1e6, max(1e4, 50.0 * table.num_rows)))
        model_id = save_model(store, model_json, table.num_rows, om.MODEL_VERSION)
    else:
        model_id, model_json = saved
    session = nm.open_session(table, model_json, backend=backend, untrained=om.settings)
    df = session.linker.inference.predict(threshold_match_probability=review_low, warning_mode="never")
    edges = edges_table(session, df, run_id)
    pairs = zip(edges.column("entity_l").to_pylist(), edges.column("entity_r").to_pylist(),
                edges.column("match_probability").to_pylist(), strict=True)
    id_set = set(ids)
    mine = [j for j in judgements if j.a in id_set and j.b in id_set]
    roots = cluster(ids, pairs, threshold, mine)
    return OrgOutcome(table, edges, canonical_ids(roots, prev_canon), model_id, trained)


def _read_kept_edges(store: Store, stale: set[str], persons: set[str]) -> pa.Table:
    """Stored person pairs between unchanged mentions (organisation pairs are re-scored every run)."""
    rows = store.query(
        "SELECT entity_l, entity_r, match_probability, match_weight, weights, run_id FROM resolve_edges"
    )
    rows = [r for r in rows if r[0] not in stale and r[1] not in stale and r[0] in persons and r[1] in persons]
    names = ("entity_l", "entity_r", "match_probability", "match_weight", "weights", "run_id")
    types = (pa.string(), pa.string(), pa.float64(), pa.float64(), pa.string(), pa.string())
    return pa.table({n: pa.array([r[i] for r in rows], t) for i, (n, t) in enumerate(zip(names, types, strict=True))})
