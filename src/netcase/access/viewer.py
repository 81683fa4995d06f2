"""The viewer: the person (or machine) on whose behalf the store is read.

Every read path takes one. ``Viewer.system()`` is the pipeline itself (ingest, resolve, graph
build), which must see everything to compute; it never serves a person. ``Viewer.local()`` is the
analyst of the single-user embedded mode: a person, so the policy applies and reads are audited.
A viewer built from an API token carries the token's ``scopes``; ``authorize`` then allows only
actions that are both in the role table and in the scopes.
"""

from __future__ import annotations

import getpass
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
    """Who reads: their user name, agency, country, roles and compartments.

    ``scopes`` is None for a person (their roles decide) and the token's scopes for a machine.
    """

    user: str
    agency: str
    country: str
    roles: frozenset[str]
    compartments: frozenset[str] = field(default_factory=frozenset)
    is_system: bool = False
    scopes: frozenset[str] | None = None

    def __post_init__(self) -> None:
        unknown = set(self.roles) - set(ROLES)
        if unknown and not self.is_system:
            raise ValueError(f"unknown role(s): {', '.join(sorted(unknown))}")
        object.__setattr__(self, "country", self.country.upper())
        object.__setattr__(self, "roles", frozenset(self.roles))
        object.__setattr__(self, "compartments", frozenset(self.compartments))
        if self.scopes is not None:
            object.__setattr__(self, "scopes", frozenset(self.scopes))

    @classmethod
    def system(cls) -> Viewer:
        """The pipeline itself: sees everything, serves no person."""
        return cls(user="system", agency="NETCASE", country="USA", roles=frozenset(ROLES), is_system=True)

    @classmethod
    def local(
        cls,
        user: str | None = None,
        *,
        agency: str = "LOCAL",
        country: str = "USA",
        compartments: frozenset[str] = frozenset(),
        roles: frozenset[str] = frozenset({"analyst"}),
    ) -> Viewer:
        """The analyst of the single-user embedded mode (a person: policy and audit apply)."""
        name = user or _os_user()
        return cls(user=name, agency=agency, country=country, roles=roles, compartments=compartments)

    def has_role(self, *roles: str) -> bool:
        """True if the viewer holds any of ``roles`` (the system holds them all)."""
        return self.is_system or bool(self.roles & set(roles))

    def holds(self, compartment: str | None) -> bool:
        """True if the viewer may read facts of ``compartment`` (None: no compartment)."""
        return compartment is None or self.is_system or compartment in self.compartments

    @property
    def is_partner(self) -> bool:
        """A viewer of a partner country (not the United States)."""
        return not self.is_system and self.country != "USA"


def _os_user() -> str:
    try:
        return "local:" + getpass.getuser()
    except (KeyError, OSError):  # no passwd entry (containers)
        return "local:analyst"
