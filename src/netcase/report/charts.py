"""Charts drawn on the server as inline SVG: the brief's PDF needs no JavaScript to show them.

Plain SVG 1.1 with a title and description for screen readers, readable colours, and numbers
on the axes. Only what the brief and the trends page need: multi-series lines and bars.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from xml.sax.saxutils import escape

# Okabe–Ito colours: distinguishable with the common colour-vision deficiencies.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#000000", "#F0E442")


def _nice_max(value: float) -> float:
    if value <= 0:
        return 1.0
    import math

    exp = 10 ** math.floor(math.log10(value))
    for m in (1, 2, 2.5, 5, 10):
        if value <= m * exp:
            return float(m * exp)
    return float(10 * exp)


def _fmt(v: float) -> str:
    if abs(v) >= 1_000_000:
        return f"{v / 1_000_000:.1f}M"
    if abs(v) >= 1000:
        return f"{v / 1000:.0f}k" if abs(v) >= 10_000 else f"{v / 1000:.1f}k"
    return f"{v:g}"


def line_chart(labels: Sequence[str], series: Sequence[dict[str, Any]], *, title: str, width: int = 560,
               height: int = 240, max_series: int = 8) -> str:
    """Lines over ``labels`` (months); each series a dict with ``group`` (or ``label``) and ``values``."""
    shown = sorted(series, key=lambda s: -sum(s["values"]))[:max_series]
    left, right, top, bottom = 48, 130, 12, 34
    pw, ph = width - left - right, height - top - bottom
    ymax = _nice_max(max((max(s["values"]) for s in shown if s["values"]), default=0.0))
    n = max(len(labels), 1)

    def x(i: int) -> float:
        return left + (pw * i / (n - 1) if n > 1 else pw / 2)

    def y(v: float) -> float:
        return top + ph - ph * v / ymax

    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-labelledby="t-{id(shown)} d-{id(shown)}" class="chart">',
        f'<title id="t-{id(shown)}">{escape(title)}</title>',
        f'<desc id="d-{id(shown)}">{escape(_describe(labels, shown))}</desc>',
        f'<rect x="{left}" y="{top}" width="{pw}" height="{ph}" fill="#fff" stroke="#c9d1d8"/>',
    ]
    for k in range(5):
        v = ymax * k / 4
        parts.append(f'<line x1="{left}" x2="{left + pw}" y1="{y(v):.1f}" y2="{y(v):.1f}" stroke="#e4e9ee"/>')
        parts.append(f'<text x="{left - 4}" y="{y(v) + 3:.1f}" font-size="9" text-anchor="end" fill="#333">{_fmt(v)}</text>')
    step = max(1, n // 6)
    for i in range(0, n, step):
        parts.append(f'<text x="{x(i):.1f}" y="{top + ph + 14}" font-size="9" text-anchor="middle" fill="#333">'
                     f'{escape(str(labels[i]))}</text>')
    for j, s in enumerate(shown):
        colour = PALETTE[j % len(PALETTE)]
        pts = " ".join(f"{x(i):.1f},{y(float(v)):.1f}" for i, v in enumerate(s["values"]))
        parts.append(f'<polyline fill="none" stroke="{colour}" stroke-width="1.8" points="{pts}"/>')
        name = str(s.get("group") or s.get("label") or "")
        parts.append(f'<rect x="{left + pw + 10}" y="{top + 4 + 14 * j}" width="10" height="3" fill="{colour}"/>')
        parts.append(f'<text x="{left + pw + 24}" y="{top + 8 + 14 * j}" font-size="9" fill="#222">{escape(name[:20])}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bar_chart(items: Sequence[tuple[str, float]], *, title: str, width: int = 560, height: int = 220,
              colour: str = "#0072B2", money: bool = False) -> str:
    """Horizontal bars, one per (label, value)."""
    items = list(items)[:12]
    left, right, top = 150, 60, 8
    bar = max(10, min(22, (height - top * 2) // max(len(items), 1) - 4))
    height = top * 2 + (bar + 4) * max(len(items), 1)
    vmax = _nice_max(max((v for _, v in items), default=0.0))
    pw = width - left - right
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" role="img" '
        f'aria-label="{escape(title)}: ' + escape("; ".join(f"{lab} {_money(v) if money else _fmt(v)}" for lab, v in items)) + '" class="chart">',
        f"<title>{escape(title)}</title>",
    ]
    for i, (label, value) in enumerate(items):
        yy = top + i * (bar + 4)
        w = pw * value / vmax
        parts.append(f'<text x="{left - 6}" y="{yy + bar * 0.7:.1f}" font-size="10" text-anchor="end" fill="#222">{escape(label[:28])}</text>')
        parts.append(f'<rect x="{left}" y="{yy}" width="{w:.1f}" height="{bar}" fill="{colour}"/>')
        parts.append(f'<text x="{left + w + 4:.1f}" y="{yy + bar * 0.7:.1f}" font-size="10" fill="#222">'
                     f'{_money(value) if money else _fmt(value)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def _money(v: float) -> str:
    return "$" + _fmt(v)


def _describe(labels: Sequence[str], series: Sequence[dict[str, Any]]) -> str:
    """A text summary of a line chart for screen readers (totals and last values)."""
    if not labels:
        return "No data."
    bits = [f"{labels[0]} to {labels[-1]}."]
    for s in series:
        vals = s["values"]
        bits.append(f"{s.get('group') or s.get('label')}: total {_fmt(sum(vals))}, last month {_fmt(vals[-1] if vals else 0)}.")
    return " ".join(bits)
