"""The viewer: the person (or machine) on whose behalf the store is read.

Every read path takes one. ``Viewer.system()`` is the pipeline itself (ingest, resolve, graph
build), which must see everything to compute; it never serves a person.
"""

from __future__ import annotations

from dataclasses import dataclass, field

ROLES: tuple[str, ...] = (
    "analyst",
    "investigator",
    "prosecutor",
    "supervisor",
    "partner_liaison",
    "victim_services",
    "auditor",
    "administrator",
)


@dataclass(frozen=True)
class Viewer:
    """Who reads: their user name, agency, country, roles and compartments."""

    user: str
    agency: str
    country: str
    roles: frozenset[str]
    compartments: frozenset[str] = field(default_factory=frozenset)
    is_system: bool = False

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLES)
        if unknown and not self.is_system:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")

    @classmethod
    def system(cls) -> Viewer:
        return cls(user="system", agency="NETCASE", country="USA", roles=frozenset(ROLES), is_system=True)

    def has_role(self, *roles: str) -> bool:
        return self.is_system or bool(self.roles & set(roles))
