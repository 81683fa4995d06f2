"""Resolution accuracy: pairwise precision/recall/F1 and B-cubed against a true clustering.

Both clusterings are maps from a record key (``(source_file, record_id)`` for the synthetic world)
to a cluster label; only records present in both are scored. Pairwise counts are computed from
cluster-intersection sizes (no enumeration of pairs), so a million records score in seconds.
"""

from __future__ import annotations

import csv
from collections import Counter
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar


@dataclass(frozen=True)
class Scores:
    """Pairwise and B-cubed scores, with the counts behind them."""

    records: int
    true_entities: int
    predicted_entities: int
    pair_precision: float
    pair_recall: float
    pair_f1: float
    bcubed_precision: float
    bcubed_recall: float
    bcubed_f1: float
    true_pairs: int
    predicted_pairs: int
    correct_pairs: int


def _pairs(n: int) -> int:
    return n * (n - 1) // 2


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r else 0.0


K = TypeVar("K", bound=Hashable)


def score(predicted: Mapping[K, Hashable], truth: Mapping[K, Hashable]) -> Scores:
    """Score ``predicted`` against ``truth`` over the records both contain."""
    keys = [k for k in truth if k in predicted]
    pred_size = Counter(predicted[k] for k in keys)
    true_size = Counter(truth[k] for k in keys)
    both = Counter((predicted[k], truth[k]) for k in keys)
    correct = sum(_pairs(n) for n in both.values())
    pred_pairs = sum(_pairs(n) for n in pred_size.values())
    true_pairs = sum(_pairs(n) for n in true_size.values())
    p = correct / pred_pairs if pred_pairs else 1.0
    r = correct / true_pairs if true_pairs else 1.0
    # B-cubed: for each record, the share of its predicted cluster that is truly its own, and the
    # share of its true cluster found in its predicted one; summed via the intersection sizes.
    n = len(keys) or 1
    bp = sum(c * c / pred_size[pc] for (pc, _), c in both.items()) / n
    br = sum(c * c / true_size[tc] for (_, tc), c in both.items()) / n
    return Scores(len(keys), len(true_size), len(pred_size), p, r, _f1(p, r), bp, br, _f1(bp, br),
                  true_pairs, pred_pairs, correct)


def read_truth(world: Path) -> dict[tuple[str, str], str]:
    """``truth/records.csv`` of a synthetic world: (source_file, record_id) → person_id."""
    with (Path(world) / "truth" / "records.csv").open(encoding="utf-8", newline="") as fh:
        return {(r["source_file"], r["record_id"]): r["person_id"] for r in csv.DictReader(fh)}


def read_org_truth(
    world: Path, member_records: Mapping[str, Iterable[tuple[str, str]]]
) -> dict[str, str]:
    """Organisation mentions of a synthetic world → true ``org_id``.

    The world's truth names the people each record mentions (``truth/records.csv``) and each
    person's organisation (``truth/persons.csv``); an organisation mention's truth is the
    organisation of the people the record links to it (``member_records``: mention → the
    (source_file, record_id) of its linked person mentions). Mentions whose people belong to no
    organisation, or to different ones, are left out.
    """
    records = read_truth(world)
    with (Path(world) / "truth" / "persons.csv").open(encoding="utf-8", newline="") as fh:
        org_of = {r["person_id"]: r["org_id"] for r in csv.DictReader(fh)}
    out: dict[str, str] = {}
    for mention, keys in member_records.items():
        orgs = {org_of.get(records.get(k, ""), "") for k in keys} - {""}
        if len(orgs) == 1:
            out[mention] = orgs.pop()
    return out
