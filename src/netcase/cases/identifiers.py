"""Normalising the strong identifiers that deconfliction compares.

Two agencies rarely write a phone number, an account or a plate the same way; deconfliction only
works if both sides are reduced to one form first. Phones go to E.164 (``phonenumbers``), trying
the number as international first and then as a local number of the task force's countries;
accounts, plates and document numbers keep only letters and digits, upper case.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime

import phonenumbers

# Regions tried for a number written without a country code, in order: most task-force records
# are U.S. or Mexican numbers; Central American numbers are 8 digits and unambiguous by length.
_REGIONS: tuple[str, ...] = ("US", "MX", "GT", "SV", "HN")


def normalize_phone(raw: str | None) -> str | None:
    """E.164 form of ``raw`` (``+15125550134``), or None if it cannot be a telephone number.

    The same rule as the ingest cleaner (``netcase.ingest.clean.clean_phone``), so a target's phone
    equals the phone of the same number in any ingested record: a number valid in some region
    wins, else a *possible* one (new number ranges are missing from libphonenumber's metadata).
    """
    if raw is None:
        return None
    digits = re.sub(r"[^\d+]", "", raw)
    if len(digits.lstrip("+")) < 6:
        return None
    if re.fullmatch(r"(\+|00)521\d{10}", digits):
        # Mexico dropped the mobile "1" after +52 in 2019; old records still carry it.
        raw = digits = "+52" + digits[-10:]
    attempts: list[tuple[str, str | None]] = []
    if digits.startswith("+"):
        attempts.append((digits, None))
    attempts.extend((raw, region) for region in _REGIONS)
    if not digits.startswith("+"):
        attempts.append(("+" + digits, None))
    possible: str | None = None
    for text, region in attempts:
        try:
            num = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(num):
            return phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
        if possible is None and phonenumbers.is_possible_number(num):
            possible = phonenumbers.format_number(num, phonenumbers.PhoneNumberFormat.E164)
    return possible


def normalize_token(raw: str | None) -> str | None:
    """Account, plate or document number: letters and digits only, upper case; None if empty."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFKD", raw)
    out = "".join(ch for ch in text if ch.isalnum() and ord(ch) < 128).upper()
    return out or None


def normalize_name(raw: str | None) -> str | None:
    """A name reduced for equality tests: accents dropped, upper case, single spaces."""
    if raw is None:
        return None
    text = unicodedata.normalize("NFKD", raw)
    text = "".join(ch for ch in text if not unicodedata.combining(ch))
    text = re.sub(r"[^A-Za-z0-9 ]+", " ", text).upper()
    text = " ".join(text.split())
    return text or None


def parse_date(raw: str | None) -> date | None:
    """ISO ``YYYY-MM-DD`` (or an ISO datetime's date); None if empty. Raises ValueError if bad."""
    if raw is None or not raw.strip():
        return None
    text = raw.strip()
    if len(text) > 10:
        return datetime.fromisoformat(text).date()
    return date.fromisoformat(text)


def parse_datetime(raw: str | None) -> datetime | None:
    """ISO datetime; None if empty. Raises ValueError if bad. Offsets are dropped after UTC shift."""
    if raw is None or not raw.strip():
        return None
    value = datetime.fromisoformat(raw.strip().replace("Z", "+00:00"))
    if value.tzinfo is not None:
        from datetime import UTC

        value = value.astimezone(UTC).replace(tzinfo=None)
    return value
