"""The mapping loader: applies a validated ``Mapping`` to a file, chunk by chunk, column-wise.

For each chunk of rows it works in two passes. First it evaluates every entity of the mapping over
the chunk (row-level fields, then entities in link order), cleaning values through the cached
cleaners and collecting what it refuses. Then it writes the statements of the entities that exist,
skipping rows refused as a whole. Statements are built as columns (lists), never as objects: at
fifty thousand rows a second an object per fact would cost more than the cleaning.
"""

from __future__ import annotations

import gc
import hashlib
from collections.abc import Callable, Iterator, Sequence
from collections.abc import Mapping as AbcMapping
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from itertools import repeat
from operator import is_
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from netcase.ingest import clean as C
from netcase.ingest.base import Chunk, IngestError, LoadContext, Rejected
from netcase.ingest.columnar import CTX_COLUMNS, StatementBuilder, StatementSet
from netcase.ingest.mapping import (
    EntitySpec,
    FieldPath,
    Mapping,
    Source,
    Template,
    map_key,
    scalar_text,
)
from netcase.ingest.readers import (
    CHUNK_ROWS,
    ArrowRow,
    ReadChunk,
    csv_header,
    file_is_empty,
    read_csv,
    read_jsonl,
)
from netcase.model.marking import Marking, MarkingError
from netcase.model.statement import RELIABILITY, VALIDITY, default_review_by

Chain = tuple[dict[str, Any], ...]
Item = tuple[int, tuple[int, ...], Chain]  # (row position in chunk, list indices, item chain)
# (caveat, releasable_to, tlp, victim_sensitive, compartment, predicate, reliability, validity, agency)
RowCtx = tuple[str, str, str, bool, str | None, str | None, str, str, str]
# One source's facts over a chunk: (source, item positions (int array), values, raw values).
# Values are an Arrow string array, or for a link source an int array of target item numbers
# (then raw values are None).
SourceValues = tuple[Source, "np.ndarray[Any, Any]", Any, "pa.Array | None"]
# One entity over a chunk: (spec, items, alive, record ids, observed, values, exists, row positions)
Pending = tuple[EntitySpec, list[Item], list[bool], list[str], list[str | None], list[SourceValues], list[bool],
                "np.ndarray[Any, Any]"]
