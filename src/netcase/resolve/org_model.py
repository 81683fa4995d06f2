"""The Splink (Fellegi–Sunter) model over organisation mentions: settings and training.

Same machinery as the person model (``model.py``: sessions, backends, the starting m values that
keep a level learnable on small tables), other comparisons: the reduced name (legal form, generic
words and word order gone), legal form, country, registration and tax numbers (RFC, NIT, RTN,
EIN), phones and e-mails, addresses, accounts, and the people linked to the organisation (their
canonical ids from this run's person clusters).
"""

from __future__ import annotations

import json
from typing import Any

import pyarrow as pa

from netcase.resolve.model import Session, _comparison, _jw, _null, _overlap, model_json

MODEL_VERSION = "org-v1"


def _contains(col: str, dialect: str) -> str:
    """One side's word set holds all the other's words."""
    if dialect == "spark":
        return f"(size(array_except({col}_l, {col}_r)) = 0 OR size(array_except({col}_r, {col}_l)) = 0)"
    return f"(list_has_all({col}_l, {col}_r) OR list_has_all({col}_r, {col}_l))"


def _shared_count(col: str, dialect: str) -> str:
    if dialect == "spark":
        return f"size(array_intersect({col}_l, {col}_r))"
    return f"len(list_intersect({col}_l, {col}_r))"


def comparisons(dialect: str = "duckdb") -> list[dict[str, Any]]:
    """The comparisons of the organisation model, in the backend's SQL dialect."""
    ov = _overlap
    name = _comparison(
        "org_name",
        [
            ("same name (after legal form and word order)", "name_key_l = name_key_r"),
            ("a name or alias shared", ov("name_keys", dialect)),
            ("one name's words hold the other's", _contains("name_tokens", dialect)),
            ("close spelling", f"{_jw('name_key', dialect)} >= 0.92"),
            ("sounds alike", "name_ph_l = name_ph_r"),
            ("a word shared", ov("name_tokens", dialect)),
            ("different", "ELSE"),
        ],
    )
    name["comparison_levels"].insert(0, _null("name_key_l IS NULL OR name_key_r IS NULL"))

    def simple(label: str, col: str, overlap: bool) -> dict[str, Any]:
        eq = ov(col, dialect) if overlap else f"{col}_l = {col}_r"
        comp = _comparison(label, [("shared" if overlap else "equal", eq), ("different", "ELSE")])
        comp["comparison_levels"].insert(0, _null(f"{col}_l IS NULL OR {col}_r IS NULL"))
        return comp

    people = _comparison(
        "people",
        [
            ("three or more linked people shared", f"{_shared_count('members', dialect)} >= 3"),
            ("two linked people shared", f"{_shared_count('members', dialect)} = 2"),
            ("one linked person shared", ov("members", dialect)),
            ("different", "ELSE"),
        ],
    )
    people["comparison_levels"].insert(0, _null("members_l IS NULL OR members_r IS NULL"))
    return [
        name,
        simple("legal_form", "legal_form", False),
        simple("country", "country", False),
        simple("registration", "reg_ids", True),
        simple("phone", "phones", True),
        simple("email", "emails", True),
        simple("address", "addresses", True),
        simple("account", "accounts", True),
        people,
    ]


EXPLODE_RULES = ("reg_ids", "accounts", "phones", "emails", "members", "name_keys")


def blocking_rules() -> list[Any]:
    """Candidate pairs: same reduced name or sound, or any shared number, contact or linked person.

    All are equi-joins (array columns exploded), so both backends hash-join them.
    """
    from splink import block_on

    return [
        "l.name_key = r.name_key",
        "l.name_ph = r.name_ph",
        *[block_on(col, arrays_to_explode=[col]) for col in EXPLODE_RULES],
    ]


def settings(dialect: str = "duckdb") -> dict[str, Any]:
    """The Splink settings dictionary of the organisation model (untrained)."""
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 1e-3,
        "comparisons": comparisons(dialect),
        "blocking_rules_to_generate_predictions": blocking_rules(),
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": False,
        "additional_columns_to_retain": [],
    }


def _has_pairs(table: pa.Table, column: str) -> bool:
    """Whether any value of ``column`` (a scalar or a list) is held by two mentions."""
    seen: set[str] = set()
    for v in table.column(column).to_pylist():
        for item in (v if isinstance(v, list) else [v]) if v is not None else []:
            if item in seen:
                return True
            seen.add(item)
    return False


def train(session: Session, table: pa.Table, *, seed: int = 1, max_pairs: float = 1e6) -> str:
    """Train by EM without labels and return the model as Splink JSON.

    The prior from pairs with the same reduced name in the same country (or both without one); u
    from random pairs; m by EM blocked on the name (to learn the other fields), then on linked
    people and on registration numbers (to learn the name). A session whose blocking column no
    two mentions share (a store without registration numbers) is skipped: its levels keep their
    starting values.
    """
    from splink import block_on

    linker = session.linker
    linker.training.estimate_probability_two_random_records_match(
        ["l.name_key = r.name_key AND (l.country = r.country OR (l.country IS NULL AND r.country IS NULL))"],
        recall=0.7,
    )
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    # EM cannot block on exploded arrays; the first linked person and first registration number
    # (scalar columns) give it an equi-join over pairs that share them.
    for col in ("name_key", "member1", "reg1"):
        if _has_pairs(table, col):
            rule = block_on(col)
            linker.training.estimate_parameters_using_expectation_maximisation(
                rule, fix_u_probabilities=True, max_pairs=max_pairs
            )
    return json.dumps(decontaminate_u(json.loads(model_json(session))))


U_FLOOR = 1e-4


def decontaminate_u(model: dict[str, Any], floor: float = U_FLOOR) -> dict[str, Any]:
    """Remove the true matches that random pairs contain from each level's u probability.

    Splink estimates u from random pairs as if none matched. For people that holds (a random pair
    matches once in 10^5), but a task force's organisations are few and large: in the synthetic
    world one random pair of organisation mentions in ten is the same group, so "three linked
    people shared" looks ten times commoner among non-matches than it is and can never reach the
    threshold. A level's frequency among random pairs is λ·m + (1 − λ)·u (λ the prior), so
    u = (observed − λ·m) / (1 − λ), floored at ``floor`` and renormalised per comparison.
    """
    lam = float(model["probability_two_random_records_match"])
    if lam <= 0 or lam >= 1:
        return model
    for comp in model["comparisons"]:
        # Levels never seen among random pairs (u unknown) are left to Splink's defaults.
        levels = [lv for lv in comp["comparison_levels"] if not lv.get("is_null_level")
                  and lv.get("u_probability") is not None and lv.get("m_probability") is not None]
        if not levels:
            continue
        observed = sum(lv["u_probability"] for lv in levels)
        fixed = [max(floor, (lv["u_probability"] - lam * lv["m_probability"]) / (1 - lam)) for lv in levels]
        total = sum(fixed)
        for lv, u in zip(levels, fixed, strict=True):
            lv["u_probability"] = u * observed / total
    return model
