"""Read an external graph: an edge list, a square adjacency-matrix CSV, or GraphML.

Every reader returns an undirected igraph Graph whose vertex ``name`` and ``label`` are the
labels as written in the file, with an edge ``weight``. Problems raise :class:`GraphFormatError`
with the file, line and what is wrong, for the command to print.
"""

from __future__ import annotations

import csv
import io
import math
from pathlib import Path
from typing import Literal

import igraph as ig

GraphFormat = Literal["edgelist", "adjacency", "graphml"]


class GraphFormatError(ValueError):
    """The graph file cannot be read as asked."""


def _text(path: Path) -> str:
    if not path.exists():
        raise GraphFormatError(f"no such file: {path}")
    if path.is_dir():
        raise GraphFormatError(f"{path} is a folder, not a graph file")
    try:
        # utf-8-sig drops the byte-order mark some exports start with.
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as exc:
        raise GraphFormatError(f"{path} is not UTF-8 text: {exc}") from exc


def _weight(text: str, where: str) -> float:
    try:
        w = float(text)
    except ValueError:
        raise GraphFormatError(f"{where}: bad weight {text!r} (not a number)") from None
    if not math.isfinite(w) or w < 0:
        raise GraphFormatError(f"{where}: bad weight {text!r} (must be a finite number ≥ 0)")
    return w


def guess_format(path: Path) -> GraphFormat:
    """The format from the file name: ``.graphml``/``.xml`` → graphml; a CSV whose first line
    starts with an empty cell → adjacency; anything else → edgelist."""
    suffix = path.suffix.lower()
    if suffix in (".graphml", ".xml"):
        return "graphml"
    if suffix == ".csv":
        first = _text(path).split("\n", 1)[0]
        if first.startswith((",", '"",', ";", '"";', "\t")):
            return "adjacency"
    return "edgelist"


def read_labels(path: Path) -> dict[str, str]:
    """``id,label`` lines (no header needed; UTF-8 with or without BOM) → {id: label}."""
    out: dict[str, str] = {}
    for i, row in enumerate(csv.reader(io.StringIO(_text(path))), start=1):
        if not row or not row[0].strip():
            continue
        if len(row) < 2:
            raise GraphFormatError(f"{path}:{i}: expected 'id,label', got {','.join(row)!r}")
        if i == 1 and row[0].strip().lower() in ("id", "node", "name"):
            continue
        out[row[0].strip()] = ",".join(row[1:]).strip()
    return out


def read_edgelist(path: Path, labels: dict[str, str] | None = None) -> ig.Graph:
    """``u v [weight]`` per line (spaces, tabs, commas or semicolons); ``#`` starts a comment.

    A first line whose weight column is not a number is taken as a header. Repeated pairs add up.
    """
    names: dict[str, int] = {}
    weights: dict[tuple[int, int], float] = {}
    for lineno, raw in enumerate(_text(path).splitlines(), start=1):
        line = raw.split("#", 1)[0].strip()
        if not line:
            continue
        for sep in (",", ";", "\t"):
            line = line.replace(sep, " ")
        parts = line.split()
        where = f"{path}:{lineno}"
        if len(parts) < 2 or len(parts) > 3:
            raise GraphFormatError(f"{where}: expected 'u v [weight]', got {raw.strip()!r}")
        if not names and not weights and len(parts) == 3:
            try:
                float(parts[2])
            except ValueError:
                continue  # header such as "source target weight"
        w = _weight(parts[2], where) if len(parts) == 3 else 1.0
        a = names.setdefault(parts[0], len(names))
        b = names.setdefault(parts[1], len(names))
        if a == b:
            continue
        key = (min(a, b), max(a, b))
        weights[key] = weights.get(key, 0.0) + w
    if labels:
        for node_id in labels:
            names.setdefault(node_id, len(names))  # isolated people listed only in the labels file
    g = ig.Graph(n=len(names), edges=list(weights))
    ids = list(names)
    g.vs["name"] = [labels.get(x, x) if labels else x for x in ids]
    g.vs["label"] = g.vs["name"]
    g.vs["file_id"] = ids
    g.es["weight"] = list(weights.values())
    return g


