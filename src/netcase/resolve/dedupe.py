"""Stand-alone deduplication and linkage of spreadsheets (no store): ``netcase dedupe``.

An analyst with one CSV (find the duplicates) or two (find the same people in both) names the id
column and maps columns to the field vocabulary below; the same normalisers and Splink model as
the store's resolution run over the rows, and each row gets a cluster id.
"""

from __future__ import annotations

import csv
import logging
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import pyarrow as pa

from netcase.resolve import model as nm
from netcase.resolve.cluster import cluster
from netcase.resolve.features import Mention, mention_row
from netcase.resolve.normalise import parse_date

# field → the FtM-style property it feeds (address parts are joined into one address).
FIELDS: dict[str, str] = {
    "given_name": "firstName",
    "surname": "lastName",
    "second_surname": "motherName",
    "full_name": "name",
    "alias": "alias",
    "dob": "birthDate",
    "sex": "gender",
    "nationality": "nationality",
    "birthplace": "birthPlace",
    "phone": "phone",
    "email": "email",
    "address": "address",
    "street_number": "address",
    "city": "address",
    "postcode": "address",
    "state": "address",
    "country": "country",
    "id_number": "idNumber",
}
REPEATABLE = frozenset({"id_number", "phone", "email", "alias"})
# Fields that can say who someone is; sex, city or country alone cannot.
IDENTITY_FIELDS = frozenset({"given_name", "surname", "second_surname", "full_name", "dob", "phone", "email",
                             "id_number"})
ADDRESS_ORDER = ("street_number", "address", "city", "state", "postcode")


class DedupeError(ValueError):
    """Input the command cannot use; the message says which file, column or field."""


@dataclass(frozen=True)
class FieldMap:
    """A parsed ``--field NAME=COLUMN`` list."""

    pairs: tuple[tuple[str, str], ...]

    @classmethod
    def parse(cls, specs: Sequence[str]) -> FieldMap:
        pairs = []
        seen: set[str] = set()
        for spec in specs:
            if "=" not in spec:
                raise DedupeError(f"--field {spec!r}: write NAME=COLUMN, e.g. --field surname=apellido")
            name, column = (s.strip() for s in spec.split("=", 1))
            if name not in FIELDS:
                raise DedupeError(
                    f"--field {spec!r}: unknown field {name!r}; known fields: {', '.join(sorted(FIELDS))}"
                )
            if name in seen and name not in REPEATABLE:
                raise DedupeError(f"--field {name} given twice (only {', '.join(sorted(REPEATABLE))} repeat)")
            if not column:
                raise DedupeError(f"--field {spec!r}: no column named")
            seen.add(name)
            pairs.append((name, column))
        if not pairs:
            raise DedupeError("no --field given: map at least one identity column, e.g. --field full_name=name")
        if not seen & IDENTITY_FIELDS:
            raise DedupeError(
                f"no identity field mapped (one of {', '.join(sorted(IDENTITY_FIELDS))} is needed)"
            )
        return cls(tuple(pairs))


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    """A CSV's header and rows; UTF-8 (with or without BOM), falling back to Latin-1."""
    if not path.exists():
        raise DedupeError(f"{path}: no such file")
    raw = path.read_bytes()
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = raw.decode("latin-1")
    reader = csv.DictReader(text.splitlines())
    header = [h.strip() for h in (reader.fieldnames or [])]
    if not header:
        raise DedupeError(f"{path}: empty file (no header row)")
    rows = [{(k or "").strip(): (v or "").strip() for k, v in r.items() if k is not None} for r in reader]
    return header, rows


def file_mentions(
    path: Path, id_column: str, fields: FieldMap, date_order: str = "MDY"
) -> list[Mention]:
    """One mention per row of ``path``, checked: columns exist, ids unique, identity present."""
    header, rows = read_csv(path)
    missing = [c for c in [id_column, *(c for _, c in fields.pairs)] if c not in header]
    if missing:
        raise DedupeError(f"{path}: no column {', '.join(repr(c) for c in dict.fromkeys(missing))} "
                          f"(columns are: {', '.join(header)})")
    seen: dict[str, int] = {}
    for i, r in enumerate(rows, start=2):
        rid = r[id_column]
        if not rid:
            raise DedupeError(f"{path}, row {i}: empty id in column {id_column!r}")
        if rid in seen:
            raise DedupeError(
                f"{path}: id column {id_column!r} is not unique ({rid!r} on rows {seen[rid]} and {i})"
            )
        seen[rid] = i
    mentions = []
    usable = 0
    for r in rows:
        props: dict[str, list[str]] = {}
        address_parts: dict[str, str] = {}
        has_identity = False
        for name, column in fields.pairs:
            value = r.get(column, "")
            if not value:
                continue
            if name in IDENTITY_FIELDS:
                has_identity = True
            if FIELDS[name] == "address":
                address_parts[name] = value
                continue
            if name == "dob":
                value = parse_date(value, date_order) or value
            props.setdefault(FIELDS[name], []).append(value)
        if address_parts:
            props["address"] = [", ".join(address_parts[k] for k in ADDRESS_ORDER if k in address_parts)]
        usable += has_identity
        mentions.append(Mention(r[id_column], str(path), r[id_column], props))
    if rows and not usable:
        raise DedupeError(
            f"{path}: no row has a value in any identity column "
            f"({', '.join(c for n, c in fields.pairs if n in IDENTITY_FIELDS)})"
        )
    return mentions


