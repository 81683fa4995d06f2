"""Country codes: netcase speaks ISO 3166 alpha-3 (``MEX``), as markings' REL TO trigraphs do."""

from __future__ import annotations

from functools import lru_cache

from rigour.territories import get_territory


@lru_cache(maxsize=512)
def iso_alpha3(code: str | None) -> str | None:
    """ISO 3166 alpha-3 in upper case (``MEX``) from the alpha-2 code statements carry (FtM's country
    type: ``mx``), an alpha-3 code, or None when the value is no known territory. The disruption
    planner's jurisdiction rules and partner agreements speak alpha-3."""
    text = (code or "").strip().lower()
    if not text:
        return None
    if len(text) == 3 and text.isalpha():
        return text.upper()
    territory = get_territory(text)
    if territory is None or not territory.alpha3:
        return None
    return str(territory.alpha3).upper()
