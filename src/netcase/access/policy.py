"""The access policy as SQL: the one place that decides which statements a viewer may read.

A viewer sees a statement only if their country is in its releasability, they hold its
compartment (or it has none), and their role may see its category (victim-sensitive facts only
for victim services and the assigned case team). Every reader of statements builds its WHERE
clause here.
"""

from __future__ import annotations

from typing import Any

from netcase.access.viewer import Viewer


def statement_filter(viewer: Viewer, alias: str = "s") -> tuple[str, list[Any]]:
    """SQL condition (with ``?`` parameters) true for the statements ``viewer`` may read."""
    if viewer.is_system:
        return "TRUE", []
    a = f"{alias}." if alias else ""
    clauses = [f"{a}releasable_to LIKE ?"]
    params: list[Any] = [f"%,{viewer.country.upper()},%"]
    if viewer.compartments:
        marks = ", ".join("?" for _ in viewer.compartments)
        clauses.append(f"({a}compartment IS NULL OR {a}compartment IN ({marks}))")
        params.extend(sorted(viewer.compartments))
    else:
        clauses.append(f"{a}compartment IS NULL")
    if not viewer.has_role("victim_services"):
        # The assigned case team sees victim-sensitive facts of its own compartments only.
        if viewer.compartments:
            marks = ", ".join("?" for _ in viewer.compartments)
            clauses.append(f"(NOT {a}victim_sensitive OR {a}compartment IN ({marks}))")
            params.extend(sorted(viewer.compartments))
        else:
            clauses.append(f"NOT {a}victim_sensitive")
    return " AND ".join(clauses), params
