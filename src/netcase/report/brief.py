"""The leadership brief: top networks and what changed, district trends, prosecutions and outcomes,
partner cooperation — as one HTML page with inline SVG charts, and as a PDF (WeasyPrint).

Everything in it is read for one viewer, through the same functions as the pages; sections whose
stage has not run say so. Producing a brief is audit-logged.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, select_autoescape

from netcase.access.policy import statement_filter
from netcase.access.viewer import Viewer
from netcase.api import services
from netcase.report.charts import bar_chart, line_chart
from netcase.store import Store

TEMPLATE_DIR = Path(__file__).parent / "templates"
PARTNER_COUNTRIES = ("MEX", "GTM", "SLV", "HND")
TOP = 10


@dataclass
class Brief:
    """The brief's content, ready to render."""

    generated: datetime
    viewer: Viewer
    networks: list[dict[str, Any]] | None = None
    changes: dict[str, Any] = field(default_factory=dict)
    trends: dict[str, Any] | None = None
    trend_charts: list[dict[str, str]] = field(default_factory=list)
    prosecutions: dict[str, Any] | None = None
    partners: dict[str, Any] = field(default_factory=dict)
    missing: dict[str, str] = field(default_factory=dict)


def _networks(store: Store, viewer: Viewer, brief: Brief) -> None:
    try:
        rows = services.list_networks(store, viewer)
    except services.StageUnavailable as exc:
        brief.missing["networks"] = f"the {exc.stage} stage {exc.why}"
        return
    # Protected people never appear as network labels in a brief: the label is the graph's choice
    # of a leading member, who is never a victim or migrant.
    brief.networks = rows[:TOP]
    runs = store.query("SELECT run_id, finished FROM graph_runs ORDER BY finished DESC LIMIT 2")
    latest = runs[0][0] if runs else None
    new = [r for r in rows if store.scalar("SELECT first_run FROM networks WHERE network_id = ?", (r["network_id"],)) == latest]
    gone = store.query_dicts(
        "SELECT network_id, coalesce(label, network_id) AS label, status, last_run FROM networks WHERE status <> 'active' "
        "ORDER BY last_run DESC LIMIT 10")
    rising = [r for r in rows if str(r.get("trend", "")).lower() in ("rising", "up", "increasing")]
    brief.changes = {
        "latest_run": latest,
        "latest_run_at": runs[0][1] if runs else None,
        "previous_run_at": runs[1][1] if len(runs) > 1 else None,
        "new": new[:TOP] if len(runs) > 1 else [],
        "first_run": len(runs) == 1,
        "gone": gone,
        "rising": rising[:TOP],
        "harm_total": _harm_total(rows),
    }


def _harm_total(rows: list[dict[str, Any]]) -> dict[str, int]:
    total: dict[str, int] = defaultdict(int)
    for r in rows:
        harm = r.get("harm")
        if isinstance(harm, dict):
            for k, v in harm.items():
                if k != "points" and isinstance(v, int | float):
                    total[k] += int(v)
    return dict(total)


def _trends(store: Store, viewer: Viewer, brief: Brief) -> None:
    try:
        report = services.trends(store, viewer)
    except services.StageUnavailable as exc:
        brief.missing["trends"] = f"the {exc.stage} stage {exc.why}"
        return
    brief.trends = report
    months = report["months"][-24:]
    cut = len(report["months"]) - len(months)
    for metric in sorted({s["metric"] for s in report["series"] if s["by"] == "district"}):
        series = [{"group": s["group"], "values": s["values"][cut:]} for s in report["series"]
                  if s["metric"] == metric and s["by"] == "district" and sum(s["values"]) > 0]
        if series:
            brief.trend_charts.append({"metric": metric.replace("_", " "),
                                       "svg": line_chart(months, series, title=f"{metric.replace('_', ' ')} by district")})