# (text, raw value of the source's country field or None) → (clean value, refusal reason)
Cleaner = Callable[[str, Any], tuple[str | None, str | None]]
SOURCE_CACHE = 200_000
# A run of what Python's ``str.split()`` splits on (``str.isspace``), in RE2 syntax for Arrow.
_WS_RUN = (r"[\t\n\x0b\x0c\r\x1c-\x1f \x{85}\x{a0}\x{1680}\x{2000}-\x{200a}\x{2028}\x{2029}\x{202f}"
           r"\x{205f}\x{3000}]+")


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
        try:
            for rc in chunks:
                yield evaluator.evaluate(rc)
        finally:
            evaluator.close()


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
        self.builder = StatementBuilder(prov, self.review_by)
        # Small numbers for entity keys and sources, shared by the chunks of the file.
        self.ent_codes: dict[str, int] = {}
        self.src_codes: dict[tuple[str, str, str, str, bool], int] = {}
        self.cleaners: dict[int, Cleaner] = {}
        self.caches: dict[int, dict[Any, tuple[str | None, str | None]]] = {}
        self.columns: AbcMapping[str, Sequence[Any]] | None = None
        self.arrow: dict[str, pa.Array] | None = None  # the chunk's columns, for a block Arrow parsed
        self.n_rows = 0
        self.item_pos = np.zeros(0, dtype=np.int64)  # row positions of the entity being evaluated
        self._pos_items: list[Item] | None = None  # … and its items
        self.arrow_columns: dict[str, pa.Array] = {}
        self.link_targets = {s.entity for e in mapping.entities for s in e.links()}
        self.getters: dict[int, Callable[[Chain, tuple[int, ...]], Any]] = {}
        for ent in mapping.entities:
            for s in ent.sources:
                self._compile(s)
            if ent.observed:
                self._compile(ent.observed)
        if mapping.observed:
            self._compile(mapping.observed)

    def close(self) -> None:
        """Free the statement builder (call when the file is done)."""
        self.builder.close()

    # -- compilation --------------------------------------------------------------------------
    def _compile(self, s: Source) -> None:
        if s.entity is not None:
            return  # links are resolved against built entities, not read from fields
        self.getters[id(s)] = _value_getter(s)
        self.cleaners[id(s)] = _cleaner(s, self.today)

    # -- evaluation ---------------------------------------------------------------------------
    def evaluate(self, rc: ReadChunk) -> Chunk:
        """Statements, rejects and counts of one chunk of rows."""
        # A chunk allocates millions of small tuples and lists that all live until it is written;
        # the cyclic collector would rescan them again and again (a fifth of the time) and can
        # free none of them, so it pauses for the chunk.
        enabled = gc.isenabled()
        gc.disable()
        try:
            return self._evaluate(rc)
        finally:
            if enabled:
                gc.enable()

    def _evaluate(self, rc: ReadChunk) -> Chunk:
        m = self.m
        rejected: list[Rejected] = list(rc.rejected)
        bad: set[int] = set()
        self.arrow = rc.arrow
        chains: list[Chain]
        if rc.arrow is not None:
            # An Arrow block: rows are views on its columns, built into dicts only if asked.
            cols = rc.columns
            chains = [(ArrowRow(cols, i),) for i in range(rc.n_rows)]  # type: ignore[arg-type, misc]
        else:
            chains = [(r,) for _, r in rc.rows]
        n = self.n_rows = len(chains)
        lines = rc.lines()

        def reject_row(pos: int, fld: str | None, reason: str, value: str | None = None) -> None:
            if pos not in bad:
                bad.add(pos)
                rejected.append(Rejected(lines[pos], fld, reason, value=value, raw=_raw(chains[pos][0]), scope="row"))

        # One item per row (read, never changed, by the row-level fields and the entities).
        root_items: list[Item] = [(p, (), ch) for p, ch in enumerate(chains)]
        # Row-level: record id, marking, compartment, 28 CFR 23 fields, observed date.
        rec_ids: list[str | None] = [None] * n
        self.columns = rc.columns
        self.arrow_columns = {}
        if self.record_id is not None and m.record_id is not None:
            render = self.record_id
            fast_ids = self._template_column(m.record_id, root_items, collapse_blanks=False)
            rec_ids = fast_ids if fast_ids is not None else [render(ch, ()) for ch in chains]
            for pos, rid in enumerate(rec_ids):
                if rid is None:
                    reject_row(pos, m.record_id.text if m.record_id else None, "missing record id")
        row_ctx = self._row_contexts(chains, reject_row)
        observed: list[str | None] = [None] * n
        if m.observed is not None:
            observed = self._observed(m.observed, root_items, lines, rejected)

        # Entities, in link order.
        frames: dict[tuple[FieldPath, ...], list[Item]] = {(): root_items}
        # Link targets: entity name → (row position, list indices) → the target's item number.
        built: dict[str, _Targets] = {}
        n_items = 0
        pending: list[Pending] = []
        for ent in m.entities:
            items = self._frame(ent.each, frames)
            # Row positions of the items, followed through the filters where they are cheap.
            pos_np: np.ndarray | None = np.arange(n, dtype=np.int64) if items is root_items else None
            if ent.when:
                for cond in ent.when:
                    acol = self._plain_arrow(cond.field, items)
                    col = self._plain_column(cond.field, items) if acol is None and not cond.values else None
                    if acol is not None:
                        if not cond.values:
                            ok = pc.not_equal(acol, "")  # CSV text is never null: present is not empty
                        else:
                            # The test once per distinct value, on a row holding just that value.
                            enc = acol.dictionary_encode()
                            test = cond.predicate()
                            key = cond.field.keys[0]
                            ok = pa.array([test(({key: v},)) for v in enc.dictionary.to_pylist()],
                                          type=pa.bool_()).take(enc.indices)
                        keep_np = np.flatnonzero(ok.to_numpy(zero_copy_only=False))
                        items = [items[k] for k in keep_np.tolist()]
                        pos_np = pos_np[keep_np] if pos_np is not None else None
                    elif col is not None and not cond.values:
                        items = [it for it, v in zip(items, col, strict=True) if v]
                        pos_np = None
                    else:
                        test = cond.predicate()
                        items = [it for it in items if test(it[2])]
                        pos_np = None
            self.item_pos = (pos_np if pos_np is not None
                             else np.fromiter((it[0] for it in items), dtype=np.int64, count=len(items)))
            self._pos_items = items
            if ent.record_id is not None:
                fast = self._template_column(ent.record_id, items, collapse_blanks=False)
                if fast is not None:
                    srecs = fast
                else:
                    render_e = ent.record_id.renderer()
                    srecs = [render_e(it[2], it[1]) for it in items]
            elif items is root_items:
                srecs = list(rec_ids)
            else:
                srecs = [rec_ids[it[0]] for it in items]
            # Entity ids are hashed in SQL with the statements (``statement_sql``); here an item is
            # alive when it has a record id, and is known by its number within the chunk.
            eids = [sr is not None for sr in srecs]
            vals: list[SourceValues] = []
            for s in ent.sources:
                self._evaluate_source(s, items, eids, built, lines, rejected, reject_row, vals)
            # An entity exists when it has a value that is not a constant, and its required props.
            n_it = len(items)
            has_value = np.zeros(n_it, dtype=bool)
            by_prop: dict[str, np.ndarray] = {}
            for s, ks, _, _ in vals:
                if s.value is None:
                    has_value[ks] = True
                if s.prop not in by_prop:
                    by_prop[s.prop] = np.zeros(n_it, dtype=bool)
                by_prop[s.prop][ks] = True
            present = has_value
            for prop in ent.required:
                lacking = has_value & ~by_prop.get(prop, np.zeros(n_it, dtype=bool))
                for k in np.flatnonzero(lacking).tolist():
                    rejected.append(Rejected(lines[items[k][0]], ent.name, f"{ent.schema} without {prop}",
                                             scope="entity"))
                present = present & ~lacking
            exists_np = present & np.asarray(eids, dtype=bool)
            exists = exists_np.tolist()
            if ent.name in self.link_targets:
                built[ent.name] = _Targets(items, exists_np, n_items,
                                           None if ent.each else (self.n_rows, self.item_pos))
            n_items += len(items)
            if ent.observed is not None:
                ent_obs = self._observed(ent.observed, items, lines, rejected)
            elif items is root_items:
                ent_obs = list(observed)
            else:
                ent_obs = [observed[it[0]] for it in items]
            srec_text = [sr or "" for sr in srecs]
            pending.append((ent, items, eids, srec_text, ent_obs, vals, exists, self.item_pos))

        stmts = self._emit(pending, bad, row_ctx)
        return Chunk(statements=stmts, rejected=rejected, rows_read=rc.count, rows_accepted=n - len(bad))

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
        """The observed date of each item (ISO text, date part), through a cache of distinct values."""
        cl = self.cleaners[id(s)]
        cache = self.caches.setdefault(id(s), {})
        if len(cache) > SOURCE_CACHE:
            cache.clear()
        acol = self._plain_arrow(s.field, items) if s.field is not None and s.template is None else None
        if acol is not None:
            # ISO dates in Arrow (their day part), the other texts through the cleaner.
            iso = iso_dates(s, acol, self.today) if s.prop_type == "date" else None
            if iso is not None:
                acol = pc.if_else(iso[1], pa.scalar(None, pa.string()), acol)
            # An Arrow column: each distinct text cleaned once, spread back with ``take``.
            enc = acol.dictionary_encode()
            distinct = enc.dictionary.to_pylist()
            hits = []
            for text in distinct:
                hit = cache.get(text)
                if hit is None:
                    hit = (None, None) if text == "" else cl(text, None)
                    if text != "":
                        cache[text] = hit
                hits.append(hit)
            indices = enc.indices
            values = pa.array([v[:10] if v else None for v, _ in hits], type=pa.string()).take(indices)
            if iso is not None:
                values = pc.if_else(iso[1], pc.utf8_slice_codeunits(iso[0], 0, 10), values)
            if any(r is not None for _, r in hits):
                why = pa.array([r for _, r in hits], type=pa.string()).take(indices)
                codes = pc.fill_null(indices, 0).to_numpy(zero_copy_only=False)
                for k in np.flatnonzero(why.is_valid().to_numpy(zero_copy_only=False)).tolist():
                    text, reason = distinct[codes[k]], hits[codes[k]][1]
                    rejected.append(Rejected(lines[items[k][0]], _field_name(s), reason, value=text, scope="value"))
            return values.to_pylist()  # type: ignore[no-any-return]
        col = self._raw_column(s, items)
        out: list[str | None] = []
        for k, raw in enumerate(col):
            if raw is None or raw == "" or raw == []:
                out.append(None)
                continue
            text = raw if isinstance(raw, str) else scalar_text(raw)
            hit = cache.get(text)
            if hit is None:
                hit = cache[text] = cl(text, None)
            value, reason = hit
            if reason is not None:
                rejected.append(Rejected(lines[items[k][0]], _field_name(s), reason, value=text, scope="value"))
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
        s: Source,
        items: list[Item],
        eids: list[bool],
        built: dict[str, _Targets],
        lines: list[int],
        rejected: list[Rejected],
        reject_row: Callable[..., None],
        vals: list[SourceValues],
    ) -> None:
        ks: list[int] = []
        vs: list[Any] = []
        raws_out: list[str | None] = []
        if s.entity is not None:
            target = built[s.entity]
            depth = len(next(e for e in self.m.entities if e.name == s.entity).each)
            iget = s.index.getter() if s.index is not None else None
            if iget is None and depth == 0 and target.by_pos is not None:
                # A target with one item per row: its item number by each item's row position.
                tids = target.by_pos[self.item_pos]
                kk = np.flatnonzero(np.asarray(eids, dtype=bool) & (tids >= 0))
                vals.append((s, kk.astype(np.int64), tids[kk].astype(np.int64), None))
                return
            for k, (pos, idx, ch) in enumerate(items):
                if not eids[k]:
                    continue
                if iget is None:
                    tid = target.get((pos, idx[:depth]))
                    if tid is not None:
                        ks.append(k)
                        vs.append(tid)
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
                    ks.append(k)
                    vs.append(tid)
            vals.append((s, np.asarray(ks, dtype=np.int64), np.asarray(vs, dtype=np.int64), None))
            return
        if s.value is not None:
            value, reason = self.cleaners[id(s)](s.value, None)
            if value is not None:
                kk = np.flatnonzero(np.asarray(eids, dtype=bool))
                vals.append((s, kk, pa.repeat(pa.scalar(value, pa.string()), len(kk)),
                             pa.repeat(pa.scalar(s.value, pa.string()), len(kk))))
            return
        col: Any = None
        if s.template is not None and s.split is None:
            col = self._template_arrow(s.template, items)
        elif s.field is not None and s.split is None:
            col = self._plain_arrow(s.field, items)
        if col is None:
            col = self._raw_column(s, items)
        hget = s.country_field.getter() if s.country_field is not None else None
        if s.split is None and (self.columns is not None or all(v is None or type(v) is str for v in col)):
            hints = None
            if hget is not None:
                hcol: Any = None
                if s.country_field is not None:
                    hcol = self._plain_arrow(s.country_field, items)
                    if hcol is None:
                        hcol = self._plain_column(s.country_field, items)
                hints = hcol if hcol is not None else [hget(it[2]) for it in items]
            self._clean_column(s, col, hints, lines, items, rejected, reject_row, vals)
            return
        # General path: lists (JSON), numbers and booleans, values to split.
        cl = self.cleaners[id(s)]
        on_error = s.on_error
        split = s.split
        for k, (pos, _, ch) in enumerate(items):
            raw = col[k]
            if raw is None or raw == "" or not eids[k]:
                continue
            if isinstance(raw, list):
                raws = [r if isinstance(r, str) else scalar_text(r) for r in raw if r is not None and r != ""]
            else:
                raws = [raw if isinstance(raw, str) else scalar_text(raw)]
            if split is not None:
                raws = [p.strip() for r in raws for p in r.split(split) if p.strip()]
            hint = hget(ch) if hget is not None else None
            for text in raws:
                value, reason = cl(text, hint)
                if reason is not None:
                    if on_error == "drop":
                        rejected.append(Rejected(lines[pos], _field_name(s), reason, value=text[:500], scope="value"))
                    elif on_error == "reject_row":
                        reject_row(pos, _field_name(s), reason, text[:500])
                    continue
                if value is None:
                    continue
                ks.append(k)
                vs.append(value)
                raws_out.append(text)
        vals.append((s, np.asarray(ks, dtype=np.int64), pa.array(vs, type=pa.string()),
                     pa.array(raws_out, type=pa.string())))

    def _raw_column(self, s: Source, items: list[Item]) -> list[Any]:
        """The raw values of ``s`` for every item, in one pass (the fast path for plain fields)."""
        fp = s.field
        if s.template is not None:
            rendered = self._template_column(s.template, items, collapse_blanks=True)
            if rendered is not None:
                return rendered
        plain = self._plain_column(fp, items) if fp is not None else None
        if plain is not None:
            return plain
        if fp is not None and len(fp.keys) == 1 and fp.level in (-1, 0):
            key, level = fp.keys[0], fp.level
            return [it[2][level].get(key) for it in items]
        get = self.getters[id(s)]
        return [get(it[2], it[1]) for it in items]

    def _plain_column(self, fp: FieldPath, items: list[Item]) -> list[Any] | None:
        """A CSV column for the items of a one-per-row entity, without touching the row dicts."""
        cols = self.columns
        if cols is None or len(fp.keys) != 1 or fp.keys[0] not in cols or (items and items[0][1]):
            return None
        col = cols[fp.keys[0]]
        return list(col) if len(items) == len(col) else [col[it[0]] for it in items]

    def _plain_arrow(self, fp: FieldPath, items: list[Item]) -> pa.Array | None:
        """``_plain_column`` as Arrow, for a block Arrow parsed (no Python values built)."""
        arrow = self.arrow
        if arrow is None or len(fp.keys) != 1 or fp.keys[0] not in arrow or (items and items[0][1]):
            return None
        col = arrow[fp.keys[0]]
        if len(items) == self.n_rows:
            return col
        if items is self._pos_items:
            return col.take(pa.array(self.item_pos, type=pa.int64()))
        return col.take(pa.array([it[0] for it in items], type=pa.int64()))

    def _template_column(self, tpl: Template, items: list[Item], *, collapse_blanks: bool) -> list[str | None] | None:
        """A template rendered column-wise over CSV columns; None where that does not apply."""
        cols = self.columns
        if cols is None or (items and items[0][1]):
            return None
        fmt: list[str] = []
        names: list[str] = []
        for kind, part in tpl.parts:
            if kind == "lit":
                fmt.append(str(part).replace("{", "{{").replace("}", "}}"))
            elif kind == "field" and isinstance(part, FieldPath) and len(part.keys) == 1 and part.keys[0] in cols:
                fmt.append("{}")
                names.append(part.keys[0])
            else:
                return None
        if not collapse_blanks and names and self.arrow is not None:
            return self._record_ids_arrow(tpl, items)
        full = len(items) == self.n_rows
        picked = [cols[n] if full else [cols[n][it[0]] for it in items] for n in names]
        form = "".join(fmt).format
        if collapse_blanks:
            out: list[str | None] = [" ".join(form(*vs).split()) or None for vs in zip(*picked, strict=True)]
        else:
            out = [form(*vs) if all(vs) else None for vs in zip(*picked, strict=True)]
        if not names:
            return [form() or None] * len(items)
        return out

    def _record_ids_arrow(self, tpl: Template, items: list[Item]) -> list[str | None]:
        """``_template_column`` without collapsing blanks, for a block Arrow parsed: the parts
        joined in Arrow, None where a field is empty, and one conversion to Python."""
        assert self.arrow is not None
        parts: list[Any] = []
        blank: pa.Array | None = None
        take = None if len(items) == self.n_rows else pa.array([it[0] for it in items], type=pa.int64())
        for kind, part in tpl.parts:
            if kind == "lit":
                parts.append(pa.scalar(str(part), pa.string()))
                continue
            assert isinstance(part, FieldPath)
            col = self.arrow[part.keys[0]]
            if take is not None:
                col = col.take(take)
            parts.append(col)
            empty = pc.equal(col, "")
            blank = empty if blank is None else pc.or_(blank, empty)
        assert blank is not None
        joined = pc.binary_join_element_wise(*parts, "")
        return pc.if_else(blank, pa.scalar(None, pa.string()), joined).to_pylist()  # type: ignore[no-any-return]

    def _template_arrow(self, tpl: Template, items: list[Item]) -> pa.Array | None:
        """A template rendered over CSV columns in Arrow, blanks collapsed as ``str.split`` does;
        None where that does not apply (JSON, nested items, a part that is not a plain column)."""
        cols = self.columns
        if cols is None or (items and items[0][1]):
            return None
        parts: list[Any] = []
        for kind, part in tpl.parts:
            if kind == "lit":
                parts.append(pa.scalar(str(part), pa.string()))
            elif kind == "field" and isinstance(part, FieldPath) and len(part.keys) == 1 and part.keys[0] in cols:
                parts.append(self._arrow_column(part.keys[0]))
            else:
                return None
        if not any(isinstance(p, pa.Array) for p in parts):
            return None
        if len(items) != self.n_rows:
            take = pa.array([it[0] for it in items], type=pa.int64())
            parts = [p.take(take) if isinstance(p, pa.Array) else p for p in parts]
        joined = pc.binary_join_element_wise(*parts, "")
        trimmed = _squash(joined)
        return pc.if_else(pc.equal(trimmed, ""), pa.scalar(None, pa.string()), trimmed)

    def _arrow_column(self, name: str) -> pa.Array:
        """A CSV column of the chunk as an Arrow array (converted once per chunk)."""
        if self.arrow is not None:
            return self.arrow[name]
        got = self.arrow_columns.get(name)
        if got is None:
            assert self.columns is not None
            got = self.arrow_columns[name] = pa.array(self.columns[name], type=pa.string())
        return got

    def _clean_column(
        self,
        s: Source,
        col: list[str | None] | pa.Array,
        hints: list[Any] | pa.Array | None,
        lines: list[int],
        items: list[Item],
        rejected: list[Rejected],
        reject_row: Callable[..., None],
        vals: list[SourceValues],
    ) -> None:
        """Clean a column of text values, each distinct value once, through a per-source cache.

        Exports repeat values heavily (dates, countries, the same phone on many rows): the column
        is dictionary-encoded in Arrow, only its distinct values (with the row's country hint, for
        phones) go through the Python cleaner, and the results are spread back with ``take``.
        The cache lives for the file and is dropped past ``SOURCE_CACHE`` entries (flat memory).
        """
        cache = self.caches.setdefault(id(s), {})
        if len(cache) > SOURCE_CACHE:
            cache.clear()
        arr = col if isinstance(col, pa.Array) else pa.array(col, type=pa.string())
        fast = None
        if hints is None:
            fast = iso_dates(s, arr, self.today) if s.prop_type == "date" else vector_clean(s, arr)
        if fast is not None and fast[1] is None:
            # Every value cleaned in Arrow (no refusal possible): nothing for Python.
            values = fast[0]
            mask = values.is_valid()
            ks = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
            vals.append((s, ks, values.filter(mask), arr.filter(mask)))
            return
        harr: pa.Array | None = None
        if hints is None:
            # Values cleaned in Arrow leave only the rest (as nulls elsewhere) to Python.
            keys = arr if fast is None else pc.if_else(fast[1], pa.scalar(None, pa.string()), arr)
        else:
            harr = hints if isinstance(hints, pa.Array) else pa.array(
                [h if isinstance(h, str) else None for h in hints], type=pa.string())
            phone = self.cleaners[id(s)]
            if isinstance(phone, _PhoneCleaner):
                # Each distinct country once to its dialing region: the key is (text, region).
                henc = harr.dictionary_encode()
                harr = pa.array([phone.hint(h) for h in henc.dictionary.to_pylist()],
                                type=pa.string()).take(henc.indices)
        if isinstance(self.cleaners[id(s)], _PhoneCleaner):
            # Numbers the fast path settles by their form are cleaned in Arrow; the rest in Python.
            fast = C.fast_phone_column(arr, harr)
            keys = pc.if_else(fast[1], pa.scalar(None, pa.string()), arr)
        if harr is not None:
            # (text, hint) as one key; a row without a hint keeps an empty one.
            keys = pc.binary_join_element_wise(keys, pc.fill_null(harr, ""), "\x00")
        enc = keys.dictionary_encode()
        distinct = enc.dictionary.to_pylist()
        cl = self.cleaners[id(s)]
        if isinstance(cl, _PhoneCleaner) and hints is not None:
            countries = cl.countries

            def cl(text: str, region: Any) -> tuple[str | None, str | None]:
                return C.clean_phone(text, countries, region)
        # Past the first chunk most distinct values are in the cache: look them all up at once and
        # clean only the rest.
        hits: list[tuple[str | None, str | None] | None] = list(map(cache.get, distinct))
        for j in [j for j, hit in enumerate(hits) if hit is None]:
            key = distinct[j]
            if hints is None:
                text, hint = key, None
            else:
                text, _, hint = key.partition("\x00")
            hits[j] = cache[key] = (None, None) if not text else cl(text, hint or None)
        cleaned, reasons = zip(*hits, strict=True) if hits else ((), ())
        indices = enc.indices
        values = pa.array(cleaned, type=pa.string()).take(indices)
        if fast is not None:
            values = pc.if_else(fast[1], fast[0], values)
        mask = values.is_valid()
        ks = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
        vals.append((s, ks, values.filter(mask), arr.filter(mask)))
        if reasons.count(None) != len(reasons):
            why = pa.array(reasons, type=pa.string()).take(indices)
            for k in np.flatnonzero(why.is_valid().to_numpy(zero_copy_only=False)).tolist():
                reason = why[k].as_py()
                pos = items[k][0]
                text = arr[k].as_py() or ""
                if s.on_error == "drop":
                    rejected.append(Rejected(lines[pos], _field_name(s), reason, value=text[:500], scope="value"))
                elif s.on_error == "reject_row":
                    reject_row(pos, _field_name(s), reason, text[:500])

    def _emit(self, pending: list[Pending], bad: set[int], row_ctx: list[RowCtx]) -> StatementSet:
        """The chunk's statements, as the small tables and query that build them (``StatementSet``).

        Python decides which facts are written (refused rows, ``once`` and ``dedupe`` entities),
        with NumPy masks, and hands over only what varies per fact: its item, its source, its value
        and raw value (Arrow arrays). The items (record id, list indices, observed date, row) and
        sources (schema, property, type) are small tables; the statement query joins them, hashes
        entity and statement ids and broadcasts the batch's provenance and handling in DuckDB
        (on the store's connection for a DuckDB store).
        """
        item_ent: list[int] = []
        srec_all: list[str] = []
        idx_all: list[str | None] = []
        obs_all: list[str | None] = []
        pos_all: list[np.ndarray] = []
        st_item: list[Any] = []
        st_src: list[Any] = []
        st_target: list[Any] = []
        value_c: list[pa.Array] = []
        raw_c: list[pa.Array] = []
        bad_np = np.zeros(len(row_ctx) + 1, dtype=bool)
        if bad:
            bad_np[list(bad)] = True
        for ent, items, _alive, srecs, obs, vals, exists, pos in pending:
            base = len(srec_all)
            item_ent.append(self._code(self.ent_codes, ent.name))
            item_ent.append(len(items))
            srec_all.extend(srecs)
            if ent.each:
                idx_all.extend([".".join(map(str, it[1])) if it[1] else None for it in items])
            else:
                idx_all.extend([None] * len(items))  # one item per row: no list indices
            obs_all.extend(obs)
            pos_all.append(pos)
            skip = ~np.asarray(exists, dtype=bool)
            if bad:
                skip |= bad_np[pos]
            if ent.once:
                seen = self.state.seen.setdefault(ent.name, set())
                for k in np.flatnonzero(~skip).tolist():
                    if srecs[k] in seen:
                        skip[k] = True
                    else:
                        seen.add(srecs[k])
            written = self.state.written.setdefault(ent.name, set()) if ent.dedupe else None
            if written is not None and len(written) > SOURCE_CACHE * 10:
                # Bounded memory: rows sharing a record sit close together in an export, so
                # forgetting old facts costs at most a repeated statement, never a lost one.
                written.clear()
            item_rec: np.ndarray | None = None
            for s, ks, vs, raws in vals:
                if not len(ks):
                    continue
                link = s.entity is not None
                keep = ~skip[ks]
                if written is not None:
                    if item_rec is None:
                        item_rec = _codes([sr if not it[1] else f"{sr}\x1e{it[1]}" for sr, it in zip(srecs, items, strict=True)])
                    keep = self._dedupe(written, s, ks, vs, keep, item_rec, items, srecs, srec_all, idx_all)
                if not keep.all():
                    ks = ks[keep]
                    if link:
                        vs = vs[keep]
                    else:
                        mask = pa.array(keep, type=pa.bool_())
                        vs = vs.filter(mask)
                        raws = raws.filter(mask) if raws is not None else None
                n_s = len(ks)
                if not n_s:
                    continue
                src_no = self._code(self.src_codes, (ent.name, ent.schema, s.prop, s.prop_type,
                                                      bool(ent.victim_sensitive or s.victim_sensitive)))
                st_item.append(ks.astype(np.int32) + base)
                st_src.append(np.full(n_s, src_no, dtype=np.int16))
                if link:
                    st_target.append(vs.astype(np.int32))
                    value_c.append(pa.nulls(n_s, pa.string()))
                    raw_c.append(pa.nulls(n_s, pa.string()))
                else:
                    st_target.append(np.full(n_s, -1, dtype=np.int32))
                    value_c.append(vs)
                    raw_c.append(raws if raws is not None else pa.nulls(n_s, pa.string()))
        uniform = not row_ctx or all(map(is_, row_ctx, repeat(row_ctx[0])))
        dates = {v: (None if v is None else _iso_date(v)) for v in set(obs_all)}
        ents_no = (np.repeat(np.asarray(item_ent[0::2], dtype=np.int16), item_ent[1::2]) if item_ent
                   else np.zeros(0, dtype=np.int16))
        tables = {
            "items": pa.table({
                "item": pa.array(np.arange(len(srec_all), dtype=np.int32)),
                "ent": pa.array(ents_no, type=pa.int16()),
                "srec": pa.array(srec_all, type=pa.string()),
                "idx": pa.array(idx_all, type=pa.string()),
                "obs": pa.array(list(map(dates.__getitem__, obs_all)), type=pa.date32()),
                "pos": pa.array(np.concatenate(pos_all) if pos_all else np.zeros(0, np.int64), type=pa.int32()),
            }),
            "facts": pa.table({
                "item": pa.array(np.concatenate(st_item) if st_item else np.zeros(0, np.int32), type=pa.int32()),
                "src": pa.array(np.concatenate(st_src) if st_src else np.zeros(0, np.int16), type=pa.int16()),
                "target": pa.array(np.concatenate(st_target) if st_target else np.zeros(0, np.int32),
                                   type=pa.int32()),
                "value": pa.concat_arrays(value_c) if value_c else pa.array([], pa.string()),
                "raw": pa.concat_arrays(raw_c) if raw_c else pa.array([], pa.string()),
            }),
            "ents": pa.table({"ent": pa.array(list(self.ent_codes.values()), type=pa.int16()),
                              "ekey": pa.array(list(self.ent_codes), type=pa.string())}),
            "srcs": pa.table({
                "src": pa.array(list(self.src_codes.values()), type=pa.int16()),
                **{name: pa.array([k[i] for k in self.src_codes],
                                  type=pa.bool_() if name == "svictim" else pa.string())
                   for i, name in enumerate(("sent", "sschema", "sprop", "sptype", "svictim"))},
            }),
        }
        if not uniform:
            tables["ctx"] = context_table(row_ctx)
        c0 = row_ctx[0] if row_ctx else self.default_ctx
        return self.builder.prepare(tables, None if not uniform else c0)

    @staticmethod
    def _dedupe(
        written: set[int],
        s: Source,
        ks: np.ndarray,
        vs: Any,
        keep: np.ndarray,
        item_rec: np.ndarray,
        items: list[Item],
        srecs: list[str],
        srec_all: list[str],
        idx_all: list[str | None],
    ) -> np.ndarray:
        """``keep`` narrowed to the facts of a ``dedupe`` entity not written before in this file.

        A record shared by many rows (an encounter event) repeats its facts on every row: each
        fact (entity, property, value) is written once. An entity is known by its record id and
        list indices (its id is their hash); a link's value by its target's. Only the first fact
        of each (record, value) pair in the chunk is looked up in Python.
        """
        keep = keep.copy()
        cand = np.flatnonzero(keep)
        if not len(cand):
            return keep
        if s.entity is None:
            codes = vs.take(pa.array(cand)).dictionary_encode().indices.to_numpy(zero_copy_only=False)
        else:
            codes = vs[cand]
        codes = codes.astype(np.int64)
        pair = item_rec[ks[cand]] * (int(codes.max()) + 1) + codes
        _, first = np.unique(pair, return_index=True)
        keep[:] = False
        fs = cand[first]
        # The first facts' values in one conversion, in the same order as the facts.
        if s.entity is None:
            values: list[Any] = vs.take(pa.array(fs, type=pa.int64())).to_pylist()
        else:
            values = [(s.entity, srec_all[t], idx_all[t]) for t in vs[fs].tolist()]
        prop = s.prop
        for f, k, v in zip(fs.tolist(), ks[fs].tolist(), values, strict=True):
            key = hash((srecs[k], items[k][1], prop, v))
            if key not in written:
                written.add(key)
                keep[f] = True
        return keep

    @staticmethod
    def _code(codes: dict[Any, int], key: Any) -> int:
        """A small stable number for ``key`` (an entity or a source) within this file."""
        n = codes.get(key)
        if n is None:
            n = codes[key] = len(codes)
        return n

