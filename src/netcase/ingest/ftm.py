"""FollowTheMoney entities as a native input: ``{"id", "schema", "properties": {prop: [values]}}`` lines.

Partners and other tools (Aleph, OpenSanctions, yente exports) exchange FtM entities; netcase reads
them without a column mapping. The mapping file (``reader.format: ftm``) still says the dataset,
agency, marking and 28 CFR 23 fields of the batch. Each entity keeps its id; its statements' source
record is that id. Values are cleaned by their FtM type like any other source.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from datetime import date
from typing import Any

from followthemoney import model

from netcase.ingest import clean as C
from netcase.ingest.base import Chunk, IngestError, LoadContext, Rejected
from netcase.ingest.loader import MappingLoader
from netcase.ingest.mapping import scalar_text
from netcase.ingest.readers import RAW_LIMIT, file_is_empty, read_jsonl
from netcase.model.schema import property_type
from netcase.model.statement import STATEMENT_COLUMNS, default_review_by


def clean_ftm_value(prop_type: str, text: str, today: date) -> tuple[str | None, str | None]:
    """Clean one FtM value by type; FtM values carry no hints, so phones must be international."""
    if prop_type == "phone":
        return C.clean_phone(text, ())
    if prop_type == "country":
        return C.clean_country(text)
    if prop_type == "date":
        return C.clean_date(text, (), today, False, 1000)
    if prop_type == "identifier":
        return C.clean_identifier(text, False)
    if prop_type in ("string", "text", "entity", "json", "html"):
        v = text.strip()
        return (v, None) if v else (None, None)
    if prop_type == "number":
        v = text.strip()
        return (v, None) if v else (None, None)
    return C.clean_typed(prop_type, text)


class FtMLoader(MappingLoader):
    """Reads FtM entity lines under a ``format: ftm`` mapping."""

    def load(self, ctx: LoadContext) -> Iterator[Chunk]:
        m = self.mapping
        if file_is_empty(ctx.path):
            raise IngestError(ctx.path, "the file is empty")
        prov = ctx.provenance
        mk = prov.marking
        review_by = prov.review_by or default_review_by(prov.ingested.date())
        for rc in read_jsonl(ctx.path, encoding=m.encoding, chunk_rows=self.chunk_rows):
            cols: dict[str, list[Any]] = {c: [] for c in ("entity_id", "schema", "prop", "prop_type", "value",
                                                         "original_value")}
            rejected = list(rc.rejected)
            bad = 0
            for line, obj in rc.rows:
                eid = obj.get("id")
                schema_name = obj.get("schema")
                props = obj.get("properties")
                schema = model.get(schema_name) if isinstance(schema_name, str) else None
                if not isinstance(eid, str) or not eid:
                    rejected.append(Rejected(line, "id", "entity without an id", raw=str(obj)[:RAW_LIMIT]))
                    bad += 1
                    continue
                if schema is None:
                    rejected.append(Rejected(line, "schema", "unknown FtM schema", value=str(schema_name),
                                             raw=str(obj)[:RAW_LIMIT]))
                    bad += 1
                    continue
                if not isinstance(props, dict):
                    rejected.append(Rejected(line, "properties", "properties must be an object",
                                             raw=str(obj)[:RAW_LIMIT]))
                    bad += 1
                    continue
                for prop, values in props.items():
                    try:
                        ptype = property_type(schema.name, prop)
                    except KeyError:
                        rejected.append(Rejected(line, prop, f"{schema.name} has no property {prop}", scope="value"))
                        continue
                    for raw in values if isinstance(values, list) else [values]:
                        if raw is None or raw == "":
                            continue
                        text = raw if isinstance(raw, str) else scalar_text(raw)
                        value, reason = clean_ftm_value(ptype, text, self.today)
                        if reason is not None:
                            rejected.append(Rejected(line, prop, reason, value=text[:500], scope="value"))
                            continue
                        if value is None:
                            continue
                        cols["entity_id"].append(eid)
                        cols["schema"].append(schema.name)
                        cols["prop"].append(prop)
                        cols["prop_type"].append(ptype)
                        cols["value"].append(value)
                        cols["original_value"].append(text if text != value else None)
            n = len(cols["entity_id"])
            ds = prov.dataset
            out: dict[str, list[Any]] = {
                "id": [
                    hashlib.sha1(f"{ds}\x1f{e}\x1f{e}\x1f{p}\x1f{v}".encode()).hexdigest()
                    for e, p, v in zip(cols["entity_id"], cols["prop"], cols["value"], strict=True)
                ],
                **cols,
                "dataset": [ds] * n,
                "source_file": [prov.source_file] * n,
                "source_record": list(cols["entity_id"]),
                "agency": [prov.agency] * n,
                "batch_id": [prov.batch_id] * n,
                "observed": [None] * n,
                "ingested": [prov.ingested] * n,
                "caveat": [mk.caveat] * n,
                "releasable_to": [mk.rel_storage] * n,
                "tlp": [mk.tlp] * n,
                "victim_sensitive": [mk.victim_sensitive] * n,
                "compartment": [prov.compartment] * n,
                "predicate": [prov.predicate] * n,
                "reliability": [prov.reliability] * n,
                "validity": [prov.validity] * n,
                "submitting_agency": [prov.submitting_agency or prov.agency] * n,
                "review_by": [review_by] * n,
            }
            yield Chunk(statements={c: out[c] for c in STATEMENT_COLUMNS}, rejected=rejected,
                        rows_read=rc.count, rows_accepted=len(rc.rows) - bad)
