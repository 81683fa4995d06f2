"""Search across names (accent- and typo-tolerant), phones, plates, accounts and identifiers.

Matching runs on an in-memory index of the distinct searchable values in the store (rebuilt when
the number of statements changes). The index only proposes candidate *values*; which entities a
viewer gets back is decided by a statement query carrying the access layer's filter, so the index
never shows anything the viewer could not read.
"""

from __future__ import annotations

import os
import re
import threading
from bisect import bisect_right
from collections import defaultdict
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from rapidfuzz import fuzz, process
from unidecode import unidecode

from netcase.access.policy import statement_filter
from netcase.access.viewer import Viewer
from netcase.api import reads
from netcase.store import Store, value_index
from netcase.store.value_index import CODE_PROPS, CODE_TYPES, NAME_PROPS, NAME_TYPES


def norm_name(text: str) -> str:
    """Lower-case ASCII letters and single spaces: 'José  HERNÁNDEZ-Ruiz' → 'jose hernandez ruiz'."""
    return " ".join(re.sub(r"[^a-z0-9]+", " ", unidecode(text).lower()).split())


def norm_code(text: str) -> str:
    """Letters and digits only, upper case: '+52 (664) 123-4567' → '526641234567'."""
    return re.sub(r"[^A-Z0-9]", "", unidecode(text).upper())


@dataclass
class _Index:
    statements: int
    names: dict[str, set[str]]  # normalised name → raw values
    name_keys: list[str]
    codes: dict[str, set[str]]  # normalised code → raw values
    code_keys: list[str]
    tokens: list[str] = field(default_factory=list)  # the words of the name keys
    token_keys: dict[str, list[int]] = field(default_factory=dict)  # word → positions in name_keys
    code_blob: str = ""  # the code keys joined by newlines, for a substring search in C
    code_starts: list[int] = field(default_factory=list)  # where each code key starts in code_blob

    def codes_containing(self, qc: str) -> list[str]:
        """The code keys that contain ``qc`` (one ``str.find`` pass over all keys, not a Python loop)."""
        found: list[str] = []
        at = self.code_blob.find(qc)
        while at >= 0:
            i = bisect_right(self.code_starts, at) - 1
            found.append(self.code_keys[i])
            # Go on after this key: a key is reported once however often it holds the query.
            at = self.code_blob.find(qc, self.code_starts[i + 1] if i + 1 < len(self.code_starts) else len(self.code_blob))
        return found

    def name_candidates(self, qn: str) -> list[str]:
        """The name keys the fuzzy scorer needs to see for the normalised query ``qn``: those with a
        word like one of the query's (similar, or one containing the other). Scoring these instead
        of every key gives the same matches (checked on 480 names, misspelt, cut short and run
        together, on the medium world) for a quarter of the CPU; a query word under three letters
        is scored against every key."""
        words = set(qn.split())
        if not words or min(len(w) for w in words) < 3:
            return self.name_keys
        picked: set[int] = set()
        for w in words:
            for scorer, cutoff in ((fuzz.ratio, 60), (fuzz.partial_ratio, 85)):
                for token, _, _ in process.extract(w, self.tokens, scorer=scorer, limit=None, score_cutoff=cutoff):
                    picked.update(self.token_keys[token])
        return [self.name_keys[i] for i in sorted(picked)]