def context_table(row_ctx: list[RowCtx]) -> pa.Table:
    """The handling context of each row: ``pos``, then the ``CTX_COLUMNS``.

    Rows differ in a field or two (the agency, the marking); the others hold one value, shared
    by every row, which is converted to Arrow once rather than per row.
    """
    n = len(row_ctx)
    out: dict[str, pa.Array] = {"pos": pa.array(np.arange(n, dtype=np.int32))}
    for i, name in enumerate(CTX_COLUMNS):
        typ = pa.bool_() if name == "victim_sensitive" else pa.string()
        col = [c[i] for c in row_ctx]
        if n and col.count(col[0]) == n:
            out[name] = pa.repeat(pa.scalar(col[0], typ), n)
        else:
            out[name] = pa.array(col, type=typ)
    return pa.table(out)


# Whitespace other than the plain space (``_WS_RUN`` without it).
_ODD_WS = _WS_RUN.replace(" ", "", 1).removesuffix("+")
assert _ODD_WS.count(" ") == 0 and _ODD_WS.endswith("]")


def _squash(arr: pa.Array, *, spaces_only: bool = False) -> pa.Array:
    """``collapse`` in Arrow: runs of whitespace (``str.isspace``) to one space, stripped.

    Replacing every space costs a copy per space; text whose only whitespace is the plain space
    (almost all) needs only runs of two or more replaced, and a trim. ``spaces_only``: the caller
    uses only such values (printable ASCII), so the others need not be right.
    """
    # The regex copies every text it sees: it sees only those holding a run of spaces (a plain
    # substring search finds them several times faster).
    runs = pc.fill_null(pc.match_substring(arr, "  "), False)
    if pc.any(runs).as_py():
        squeezed = pc.replace_substring_regex(arr.filter(runs), pattern="  +", replacement=" ")
        arr_runs = pc.replace_with_mask(arr, runs, squeezed)
    else:
        arr_runs = arr
    fast = pc.utf8_trim(arr_runs, " ")
    if spaces_only:
        return fast
    # Other whitespace lies outside printable ASCII (the only whitespace there is the space), so
    # the search for it needs only the other texts: accented names, control characters.
    other = pc.fill_null(pc.invert(pc.ascii_is_printable(arr)), False)
    if not pc.any(other).as_py():
        return fast
    odd_other = pc.fill_null(pc.match_substring_regex(arr.filter(other), _ODD_WS), False)
    if not pc.any(odd_other).as_py():
        return fast
    odd = pc.replace_with_mask(other, other, odd_other)
    rest = pc.replace_substring_regex(arr.filter(odd), pattern=_WS_RUN, replacement=" ")
    rest = pc.utf8_trim(rest, " ")
    return pc.replace_with_mask(fast, odd, rest)


