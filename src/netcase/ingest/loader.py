"""The mapping loader: applies a validated ``Mapping`` to a file, chunk by chunk, column-wise.

For each chunk of rows it works in two passes. First it evaluates every entity of the mapping over
the chunk (row-level fields, then entities in link order), cleaning values through the cached
cleaners and collecting what it refuses. Then it writes the statements of the entities that exist,
skipping rows refused as a whole. Statements are built as columns (lists), never as objects: at
fifty thousand rows a second an object per fact would cost more than the cleaning.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from netcase.ingest import clean as C
from netcase.ingest.base import Chunk, IngestError, LoadContext, Rejected
from netcase.ingest.mapping import EntitySpec, FieldPath, Mapping, Source, map_key, scalar_text
from netcase.ingest.readers import (
    CHUNK_ROWS,
    ReadChunk,
    csv_header,
    file_is_empty,
    read_csv,
    read_jsonl,
)
from netcase.model.marking import Marking, MarkingError
from netcase.model.statement import RELIABILITY, STATEMENT_COLUMNS, VALIDITY, default_review_by

Chain = tuple[dict[str, Any], ...]
Item = tuple[int, tuple[int, ...], Chain]  # (row position in chunk, list indices, item chain)
# (caveat, releasable_to, tlp, victim_sensitive, compartment, predicate, reliability, validity, agency)
RowCtx = tuple[str, str, str, bool, str | None, str | None, str, str, str]
Cleaner = Callable[[str, Chain], tuple[str | None, str | None]]


def entity_id(dataset: str, source_record: str, key: str, indices: tuple[int, ...] = ()) -> str:
    """The id of the entity ``key`` (mapping entity name) mentioned by ``source_record``."""
    text = f"{dataset}\x1f{source_record}\x1f{key}"
    if indices:
        text += "\x1f" + ".".join(map(str, indices))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()


@lru_cache(maxsize=1024)
def _parse_marking(text: str, victim: bool) -> Marking:
    mk = Marking.parse(text)
    return Marking(mk.caveat, mk.releasable_to, mk.tlp, mk.victim_sensitive or victim) if victim else mk


@dataclass
class FileState:
    """What must persist across the chunks of one file: record ids of ``once`` entities already written."""

    seen: dict[str, set[str]] = field(default_factory=dict)
    written: dict[str, set[int]] = field(default_factory=dict)


class MappingLoader:
    """A ``Loader`` for one YAML mapping."""

    def __init__(self, mapping: Mapping, *, today: date | None = None, chunk_rows: int = CHUNK_ROWS) -> None:
        self.mapping = mapping
        self.chunk_rows = chunk_rows
        self.name = mapping.name
        self.dataset = mapping.dataset
        self.agency = mapping.agency
        self.marking = mapping.marking
        self.compartment = mapping.compartment
        self.predicate = mapping.intel.predicate
        self.reliability = mapping.intel.reliability
        self.validity = mapping.intel.validity
        self.today = today or date.today()

    def __repr__(self) -> str:
        return f"MappingLoader({self.mapping.source})"

    def matches(self, source_file: str) -> bool:
        return self.mapping.matches(source_file)

    def load(self, ctx: LoadContext) -> Iterator[Chunk]:
        """Read ``ctx.path`` with this mapping; ``IngestError`` for an empty file or a missing column."""
        m = self.mapping
        if file_is_empty(ctx.path):
            raise IngestError(ctx.path, "the file is empty")
        if m.format == "csv":
            header = csv_header(ctx.path, m.encoding, m.delimiter, m.quotechar)
            present = set(header)
            for column, key in m.columns().items():
                if column not in present:
                    raise IngestError(
                        ctx.path,
                        f"column {column!r} (mapping {m.source}, {key}) is not in the file; "
                        f"columns are: {', '.join(header)}",
                        field=column,
                    )
            chunks: Iterator[ReadChunk] = read_csv(ctx.path, encoding=m.encoding, delimiter=m.delimiter,
                                                   quotechar=m.quotechar, chunk_rows=self.chunk_rows)
        elif m.format == "jsonl":
            chunks = read_jsonl(ctx.path, encoding=m.encoding, chunk_rows=self.chunk_rows)
        else:
            raise IngestError(ctx.path, f"mapping {m.source}: format {m.format} is read by the FtM loader")
        evaluator = ChunkEvaluator(m, ctx, self.today)
        for rc in chunks:
            yield evaluator.evaluate(rc)


class ChunkEvaluator:
    """Compiled form of a mapping for one file: getters and cleaners built once, applied per chunk."""

    def __init__(self, mapping: Mapping, ctx: LoadContext, today: date) -> None:
        self.m = mapping
        self.ctx = ctx
        self.today = today
        self.state = FileState()
        prov = ctx.provenance
        self.dataset = prov.dataset
        self.review_by = prov.review_by or default_review_by(prov.ingested.date())
        mk = prov.marking
        intel = mapping.intel
        self.default_ctx: RowCtx = (mk.caveat, mk.rel_storage, mk.tlp, mk.victim_sensitive,
                                    prov.compartment, prov.predicate or intel.predicate,
                                    prov.reliability, prov.validity, prov.agency)
        self.record_id = mapping.record_id.renderer() if mapping.record_id else None
        self.cleaners: dict[int, Cleaner] = {}
        self.getters: dict[int, Callable[[Chain, tuple[int, ...]], Any]] = {}
        for ent in mapping.entities:
            for s in ent.sources:
                self._compile(s)
            if ent.observed:
                self._compile(ent.observed)
        if mapping.observed:
            self._compile(mapping.observed)

    # -- compilation --------------------------------------------------------------------------
    def _compile(self, s: Source) -> None:
        if s.entity is not None:
            return  # links are resolved against built entities, not read from fields
        self.getters[id(s)] = _value_getter(s)
        self.cleaners[id(s)] = _cleaner(s, self.today)

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, rc: ReadChunk) -> Chunk:
        m = self.m
        rows = rc.rows
        n = len(rows)
        rejected: list[Rejected] = list(rc.rejected)
        bad: set[int] = set()
        chains: list[Chain] = [(r,) for _, r in rows]
        lines = [ln for ln, _ in rows]

        def reject_row(pos: int, fld: str | None, reason: str, value: str | None = None) -> None:
            if pos not in bad:
                bad.add(pos)
                rejected.append(Rejected(lines[pos], fld, reason, value=value, raw=_raw(rows[pos][1]), scope="row"))

        # Row-level: record id, marking, compartment, 28 CFR 23 fields, observed date.
        rec_ids: list[str | None] = [None] * n
        if self.record_id is not None:
            render = self.record_id
            rec_ids = [render(ch, ()) for ch in chains]
            for pos, rid in enumerate(rec_ids):
                if rid is None:
                    reject_row(pos, m.record_id.text if m.record_id else None, "missing record id")
        row_ctx = self._row_contexts(chains, reject_row)
        observed: list[str | None] = [None] * n
        if m.observed is not None:
            observed = self._observed(m.observed, [(p, (), ch) for p, ch in enumerate(chains)], lines, rejected)

        # Entities, in link order.
        frames: dict[tuple[FieldPath, ...], list[Item]] = {(): [(p, (), ch) for p, ch in enumerate(chains)]}
        built: dict[str, dict[tuple[int, tuple[int, ...]], str]] = {}
        pending: list[tuple[EntitySpec, list[Item], list[str], list[str], list[str | None], list[tuple[int, Source, str, str | None]], list[bool]]] = []
        for ent in m.entities:
            items = self._frame(ent.each, frames)
            if ent.when:
                tests = [w.predicate() for w in ent.when]
                items = [it for it in items if all(test(it[2]) for test in tests)]
            if ent.record_id is not None:
                render_e = ent.record_id.renderer()
                srecs = [render_e(it[2], it[1]) for it in items]
            else:
                srecs = [rec_ids[it[0]] for it in items]
            eids = [entity_id(self.dataset, sr, ent.name, it[1]) if sr is not None else "" for it, sr in zip(items, srecs, strict=True)]
            vals: list[tuple[int, Source, str, str | None]] = []
            has_value = [False] * len(items)
            have_props: list[set[str]] = [set() for _ in items]
            for s in ent.sources:
                self._evaluate_source(ent, s, items, eids, built, lines, rejected, reject_row, vals,
                                      has_value, have_props)
            exists = [bool(eids[k]) and has_value[k] for k in range(len(items))]
            for k, it in enumerate(items):
                if exists[k] and ent.required:
                    missing = [p for p in ent.required if p not in have_props[k]]
                    if missing:
                        exists[k] = False
                        rejected.append(Rejected(lines[it[0]], ent.name,
                                                 f"{ent.schema} without {', '.join(missing)}", scope="entity"))
            built[ent.name] = {(it[0], it[1]): eids[k] for k, it in enumerate(items) if exists[k]}
            ent_obs = (self._observed(ent.observed, items, lines, rejected) if ent.observed is not None
                       else [observed[it[0]] for it in items])
            srec_text = [sr or "" for sr in srecs]
            pending.append((ent, items, eids, srec_text, ent_obs, vals, exists))

        cols = self._emit(pending, bad, row_ctx)
        return Chunk(statements=cols, rejected=rejected, rows_read=rc.count, rows_accepted=n - len(bad))

    def _row_contexts(self, chains: list[Chain], reject_row: Callable[..., None]) -> list[RowCtx]:
        m = self.m
        intel = m.intel
        base = self.default_ctx
        n = len(chains)
        if not (m.marking_field or m.compartment_field or intel.predicate_field or intel.reliability_field
                or intel.validity_field or intel.criminal or m.agency_field):
            return [base] * n
        out: list[RowCtx] = []
        mget = m.marking_field.getter() if m.marking_field else None
        cget = m.compartment_field.getter() if m.compartment_field else None
        pget = intel.predicate_field.getter() if intel.predicate_field else None
        rget = intel.reliability_field.getter() if intel.reliability_field else None
        vget = intel.validity_field.getter() if intel.validity_field else None
        aget = m.agency_field.getter() if m.agency_field else None
        victim_all = self.ctx.provenance.marking.victim_sensitive
        for pos, ch in enumerate(chains):
            caveat, rel, tlp, victim, comp, pred, reli, vali, agency = base
            if aget is not None:
                raw = aget(ch)
                if _present(raw):
                    agency = str(raw).strip()
            if mget is not None:
                raw = mget(ch)
                if _present(raw):
                    try:
                        mk = _parse_marking(str(raw), victim_all)
                    except MarkingError as exc:
                        reject_row(pos, m.marking_field.text if m.marking_field else None, f"invalid marking: {exc}", str(raw))
                        out.append(base)
                        continue
                    caveat, rel, tlp, victim = mk.caveat, mk.rel_storage, mk.tlp, mk.victim_sensitive
            if cget is not None:
                raw = cget(ch)
                if _present(raw):
                    comp = str(raw).strip()
            if pget is not None:
                raw = pget(ch)
                if _present(raw):
                    pred = str(raw).strip()
            if rget is not None:
                raw = rget(ch)
                if _present(raw):
                    reli = str(raw).strip().upper()
                    if reli not in RELIABILITY:
                        reject_row(pos, intel.reliability_field.text if intel.reliability_field else None,
                                   "invalid source reliability (expected A-F)", str(raw))
            if vget is not None:
                raw = vget(ch)
                if _present(raw):
                    vali = scalar_text(raw).strip()
                    if vali not in VALIDITY:
                        reject_row(pos, intel.validity_field.text if intel.validity_field else None,
                                   "invalid content validity (expected 1-6)", str(raw))
            if intel.criminal and not pred:
                reject_row(pos, intel.predicate_field.text if intel.predicate_field else "predicate",
                           "criminal intelligence without a criminal predicate (28 CFR 23.20(a))")
            out.append((caveat, rel, tlp, victim, comp, pred, reli, vali, agency))
        return out

    def _observed(self, s: Source, items: list[Item], lines: list[int], rejected: list[Rejected]) -> list[str | None]:
        get = self.getters[id(s)]
        cl = self.cleaners[id(s)]
        out: list[str | None] = []
        for pos, idx, ch in items:
            raw = get(ch, idx)
            if not _present(raw):
                out.append(None)
                continue
            text = raw if isinstance(raw, str) else scalar_text(raw)
            value, reason = cl(text, ch)
            if reason is not None:
                rejected.append(Rejected(lines[pos], _field_name(s), reason, value=text, scope="value"))
            out.append(value[:10] if value else None)
        return out

    def _frame(self, each: tuple[FieldPath, ...], frames: dict[tuple[FieldPath, ...], list[Item]]) -> list[Item]:
        if each in frames:
            return frames[each]
        parent = self._frame(each[:-1], frames)
        get = each[-1].getter()
        items: list[Item] = []
        for pos, idx, ch in parent:
            seq = get(ch)
            if not isinstance(seq, list):
                continue
            for i, sub in enumerate(seq):
                if sub is None:
                    continue
                items.append((pos, (*idx, i), (*ch, sub if isinstance(sub, dict) else {"value": sub})))
        frames[each] = items
        return items

    def _evaluate_source(
        self,
        ent: EntitySpec,
        s: Source,
        items: list[Item],
        eids: list[str],
        built: dict[str, dict[tuple[int, tuple[int, ...]], str]],
        lines: list[int],
        rejected: list[Rejected],
        reject_row: Callable[..., None],
        vals: list[tuple[int, Source, str, str | None]],
        has_value: list[bool],
        have_props: list[set[str]],
    ) -> None:
        prop = s.prop
        if s.entity is not None:
            target = built[s.entity]
            depth = len(next(e for e in self.m.entities if e.name == s.entity).each)
            iget = s.index.getter() if s.index is not None else None
            for k, (pos, idx, ch) in enumerate(items):
                if not eids[k]:
                    continue
                if iget is None:
                    tid = target.get((pos, idx[:depth]))
                    if tid is not None:
                        vals.append((k, s, tid, None))
                        has_value[k] = True
                        have_props[k].add(prop)
                    continue
                raw = iget(ch)
                refs = raw if isinstance(raw, list) else [raw]
                for ref in refs:
                    if ref is None or ref == "":
                        continue
                    try:
                        i = int(ref)
                    except (TypeError, ValueError):
                        i = -1
                    tid = target.get((pos, (*idx[: depth - 1], i))) if i >= 0 else None
                    if tid is None:
                        rejected.append(Rejected(lines[pos], _field_name(s), f"refers to a missing {s.entity}",
                                                 value=str(ref), scope="value"))
                        continue
                    vals.append((k, s, tid, None))
                    has_value[k] = True
                    have_props[k].add(prop)
            return
        get = self.getters[id(s)]
        cl = self.cleaners[id(s)]
        constant = s.value is not None
        on_error = s.on_error
        split = s.split
        for k, (pos, idx, ch) in enumerate(items):
            if not eids[k]:
                continue
            raw = get(ch, idx)
            if raw is None or raw == "":
                continue
            if isinstance(raw, list):
                raws = [r if isinstance(r, str) else scalar_text(r) for r in raw if r is not None and r != ""]
            else:
                raws = [raw if isinstance(raw, str) else scalar_text(raw)]
            if split is not None:
                raws = [p.strip() for r in raws for p in r.split(split) if p.strip()]
            for text in raws:
                value, reason = cl(text, ch)
                if reason is not None:
                    if on_error == "drop":
                        rejected.append(Rejected(lines[pos], _field_name(s), reason, value=text[:500], scope="value"))
                    elif on_error == "reject_row":
                        reject_row(pos, _field_name(s), reason, text[:500])
                    continue
                if value is None:
                    continue
                vals.append((k, s, value, text))
                if not constant:
                    has_value[k] = True
                have_props[k].add(prop)

    def _emit(self, pending: list[Any], bad: set[int], row_ctx: list[RowCtx]) -> dict[str, list[Any]]:
        eid_c: list[str] = []
        schema_c: list[str] = []
        prop_c: list[str] = []
        ptype_c: list[str] = []
        value_c: list[str] = []
        orig_c: list[str | None] = []
        srec_c: list[str] = []
        obs_c: list[str | None] = []
        ctx_c: list[RowCtx] = []
        vic_c: list[bool] = []
        for ent, items, eids, srecs, obs, vals, exists in pending:
            skip = [not exists[k] or items[k][0] in bad for k in range(len(items))]
            if ent.once:
                seen = self.state.seen.setdefault(ent.name, set())
                for k in range(len(items)):
                    if skip[k]:
                        continue
                    if srecs[k] in seen:
                        skip[k] = True
                    else:
                        seen.add(srecs[k])
            schema = ent.schema
            ent_victim = ent.victim_sensitive
            written = self.state.written.setdefault(ent.name, set()) if ent.dedupe else None
            for k, s, value, orig in vals:
                if skip[k]:
                    continue
                if written is not None:
                    # A record shared by many rows (an encounter event): write each fact once.
                    key = hash((eids[k], s.prop, value))
                    if key in written:
                        continue
                    written.add(key)
                eid_c.append(eids[k])
                schema_c.append(schema)
                prop_c.append(s.prop)
                ptype_c.append(s.prop_type)
                value_c.append(value)
                orig_c.append(orig if orig != value else None)
                srec_c.append(srecs[k])
                obs_c.append(obs[k])
                ctx_c.append(row_ctx[items[k][0]])
                vic_c.append(ent_victim or s.victim_sensitive)
        n = len(eid_c)
        ds = self.dataset
        sha1 = hashlib.sha1
        ids = [
            sha1(f"{ds}\x1f{r}\x1f{e}\x1f{p}\x1f{v}".encode()).hexdigest()
            for r, e, p, v in zip(srec_c, eid_c, prop_c, value_c, strict=True)
        ]
        prov = self.ctx.provenance
        obs_dates = _to_dates(obs_c)
        cols: dict[str, list[Any]] = {
            "id": ids,
            "entity_id": eid_c,
            "schema": schema_c,
            "prop": prop_c,
            "prop_type": ptype_c,
            "value": value_c,
            "original_value": orig_c,
            "dataset": [ds] * n,
            "source_file": [prov.source_file] * n,
            "source_record": srec_c,
            "agency": [c[8] for c in ctx_c],
            "batch_id": [prov.batch_id] * n,
            "observed": obs_dates,
            "ingested": [prov.ingested] * n,
            "caveat": [c[0] for c in ctx_c],
            "releasable_to": [c[1] for c in ctx_c],
            "tlp": [c[2] for c in ctx_c],
            "victim_sensitive": [c[3] or v for c, v in zip(ctx_c, vic_c, strict=True)],
            "compartment": [c[4] for c in ctx_c],
            "predicate": [c[5] for c in ctx_c],
            "reliability": [c[6] for c in ctx_c],
            "validity": [c[7] for c in ctx_c],
            "submitting_agency": [prov.submitting_agency or c[8] for c in ctx_c],
            "review_by": [self.review_by] * n,
        }
        assert tuple(cols) == STATEMENT_COLUMNS
        return cols


@lru_cache(maxsize=C.CACHE_SIZE)
def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _to_dates(values: list[str | None]) -> list[date | None]:
    return [None if v is None else _iso_date(v) for v in values]


def _present(v: Any) -> bool:
    return v is not None and v != "" and v != []


def _field_name(s: Source) -> str:
    if s.field is not None:
        return s.field.text
    if s.index is not None:
        return s.index.text
    return s.key


def _raw(row: dict[str, Any]) -> str:
    import json

    return json.dumps(row, ensure_ascii=False, default=str)[:2000]


def _value_getter(s: Source) -> Callable[[Chain, tuple[int, ...]], Any]:
    if s.value is not None:
        const = s.value
        return lambda ch, idx: const
    if s.template is not None:
        return s.template.renderer(collapse_blanks=True)
    assert s.field is not None
    get = s.field.getter()
    return lambda ch, idx: get(ch)


def _cleaner(s: Source, today: date) -> Cleaner:
    """The function that maps and cleans one raw text value of source ``s``."""
    vmap = s.value_map
    strict = s.map_strict
    t = s.prop_type
    base: Callable[[str, Chain], tuple[str | None, str | None]]
    if t == "phone":
        countries = s.countries
        cget = s.country_field.getter() if s.country_field is not None else None

        def phone(text: str, ch: Chain) -> tuple[str | None, str | None]:
            regions = countries
            if cget is not None:
                raw_c = cget(ch)
                if isinstance(raw_c, str) and raw_c:
                    if vmap is not None and map_key(raw_c) in vmap:
                        raw_c = vmap[map_key(raw_c)] or ""
                    hint = C.region_hint(raw_c) if raw_c else None
                    if hint and hint not in regions:
                        regions = (hint, *regions)
            return C.clean_phone(text, regions)

        # The value map of a phone source applies to its country field, not to the number.
        return phone
    elif t == "date":
        fmts, nf, my = s.formats, s.not_future, s.min_year

        def base(text: str, ch: Chain) -> tuple[str | None, str | None]:
            return C.clean_date(text, fmts, today, nf, my)
    elif t == "country":
        def base(text: str, ch: Chain) -> tuple[str | None, str | None]:
            return C.clean_country(text)
    elif t == "number":
        mn, mx, integer = s.minimum, s.maximum, s.integer

        def base(text: str, ch: Chain) -> tuple[str | None, str | None]:
            return C.clean_number(text, mn, mx, integer)
    elif t == "identifier":
        compact = s.compact

        def base(text: str, ch: Chain) -> tuple[str | None, str | None]:
            return C.clean_identifier(text, compact)
    elif t == "name":
        order = s.order

        def base(text: str, ch: Chain) -> tuple[str | None, str | None]:
            return C.clean_typed("name", C.reorder_name(text, order))
    elif t in ("string", "text"):
        def base(text: str, ch: Chain) -> tuple[str | None, str | None]:
            v = C.collapse(text)
            return (v, None) if v else (None, None)
    else:
        def base(text: str, ch: Chain) -> tuple[str | None, str | None]:
            return C.clean_typed(t, text)

    if vmap is None:
        return base

    def mapped(text: str, ch: Chain) -> tuple[str | None, str | None]:
        key = map_key(text)
        if key in vmap:
            target = vmap[key]
            if target is None:
                return None, None  # mapped to nothing on purpose
            return base(target, ch)
        if strict:
            return None, "value not in the mapping's value map"
        return base(text, ch)

    return mapped
