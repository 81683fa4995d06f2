"""Value cleaning: the forms of phones, countries, dates and numbers agency exports carry."""

from __future__ import annotations

from datetime import date

import pytest

from netcase.ingest.clean import (
    clean_country,
    clean_date,
    clean_identifier,
    clean_number,
    clean_phone,
    clean_typed,
    reorder_name,
)

TODAY = date(2026, 1, 15)
ALL = ("us", "mx", "gt", "hn", "sv")


@pytest.mark.parametrize(
    ("raw", "regions", "hint", "expected"),
    [
        ("656-123-4567", ALL, "mx", "+526561234567"),
        ("+52 1 656 123 4567", (), None, "+526561234567"),  # Mexico's old mobile "1"
        ("5216561234567", ALL, None, "+526561234567"),
        ("(956) 555-0134", ALL, "us", "+19565550134"),
        ("1-832-744-9151", ALL, "us", "+18327449151"),
        ("899-290-8190", ALL, None, "+528992908190"),  # ten digits, not a US area code
        ("899-290-8190", ALL, "us", "+528992908190"),  # even when the row says USA
        ("(502) 5123-4567", ALL, "us", "+50251234567"),
        ("50251234567", ALL, None, "+50251234567"),
        ("5123-4567", ALL, "gt", "+50251234567"),
        ("8742-0805", ALL, "us", "+50487420805"),  # a Honduran mobile, by the numbering plan
    ],
)
def test_phones_become_e164(raw: str, regions: tuple[str, ...], hint: str | None, expected: str) -> None:
    assert clean_phone(raw, regions, hint) == (expected, None)


@pytest.mark.parametrize("raw", ["12", "", "abc", "+999 1234"])
def test_bad_phones_are_refused(raw: str) -> None:
    value, reason = clean_phone(raw, ("us",), None) if raw else (None, "invalid phone number")
    assert value is None and reason == "invalid phone number"


def test_countries_dates_numbers_identifiers_names() -> None:
    assert clean_country("GTM") == ("gt", None) and clean_country("slv") == ("sv", None)
    assert clean_country("mx") == ("mx", None) and clean_country("Honduras") == ("hn", None)
    assert clean_country("XXX") == (None, "unknown country")
    assert clean_date("07/02/1984", ("%m/%d/%Y",), TODAY, True, 1900) == ("1984-07-02", None)
    assert clean_date("07/02/1984", ("%d/%m/%Y",), TODAY, True, 1900) == ("1984-02-07", None)
    assert clean_date("13/02/1990", ("%m/%d/%Y",), TODAY, True, 1900)[1] == "invalid date (expected %m/%d/%Y)"
    assert clean_date("2090-01-01", (), TODAY, True, 1900) == (None, "date in the future")
    assert clean_date("1850-01-01", (), TODAY, True, 1900) == (None, "date before 1900")
    assert clean_date("2025-02-30", (), TODAY, False, 1800)[0] is None
    assert clean_date("2025-03-14T10:11:12", (), TODAY, False, 1800) == ("2025-03-14T10:11:12", None)
    assert clean_number("14", 1, None, True) == ("14", None)
    assert clean_number("-3", 1, None, True) == (None, "below minimum 1")
    assert clean_number("4,200.50", 0, None, False) == ("4200.5", None)
    assert clean_number("many", None, None, False) == (None, "not a number")
    assert clean_identifier("g 1234-5678", True) == ("G12345678", None)
    assert reorder_name("HERNANDEZ ORTIZ,  JOSE LUIS", "auto") == "JOSE LUIS HERNANDEZ ORTIZ"
    assert reorder_name("José Luis Hernández", "given_first") == "José Luis Hernández"
    assert clean_typed("name", "  José   Luis ") == ("José Luis", None)
    assert clean_typed("gender", "F") == ("female", None)