def vector_clean(s: Source, arr: pa.Array) -> tuple[pa.Array, pa.Array | None] | None:
    """The cleaner of ``s`` applied in Arrow where it is plain text work, exactly as in Python.

    Returns the cleaned values and a mask of the values it settled (None: all of them, with no
    refusal possible); values outside the mask, and refusals, are left to the Python cleaner.
    None when the source's type (or a value map) needs Python throughout.
    """
    if s.value_map is not None or not len(arr) or s.prop_type not in _VECTOR_TYPES:
        return None
    # The text work on each distinct value once, spread back with ``take``.
    enc = arr.dictionary_encode()
    got = _vector_clean_distinct(s, enc.dictionary)
    assert got is not None
    values = got[0].take(enc.indices)
    return values, None if got[1] is None else pc.fill_null(got[1].take(enc.indices), False)


_VECTOR_TYPES = ("string", "text", "identifier", "name", "address")
# Text of printable ASCII and the printable Latin-1 and Latin Extended-A letters and signs (not
# the no-break space U+A0 nor the soft hyphen U+AD): every such text is printable and in NFC, in
# any Unicode version, and its only whitespace is the space.
_LATIN_NAME = r"^[\x{20}-\x{7e}\x{a1}-\x{ac}\x{ae}-\x{17f}]+$"
# ``clean._ISO`` for ASCII digits, in RE2 syntax.
_ISO_RE2 = r"^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?)?$"


