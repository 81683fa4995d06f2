from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from netcase.model.marking import PARTNER_COUNTRIES, TLP_LABELS, Marking, MarkingError


def test_marking_string_round_trips_through_parse() -> None:
    m = Marking(caveat="LES", releasable_to=("MEX", "USA"), tlp="TLP:GREEN", victim_sensitive=True)
    assert str(m) == "LES//REL TO USA, MEX//TLP:GREEN//VICTIM"
    assert Marking.parse(str(m)) == m


def test_noforn_means_usa_only() -> None:
    m = Marking.parse("LES//NOFORN//TLP:AMBER")
    assert m.releasable_to == ("USA",)
    assert m.releasable("USA") and not m.releasable("MEX")


def test_unknown_tlp_and_bad_country_are_refused() -> None:
    with pytest.raises(MarkingError, match="TLP"):
        Marking(tlp="TLP:ORANGE")
    with pytest.raises(MarkingError, match="trigraph"):
        Marking.parse("LES//REL TO USA, MX")


@given(
    rel=st.sets(st.sampled_from(PARTNER_COUNTRIES), min_size=1),
    tlp=st.sampled_from(TLP_LABELS),
    victim=st.booleans(),
)
def test_storage_form_finds_exactly_the_releasable_countries(rel: set[str], tlp: str, victim: bool) -> None:
    m = Marking(releasable_to=tuple(rel), tlp=tlp, victim_sensitive=victim)
    stored = m.rel_storage
    for c in PARTNER_COUNTRIES:
        assert (f",{c}," in stored) == (c in rel)
    assert Marking.from_storage(m.caveat, stored, tlp, victim) == m
