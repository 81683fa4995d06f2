"""What the pages show: the context each template gets, read through the viewer-aware functions."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from fastapi import FastAPI

from netcase.access.policy import statement_filter
from netcase.access.viewer import Viewer
from netcase.api import reads
from netcase.api.security import may
from netcase.store import Store
from netcase.web import stages
from netcase.web.cache import PageCache, cached


def home_context(store: Store, viewer: Viewer, cache: PageCache) -> dict[str, Any]:
    """Counts the viewer may see, and the cards of each of their roles."""
    counts = cached(cache, store, viewer, "home:counts", (), lambda: schema_counts(store, viewer))
    batches = store.query_dicts(
        "SELECT agency, dataset, source_file, finished, rows_accepted, rows_quarantined FROM batches "
        "ORDER BY finished DESC LIMIT 8"
    )
    return {
        "counts": counts,
        "facts": sum(int(c["facts"]) for c in counts),
        "batches": batches if viewer.has_role("analyst", "supervisor", "administrator") else [],
        "roles": sorted(viewer.roles),
        "stage_status": stages.status(),
    }


def schema_counts(store: Store, viewer: Viewer) -> list[dict[str, Any]]:
    """Per schema: the entities (after resolution) and facts the viewer may read, in one scan."""
    cond, params = statement_filter(viewer, "s")
    return store.query_dicts(
        f"SELECT s.schema AS schema, count(DISTINCT coalesce(r.canonical_id, s.entity_id)) AS n, count(*) AS facts "
        f"FROM statements s LEFT JOIN resolved r ON r.entity_id = s.entity_id WHERE {cond} "
        f"GROUP BY s.schema ORDER BY n DESC, schema",
        params,
    )


def entity_context(store: Store, viewer: Viewer, view: reads.EntityView) -> dict[str, Any]:
    """Everything the profile page shows about one entity."""
    link_list = reads.links(store, viewer, view)
    by_prop: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for r in view.statements:
        r = dict(r)
        r["marking_text"] = _marking(r)
        by_prop[r["prop"]].append(r)
    aliases = sorted(set(view.props.get("alias", []) + view.props.get("weakAlias", [])
                         + [n for n in view.props.get("name", []) if n != view.caption]))
    ids = reads.identifiers(view)
    shared = reads.shared_value_counts(store, viewer, view)
    return {
        "e": view,
        "by_prop": dict(sorted(by_prop.items())),
        "aliases": aliases,
        "identifiers": [(k, v, shared.get(v, 0)) for k, v in ids],
        "links": link_list,
        "timeline": reads.timeline(view, link_list)[:100],
        "cases": stages.cases_for_entity(store, viewer, view),
        "candidates": stages.duplicate_candidates(store, viewer, view),
        "networks": stages.networks_for_entity(store, viewer, view.id),
        "may_judge": may(viewer, "run:pipeline"),
    }


def _marking(row: dict[str, Any]) -> str:
    from netcase.web.routes import marking_text

    return marking_text(row)


def register(app: FastAPI) -> None:
    """The pages of the later stages (networks, cases, trends, brief, audit, users)."""
    stages.register_pages(app)
