"""What analysts do with a resolution: judge pairs, work the review queue, ask why.

All three read what the last run stored (``resolve_edges``, ``resolve_mentions``, ``resolved``)
and the saved model, so they answer instantly and agree with the run they describe.
"""

from __future__ import annotations

import json
import math
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from netcase.store import Store

JUDGEMENTS = ("same", "not-same", "unsure")


class ResolveError(ValueError):
    """A request the resolution cannot answer (unknown entity, bad judgement)."""


def mention_of(store: Store, entity_id: str) -> str:
    """A mention id for ``entity_id`` (a mention id or a canonical id), checked to exist."""
    if store.scalar("SELECT count(*) FROM resolve_mentions WHERE entity_id = ?", (entity_id,)):
        return entity_id
    row = store.scalar("SELECT min(entity_id) FROM resolved WHERE canonical_id = ?", (entity_id,))
    if row:
        return str(row)
    raise ResolveError(f"no resolved person {entity_id!r} (run `netcase resolve` first?)")


def judge(store: Store, a: str, b: str, judgement: str, user: str, note: str | None = None) -> dict[str, Any]:
    """Record an analyst's judgement on two entities; the next run honours it.

    ``a`` and ``b`` may be mention ids or canonical ids (a canonical id is one of its mentions).
    """
    if judgement not in JUDGEMENTS:
        raise ResolveError(f"judgement must be one of {', '.join(JUDGEMENTS)}, not {judgement!r}")
    if not user.strip():
        raise ResolveError("a judgement needs the user who makes it")
    ma, mb = mention_of(store, a), mention_of(store, b)
    if ma == mb:
        raise ResolveError("a judgement needs two different entities")
    created = datetime.now(UTC).replace(tzinfo=None)
    store.execute(
        "INSERT INTO resolve_judgements VALUES (?, ?, ?, ?, ?, ?)", (ma, mb, judgement, user, created, note)
    )
    return {"entity_a": ma, "entity_b": mb, "judgement": judgement, "user": user, "created": created}


def judgements(store: Store) -> list[dict[str, Any]]:
    """Every judgement, oldest first."""
    return store.query_dicts("SELECT * FROM resolve_judgements ORDER BY created")


@dataclass
class ReviewItem:
    """One uncertain pair and what deciding it would change."""

    entity_a: str
    entity_b: str
    canonical_a: str
    canonical_b: str
    probability: float
    size_a: int
    size_b: int
    degree_a: int
    degree_b: int
    impact: float
    weights: dict[str, float] = field(default_factory=dict)


def cooccurrence_degree(store: Store) -> dict[str, int]:
    """Per canonical person: how many other people appear in the same source records.

    Two mentions co-occur when they come from the same row of the same file (record ids
    ``ROW:ROLE`` or ``REPORT:sN`` share the part before the colon): the sender and receiver of a
    wire, the subjects of one case report. This is the person's degree in the co-occurrence graph.
    """
    rows = store.query(
        "SELECT m.source_file, m.source_record, coalesce(r.canonical_id, m.entity_id) "
        "FROM resolve_mentions m LEFT JOIN resolved r ON r.entity_id = m.entity_id WHERE m.schema = 'Person'"
    )
    by_row: dict[tuple[str, str], set[str]] = defaultdict(set)
    for sf, sr, canon in rows:
        by_row[(sf, sr.split(":", 1)[0])].add(canon)
    neighbours: dict[str, set[str]] = defaultdict(set)
    for people in by_row.values():
        if len(people) > 1:
            for p in people:
                neighbours[p].update(people - {p})
    return {p: len(n) for p, n in neighbours.items()}


def review_queue(store: Store, limit: int = 50) -> list[ReviewItem]:
    """Uncertain pairs (between the run's review and merge thresholds) that are not yet judged.

    Ranked by impact: deciding that two clusters are one person joins their records and their
    networks, so impact = (size_a × size_b) × (1 + degree_a + degree_b), then by how close the
    probability is to a coin toss.
    """
    run = store.query_dicts("SELECT threshold, review_low FROM resolve_runs ORDER BY finished DESC LIMIT 1")
    if not run:
        raise ResolveError("no resolution run yet (run `netcase resolve`)")
    hi, lo = run[0]["threshold"], run[0]["review_low"]
    canon = dict(store.query("SELECT entity_id, canonical_id FROM resolved"))
    size = Counter(canon.values())
    degree = cooccurrence_degree(store)
    judged = {
        (min(a, b), max(a, b))
        for a, b in store.query("SELECT entity_a, entity_b FROM resolve_judgements")
    }
    judged_canon = {(min(canon.get(a, a), canon.get(b, b)), max(canon.get(a, a), canon.get(b, b))) for a, b in judged}
    best: dict[tuple[str, str], ReviewItem] = {}
    for a, b, p, w in store.query(
        "SELECT entity_l, entity_r, match_probability, weights FROM resolve_edges "
        "WHERE match_probability >= ? AND match_probability < ?",
        (lo, hi),
    ):
        ca, cb = canon.get(a, a), canon.get(b, b)
        if ca == cb:
            continue
        key = (min(ca, cb), max(ca, cb))
        if key in judged_canon:
            continue
        da, db = degree.get(ca, 0), degree.get(cb, 0)
        impact = size[ca] * size[cb] * (1 + da + db)
        item = ReviewItem(a, b, ca, cb, p, size[ca], size[cb], da, db, impact, json.loads(w))
        if key not in best or p > best[key].probability:
            best[key] = item
    items = sorted(best.values(), key=lambda i: (-i.impact, abs(i.probability - 0.5), i.entity_a, i.entity_b))
    return items[:limit]