def iso_dates(s: Source, arr: pa.Array, today: date) -> tuple[pa.Array, pa.Array] | None:
    """``clean_date`` of a date source in Arrow, for ISO text without formats (the text itself)
    or text in its one plain format (reordered to ISO), when its day (checked once per distinct
    day) is a calendar date within the source's bounds; and a mask of those rows. The rest (and
    every refusal) is left to ``clean_date``."""
    if s.value_map is not None or not len(arr):
        return None
    if s.formats:
        # One format of two-digit day and month and four-digit year (``%m/%d/%Y``): a text written
        # exactly so is its fields reordered to ISO, which is what ``clean_date`` gives for it
        # (``_plain_date``); a text with more around it (spaces) is left to ``clean_date``.
        plain = C._plain_date(s.formats[0]) if len(s.formats) == 1 else None
        if plain is None:
            return None
        pattern = "^" + plain[0].pattern + "$"
        group = {code: i + 1 for i, code in enumerate(plain[1])}
        iso = pc.fill_null(pc.match_substring_regex(arr, pattern), False)
        text = pc.replace_substring_regex(arr, pattern=pattern,
                                          replacement=f"\\{group['Y']}-\\{group['m']}-\\{group['d']}")
    else:
        iso = pc.fill_null(pc.match_substring_regex(arr, _ISO_RE2), False)
        text = arr
    days = pc.utf8_slice_codeunits(text, 0, 10)
    enc = days.dictionary_encode()
    ok = pa.array([_day_ok(d, today, s.not_future, s.min_year) for d in enc.dictionary.to_pylist()],
                  type=pa.bool_())
    done = pc.and_(iso, pc.fill_null(ok.take(enc.indices), False))
    return pc.if_else(done, text, pa.scalar(None, pa.string())), done


