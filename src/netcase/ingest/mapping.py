"""The declarative mapping language: a YAML file says how one kind of agency export becomes statements.

A mapping is validated strictly when it is loaded, so a typo fails before any data is read: an
unknown key, FtM schema or property, an entity reference to nothing, a date format on a phone, an
unparseable marking — each is a ``MappingError`` naming the mapping file and the key. Column
references are checked against a CSV file's header when the file is opened (the mapping does not
know the header in advance). The language is documented in ``docs/mappings.md``.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from netcase.model.marking import Marking, MarkingError
from netcase.model.schema import get_schema, property_type
from netcase.model.statement import RELIABILITY, VALIDITY


class MappingError(ValueError):
    """A mapping that cannot be used; the message names the file and the key."""

    def __init__(self, source: str, key: str, message: str) -> None:
        super().__init__(f"mapping {source}: {key}: {message}")
        self.source = source
        self.key = key


TOP_KEYS = {
    "name", "description", "files", "reader", "dataset", "agency", "agency_field", "marking", "marking_field",
    "victim_sensitive", "compartment", "compartment_field", "intel", "record_id", "observed",
    "value_maps", "entities",
}
READER_KEYS = {"format", "encoding", "delimiter", "quotechar"}
INTEL_KEYS = {
    "criminal", "predicate", "predicate_field", "reliability", "reliability_field", "validity",
    "validity_field",
}
ENTITY_KEYS = {
    "schema", "each", "record_id", "when", "once", "dedupe", "victim_sensitive", "observed", "required",
    "properties",
}
SOURCE_KEYS = {
    "field", "column", "template", "value", "entity", "index", "format", "country", "country_field",
    "map", "map_strict", "order", "compact", "min", "max", "integer", "not_future", "min_year",
    "on_error", "victim_sensitive", "split",
}
OBSERVED_KEYS = {"field", "column", "format"}
ON_ERROR = ("drop", "reject_row", "ignore")
NAME_ORDERS = ("given_first", "surnames_first", "auto")
FORMATS = ("csv", "jsonl", "ftm")
_TEMPLATE_PART = re.compile(r"\{([^{}]*)\}")

Getter = Callable[[tuple[dict[str, Any], ...]], Any]


# ---------------------------------------------------------------------------------------------
# paths and templates
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class FieldPath:
    """A reference to a value: ``a.b`` in the current item, ``$.a`` from the row, ``^.a`` the parent."""

    text: str
    level: int  # 0 = row, -1 = current item, -2 = parent
    keys: tuple[str, ...]

    @classmethod
    def parse(cls, text: str) -> FieldPath:
        raw = text.strip()
        level = -1
        if raw.startswith("$."):
            level, raw = 0, raw[2:]
        elif raw.startswith("^."):
            level, raw = -2, raw[2:]
        keys = tuple(k for k in raw.split("."))
        if not raw or any(not k for k in keys):
            raise ValueError(f"bad field path {text!r}")
        return cls(text=text, level=level, keys=keys)

    @property
    def column(self) -> str:
        """The first key: for CSV, the column name."""
        return self.keys[0]

    def getter(self) -> Getter:
        """A fast function from an item chain (row, item, sub-item…) to the raw value."""
        level, keys = self.level, self.keys
        if len(keys) == 1:
            k = keys[0]
            return lambda chain: chain[level].get(k) if len(chain) >= -level else None

        def get(chain: tuple[dict[str, Any], ...]) -> Any:
            if len(chain) < -level:
                return None
            cur: Any = chain[level]
            for key in keys:
                if isinstance(cur, list):
                    # ``id_documents.number``: the numbers of every document in the list.
                    cur = [c.get(key) for c in cur if isinstance(c, dict)]
                    cur = [v for c in cur for v in (c if isinstance(c, list) else [c])]
                elif isinstance(cur, dict):
                    cur = cur.get(key)
                else:
                    return None
            return cur

        return get


@dataclass(frozen=True)
class Template:
    """``"{$.report_id}:s{#}"``: fields in braces, ``{#}`` the item's index, ``{#0}`` an outer one."""

    text: str
    parts: tuple[tuple[str, object], ...]  # ("lit", str) | ("field", FieldPath) | ("index", int)

    @classmethod
    def parse(cls, text: str) -> Template:
        parts: list[tuple[str, object]] = []
        pos = 0
        for m in _TEMPLATE_PART.finditer(text):
            if m.start() > pos:
                parts.append(("lit", text[pos : m.start()]))
            inner = m.group(1).strip()
            if inner == "#":
                parts.append(("index", -1))
            elif re.fullmatch(r"#\d", inner):
                parts.append(("index", int(inner[1:])))
            else:
                parts.append(("field", FieldPath.parse(inner)))
            pos = m.end()
        if pos < len(text):
            parts.append(("lit", text[pos:]))
        if "{" in "".join(str(p[1]) for p in parts if p[0] == "lit") or "}" in "".join(
            str(p[1]) for p in parts if p[0] == "lit"
        ):
            raise ValueError(f"unbalanced braces in template {text!r}")
        return cls(text=text, parts=tuple(parts))

    def fields(self) -> list[FieldPath]:
        return [p for kind, p in self.parts if kind == "field" and isinstance(p, FieldPath)]

    def max_index(self) -> int:
        return max((int(p) for kind, p in self.parts if kind == "index"), default=-2)  # type: ignore[call-overload]

    def renderer(self, *, collapse_blanks: bool = False) -> Callable[[tuple[dict[str, Any], ...], tuple[int, ...]], str | None]:
        """A function (chain, indices) → text, or None when a field is empty (unless collapsing)."""
        ops: list[tuple[str, Any]] = []
        for kind, p in self.parts:
            if kind == "field":
                assert isinstance(p, FieldPath)
                ops.append(("field", p.getter()))
            else:
                ops.append((kind, p))
        if len(ops) == 1 and ops[0][0] == "field":
            get = ops[0][1]

            def single(chain: tuple[dict[str, Any], ...], idx: tuple[int, ...]) -> str | None:
                v = get(chain)
                if v is None or v == "":
                    return None
                return v if isinstance(v, str) else scalar_text(v)

            return single

        def render(chain: tuple[dict[str, Any], ...], idx: tuple[int, ...]) -> str | None:
            out = []
            for kind, op in ops:
                if kind == "lit":
                    out.append(op)
                elif kind == "index":
                    if not idx:
                        return None
                    out.append(str(idx[op]))
                else:
                    v = op(chain)
                    if v is None or v == "":
                        if collapse_blanks:
                            continue
                        return None
                    out.append(v if isinstance(v, str) else scalar_text(v))
            text = "".join(out)
            if collapse_blanks:
                text = " ".join(text.split())
                return text or None
            return text

        return render


def scalar_text(v: Any) -> str:
    """JSON scalars as statement text: booleans as ``true``/``false``, numbers without ``.0``."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    return str(v)


# ---------------------------------------------------------------------------------------------
# the spec
# ---------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Source:
    """One way a property gets values: a field, a template, a constant or a link to an entity."""

    key: str  # where it is in the mapping, for messages
    prop: str
    prop_type: str
    field: FieldPath | None = None
    template: Template | None = None
    value: str | None = None
    entity: str | None = None
    index: FieldPath | None = None
    formats: tuple[str, ...] = ()
    countries: tuple[str, ...] = ()
    country_field: FieldPath | None = None
    value_map: dict[str, str | None] | None = None
    map_strict: bool = False
    order: str = "auto"
    compact: bool = False
    minimum: float | None = None
    maximum: float | None = None
    integer: bool = False
    not_future: bool = False
    min_year: int = 1800
    on_error: str = "drop"
    victim_sensitive: bool = False
    split: str | None = None


@dataclass(frozen=True)
class Condition:
    """``when``: a field is present, optionally with one of some values (or none of them)."""

    field: FieldPath
    test: str = "in"  # in | not_in
    values: tuple[str, ...] = ()

    def predicate(self) -> Callable[[tuple[dict[str, Any], ...]], bool]:
        get = self.field.getter()
        values = set(self.values)
        if not values:
            return lambda chain: get(chain) not in (None, "", [])
        negate = self.test == "not_in"

        def test(chain: tuple[dict[str, Any], ...]) -> bool:
            v = get(chain)
            if v is None or v == "":
                return negate
            return (map_key(scalar_text(v)) in values) != negate

        return test


@dataclass(frozen=True)
class EntitySpec:
    name: str
    schema: str
    each: tuple[FieldPath, ...]  # list paths, outermost first; () = one per row
    record_id: Template | None
    when: tuple[Condition, ...]
    once: bool
    dedupe: bool
    victim_sensitive: bool
    observed: Source | None
    required: tuple[str, ...]
    sources: tuple[Source, ...]

    @property
    def depth(self) -> int:
        return len(self.each)

    def links(self) -> list[Source]:
        return [s for s in self.sources if s.entity is not None]


@dataclass(frozen=True)
class Intel:
    """28 CFR Part 23 fields: fixed per mapping or read per row."""

    criminal: bool = False
    predicate: str | None = None
    predicate_field: FieldPath | None = None
    reliability: str = "F"
    reliability_field: FieldPath | None = None
    validity: str = "6"
    validity_field: FieldPath | None = None


@dataclass(frozen=True)
class Mapping:
    """A validated mapping."""

    name: str
    source: str  # the YAML file, for messages
    files: tuple[str, ...]
    format: str
    encoding: str
    delimiter: str
    quotechar: str
    dataset: str
    agency: str
    agency_field: FieldPath | None
    marking: Marking
    marking_field: FieldPath | None
    compartment: str | None
    compartment_field: FieldPath | None
    intel: Intel
    record_id: Template | None
    observed: Source | None
    entities: tuple[EntitySpec, ...] = field(default_factory=tuple)
    description: str = ""

    def matches(self, source_file: str) -> bool:
        """True if ``source_file`` (relative path with ``/``) matches one of the ``files`` globs."""
        return any(glob_match(source_file, pattern) for pattern in self.files)

    def columns(self) -> dict[str, str]:
        """Every top-level column the mapping reads (for CSV), with the key that reads it."""
        out: dict[str, str] = {}

        def add(fp: FieldPath | None, key: str) -> None:
            if fp is not None and fp.level != -2:
                out.setdefault(fp.column, key)

        def add_source(s: Source) -> None:
            add(s.field, s.key + ".field")
            add(s.index, s.key + ".index")
            add(s.country_field, s.key + ".country_field")
            if s.template:
                for fp in s.template.fields():
                    add(fp, s.key + ".template")

        add(self.marking_field, "marking_field")
        add(self.agency_field, "agency_field")
        add(self.compartment_field, "compartment_field")
        add(self.intel.predicate_field, "intel.predicate_field")
        add(self.intel.reliability_field, "intel.reliability_field")
        add(self.intel.validity_field, "intel.validity_field")
        if self.record_id:
            for fp in self.record_id.fields():
                add(fp, "record_id")
        if self.observed:
            add_source(self.observed)
        for ent in self.entities:
            if ent.each:
                continue  # nested: CSV has no nesting; JSON keys are not checked
            if ent.record_id:
                for fp in ent.record_id.fields():
                    add(fp, f"entities.{ent.name}.record_id")
            for cond in ent.when:
                add(cond.field, f"entities.{ent.name}.when")
            if ent.observed:
                add_source(ent.observed)
            for s in ent.sources:
                add_source(s)
        return out


def glob_match(path: str, pattern: str) -> bool:
    """Glob on ``/`` paths where ``*`` stays within a folder and ``**/`` spans folders."""
    regex = _glob_regex(pattern)
    return regex.fullmatch(path) is not None


_GLOB_CACHE: dict[str, re.Pattern[str]] = {}


def _glob_regex(pattern: str) -> re.Pattern[str]:
    if pattern not in _GLOB_CACHE:
        out = []
        i = 0
        while i < len(pattern):
            if pattern.startswith("**/", i):
                out.append("(?:.*/)?")
                i += 3
            elif pattern.startswith("**", i):
                out.append(".*")
                i += 2
            elif pattern[i] == "*":
                out.append("[^/]*")
                i += 1
            elif pattern[i] == "?":
                out.append("[^/]")
                i += 1
            elif pattern[i] == "[":
                j = pattern.find("]", i)
                if j < 0:
                    out.append(re.escape(pattern[i]))
                    i += 1
                else:
                    out.append(fnmatch.translate(pattern[i : j + 1])[4:-3])
                    i = j + 1
            else:
                out.append(re.escape(pattern[i]))
                i += 1
        _GLOB_CACHE[pattern] = re.compile("".join(out))
    return _GLOB_CACHE[pattern]


# ---------------------------------------------------------------------------------------------
# parsing
# ---------------------------------------------------------------------------------------------
class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source

    def err(self, key: str, message: str) -> MappingError:
        return MappingError(self.source, key, message)

    def keys(self, data: Any, allowed: set[str], key: str) -> dict[str, Any]:
        if not isinstance(data, dict):
            raise self.err(key, f"expected a mapping of keys, got {type(data).__name__}")
        unknown = sorted(set(data) - allowed)
        if unknown:
            raise self.err(f"{key}.{unknown[0]}" if key else unknown[0],
                           f"unknown key {unknown[0]!r}; allowed: {', '.join(sorted(allowed))}")
        return data

    def path(self, text: Any, key: str) -> FieldPath:
        if not isinstance(text, str):
            raise self.err(key, f"expected a field name, got {text!r}")
        try:
            return FieldPath.parse(text)
        except ValueError as exc:
            raise self.err(key, str(exc)) from None

    def template(self, text: Any, key: str) -> Template:
        if not isinstance(text, str) or not text:
            raise self.err(key, f"expected a template string, got {text!r}")
        try:
            return Template.parse(text)
        except ValueError as exc:
            raise self.err(key, str(exc)) from None

    def text(self, data: dict[str, Any], name: str, key: str, required: bool = False) -> str | None:
        v = data.get(name)
        if v is None:
            if required:
                raise self.err(f"{key}{name}", "is required")
            return None
        if not isinstance(v, str | int | float) or isinstance(v, bool):
            raise self.err(f"{key}{name}", f"expected text, got {v!r}")
        return str(v)

    def flag(self, data: dict[str, Any], name: str, key: str) -> bool:
        v = data.get(name, False)
        if not isinstance(v, bool):
            raise self.err(f"{key}{name}", f"expected true or false, got {v!r}")
        return v

    def parse(self, data: Any, default_name: str) -> Mapping:
        data = self.keys(data, TOP_KEYS, "")
        name = self.text(data, "name", "") or default_name
        files_raw = data.get("files")
        if isinstance(files_raw, str):
            files_raw = [files_raw]
        if not files_raw or not isinstance(files_raw, list) or not all(isinstance(f, str) for f in files_raw):
            raise self.err("files", "is required: one glob or a list of globs (paths relative to the ingest root)")
        reader = self.keys(data.get("reader") or {}, READER_KEYS, "reader")
        fmt = reader.get("format", "csv")
        if fmt not in FORMATS:
            raise self.err("reader.format", f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
        encoding = str(reader.get("encoding", "auto"))
        if encoding != "auto":
            import codecs

            try:
                codecs.lookup(encoding)
            except LookupError:
                raise self.err("reader.encoding", f"unknown encoding {encoding!r}") from None
        delimiter = str(reader.get("delimiter", ","))
        if len(delimiter) != 1:
            raise self.err("reader.delimiter", "must be one character")
        quotechar = str(reader.get("quotechar", '"'))
        dataset = self.text(data, "dataset", "", required=True) or ""
        if not re.fullmatch(r"[a-z0-9_]+", dataset):
            raise self.err("dataset", f"{dataset!r}: use lower case letters, digits and _")
        agency = self.text(data, "agency", "", required=True) or ""
        try:
            marking = Marking.parse(self.text(data, "marking", "") or "LES//NOFORN//TLP:AMBER")
        except MarkingError as exc:
            raise self.err("marking", str(exc)) from None
        if self.flag(data, "victim_sensitive", ""):
            marking = Marking(marking.caveat, marking.releasable_to, marking.tlp, True)
        marking_field = self.path(data["marking_field"], "marking_field") if data.get("marking_field") else None
        compartment = self.text(data, "compartment", "")
        compartment_field = (
            self.path(data["compartment_field"], "compartment_field") if data.get("compartment_field") else None
        )
        intel = self.intel(data.get("intel") or {})
        record_id = self.template(data["record_id"], "record_id") if data.get("record_id") else None
        if fmt != "ftm" and record_id is None:
            raise self.err("record_id", "is required: a template giving each row's record id, e.g. '{encounter_id}'")
        value_maps_raw = data.get("value_maps") or {}
        if not isinstance(value_maps_raw, dict):
            raise self.err("value_maps", "expected named maps of value → replacement")
        value_maps = {k: self.value_map(v, f"value_maps.{k}") for k, v in value_maps_raw.items()}
        observed = self.observed(data.get("observed"), "observed") if data.get("observed") else None
        entities_raw = data.get("entities") or {}
        if fmt == "ftm":
            if entities_raw:
                raise self.err("entities", "an ftm mapping reads entities from the file; give none")
            entities: tuple[EntitySpec, ...] = ()
        else:
            if not isinstance(entities_raw, dict) or not entities_raw:
                raise self.err("entities", "is required: at least one entity")
            names = set(entities_raw)
            parsed = [self.entity(n, e, names, value_maps) for n, e in entities_raw.items()]
            self.check_links(parsed)
            entities = tuple(topo_sort(parsed, self))
        return Mapping(
            name=name, source=self.source, files=tuple(files_raw), format=fmt, encoding=encoding,
            delimiter=delimiter, quotechar=quotechar, dataset=dataset, agency=agency,
            agency_field=self.path(data["agency_field"], "agency_field") if data.get("agency_field") else None,
            marking=marking,
            marking_field=marking_field, compartment=compartment, compartment_field=compartment_field,
            intel=intel, record_id=record_id, observed=observed, entities=entities,
            description=self.text(data, "description", "") or "",
        )

    def intel(self, raw: Any) -> Intel:
        data = self.keys(raw, INTEL_KEYS, "intel")
        reliability = self.text(data, "reliability", "intel.") or "F"
        if reliability not in RELIABILITY:
            raise self.err("intel.reliability", f"{reliability!r} is not one of A-F")
        validity = self.text(data, "validity", "intel.") or "6"
        if validity not in VALIDITY:
            raise self.err("intel.validity", f"{validity!r} is not one of 1-6")

        def opt(name: str) -> FieldPath | None:
            return self.path(data[name], f"intel.{name}") if data.get(name) else None

        intel = Intel(
            criminal=self.flag(data, "criminal", "intel."),
            predicate=self.text(data, "predicate", "intel."),
            predicate_field=opt("predicate_field"),
            reliability=reliability,
            reliability_field=opt("reliability_field"),
            validity=validity,
            validity_field=opt("validity_field"),
        )
        if intel.criminal and not intel.predicate and not intel.predicate_field:
            raise self.err("intel.predicate", "a criminal-intelligence source needs a predicate or predicate_field (28 CFR 23.20(a))")
        return intel

    def value_map(self, raw: Any, key: str) -> dict[str, str | None]:
        if not isinstance(raw, dict):
            raise self.err(key, "expected a map of value → replacement")
        out: dict[str, str | None] = {}
        for k, v in raw.items():
            target = None if v is None else scalar_text(v)
            if isinstance(k, bool):
                # YAML 1.1 reads an unquoted yes/no/on/off/true/false key as a boolean: the
                # author meant the word, so every spelling of it maps.
                for word in (("true", "yes", "on", "y") if k else ("false", "no", "off", "n")):
                    out[word] = target
            else:
                out[map_key(scalar_text(k))] = target
        return out

    def condition(self, raw: Any, key: str) -> Condition:
        if isinstance(raw, str):
            return Condition(self.path(raw, key))
        data = self.keys(raw, {"field", "equals", "in", "not_in"}, key)
        if not data.get("field"):
            raise self.err(f"{key}.field", "is required")
        tests = [k for k in ("equals", "in", "not_in") if k in data]
        if len(tests) > 1:
            raise self.err(key, "give at most one of equals, in, not_in")
        values: tuple[str, ...] = ()
        if tests:
            v = data[tests[0]]
            vs = v if isinstance(v, list) else [v]
            values = tuple(map_key(scalar_text(x)) for x in vs)
        return Condition(self.path(data["field"], f"{key}.field"), "not_in" if tests == ["not_in"] else "in", values)

    def observed(self, raw: Any, key: str) -> Source:
        if isinstance(raw, str):
            raw = {"field": raw}
        data = self.keys(raw, OBSERVED_KEYS, key)
        fld = data.get("field", data.get("column"))
        if not fld:
            raise self.err(f"{key}.field", "is required")
        fmts = data.get("format") or ()
        if isinstance(fmts, str):
            fmts = (fmts,)
        return Source(key=key, prop="observed", prop_type="date", field=self.path(fld, f"{key}.field"),
                      formats=tuple(fmts))

    def entity(self, name: str, raw: Any, names: set[str], value_maps: dict[str, dict[str, str | None]]) -> EntitySpec:
        key = f"entities.{name}"
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", str(name)):
            raise self.err(key, "entity names are letters, digits and _")
        data = self.keys(raw, ENTITY_KEYS, key)
        schema = self.text(data, "schema", f"{key}.", required=True) or ""
        try:
            get_schema(schema)
        except KeyError as exc:
            raise self.err(f"{key}.schema", str(exc.args[0])) from None
        each_raw = data.get("each")
        each: tuple[FieldPath, ...] = ()
        if each_raw:
            if not isinstance(each_raw, str):
                raise self.err(f"{key}.each", "expected a list path like 'subjects' or 'subjects[].id_documents'")
            each = tuple(self.path(seg, f"{key}.each") for seg in each_raw.split("[]."))
        when_raw = data.get("when") or ()
        if isinstance(when_raw, str | dict):
            when_raw = [when_raw]
        when = tuple(self.condition(w, f"{key}.when") for w in when_raw)
        record_id = self.template(data["record_id"], f"{key}.record_id") if data.get("record_id") else None
        if record_id and record_id.max_index() >= len(each):
            raise self.err(f"{key}.record_id", f"refers to index #{record_id.max_index()} but the entity is nested {len(each)} deep")
        props = data.get("properties")
        if not isinstance(props, dict) or not props:
            raise self.err(f"{key}.properties", "is required: at least one property")
        sources: list[Source] = []
        for prop, spec in props.items():
            pkey = f"{key}.properties.{prop}"
            try:
                ptype = property_type(schema, str(prop))
            except KeyError as exc:
                raise self.err(pkey, str(exc.args[0])) from None
            specs = spec if isinstance(spec, list) else [spec]
            for i, s in enumerate(specs):
                sources.append(self.source_spec(str(prop), ptype, s, pkey if len(specs) == 1 else f"{pkey}[{i}]",
                                                names, value_maps))
        required_raw = data.get("required")
        if required_raw is None:
            mapped = {s.prop for s in sources}
            required = tuple(p for p in get_schema(schema).required if p in mapped)
        else:
            if not isinstance(required_raw, list):
                raise self.err(f"{key}.required", "expected a list of property names")
            for p in required_raw:
                if p not in {s.prop for s in sources}:
                    raise self.err(f"{key}.required", f"{p!r} is not a mapped property of this entity")
            required = tuple(required_raw)
        observed = self.observed(data["observed"], f"{key}.observed") if data.get("observed") else None
        return EntitySpec(
            name=name, schema=schema, each=each, record_id=record_id, when=when,
            once=self.flag(data, "once", f"{key}."),
            dedupe=self.flag(data, "dedupe", f"{key}."),
            victim_sensitive=self.flag(data, "victim_sensitive", f"{key}."),
            observed=observed, required=required, sources=tuple(sources),
        )

    def source_spec(self, prop: str, ptype: str, raw: Any, key: str, names: set[str],
                    value_maps: dict[str, dict[str, str | None]]) -> Source:
        if isinstance(raw, str):
            raw = {"field": raw}
        data = self.keys(raw, SOURCE_KEYS, key)
        kinds = [k for k in ("field", "column", "template", "value", "entity") if k in data]
        if len(kinds) != 1:
            raise self.err(key, "give exactly one of field (or column), template, value, entity")
        kw: dict[str, Any] = {"key": key, "prop": prop, "prop_type": ptype}
        kind = kinds[0]
        if kind in ("field", "column"):
            kw["field"] = self.path(data[kind], f"{key}.{kind}")
        elif kind == "template":
            kw["template"] = self.template(data["template"], f"{key}.template")
        elif kind == "value":
            if data["value"] is None:
                raise self.err(f"{key}.value", "a constant cannot be empty")
            kw["value"] = scalar_text(data["value"])
        else:
            if ptype != "entity":
                raise self.err(f"{key}.entity", f"{prop} is a {ptype} property, not a link to an entity")
            if data["entity"] not in names:
                raise self.err(f"{key}.entity", f"no entity named {data['entity']!r} in this mapping")
            kw["entity"] = data["entity"]
            if data.get("index"):
                kw["index"] = self.path(data["index"], f"{key}.index")
        if ptype == "entity" and kind != "entity":
            raise self.err(key, f"{prop} links to an entity: use 'entity: <name>'")
        if "index" in data and kind != "entity":
            raise self.err(f"{key}.index", "only a link (entity:) takes an index")

        def only(opt: str, types: tuple[str, ...]) -> None:
            if opt in data and ptype not in types:
                raise self.err(f"{key}.{opt}", f"applies to {'/'.join(types)} properties, not {ptype}")

        only("format", ("date",))
        only("not_future", ("date",))
        only("min_year", ("date",))
        only("country", ("phone",))
        only("country_field", ("phone",))
        only("order", ("name",))
        only("compact", ("identifier",))
        only("min", ("number",))
        only("max", ("number",))
        only("integer", ("number",))
        fmts = data.get("format") or ()
        kw["formats"] = (fmts,) if isinstance(fmts, str) else tuple(fmts)
        for f in kw["formats"]:
            if "%" not in f:
                raise self.err(f"{key}.format", f"{f!r} is not a strptime format like %d/%m/%Y")
        countries = data.get("country") or ()
        kw["countries"] = tuple(c.lower() for c in ((countries,) if isinstance(countries, str) else countries))
        if data.get("country_field"):
            kw["country_field"] = self.path(data["country_field"], f"{key}.country_field")
        if "map" in data:
            m = data["map"]
            if isinstance(m, str):
                if m not in value_maps:
                    raise self.err(f"{key}.map", f"no value map named {m!r} under value_maps")
                kw["value_map"] = value_maps[m]
            else:
                kw["value_map"] = self.value_map(m, f"{key}.map")
        kw["map_strict"] = self.flag(data, "map_strict", f"{key}.")
        order = data.get("order", "auto")
        if order not in NAME_ORDERS:
            raise self.err(f"{key}.order", f"expected one of {', '.join(NAME_ORDERS)}")
        kw["order"] = order
        kw["compact"] = self.flag(data, "compact", f"{key}.")
        for opt, name in (("min", "minimum"), ("max", "maximum")):
            if opt in data:
                if not isinstance(data[opt], int | float) or isinstance(data[opt], bool):
                    raise self.err(f"{key}.{opt}", "expected a number")
                kw[name] = float(data[opt])
        kw["integer"] = self.flag(data, "integer", f"{key}.")
        kw["not_future"] = self.flag(data, "not_future", f"{key}.")
        if "min_year" in data:
            kw["min_year"] = int(data["min_year"])
        on_error = data.get("on_error", "drop")
        if on_error not in ON_ERROR:
            raise self.err(f"{key}.on_error", f"expected one of {', '.join(ON_ERROR)}")
        kw["on_error"] = on_error
        kw["victim_sensitive"] = self.flag(data, "victim_sensitive", f"{key}.")
        if data.get("split") is not None:
            kw["split"] = str(data["split"])
        return Source(**kw)

    def check_links(self, entities: list[EntitySpec]) -> None:
        by_name = {e.name: e for e in entities}
        for ent in entities:
            for s in ent.links():
                assert s.entity is not None
                target = by_name[s.entity]
                if s.index is not None:
                    ok = target.depth >= 1 and target.each[:-1] == ent.each[: target.depth - 1]
                    if not ok:
                        raise self.err(f"{s.key}.index", f"{target.name} is not a list beside {ent.name}'s; an index cannot pick one")
                elif target.each != ent.each[: target.depth]:
                    raise self.err(f"{s.key}.entity", f"{target.name} is a list ({'[].'.join(p.text for p in target.each)}); give index: <field> to pick one")


def map_key(text: str) -> str:
    """Value-map keys match case-insensitively and ignoring surrounding spaces."""
    return text.strip().casefold()


def topo_sort(entities: list[EntitySpec], parser: _Parser) -> list[EntitySpec]:
    """Order entities so a link's target is built before the entity that links to it."""
    by_name = {e.name: e for e in entities}
    done: list[EntitySpec] = []
    state: dict[str, int] = {}

    def visit(e: EntitySpec, trail: list[str]) -> None:
        if state.get(e.name) == 2:
            return
        if state.get(e.name) == 1:
            raise parser.err(f"entities.{e.name}", "links form a cycle: " + " → ".join([*trail, e.name]))
        state[e.name] = 1
        for s in e.links():
            assert s.entity is not None
            if s.entity != e.name:
                visit(by_name[s.entity], [*trail, e.name])
        state[e.name] = 2
        done.append(e)

    for e in entities:
        visit(e, [])
    return done


def parse_mapping(data: Any, source: str, default_name: str = "mapping") -> Mapping:
    """Validate already-loaded YAML data as a mapping; ``source`` names it in errors."""
    return _Parser(source).parse(data, default_name)


def load_mapping(path: Path) -> Mapping:
    """Read and validate a mapping file."""
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise MappingError(str(path), "(file)", f"cannot read YAML: {exc}") from None
    return parse_mapping(data, str(path), path.stem)
