"""The Splink (Fellegi–Sunter) model over person mentions: settings, training, scoring.

Comparisons are written as SQL conditions on the normalised columns of ``features.FEATURE_SCHEMA``
so each level says exactly what it means in the analyst's terms (surnames swapped, second surname
missing, day and month swapped). The DuckDB backend runs in-process on a private connection;
``backend="spark"`` runs the same model on a Spark session for data that outgrows one machine.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pyarrow as pa

MODEL_VERSION = "person-v1"

# Levels are (label, condition) with the condition on l./r. columns; None marks the null level.


def _overlap(col: str, dialect: str) -> str:
    if dialect == "spark":
        return f"arrays_overlap({col}_l, {col}_r)"
    return f"len(list_intersect({col}_l, {col}_r)) > 0"


def _jw(col: str, dialect: str) -> str:
    fn = "jaro_winkler" if dialect == "spark" else "jaro_winkler_similarity"
    return f"{fn}({col}_l, {col}_r)"


def _lev(col: str) -> str:
    return f"levenshtein({col}_l, {col}_r)"


def _comparison(name: str, levels: list[tuple[str, str | None]]) -> dict[str, Any]:
    out: list[dict[str, Any]] = []
    for label, cond in levels:
        if cond is None:
            continue
        out.append({"sql_condition": cond, "label_for_charts": label})
    # Starting m values (agreement levels likely among true matches): EM refines them; a table too
    # small for EM to learn a level keeps this prior instead of failing.
    n = len(out)
    m = [0.9 * (0.35 ** i) for i in range(n - 1)]
    m.append(max(0.02, 1 - sum(m)))
    total = sum(m)
    for level, mp in zip(out, m, strict=True):
        level["m_probability"] = mp / total
    return {"output_column_name": name, "comparison_levels": out, "comparison_description": name}


def _null(cond: str, label: str = "missing") -> dict[str, Any]:
    return {"sql_condition": cond, "label_for_charts": label, "is_null_level": True}


def comparisons(dialect: str = "duckdb") -> list[dict[str, Any]]:
    """The comparisons of the person model, in the backend's SQL dialect."""
    ov = _overlap
    given = _comparison(
        "given_name",
        [
            ("all given names equal", "given_all_l = given_all_r"),
            ("first given name equal (after nicknames)", "given1_l = given1_r"),
            ("nickname of each other", ov("given_alts", dialect)),
            ("first given name close spelling", f"{_jw('given1', dialect)} >= 0.92"),
            ("a given name shared", ov("given_tokens", dialect)),
            ("first given name sounds alike", "given_ph_l = given_ph_r"),
            ("different", "ELSE"),
        ],
    )
    given["comparison_levels"].insert(0, _null("given1_l IS NULL OR given1_r IS NULL"))
    surname = _comparison(
        "surnames",
        [
            ("both surnames equal", "surname1_l = surname1_r AND surname2_l = surname2_r"),
            ("paternal equal, one maternal missing",
             "surname1_l = surname1_r AND (surname2_l IS NULL OR surname2_r IS NULL)"),
            ("surnames swapped", "surname1_l = surname2_r AND surname2_l = surname1_r"),
            ("surnames close spelling",
             f"{_jw('surname1', dialect)} >= 0.92 AND (surname2_l IS NULL OR surname2_r IS NULL "
             f"OR {_jw('surname2', dialect)} >= 0.88)"),
            ("paternal equal, maternal differs", "surname1_l = surname1_r"),
            ("one surname missing, the other shared",
             "(surname2_l IS NULL AND surname1_l = surname2_r) OR (surname2_r IS NULL AND surname1_r = surname2_l)"),
            ("paternal sounds alike", "surname1_ph_l = surname1_ph_r"),
            ("different", "ELSE"),
        ],
    )
    surname["comparison_levels"].insert(0, _null("surname1_l IS NULL OR surname1_r IS NULL"))
    dob = _comparison(
        "birth_date",
        [
            ("equal", "dob_l = dob_r"),
            ("day and month swapped", "dob_l = dob_swap_r"),
            ("one typo", f"{_lev('dob')} <= 1"),
            ("same year, two typos", f"dob_year_l = dob_year_r AND {_lev('dob')} <= 2"),
            ("different", "ELSE"),
        ],
    )
    dob["comparison_levels"].insert(0, _null("dob_l IS NULL OR dob_r IS NULL"))

    def simple(name: str, col: str, overlap: bool, extra: list[tuple[str, str]] | None = None) -> dict[str, Any]:
        eq = ov(col, dialect) if overlap else f"{col}_l = {col}_r"
        comp = _comparison(name, [("shared" if overlap else "equal", eq), *(extra or []), ("different", "ELSE")])
        comp["comparison_levels"].insert(0, _null(f"{col}_l IS NULL OR {col}_r IS NULL"))
        return comp

    return [
        given,
        surname,
        dob,
        simple("sex", "sex", False),
        simple("country", "country", False),
        simple("phone", "phones", True, [("last seven digits shared", ov("phone7", dialect))]),
        simple("identifier", "ids", True),
        simple("alias", "aliases", True),
        simple("address", "addresses", True),
    ]