def _day_ok(day: str, today: date, not_future: bool, min_year: int) -> bool:
    """Whether ``clean_date`` keeps an ISO text of this day (``YYYY-MM-DD``) without a refusal."""
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        return False
    return not (not_future and parsed > today) and parsed.year >= min_year



def _vector_clean_distinct(s: Source, arr: pa.Array) -> tuple[pa.Array, pa.Array | None] | None:
    """``vector_clean`` of an array without nulls (a dictionary)."""
    t = s.prop_type
    null = pa.scalar(None, pa.string())
    if t in ("string", "text"):
        # ``collapse``; an empty result is no value (and no refusal).
        v = _squash(arr)
        return pc.if_else(pc.equal(v, ""), null, v), None
    if t == "identifier":
        if s.compact:
            # ``[^0-9A-Za-z]`` removed: what is left is ASCII, upper-cased alike in Python and Arrow.
            v = pc.ascii_upper(pc.replace_substring_regex(arr, pattern="[^0-9A-Za-z]", replacement=""))
            return v, pc.fill_null(pc.not_equal(v, ""), False)
        plain = pc.ascii_is_printable(arr)
        v = pc.ascii_upper(_squash(arr, spaces_only=True))
        return v, pc.and_(plain, pc.not_equal(v, ""))
    if t in ("name", "address"):
        # Printable ASCII: FtM's cleaning is a whitespace collapse (``clean_typed``), after the
        # reordering of ``SURNAMES, GIVEN`` for names (``reorder_name``).
        plain = pc.ascii_is_printable(arr)  # ``isascii() and isprintable()``
        v = _squash(arr, spaces_only=True)
        if t == "name" and s.order in ("surnames_first", "auto"):
            comma = pc.fill_null(pc.match_substring(v, ","), False)
            if pc.any(comma).as_py():
                swapped = pc.replace_substring_regex(v.filter(comma), pattern="^([^,]*),(.*)$",
                                                     replacement="\\2 \\1")
                v = pc.replace_with_mask(v, comma, _squash(swapped, spaces_only=True))
        done = pc.and_(plain, pc.not_equal(v, ""))
        if t == "name":
            # Accented Latin names (printable, already NFC, no whitespace but the space):
            # ``clean_typed`` gives FtM's cleaning of such text (``_clean_name_text``), which also
            # strips one pair of surrounding quotes.
            latin = pc.fill_null(pc.and_(pc.invert(plain), pc.match_substring_regex(arr, _LATIN_NAME)), False)
            if pc.any(latin).as_py():
                unquoted = pc.replace_substring_regex(v.filter(latin), pattern="^[\"'](.*)[\"']$", replacement="\\1")
                v = pc.replace_with_mask(v, latin, _squash(unquoted, spaces_only=True))
                done = pc.or_(done, pc.and_(latin, pc.not_equal(v, "")))
        return v, done
    return None