class SearchIndex:
    """The candidate-value index of one store, shared by the worker threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._index: _Index | None = None

    def _current(self, store: Store) -> _Index:
        # The facts' table where statements are a view over it (a count over the view joins them all).
        count = int(store.scalar(f"SELECT count(*) FROM {store.facts_table}") or 0)
        idx = self._index
        if idx is not None and idx.statements == count:
            return idx
        with self._lock:
            if self._index is not None and self._index.statements == count:
                return self._index
            names: dict[str, set[str]] = defaultdict(set)
            codes: dict[str, set[str]] = defaultdict(set)
            nprops = ", ".join(f"'{p}'" for p in NAME_PROPS)
            ntypes = ", ".join(f"'{t}'" for t in NAME_TYPES)
            for (value,) in store.query(
                f"SELECT DISTINCT value FROM statements WHERE prop_type IN ({ntypes}) OR prop IN ({nprops})"
            ):
                key = norm_name(str(value))
                if key:
                    names[key].add(str(value))
            cprops = ", ".join(f"'{p}'" for p in CODE_PROPS)
            ctypes = ", ".join(f"'{t}'" for t in CODE_TYPES)
            for (value,) in store.query(
                f"SELECT DISTINCT value FROM statements WHERE prop_type IN ({ctypes}) OR prop IN ({cprops})"
            ):
                key = norm_code(str(value))
                if len(key) >= 3:
                    codes[key].add(str(value))
            name_keys = sorted(names)
            token_keys: dict[str, list[int]] = defaultdict(list)
            for i, key in enumerate(name_keys):
                for word in set(key.split()):
                    token_keys[word].append(i)
            code_keys = sorted(codes)
            starts, at = [], 0
            for key in code_keys:
                starts.append(at)
                at += len(key) + 1
            self._index = _Index(count, dict(names), name_keys, dict(codes), code_keys, sorted(token_keys),
                                 dict(token_keys), "\n".join(code_keys), starts)
            return self._index

    def warm(self, store: Store) -> None:
        """Build the index now (a server does this when it starts, not at the first search)."""
        self._current(store)

    def candidates(self, store: Store, query: str, limit: int = 50) -> dict[str, float]:
        """Raw values that match ``query`` with a score 0–100 (exact and near-exact first)."""
        idx = self._current(store)
        out: dict[str, float] = {}
        qn = norm_name(query)
        # A query without a letter (a phone, an account number) names nobody: no fuzzy name pass.
        if qn and any(ch.isalpha() for ch in qn):
            matches = process.extract(qn, idx.name_candidates(qn), scorer=fuzz.WRatio, limit=limit, score_cutoff=80)
            for key, score, _ in matches:
                # Token order and a typo or two are tolerated; a full-token match ranks first.
                bonus = 5.0 if qn in key.split() or key == qn else 0.0
                for raw in idx.names[key]:
                    out[raw] = max(out.get(raw, 0.0), float(score) + bonus)
        qc = norm_code(query)
        if len(qc) >= 4:
            for key in idx.codes_containing(qc):
                # A partial number (the last digits of a phone, part of a plate) still finds it.
                score = 110.0 if qc == key else 90.0 + 10.0 * len(qc) / len(key)
                for raw in idx.codes[key]:
                    out[raw] = max(out.get(raw, 0.0), score)
            if len(out) < limit and len(qc) >= 5:
                for key, score, _ in process.extract(qc, idx.code_keys, scorer=fuzz.ratio, limit=10, score_cutoff=85):
                    for raw in idx.codes[key]:
                        out.setdefault(raw, float(score) - 5.0)
        return out


@dataclass
class Hit:
    """One entity found, with what matched."""

    id: str
    schema: str
    caption: str
    score: float
    matched: list[str]
    protected: bool

    def as_dict(self) -> dict[str, Any]:
        return {"id": self.id, "schema": self.schema, "caption": self.caption, "score": round(self.score, 1),
                "matched": self.matched, "protected": self.protected}


@contextmanager
def _all_cores(store: Store) -> Iterator[None]:
    """DuckDB's threads raised to the machine's cores for one scan, then put back.

    The server runs DuckDB on one thread (many small reads at once); a search's scan of every
    statement is the one read that a second core halves. DuckDB's setting is per database, so a
    concurrent read may briefly get the extra thread too, which only changes its speed."""
    if store.dialect != "duckdb":
        yield
        return
    before = int(store.scalar("SELECT current_setting('threads')") or 1)
    store.execute(f"SET threads TO {max(before, os.cpu_count() or 1)}")
    try:
        yield
    finally:
        store.execute(f"SET threads TO {before}")


def _scan(store: Store, viewer: Viewer, values: list[str], schema: str | None,
          add: Callable[[str, str], None]) -> None:
    """Every visible carrier of ``values`` by one scan of the statements, through the SQL filter."""
    cond, params = statement_filter(viewer, "s")
    marks = ", ".join("?" for _ in values)
    extra = " AND s.schema = ?" if schema else ""
    for cid, value in store.query(
        f"SELECT DISTINCT coalesce(r.canonical_id, s.entity_id), s.value FROM {store.value_statements_sql(marks)} s "
        f"LEFT JOIN resolved r ON r.entity_id = s.entity_id WHERE {cond}{extra}",
        [*values, *params, *([schema] if schema else [])],
    ):
        add(str(cid), str(value))


#: At most this many candidate values are looked up through the index of values (see ``search``).
INDEXED_VALUES = 30


def search(store: Store, viewer: Viewer, index: SearchIndex, query: str, *, schema: str | None = None,
           limit: int = 20, offset: int = 0) -> tuple[list[Hit], int]:
    """Entities the viewer may see whose names or identifiers match ``query``; (page, total)."""
    cands = index.candidates(store, query, limit=80)
    if not cands:
        return [], 0
    values = sorted(cands)
    found: dict[str, tuple[float, set[str]]] = {}

    def add(cid: str, value: str) -> None:
        score, matched = found.get(cid, (0.0, set()))
        matched.add(value)
        found[cid] = (max(score, cands[value]), matched)

    # Who carries each candidate value, by index; the statements are then read by entity and kept
    # where the viewer may read them. A value carried by very many entities (a common name) is
    # counted with one scan instead.
    carriers = value_index.carriers(store, values) if len(values) <= INDEXED_VALUES else {}
    ids = sorted({e for v in values for e in carriers.get(v, ())})
    if len(values) > INDEXED_VALUES or len(ids) > reads.HUB_CARRIERS:
        # Past a few dozen values or a few hundred carriers (a fuzzy name matching many names, a
        # name shared by many people) one scan costs less than reading each carrier by index.
        common, rare = values, []
    else:
        common, rare = [], [v for v in values if v in carriers]
    if rare and ids:
        rows = reads.read_members(store, viewer, ids, rare).rows
        canon = reads.canonical_map(store, sorted({r["entity_id"] for r in rows}))
        for r in rows:
            if schema is None or r["schema"] == schema:
                add(canon.get(r["entity_id"], r["entity_id"]), str(r["value"]))
    if common:
        with _all_cores(store):
            _scan(store, viewer, common, schema, add)
    ranked = sorted(found.items(), key=lambda kv: (-kv[1][0], kv[0]))
    total = len(ranked)
    page = ranked[offset : offset + limit]
    views = reads.entities(store, viewer, [cid for cid, _ in page])
    hits = []
    for cid, (score, matched) in page:
        v = views.get(cid)
        if v is None:
            continue
        if v.protected and not reads.may_see_victims(viewer):
            # Finding a protected person by name would tell the viewer who they are: left out.
            total -= 1
            continue
        hits.append(Hit(cid, v.schema, v.caption, score, sorted(matched), v.protected))
    return hits, total