def blocking_rules() -> list[str]:
    """Candidate pairs: records sharing a name, a birth date with a name part, or an identifier.

    Each rule is an equi-join so DuckDB and Spark hash-join it (near-linear); the surname rules
    come in both directions so that a new record finds old ones the same way a full run does.
    """
    return [
        "l.given1 = r.given1 AND l.surname1 = r.surname1 AND l.surname2 = r.surname2",
        "l.given1 = r.given1 AND l.surname1 = r.surname1 AND l.dob_year = r.dob_year",
        "l.surname1 = r.surname1 AND l.dob = r.dob",
        "l.given1 = r.given1 AND l.dob = r.dob",
        "l.given1 = r.given1 AND l.surname1 = r.surname2 AND l.surname2 = r.surname1",
        "l.given1 = r.given1 AND l.surname1 = r.surname2 AND l.dob_year = r.dob_year",
        "l.given1 = r.given1 AND l.surname2 = r.surname1 AND l.dob_year = r.dob_year",
        "l.given_ph = r.given_ph AND l.surname1_ph = r.surname1_ph AND l.dob_year = r.dob_year",
        "l.dob = r.dob_swap AND l.surname1 = r.surname1",
    ]


EXPLODE_RULES = (("phones", "phones"), ("ids", "ids"))


def settings(dialect: str = "duckdb") -> dict[str, Any]:
    """The Splink settings dictionary of the person model (untrained)."""
    from splink import block_on

    rules: list[Any] = list(blocking_rules())
    for col, arr in EXPLODE_RULES:
        rules.append(block_on(col, arrays_to_explode=[arr]))
    return {
        "link_type": "dedupe_only",
        "unique_id_column_name": "unique_id",
        "probability_two_random_records_match": 1e-5,
        "comparisons": comparisons(dialect),
        "blocking_rules_to_generate_predictions": rules,
        "retain_intermediate_calculation_columns": True,
        "retain_matching_columns": False,
        "additional_columns_to_retain": [],
    }


@dataclass
class Session:
    """A Splink linker bound to a private in-process DuckDB (or a Spark session) and one input."""

    linker: Any
    db_api: Any
    data: Any


def _db_api(backend: str, spark: Any = None) -> Any:
    if backend == "spark":
        from netcase.resolve.spark import splink_spark_api

        return splink_spark_api(spark)
    import duckdb
    from splink import DuckDBAPI

    con = duckdb.connect(":memory:")
    return DuckDBAPI(connection=con)


def unique_name(stem: str) -> str:
    """A table name no other session uses: Spark's temporary views outlive a linker in one process."""
    import uuid

    return f"{stem}_{uuid.uuid4().hex[:10]}"


def spark_frame(db_api: Any, table: pa.Table) -> Any:
    """An Arrow table as a Spark DataFrame (Spark 4 reads Arrow directly)."""
    return db_api.spark.createDataFrame(table)


def in_dialect(model_json: str, fresh: dict[str, Any], dialect: str) -> dict[str, Any]:
    """A saved model with its SQL written for ``dialect``; ``fresh`` is the untrained settings in it.

    A model trained on DuckDB holds DuckDB SQL (``list_intersect``), one trained on Spark holds
    Spark SQL (``arrays_overlap``); the trained numbers (prior, m and u of each level) are what
    the model is, so they are kept and every level's condition and the blocking rules are taken
    from the same comparisons written for the target backend. A level is matched by its
    comparison and label, which both dialects share.
    """
    saved = json.loads(model_json)
    if saved.get("sql_dialect") == dialect:
        return saved
    conditions = {
        (c["output_column_name"], lv.get("label_for_charts")): lv["sql_condition"]
        for c in fresh["comparisons"] for lv in c["comparison_levels"]
    }
    for c in saved["comparisons"]:
        for lv in c["comparison_levels"]:
            key = (c["output_column_name"], lv.get("label_for_charts"))
            if key not in conditions:
                raise ValueError(f"saved model level {key} is not in this version of the model; retrain")
            lv["sql_condition"] = conditions[key]
    # Blocking rules are part of the code's model version, not of what training learned.
    saved["blocking_rules_to_generate_predictions"] = fresh["blocking_rules_to_generate_predictions"]
    saved["sql_dialect"] = dialect
    return saved