class _Targets:
    """The built items of a link target: (row position, list indices) → item number (``get``),
    and for a target with at most one item per row, the same by row position (``by_pos``, -1 for
    none)."""

    def __init__(self, items: list[Item], exists: np.ndarray, base: int,
                 per_row: tuple[int, np.ndarray] | None) -> None:
        self.items = items
        self.ks = np.flatnonzero(exists)
        self.base = base
        self._map: dict[tuple[int, tuple[int, ...]], int] | None = None
        self.by_pos: np.ndarray | None = None
        if per_row is not None:
            n_rows, pos = per_row
            self.by_pos = np.full(n_rows, -1, dtype=np.int64)
            self.by_pos[pos[self.ks]] = base + self.ks

    def get(self, key: tuple[int, tuple[int, ...]]) -> int | None:
        if self._map is None:
            items, base = self.items, self.base
            self._map = {(items[k][0], items[k][1]): base + k for k in self.ks.tolist()}
        return self._map.get(key)


def _codes(texts: list[str]) -> np.ndarray:
    """Equal texts get equal numbers (dictionary encoding), as int64."""
    enc = pa.array(texts, type=pa.string()).dictionary_encode()
    return np.asarray(enc.indices.to_numpy(zero_copy_only=False), dtype=np.int64)


@lru_cache(maxsize=C.CACHE_SIZE)
def _iso_date(text: str) -> date | None:
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _present(v: Any) -> bool:
    return v is not None and v != "" and v != []