def dedupe_files(
    paths: Sequence[Path],
    id_column: str,
    field_specs: Sequence[str],
    *,
    threshold: float = 0.95,
    date_order: str = "MDY",
) -> list[tuple[str, str, str]]:
    """Cluster the rows of one file (dedupe) or two (link); ``(file, record_id, cluster_id)`` rows."""
    if not 1 <= len(paths) <= 2:
        raise DedupeError("give one file (to deduplicate) or two (to link)")
    fields = FieldMap.parse(field_specs)
    per_file = [file_mentions(Path(p), id_column, fields, date_order) for p in paths]
    tables = []
    for i, mentions in enumerate(per_file):
        rows = [mention_row(m) for m in mentions]
        for r in rows:
            r["source_dataset"] = f"f{i}"
        schema = nm_schema()
        tables.append(pa.Table.from_pylist(rows, schema=schema))
    keys = [(str(p), m.entity_id) for p, ms in zip(paths, per_file, strict=True) for m in ms]
    link = len(paths) == 2
    pairs = _score(tables, link, threshold)
    uid = {(f"f{i}", m.entity_id): (str(paths[i]), m.entity_id) for i, ms in enumerate(per_file) for m in ms}
    node = {k: f"{k[0]}\x1f{k[1]}" for k in keys}
    roots = cluster(node.values(), ((node[uid[a]], node[uid[b]], p) for a, b, p in pairs), threshold)
    members: dict[str, list[tuple[str, str]]] = {}
    for k in keys:
        members.setdefault(roots[node[k]], []).append(k)
    cid = {}
    for n, group in enumerate(sorted(members.values(), key=lambda g: min(g)), start=1):
        for k in group:
            cid[k] = f"C{n:06d}"
    return [(f, rid, cid[(f, rid)]) for f, rid in keys]


def nm_schema() -> pa.Schema:
    from netcase.resolve.features import FEATURE_SCHEMA

    return FEATURE_SCHEMA.append(pa.field("source_dataset", pa.string()))


def _score(tables: list[pa.Table], link: bool, threshold: float) -> list[tuple[tuple[str, str], tuple[str, str], float]]:
    import duckdb
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=duckdb.connect(":memory:"))
    sdfs = [db_api.register(t, table_name=f"input_{i}") for i, t in enumerate(tables)]
    conf = nm.settings("duckdb")
    conf["link_type"] = "link_only" if link else "dedupe_only"
    linker = Linker(sdfs if link else sdfs[0], conf, log_level=logging.ERROR)
    session = nm.Session(linker, db_api, sdfs)
    n = sum(t.num_rows for t in tables)
    if n >= 50:
        # Small sheets keep the prior m values; EM needs enough pairs to learn from.
        try:
            nm.train(session, max_pairs=min(1e6, n * n / 2))
        except Exception as exc:  # noqa: BLE001 - Splink raises bare Exceptions when a block is empty
            logging.getLogger(__name__).warning("training skipped, prior model used: %s", exc)
    df = linker.inference.predict(threshold_match_probability=threshold, warning_mode="never")
    t = nm.sdf_to_arrow(session, df, ["source_dataset_l", "unique_id_l", "source_dataset_r", "unique_id_r",
                                       "match_probability"])
    cols = {c: t.column(c).to_pylist() for c in t.column_names}
    if "source_dataset_l" not in cols:
        cols["source_dataset_l"] = ["f0"] * t.num_rows
        cols["source_dataset_r"] = ["f0"] * t.num_rows
    return [
        ((dl, ul), (dr, ur), float(p))
        for dl, ul, dr, ur, p in zip(cols["source_dataset_l"], cols["unique_id_l"], cols["source_dataset_r"],
                                     cols["unique_id_r"], cols["match_probability"], strict=True)
    ]


def write_clusters(rows: Sequence[tuple[str, str, str]], out: Path) -> None:
    """Write ``file,record_id,cluster_id``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    with out.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["file", "record_id", "cluster_id"])
        w.writerows(rows)