def open_session(
    table: pa.Table,
    model_json: str | None = None,
    backend: str = "duckdb",
    spark: Any = None,
    untrained: Callable[[str], dict[str, Any]] | None = None,
) -> Session:
    """A linker over ``table`` with the saved model ``model_json`` or a fresh untrained one.

    ``untrained`` gives the settings of a fresh model for a SQL dialect (the person model's
    ``settings`` unless another model, such as the organisation model, is meant).
    """
    from splink import Linker

    db_api = _db_api(backend, spark)
    dialect = "spark" if backend == "spark" else "duckdb"
    data = spark_frame(db_api, table) if backend == "spark" else table
    sdf = db_api.register(data, table_name=unique_name("mentions"))
    make = untrained or settings
    conf: Any = in_dialect(model_json, make(dialect), dialect) if model_json else make(dialect)
    linker = Linker(sdf, conf, log_level=logging.WARNING)
    return Session(linker, db_api, sdf)


def train(session: Session, *, seed: int = 1, max_pairs: float = 1e6, table: pa.Table | None = None) -> str:
    """Train by EM without labels and return the model as Splink JSON.

    The prior (two random records match) comes from pairs that share a document or a full name
    with a birth date; u from random pairs; m by EM in two sessions, one blocked on names (to
    learn the other fields) and one on birth date (to learn the names).
    """
    from splink import block_on

    linker = session.linker
    deterministic = [
        "l.given1 = r.given1 AND l.surname1 = r.surname1 AND l.dob = r.dob",
        "l.given1 = r.given1 AND l.surname1 = r.surname1 AND l.surname2 = r.surname2",
    ]
    linker.training.estimate_probability_two_random_records_match(deterministic, recall=0.7)
    linker.training.estimate_u_using_random_sampling(max_pairs=max_pairs, seed=seed)
    # EM on a bounded sample of the blocked pairs: its cost stays flat as the data grows.
    # A session whose blocking columns no two mentions share would stop Splink with an error (and
    # leave the linker without the comparisons it set aside); it is skipped, its levels keep the
    # other session's estimates or their starting values.
    for cols in (("given1", "surname1", "surname2"), ("dob", "country")):
        if table is None or _shares_values(table, cols):
            linker.training.estimate_parameters_using_expectation_maximisation(
                block_on(*cols), fix_u_probabilities=True, max_pairs=max_pairs
            )
    return model_json(session)


def _shares_values(table: pa.Table, cols: tuple[str, ...]) -> bool:
    """Whether two rows of ``table`` have the same non-null values in all of ``cols``."""
    seen: set[tuple[Any, ...]] = set()
    for key in zip(*(table.column(c).to_pylist() for c in cols), strict=True):
        if any(v is None for v in key):
            continue
        if key in seen:
            return True
        seen.add(key)
    return False


def model_json(session: Session) -> str:
    """The linker's trained model as Splink JSON."""
    d = session.linker.misc.save_model_to_json(out_path=None)
    return json.dumps(d)


def predict(session: Session, threshold: float) -> pa.Table:
    """Scored pairs at or above ``threshold`` with the per-comparison levels (gamma_*) kept."""
    df = session.linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    return _to_arrow(session, df)


def _gamma_cols(session: Session) -> list[str]:
    return [f"gamma_{c.output_column_name}" for c in session.linker._settings_obj.comparisons]


def _to_arrow(session: Session, df: Any) -> pa.Table:
    cols = ["unique_id_l", "unique_id_r", "match_weight", "match_probability", *_gamma_cols(session)]
    out = sdf_to_arrow(session, df, cols)
    df.drop_table_from_database_and_remove_from_cache()
    return out


def sdf_to_arrow(session: Session, df: Any, cols: list[str] | None = None) -> pa.Table:
    """A Splink result table as Arrow, without pandas (DuckDB: straight from the connection)."""
    from splink import DuckDBAPI

    # (Splink's SparkAPI also has a ``duckdb_con`` attribute, so the type decides.)
    if isinstance(session.db_api, DuckDBAPI):
        rel = session.db_api.duckdb_con.table(df.physical_name)
        names = [c for c in (cols or rel.columns) if c in rel.columns]
        return rel.select(*names).to_arrow_table() if names else rel.to_arrow_table()
    sdf = df.as_spark_dataframe()
    if cols:
        sdf = sdf.select(*[c for c in cols if c in sdf.columns])
    return sdf.toArrow()
