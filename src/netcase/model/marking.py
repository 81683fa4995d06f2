"""Handling markings carried by every statement.

A marking answers "who may see this fact": a classification/caveat (``LES``), the partner
countries it is releasable to (ISO 3166 trigraphs), a TLP 2.0 sharing label and whether the fact
is victim-sensitive (8 U.S.C. 1367, 18 U.S.C. 3771, 3509(d)). TLP is a sharing label on top of
access control, never a classification, so it is kept as its own field.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

PARTNER_COUNTRIES: tuple[str, ...] = ("USA", "MEX", "GTM", "SLV", "HND")
TLP_LABELS: tuple[str, ...] = (
    "TLP:RED",
    "TLP:AMBER+STRICT",
    "TLP:AMBER",
    "TLP:GREEN",
    "TLP:CLEAR",
)
CAVEATS: tuple[str, ...] = ("LES", "LES//NOFORN", "CUI", "UNCLASSIFIED")


class MarkingError(ValueError):
    """A marking that cannot be parsed or is not allowed."""


def _country_list(text: str) -> tuple[str, ...]:
    codes = [c.strip().upper() for c in re.split(r"[,\s]+", text) if c.strip()]
    for code in codes:
        if not re.fullmatch(r"[A-Z]{3}", code):
            raise MarkingError(f"releasability code {code!r} is not an ISO 3166 trigraph")
    # USA first, then the rest in a stable order: the canonical string is compared and hashed.
    return tuple(sorted(set(codes), key=lambda c: (c != "USA", c)))


@dataclass(frozen=True, slots=True)
class Marking:
    """How a fact may be handled and shared."""

    caveat: str = "LES"
    releasable_to: tuple[str, ...] = ("USA",)
    tlp: str = "TLP:AMBER"
    victim_sensitive: bool = False
    extra: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self) -> None:
        if self.tlp not in TLP_LABELS:
            raise MarkingError(f"unknown TLP label {self.tlp!r}; expected one of {', '.join(TLP_LABELS)}")
        if not self.releasable_to:
            raise MarkingError("a marking must be releasable to at least one country")
        object.__setattr__(self, "releasable_to", _country_list(",".join(self.releasable_to)))

    @property
    def noforn(self) -> bool:
        return self.releasable_to == ("USA",)

    def releasable(self, country: str) -> bool:
        """True if a viewer of ``country`` may receive the fact."""
        return country.upper() in self.releasable_to

    @property
    def rel_storage(self) -> str:
        """Releasability as stored: ``,USA,MEX,`` so that one portable LIKE test finds a country."""
        return "," + ",".join(self.releasable_to) + ","

    def __str__(self) -> str:
        parts = [self.caveat]
        if self.noforn:
            parts.append("NOFORN")
        else:
            parts.append("REL TO " + ", ".join(self.releasable_to))
        parts.append(self.tlp)
        if self.victim_sensitive:
            parts.append("VICTIM")
        return "//".join(parts)

    @classmethod
    def parse(cls, text: str) -> Marking:
        """Parse ``LES//REL TO USA, MEX//TLP:AMBER[//VICTIM]`` (parts in any order)."""
        caveat = "LES"
        rel: tuple[str, ...] = ("USA",)
        tlp = "TLP:AMBER"
        victim = False
        for raw in text.split("//"):
            part = raw.strip()
            upper = part.upper()
            if not part:
                continue
            if upper.startswith("REL TO"):
                rel = _country_list(part[6:])
            elif upper == "NOFORN":
                rel = ("USA",)
            elif upper.startswith("TLP:"):
                tlp = upper
            elif upper in ("VICTIM", "VICTIM-SENSITIVE"):
                victim = True
            elif upper in ("LES", "CUI", "UNCLASSIFIED", "U", "FOUO"):
                caveat = upper
            else:
                raise MarkingError(f"unknown marking part {part!r} in {text!r}")
        return cls(caveat=caveat, releasable_to=rel, tlp=tlp, victim_sensitive=victim)

    @classmethod
    def from_storage(cls, caveat: str, rel: str, tlp: str, victim: bool) -> Marking:
        return cls(caveat=caveat, releasable_to=tuple(c for c in rel.split(",") if c), tlp=tlp, victim_sensitive=victim)