def _field_name(s: Source) -> str:
    if s.field is not None:
        return s.field.text
    if s.index is not None:
        return s.index.text
    return s.key


def _raw(row: AbcMapping[str, Any]) -> str:
    import json

    if isinstance(row, ArrowRow):
        row = row.to_dict()
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


class _PhoneCleaner:
    """A phone source's cleaner: ``(text, raw country) → clean_phone(text, countries, hint)``, the
    hint being the dialing region of the row's country (after the source's value map)."""

    def __init__(self, countries: tuple[str, ...], vmap: dict[str, str | None] | None) -> None:
        self.countries = countries
        self.vmap = vmap

    def hint(self, raw_c: Any) -> str | None:
        """The row's own country as a dialing region (tried first), or None."""
        if isinstance(raw_c, str) and raw_c:
            vmap = self.vmap
            if vmap is not None and map_key(raw_c) in vmap:
                raw_c = vmap[map_key(raw_c)] or ""
            return C.region_hint(raw_c) if raw_c else None
        return None

    def __call__(self, text: str, raw_c: Any) -> tuple[str | None, str | None]:
        return C.clean_phone(text, self.countries, self.hint(raw_c))


def _cleaner(s: Source, today: date) -> Cleaner:
    """The function that maps and cleans one raw text value of source ``s``."""
    vmap = s.value_map
    strict = s.map_strict
    t = s.prop_type
    base: Cleaner
    if t == "phone":
        # The value map of a phone source applies to its country field, not to the number.
        return _PhoneCleaner(s.countries, vmap)
    elif t == "date":
        fmts, nf, my = s.formats, s.not_future, s.min_year

        def base(text: str, hint: Any) -> tuple[str | None, str | None]:
            return C.clean_date(text, fmts, today, nf, my)
    elif t == "country":
        def base(text: str, hint: Any) -> tuple[str | None, str | None]:
            return C.clean_country(text)
    elif t == "number":
        mn, mx, integer = s.minimum, s.maximum, s.integer

        def base(text: str, hint: Any) -> tuple[str | None, str | None]:
            return C.clean_number(text, mn, mx, integer)
    elif t == "identifier":
        compact = s.compact

        def base(text: str, hint: Any) -> tuple[str | None, str | None]:
            return C.clean_identifier(text, compact)
    elif t == "name":
        order = s.order
        swap = order in ("surnames_first", "auto")

        def base(text: str, hint: Any) -> tuple[str | None, str | None]:
            if text.isprintable():
                # ``reorder_name`` where the only whitespace is the space: ``collapse`` is a split
                # and join.
                name = " ".join(text.split())
                if swap and "," in name:
                    surnames, _, given = name.partition(",")
                    name = " ".join(f"{given} {surnames}".split())
                return C.clean_typed("name", name)
            return C.clean_typed("name", C.reorder_name(text, order))
    elif t in ("string", "text"):
        def base(text: str, hint: Any) -> tuple[str | None, str | None]:
            v = C.collapse(text)
            return (v, None) if v else (None, None)
    else:
        def base(text: str, hint: Any) -> tuple[str | None, str | None]:
            return C.clean_typed(t, text)

    if vmap is None:
        return base

    def mapped(text: str, hint: Any) -> tuple[str | None, str | None]:
        key = map_key(text)
        if key in vmap:
            target = vmap[key]
            if target is None:
                return None, None  # mapped to nothing on purpose
            return base(target, hint)
        if strict:
            return None, "value not in the mapping's value map"
        return base(text, hint)

    return mapped
