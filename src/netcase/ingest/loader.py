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
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from functools import lru_cache
from typing import Any

from netcase.ingest import clean as C
from netcase.ingest.base import Chunk, IngestError, LoadContext, Rejected
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
# One source's values over a chunk: (source, item positions, cleaned values, raw values)
SourceValues = tuple[Source, list[int], list[str], list[str | None]]
# (text, raw value of the source's country field or None) → (clean value, refusal reason)
Cleaner = Callable[[str, Any], tuple[str | None, str | None]]
SOURCE_CACHE = 200_000
_CTX_NAMES = ("caveat", "releasable_to", "tlp", "victim_sensitive", "compartment", "predicate", "reliability",
              "validity", "agency")


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
        self.caches: dict[int, dict[Any, tuple[str | None, str | None]]] = {}
        self.columns: dict[str, tuple[str, ...]] | None = None
        self.link_targets = {s.entity for e in mapping.entities for s in e.links()}
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
        self.columns = rc.columns
        if self.record_id is not None and m.record_id is not None:
            render = self.record_id
            fast_ids = self._template_column(m.record_id, [(p, (), ch) for p, ch in enumerate(chains)],
                                             collapse_blanks=False)
            rec_ids = fast_ids if fast_ids is not None else [render(ch, ()) for ch in chains]
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
        pending: list[tuple[EntitySpec, list[Item], list[str], list[str], list[str | None], list[SourceValues], list[bool]]] = []
        for ent in m.entities:
            items = self._frame(ent.each, frames)
            if ent.when:
                for cond in ent.when:
                    col = self._plain_column(cond.field, items)
                    if col is not None and not cond.values:
                        items = [it for it, v in zip(items, col, strict=True) if v]
                    else:
                        test = cond.predicate()
                        items = [it for it in items if test(it[2])]
            if ent.record_id is not None:
                fast = self._template_column(ent.record_id, items, collapse_blanks=False)
                if fast is not None:
                    srecs = fast
                else:
                    render_e = ent.record_id.renderer()
                    srecs = [render_e(it[2], it[1]) for it in items]
            else:
                srecs = [rec_ids[it[0]] for it in items]
            eids = [entity_id(self.dataset, sr, ent.name, it[1]) if sr is not None else "" for it, sr in zip(items, srecs, strict=True)]
            vals: list[SourceValues] = []
            for s in ent.sources:
                self._evaluate_source(s, items, eids, built, lines, rejected, reject_row, vals)
            # An entity exists when it has a value that is not a constant, and its required props.
            has_value: set[int] = set()
            by_prop: dict[str, set[int]] = {}
            for s, ks, _, _ in vals:
                if s.value is None:
                    has_value.update(ks)
                by_prop.setdefault(s.prop, set()).update(ks)
            present = has_value
            for prop in ent.required:
                lacking = has_value - by_prop.get(prop, set())
                for k in sorted(lacking):
                    rejected.append(Rejected(lines[items[k][0]], ent.name, f"{ent.schema} without {prop}",
                                             scope="entity"))
                present = present - lacking
            exists = [False] * len(items)
            for k in present:
                exists[k] = bool(eids[k])
            if ent.name in self.link_targets:
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
        """The observed date of each item (ISO text, date part), through a cache of distinct values."""
        col = self._raw_column(s, items)
        cl = self.cleaners[id(s)]
        cache = self.caches.setdefault(id(s), {})
        if len(cache) > SOURCE_CACHE:
            cache.clear()
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
        eids: list[str],
        built: dict[str, dict[tuple[int, tuple[int, ...]], str]],
        lines: list[int],
        rejected: list[Rejected],
        reject_row: Callable[..., None],
        vals: list[SourceValues],
    ) -> None:
        ks: list[int] = []
        vs: list[str] = []
        raws_out: list[str | None] = []
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
                        ks.append(k)
                        vs.append(tid)
                        raws_out.append(None)
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
                    raws_out.append(None)
            vals.append((s, ks, vs, raws_out))
            return
        if s.value is not None:
            ks = [k for k in range(len(items)) if eids[k]]
            value, reason = self.cleaners[id(s)](s.value, None)
            if value is not None:
                vals.append((s, ks, [value] * len(ks), [s.value] * len(ks)))
            return
        col = self._raw_column(s, items)
        hget = s.country_field.getter() if s.country_field is not None else None
        if s.split is None and all(v is None or type(v) is str for v in col):
            self._clean_column(s, col, [hget(it[2]) for it in items] if hget is not None else None,
                               lines, items, rejected, reject_row, vals)
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
        vals.append((s, ks, vs, raws_out))

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
        full = len(items) == len(next(iter(cols.values()), ()))
        picked = [cols[n] if full else [cols[n][it[0]] for it in items] for n in names]
        form = "".join(fmt).format
        if collapse_blanks:
            out: list[str | None] = [" ".join(form(*vs).split()) or None for vs in zip(*picked, strict=True)]
        else:
            out = [form(*vs) if all(vs) else None for vs in zip(*picked, strict=True)]
        if not names:
            return [form() or None] * len(items)
        return out

    def _clean_column(
        self,
        s: Source,
        col: list[str | None],
        hints: list[Any] | None,
        lines: list[int],
        items: list[Item],
        rejected: list[Rejected],
        reject_row: Callable[..., None],
        vals: list[SourceValues],
    ) -> None:
        """Clean a column of text values through a per-source cache of distinct values.

        Exports repeat values heavily (dates, countries, the same phone on many rows), so each
        distinct value (with its country hint, for phones) is cleaned once per file; the cache is
        dropped when it grows past ``SOURCE_CACHE`` entries so memory stays flat.
        """
        cache = self.caches.setdefault(id(s), {})
        if len(cache) > SOURCE_CACHE:
            cache.clear()
        keys: list[Any] = col if hints is None else list(zip(col, hints, strict=True))
        cl = self.cleaners[id(s)]
        for key in set(keys).difference(cache):
            text, hint = (key, None) if hints is None else key
            cache[key] = (None, None) if text is None or text == "" else cl(text, hint)
        res = list(map(cache.__getitem__, keys))
        ks = [k for k, r in enumerate(res) if r[0] is not None]
        vs = [v for r in res if (v := r[0]) is not None]
        raws = [col[k] for k in ks]
        vals.append((s, ks, vs, raws))
        if any(r[1] is not None for r in res):
            for k, r in enumerate(res):
                if r[1] is None:
                    continue
                pos = items[k][0]
                text = col[k] or ""
                if s.on_error == "drop":
                    rejected.append(Rejected(lines[pos], _field_name(s), r[1], value=text[:500], scope="value"))
                elif s.on_error == "reject_row":
                    reject_row(pos, _field_name(s), r[1], text[:500])

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
        uniform = len({id(c) for c in row_ctx}) <= 1
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
            if written is not None and len(written) > SOURCE_CACHE * 10:
                # Bounded memory: rows sharing a record sit close together in an export, so
                # forgetting old facts costs at most a repeated statement, never a lost one.
                written.clear()
            any_skip = any(skip)
            for s, ks, vs, raws in vals:
                if not ks:
                    continue
                if any_skip or written is not None:
                    keep = [j for j, k in enumerate(ks) if not skip[k]]
                    if written is not None:
                        # A record shared by many rows (an encounter event): write each fact once.
                        kept = []
                        for j in keep:
                            key = hash((eids[ks[j]], s.prop, vs[j]))
                            if key not in written:
                                written.add(key)
                                kept.append(j)
                        keep = kept
                    ks = [ks[j] for j in keep]
                    vs = [vs[j] for j in keep]
                    raws = [raws[j] for j in keep]
                n_s = len(ks)
                if not n_s:
                    continue
                eid_c.extend([eids[k] for k in ks])
                schema_c.extend([schema] * n_s)
                prop_c.extend([s.prop] * n_s)
                ptype_c.extend([s.prop_type] * n_s)
                value_c.extend(vs)
                orig_c.extend([r if r != v else None for r, v in zip(raws, vs, strict=True)])
                srec_c.extend([srecs[k] for k in ks])
                obs_c.extend([obs[k] for k in ks])
                if not uniform:
                    ctx_c.extend([row_ctx[items[k][0]] for k in ks])
                vic_c.extend([ent_victim or s.victim_sensitive] * n_s)
        n = len(eid_c)
        ds = self.dataset
        sha1 = hashlib.sha1
        ids = [
            sha1(f"{ds}\x1f{r}\x1f{e}\x1f{p}\x1f{v}".encode()).hexdigest()
            for r, e, p, v in zip(srec_c, eid_c, prop_c, value_c, strict=True)
        ]
        prov = self.ctx.provenance
        dates = {v: (None if v is None else _iso_date(v)) for v in set(obs_c)}
        obs_dates = list(map(dates.__getitem__, obs_c))
        if uniform:
            # One handling for the whole chunk (the usual case): constant columns, no gathering.
            c0 = row_ctx[0] if row_ctx else self.default_ctx
            ctx_cols = {name: [c0[i]] * n for i, name in enumerate(_CTX_NAMES)}
        else:
            ctx_cols = {name: [c[i] for c in ctx_c] for i, name in enumerate(_CTX_NAMES)}
        victim = (ctx_cols["victim_sensitive"] if not any(vic_c)
                  else [c or v for c, v in zip(ctx_cols["victim_sensitive"], vic_c, strict=True)])
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
            "agency": ctx_cols["agency"],
            "batch_id": [prov.batch_id] * n,
            "observed": obs_dates,
            "ingested": [prov.ingested] * n,
            "caveat": ctx_cols["caveat"],
            "releasable_to": ctx_cols["releasable_to"],
            "tlp": ctx_cols["tlp"],
            "victim_sensitive": victim,
            "compartment": ctx_cols["compartment"],
            "predicate": ctx_cols["predicate"],
            "reliability": ctx_cols["reliability"],
            "validity": ctx_cols["validity"],
            "submitting_agency": ([prov.submitting_agency] * n if prov.submitting_agency
                                  else ctx_cols["agency"]),
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
    base: Cleaner
    if t == "phone":
        countries = s.countries

        def phone(text: str, raw_c: Any) -> tuple[str | None, str | None]:
            hint = None
            if isinstance(raw_c, str) and raw_c:
                if vmap is not None and map_key(raw_c) in vmap:
                    raw_c = vmap[map_key(raw_c)] or ""
                # The row's own country is the likeliest dialing region: tried first.
                hint = C.region_hint(raw_c) if raw_c else None
            return C.clean_phone(text, countries, hint)

        # The value map of a phone source applies to its country field, not to the number.
        return phone
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

        def base(text: str, hint: Any) -> tuple[str | None, str | None]:
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