def read_adjacency(path: Path) -> ig.Graph:
    """A square matrix with a header row and a first column of labels (BOM tolerated).

    Asymmetric entries become one undirected tie with the larger weight; the diagonal is ignored.
    """
    text = _text(path)
    try:
        dialect = csv.Sniffer().sniff(text.split("\n", 1)[0], delimiters=",;\t")
        delimiter = dialect.delimiter
    except csv.Error:
        delimiter = ","
    rows = [r for r in csv.reader(io.StringIO(text), delimiter=delimiter) if any(c.strip() for c in r)]
    if not rows:
        raise GraphFormatError(f"{path}: empty file")
    header = [c.strip() for c in rows[0][1:]]
    n = len(header)
    body = rows[1:]
    if len(body) != n:
        raise GraphFormatError(
            f"{path}: not a square matrix: {n} column labels but {len(body)} rows"
        )
    if len(set(header)) != n:
        raise GraphFormatError(f"{path}: repeated column labels")
    col = {label: j for j, label in enumerate(header)}
    row_labels = [r[0].strip() for r in body]
    if set(row_labels) != set(header):
        missing = sorted(set(header) ^ set(row_labels))[:5]
        raise GraphFormatError(f"{path}: row labels differ from column labels (e.g. {missing})")
    weights: dict[tuple[int, int], float] = {}
    for i, row in enumerate(body, start=2):
        if len(row) - 1 != n:
            raise GraphFormatError(f"{path}:{i}: not a square matrix: {len(row) - 1} values, expected {n}")
        a = col[row[0].strip()]
        for j, cell in enumerate(row[1:]):
            cell = cell.strip()
            w = _weight(cell, f"{path}:{i}, column {header[j]!r}") if cell else 0.0
            if w == 0 or a == j:
                continue
            key = (min(a, j), max(a, j))
            weights[key] = max(weights.get(key, 0.0), w)
    g = ig.Graph(n=n, edges=list(weights))
    g.vs["name"] = header
    g.vs["label"] = header
    g.es["weight"] = list(weights.values())
    return g


def read_graphml(path: Path) -> ig.Graph:
    """GraphML via igraph; labels from the ``label``, ``name`` or ``id`` vertex attribute."""
    _text(path)
    try:
        g = ig.Graph.Read_GraphML(str(path))
    except Exception as exc:  # igraph raises its own error types for malformed XML
        raise GraphFormatError(f"{path}: not readable as GraphML: {exc}") from exc
    if g.is_directed():
        g.to_undirected(mode="collapse", combine_edges={"weight": "sum"} if "weight" in g.es.attributes() else None)
    attrs = g.vs.attributes()
    key = next((a for a in ("label", "name", "id") if a in attrs), None)
    labels = [str(x) for x in g.vs[key]] if key else [str(i) for i in range(g.vcount())]
    g.vs["name"] = labels
    g.vs["label"] = labels
    if "weight" in g.es.attributes():
        for e, w in enumerate(g.es["weight"]):
            if w is None or not math.isfinite(float(w)) or float(w) < 0:
                raise GraphFormatError(f"{path}: edge {e} has a bad weight {w!r}")
    else:
        g.es["weight"] = [1.0] * g.ecount()
    return g


def read_graph(path: str | Path, fmt: GraphFormat | None = None, labels: str | Path | None = None) -> ig.Graph:
    """Read ``path`` in ``fmt`` (guessed when None); ``labels`` names edge-list nodes."""
    p = Path(path)
    if not p.exists():
        raise GraphFormatError(f"no such file: {p}")
    fmt = fmt or guess_format(p)
    if fmt == "edgelist":
        return read_edgelist(p, read_labels(Path(labels)) if labels else None)
    if labels:
        raise GraphFormatError("--labels applies to edge lists only")
    if fmt == "adjacency":
        return read_adjacency(p)
    if fmt == "graphml":
        return read_graphml(p)
    raise GraphFormatError(f"unknown graph format {fmt!r} (edgelist, adjacency or graphml)")