@dataclass
class Explanation:
    """Why an entity's mentions were joined, and why its nearest outside candidates were not."""

    entity_id: str
    canonical_id: str
    members: list[dict[str, Any]]
    links: list[dict[str, Any]]
    near_misses: list[dict[str, Any]]
    prior_weight: float
    threshold: float


def _run_model(store: Store) -> dict[str, Any]:
    row = store.scalar(
        "SELECT m.settings_json FROM resolve_runs r JOIN resolve_models m ON m.model_id = r.model_id "
        "ORDER BY r.finished DESC LIMIT 1"
    )
    return json.loads(row) if row else {}


def _model_prior(model: dict[str, Any]) -> float:
    p = model.get("probability_two_random_records_match") or 1e-6
    return math.log2(p / (1 - p))


def level_weights(model: dict[str, Any]) -> dict[str, list[tuple[str, float]]]:
    """Per comparison, each non-null level's label and match weight log2(m/u) in the saved model."""
    out: dict[str, list[tuple[str, float]]] = {}
    for comp in model.get("comparisons", []):
        levels = []
        for lv in comp["comparison_levels"]:
            m, u = lv.get("m_probability"), lv.get("u_probability")
            if lv.get("is_null_level") or not m or not u:
                continue
            levels.append((lv["label_for_charts"], math.log2(m / u)))
        out[comp["output_column_name"]] = levels
    return out


def label_levels(weights: dict[str, float], levels: dict[str, list[tuple[str, float]]]) -> dict[str, str]:
    """Name the level behind each comparison's weight (0 = a side missing)."""
    out = {}
    for comp, w in weights.items():
        if abs(w) < 1e-9:
            out[comp] = "missing"
            continue
        candidates = levels.get(comp) or []
        if candidates:
            out[comp] = min(candidates, key=lambda lw: abs(lw[1] - w))[0]
    return out


def explain(store: Store, entity_id: str, near: int = 5) -> Explanation:
    """The evidence behind one resolved person or organisation (a mention id or a canonical id).

    ``links`` are the scored pairs inside the cluster, each with its per-comparison match weights
    (the terms of Splink's waterfall: prior + sum of weights = match weight); ``near_misses`` are
    the strongest pairs to mentions outside it, with the reason they were not joined.
    """
    mention = mention_of(store, entity_id)
    canon = store.scalar("SELECT canonical_id FROM resolved WHERE entity_id = ?", (mention,)) or mention
    members = store.query_dicts(
        "SELECT m.entity_id, m.source_file, m.source_record FROM resolve_mentions m "
        "JOIN resolved r ON r.entity_id = m.entity_id WHERE r.canonical_id = ? ORDER BY m.entity_id",
        (canon,),
    )
    ids = {m["entity_id"] for m in members} or {mention}
    names = dict(
        store.query(
            "SELECT entity_id, min(value) FROM statements WHERE prop = 'name' AND entity_id IN "
            f"({', '.join('?' for _ in ids)}) GROUP BY entity_id",
            tuple(ids),
        )
    )
    for m in members:
        m["name"] = names.get(m["entity_id"])
    run = store.query_dicts("SELECT threshold FROM resolve_runs ORDER BY finished DESC LIMIT 1")
    threshold = run[0]["threshold"] if run else 1.0
    marks = ", ".join("?" for _ in ids)
    rows = store.query_dicts(
        "SELECT entity_l, entity_r, match_probability, match_weight, weights FROM resolve_edges "
        f"WHERE entity_l IN ({marks}) OR entity_r IN ({marks}) ORDER BY match_probability DESC",
        (*ids, *ids),
    )
    canon_of = dict(store.query("SELECT entity_id, canonical_id FROM resolved"))
    judged = {}
    for a, b, j in store.query("SELECT entity_a, entity_b, judgement FROM resolve_judgements ORDER BY created"):
        judged[(min(a, b), max(a, b))] = j
    model = _run_model(store)
    if store.scalar("SELECT schema FROM resolve_mentions WHERE entity_id = ?", (mention,)) == "Organization":
        # Organisations are scored by their own model, the newest saved one (every run re-scores
        # them with it), at the organisation threshold.
        from netcase.resolve.engine import DEFAULT_ORG_THRESHOLD
        from netcase.resolve.org_model import MODEL_VERSION as ORG_VERSION

        org_json = store.scalar(
            "SELECT settings_json FROM resolve_models WHERE version = ? ORDER BY created DESC, model_id DESC LIMIT 1",
            (ORG_VERSION,),
        )
        model = json.loads(org_json) if org_json else {}
        threshold = DEFAULT_ORG_THRESHOLD
    levels = level_weights(model)
    links: list[dict[str, Any]] = []
    misses: list[dict[str, Any]] = []
    for r in rows:
        r["weights"] = json.loads(r["weights"])
        r["levels"] = label_levels(r["weights"], levels)
        r["judgement"] = judged.get((r["entity_l"], r["entity_r"]))
        inside = r["entity_l"] in ids and r["entity_r"] in ids
        if inside:
            links.append(r)
            continue
        other = r["entity_r"] if r["entity_l"] in ids else r["entity_l"]
        r["other_canonical"] = canon_of.get(other, other)
        if r["judgement"] == "not-same":
            r["reason"] = "an analyst judged them not the same"
        elif r["match_probability"] < threshold:
            r["reason"] = f"probability {r['match_probability']:.3f} below the merge threshold {threshold}"
        else:
            r["reason"] = "joining would merge a pair an analyst judged not the same"
        if len(misses) < near:
            misses.append(r)
    return Explanation(mention, canon, members, links, misses, _model_prior(model), threshold)