def _prosecutions(store: Store, viewer: Viewer, brief: Brief) -> None:
    try:
        cases, total = services.court_cases(store, viewer, limit=100_000, offset=0)
        forfeits, _ = services.forfeitures(store, viewer, limit=100_000, offset=0)
        requests, _ = services.legal_requests(store, viewer, limit=100_000, offset=0)
    except services.StageUnavailable as exc:
        brief.missing["prosecutions"] = f"the {exc.stage} stage {exc.why}"
        return
    by_district: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for c in cases:
        d = by_district[c["district"]]
        d["cases"] += 1
        d["indictments"] += int(str(c["filing_type"]).lower() == "indictment")
        d["defendants"] += int(c["defendants"] or 0)
        d["counts"] += int(c["counts"] or 0)
    visible_cases = [c["case_id"] for c in cases]
    outcomes: dict[str, int] = defaultdict(int)
    sentences: list[float] = []
    for i in range(0, len(visible_cases), 500):
        chunk = visible_cases[i : i + 500]
        marks = ", ".join("?" for _ in chunk)
        for disposition, months in store.query(
            f"SELECT coalesce(disposition, 'pending'), sentence_months FROM defendants WHERE case_id IN ({marks})", chunk
        ):
            outcomes[str(disposition)] += 1
            if months:
                sentences.append(float(months))
    forfeit_by_status: dict[str, float] = defaultdict(float)
    forfeit_by_type: dict[str, float] = defaultdict(float)
    for f in forfeits:
        forfeit_by_status[f["status"]] += float(f["value_usd"] or 0)
        if f["status"] == "forfeited":
            forfeit_by_type[f["asset_type"]] += float(f["value_usd"] or 0)
    extraditions = [r for r in requests if r["kind"] == "extradition"]
    brief.prosecutions = {
        "cases": total,
        "by_district": {k: dict(v) for k, v in sorted(by_district.items())},
        "outcomes": dict(sorted(outcomes.items(), key=lambda kv: -kv[1])),
        "median_sentence": sorted(sentences)[len(sentences) // 2] if sentences else None,
        "forfeit_by_status": dict(forfeit_by_status),
        "forfeit_chart": bar_chart(sorted(forfeit_by_type.items(), key=lambda kv: -kv[1]),
                                   title="Forfeited value by asset type", money=True) if forfeit_by_type else "",
        "district_chart": bar_chart([(k, float(v["cases"])) for k, v in sorted(by_district.items())],
                                    title="Court cases by district") if by_district else "",
        "extraditions": extraditions,
        "requests": requests,
    }


def _partners(store: Store, viewer: Viewer, brief: Brief) -> None:
    cond, params = statement_filter(viewer, "s")
    facts = dict(store.query(
        f"SELECT b.dataset, count(*) FROM statements s JOIN batches b ON b.batch_id = s.batch_id "
        f"WHERE b.dataset LIKE 'partner%' AND {cond} GROUP BY b.dataset", params)) if store.table_exists("batches") else {}
    per_country: dict[str, dict[str, Any]] = {}
    for code in PARTNER_COUNTRIES:
        per_country[code] = {"facts": int(sum(v for k, v in facts.items() if k.lower().endswith(code.lower()))),
                             "agreement": None, "requests": defaultdict(int)}
    for code, title, signed in store.query(
        "SELECT country, title, signed_on FROM sharing_agreements WHERE revoked_at IS NULL ORDER BY signed_on"
    ) if store.table_exists("sharing_agreements") else []:
        if code in per_country:
            per_country[code]["agreement"] = f"{title} (signed {signed})"
    if brief.prosecutions:
        for r in brief.prosecutions["requests"]:
            code = str(r["partner_country"]).upper()
            if code in per_country:
                per_country[code]["requests"][f"{r['kind']} {r['direction']} {r['status']}"] += 1
    for v in per_country.values():
        v["requests"] = dict(v["requests"])
    brief.partners = per_country


def build_brief(store: Store, viewer: Viewer, now: datetime | None = None) -> Brief:
    """Read everything the brief shows, for ``viewer``."""
    brief = Brief(generated=now or datetime.now(UTC).replace(tzinfo=None), viewer=viewer)
    _networks(store, viewer, brief)
    _trends(store, viewer, brief)
    _prosecutions(store, viewer, brief)
    _partners(store, viewer, brief)
    return brief


def render_html(brief: Brief) -> str:
    """The brief as one self-contained HTML page (inline CSS and SVG; no scripts)."""
    env = Environment(loader=FileSystemLoader(str(TEMPLATE_DIR)), autoescape=select_autoescape(["html"]))
    return env.get_template("brief.html").render(b=brief)


def render_pdf(html: str) -> bytes:
    """The brief's HTML as PDF (WeasyPrint; needs Pango)."""
    from weasyprint import HTML

    return HTML(string=html, base_url=str(TEMPLATE_DIR)).write_pdf()  # type: ignore[no-any-return]


def write_brief(store: Store, viewer: Viewer, out: Path) -> Path:
    """Write the brief to ``out`` (``.pdf`` or ``.html``) and audit it; returns the path."""
    from netcase.access.audit import record

    brief = build_brief(store, viewer)
    html = render_html(brief)
    if out.suffix.lower() == ".pdf":
        out.write_bytes(render_pdf(html))
    else:
        out.write_text(html, encoding="utf-8")
    record(store, viewer, "read:brief", object_type="brief", object_id=out.name, details={"format": out.suffix.lstrip(".")})
    return out
