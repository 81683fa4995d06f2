"""Value cleaning for ingest: FtM property types, with the options agency exports need, cached.

Cleaning one value with FtM (``registry.<type>.clean``) or ``phonenumbers`` costs microseconds; a
world of millions of rows repeats the same phones, countries, dates and names many times, so every
cleaner keeps a bounded cache keyed by (raw value, options). A cleaner returns ``(value, None)``
on success, ``(None, reason)`` when the value is refused; the caller decides whether a refusal
drops the value or the row.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Sequence
from datetime import date, datetime
from functools import lru_cache
from typing import Any

import phonenumbers
import pyarrow as pa
import pyarrow.compute as pc
from followthemoney import registry

Result = tuple[str | None, str | None]

_SPACE = re.compile(r"\s+")
_NOT_ALNUM = re.compile(r"[^0-9A-Za-z]")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}(T\d{2}:\d{2}(:\d{2})?)?$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)$")
_NOT_PHONE = re.compile(r"[^\d+]")
CACHE_SIZE = 1 << 16


def collapse(text: str) -> str:
    """Strip and collapse runs of whitespace."""
    return _SPACE.sub(" ", text).strip()


@lru_cache(maxsize=1)
def country_codes() -> dict[str, str]:
    """ISO alpha-2 and alpha-3 codes (lower case) → FtM's country code.

    Built from rigour's territory table once; FtM's own ``country.clean`` matches names through
    an index that takes seconds to build, which a code never needs.
    """
    from rigour.territories import get_territories

    out: dict[str, str] = {}
    for t in get_territories():
        target = t.ftm_country or t.code
        if not target or not t.is_ftm and not t.ftm_country:
            continue
        out.setdefault(t.code.lower(), target)
        if t.alpha3:
            out.setdefault(t.alpha3.lower(), target)
        for name in (t.name, t.full_name):
            if name:
                out.setdefault(name.lower(), target)
    return out


@lru_cache(maxsize=CACHE_SIZE)
def clean_country(raw: str) -> Result:
    """ISO alpha-2 lower case (FtM's form) from alpha-2, alpha-3 or an English country name."""
    text = raw.strip()
    code = country_codes().get(text.lower())
    if code is not None:
        return code, None
    if len(text) <= 3:
        return None, "unknown country"
    value = registry.country.clean(text)
    if value is None:
        return None, "unknown country"
    return value, None


@lru_cache(maxsize=CACHE_SIZE)
def clean_phone(raw: str, regions: tuple[str, ...], hint: str | None = None) -> Result:
    """E.164 from a number in local or international form, trying each dialing region in turn.

    ``hint`` is the row's own country (from a country field), tried first and trusted for a
    national number of the right length; ``regions`` are defaults. Otherwise a valid number (per
    libphonenumber's metadata) wins; failing that a *possible* number (right length for the
    region) is kept, because exports carry new number ranges the metadata lacks.
    """
    digits = _NOT_PHONE.sub("", raw)
    bare = digits.lstrip("+")
    if len(bare) < 6:
        return None, "invalid phone number"
    if len(bare) == 13 and digits.startswith(("+521", "521")):
        # Mexico dropped the mobile "1" after +52 in 2019; old contact lists still carry it.
        digits = "+52" + bare[3:]
        raw = digits
    fast = _fast_phone(digits, (hint,) if hint else ())
    if fast is not None:
        return fast, None
    if hint and regions[:1] != (hint,):
        regions = (hint, *[r for r in regions if r != hint])
    if raw != digits and len(raw) <= 250 and _PLAIN_PHONE.fullmatch(raw):
        # ``parse_phone`` reads a plain text by its digits alone: "(656) 981-3981" and
        # "6569813981" share their parses (``_judge``'s cache).
        raw = digits
    attempts: list[tuple[str, str | None]] = []
    if digits.startswith("+"):
        attempts.append((digits, None))
    attempts.extend((raw, r.upper()) for r in regions)
    if not digits.startswith("+"):
        attempts.append(("+" + digits, None))
    # A valid parse wins; only without one is the first *possible* parse wanted, so the
    # possibility test waits until every attempt has failed validation.
    invalid: list[tuple[int, str]] = []
    for text, region in attempts:
        got = _judge(text, region)
        if got is None:
            continue
        cc, nsn, valid = got
        # ``format_number(…, E164)`` of a parsed number is "+", the calling code and the NSN.
        if valid:
            return f"+{cc}{nsn}", None
        invalid.append((cc, nsn))
    for cc, nsn in invalid:
        if _is_possible(cc, nsn):
            return f"+{cc}{nsn}", None
    return None, "invalid phone number"


@lru_cache(maxsize=CACHE_SIZE)
def _judge(text: str, region: str | None) -> tuple[int, str, bool] | None:
    """``parse_phone(text, region)`` and whether the number is valid, None where it does not parse.

    One number is tried in several regions, and the same (text, region) recurs across the hints
    of a column and the texts that share their digits.
    """
    got = parse_phone(text, region)
    if got is None:
        return None
    cc, nsn = got
    return cc, nsn, is_valid_nsn(cc, nsn)


# -- phonenumbers.parse for plain digits ---------------------------------------------------------
# ``phonenumbers.parse`` spends most of its time on the general text: finding the number in it,
# checking it looks like one, looking for an extension, normalising each character (Unicode
# digits, letters of vanity numbers). A text of ASCII digits with only spaces, dashes, dots and
# brackets, or "+" and digits, needs none of that: its digits are the number. ``parse_phone``
# follows ``parse`` step by step for such a text with libphonenumber's own helpers (international
# prefix, calling code, national prefix and carrier code, possible lengths) and hands any other
# text, or a case it does not follow, to ``parse``.
_PLAIN_PHONE = re.compile(r"[0-9 ().\-]+")
_PLUS_DIGITS = re.compile(r"\+[0-9]+")
_NOT_DIGIT = re.compile(r"[^0-9]")
try:
    from phonenumbers import phonenumberutil as _pnu

    _EXTRACT_CC = _pnu._extract_country_code
    _PREFIX_AS_IDD = _pnu._parse_prefix_as_idd
    _STRIP_NATIONAL_PREFIX = _pnu._maybe_strip_national_prefix_carrier_code
    _MATCH_NATIONAL = _pnu._match_national_number
    _TEST_LENGTH = _pnu._test_number_length
    _SUPPORTED = phonenumbers.SUPPORTED_REGIONS
    _VR = phonenumbers.ValidationResult
    _KEEP_UNSTRIPPED = (_VR.TOO_SHORT, _VR.IS_POSSIBLE_LOCAL_ONLY, _VR.INVALID_LENGTH)
    _FOLLOWED = True
except (ImportError, AttributeError):  # pragma: no cover - another libphonenumber: parse everything
    _FOLLOWED = False


_IDD: dict[str, re.Pattern[str]] = {}  # international prefixes, compiled


class _Unfollowed(Exception):
    """A case ``_parse_digits`` leaves to ``phonenumbers.parse``."""


def parse_phone(text: str, region: str | None) -> tuple[int, str] | None:
    """``phonenumbers.parse(text, region)`` as (calling code, national significant number);
    None where ``parse`` raises ``NumberParseException``."""
    if _FOLLOWED and len(text) <= 250:
        try:
            if _PLAIN_PHONE.fullmatch(text):
                digits = _NOT_DIGIT.sub("", text)
                if len(digits) >= 3:
                    return _parse_digits(digits, False, region)
            elif _PLUS_DIGITS.fullmatch(text):
                return _parse_digits(text[1:], True, region)
        except _Unfollowed:
            pass
    try:
        num = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return num.country_code or 0, phonenumbers.national_significant_number(num)


def _parse_digits(d: str, plus: bool, region: str | None) -> tuple[int, str] | None:
    """``parse`` of a plain text whose digits are ``d`` (after a "+" when ``plus``)."""
    md = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None) if region is not None else None
    cc = 0
    nnn = ""
    if plus:
        # A "+": the calling code follows.
        if len(d) <= 2:
            return None
        cc, nnn = _EXTRACT_CC(d)
        if cc == 0:
            raise _Unfollowed  # ``parse`` retries without the "+"
    else:
        if region is None or region not in _SUPPORTED:
            return None  # no region and no "+"
        assert md is not None
        idd = md.international_prefix if md.international_prefix is not None else "NonMatch"
        idd_re = _IDD.get(idd)
        if idd_re is None:
            idd_re = _IDD[idd] = re.compile(idd)
        stripped, rest = _PREFIX_AS_IDD(idd_re, d)
        if stripped:
            # The region's international prefix (011, 00): the calling code follows.
            if len(rest) <= 2:
                return None
            cc, nnn = _EXTRACT_CC(rest)
            if cc == 0:
                return None
        else:
            own = str(md.country_code)
            if d.startswith(own):
                # The region's own calling code without the "+", if the rest is a better number.
                _, pot, _ = _STRIP_NATIONAL_PREFIX(d[len(own):], md)
                general = md.general_desc
                if (not _MATCH_NATIONAL(d, general, False) and _MATCH_NATIONAL(pot, general, False)) or (
                    _TEST_LENGTH(d, md) == _VR.TOO_LONG
                ):
                    cc, nnn = md.country_code or 0, pot
    if cc != 0:
        number_region = phonenumbers.region_code_for_country_code(cc)
        if number_region != region:
            md = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(cc, number_region)
            if md is None:
                raise _Unfollowed
    else:
        assert md is not None
        nnn = d
        cc = md.country_code or 0
    if len(nnn) < 2:
        return None
    if md is not None:
        _, pot, _ = _STRIP_NATIONAL_PREFIX(nnn, md)
        if _TEST_LENGTH(pot, md) not in _KEEP_UNSTRIPPED:
            nnn = pot
    if len(nnn) < 2 or len(nnn) > 17:
        return None
    # Leading zeros are kept as "Italian" zeros: the national significant number is the text.
    return cc, nnn


def _is_possible(cc: int, nsn: str) -> bool:
    """``is_possible_number_with_reason(…) == IS_POSSIBLE`` for the parsed number (cc, nsn)."""
    num = phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn))
    if len(nsn) > 1 and nsn[0] == "0":
        zeros = len(nsn) - len(nsn.lstrip("0"))
        num.italian_leading_zero = True
        zeros = min(zeros, len(nsn) - 1)
        if zeros != 1:
            num.number_of_leading_zeros = zeros
    return bool(phonenumbers.is_possible_number_with_reason(num) == phonenumbers.ValidationResult.IS_POSSIBLE)


@lru_cache(maxsize=512)
def _region_info(region: str) -> tuple[str, frozenset[int], str] | None:
    """Calling code, national-number lengths of mobile and fixed lines, and trunk prefix of a region."""
    md = phonenumbers.PhoneMetadata.metadata_for_region(region.upper())
    if md is None:
        return None
    lengths: set[int] = set()
    for desc in (md.mobile, md.fixed_line):
        if desc is not None and desc.possible_length:
            lengths.update(n for n in desc.possible_length if n > 0)
    if not lengths and md.general_desc is not None:
        lengths.update(md.general_desc.possible_length or ())
    return str(md.country_code), frozenset(lengths), md.national_prefix or ""


def _international_length_ok(d: str) -> bool:
    """Whether the digits after a "+" are a calling code (the first of one to three digits that is
    one) followed by a national number of one of its first region's lengths."""
    for n in (1, 2, 3):
        cc = d[:n]
        owners = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(cc)) if cc.isdigit() else None
        if owners:
            info = _region_info(owners[0])
            return info is not None and len(d) - n in info[1]
    return False


def _fast_phone(digits: str, regions: tuple[str, ...]) -> str | None:
    """E.164 by length alone, when the number's form leaves no doubt; None sends it to the full parse.

    libphonenumber's parse-and-validate costs about a millisecond in Python; most numbers in
    exports are either international (``+CC…``) or national in the one country the row names, and
    for those the calling code and the national number's length settle it.
    """
    if digits.startswith("+"):
        return digits if _international_length_ok(digits[1:]) else None
    if not regions:
        return None  # a national number without the row's country: leave it to validation
    info = _region_info(regions[0])
    if info is not None and not (digits.startswith(info[0]) and len(digits) - len(info[0]) in info[1]):
        for region in regions[1:]:
            # International form without the "+": the calling code of a likely region, then a
            # national number of that region's length (50251234567 → +502 5123 4567).
            other = _region_info(region)
            if other is not None and other[0] != "1" and digits.startswith(other[0]) and (
                len(digits) - len(other[0]) in other[1]
            ):
                return "+" + digits
    if info is None:
        return None
    cc, lengths, trunk = info
    out: str | None = None
    if digits.startswith(cc) and len(digits) - len(cc) in lengths:
        out = "+" + digits
    elif len(digits) in lengths:
        out = "+" + cc + digits
    elif trunk and digits.startswith(trunk) and len(digits) - len(trunk) in lengths:
        out = "+" + cc + digits[len(trunk):]
    if out is not None and cc == "1" and not _nanp_valid(out[2:]):
        # NANP and Mexico both use ten digits: a US-hinted 899-… is a Reynosa number, which only
        # the area-code tables tell apart.
        return None
    return out


def _nanp_valid(national: str) -> bool:
    """``is_valid_number(parse("+1" + national))``, without the parse where it cannot differ.

    A ten-digit national number that starts with 2-9 parses to exactly (1, int(national)), with
    no leading zero or national prefix to strip, so its national significant number is the text
    itself. Anything else takes the full parse.
    """
    if len(national) == 10 and national.isdigit() and national[0] in "23456789":
        return is_valid_nsn(1, national)
    try:
        return is_valid_number(phonenumbers.parse("+1" + national, None))
    except phonenumbers.NumberParseException:
        return False


# -- phone validity without libphonenumber's per-call overhead ---------------------------------
# ``phonenumbers.is_valid_number`` finds the number's region (for a calling code shared by
# several regions, by leading digits or by validating against each region in turn) and then
# tests the national number against up to eleven patterns of that region, one Python call and
# one regex each. The same answer comes from two regexes per (region, length), built once from
# the same metadata: the general description's pattern, and the alternation of every number
# type's pattern that admits that length (a number is valid when its type is not UNKNOWN).

# The number types ``_number_type_helper`` tries after the general description.
_TYPE_DESCS = ("premium_rate", "toll_free", "shared_cost", "voip", "personal_number", "pager", "uan",
               "voicemail", "fixed_line")
_Patterns = tuple[re.Pattern[str], re.Pattern[str]] | None
_TYPE_PATTERNS: dict[tuple[int, int], _Patterns] = {}


def _admits(desc: Any, length: int) -> bool:
    """``_is_number_matching_desc`` short of the pattern: the description exists, admits the
    length (an empty list of lengths admits any) and has a pattern."""
    if desc is None:
        return False
    lengths = desc.possible_length
    if len(lengths) > 0 and length not in lengths:
        return False
    return bool(desc.national_number_pattern)


def _build_patterns(md: Any, length: int) -> _Patterns:
    if not _admits(md.general_desc, length):
        return None
    descs = [getattr(md, name) for name in _TYPE_DESCS]
    if not md.same_mobile_and_fixed_line_pattern:
        descs.append(md.mobile)
    alts = [d.national_number_pattern for d in descs if _admits(d, length)]
    if not alts:
        return None
    return re.compile(md.general_desc.national_number_pattern), re.compile("|".join(f"(?:{a})" for a in alts))


def _has_type(md: Any, nsn: str) -> bool:
    """``_number_type_helper(nsn, md) != PhoneNumberType.UNKNOWN``."""
    key = (id(md), len(nsn))
    try:
        pats = _TYPE_PATTERNS[key]
    except KeyError:
        pats = _TYPE_PATTERNS[key] = _build_patterns(md, len(nsn))
    return pats is not None and pats[0].fullmatch(nsn) is not None and pats[1].fullmatch(nsn) is not None


@lru_cache(maxsize=1024)
def _calling_code_plan(cc: int) -> tuple[tuple[str, Any, re.Pattern[str] | None, Any], ...]:
    """The regions of calling code ``cc`` in libphonenumber's order: (region, its metadata for
    finding the region, its leading-digits pattern, its metadata for validating a number of
    ``cc`` or None when such a number is never valid there)."""
    regions = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(cc)
    if regions is None:
        return ()
    out = []
    for region in regions:
        geo = phonenumbers.PhoneMetadata.metadata_for_region(region.upper(), None)
        lead = re.compile(geo.leading_digits) if geo is not None and geo.leading_digits is not None else None
        md = phonenumbers.PhoneMetadata.metadata_for_region_or_calling_code(cc, region.upper())
        if md is not None and region != phonenumbers.REGION_CODE_FOR_NON_GEO_ENTITY and (
            geo is None or cc != geo.country_code
        ):
            md = None
        out.append((region, geo, lead, md))
    return tuple(out)


def is_valid_nsn(cc: int, nsn: str) -> bool:
    """``phonenumbers.is_valid_number`` of the number with calling code ``cc`` and national
    significant number ``nsn`` (digits, leading zeros included)."""
    plan = _calling_code_plan(cc)
    if not plan:
        return False
    if len(plan) == 1:
        md = plan[0][3]
        return md is not None and _has_type(md, nsn)
    # ``region_code_for_number``: the first region whose leading digits match, or (for a region
    # without them) for which the number is valid.
    for _region, geo, lead, md in plan:
        if geo is None:
            continue
        if lead is not None:
            if lead.match(nsn):
                return md is not None and _has_type(md, nsn)
        elif _has_type(geo, nsn):
            return md is not None and (md is geo or _has_type(md, nsn))
    return False


def is_valid_number(num: phonenumbers.PhoneNumber) -> bool:
    """``phonenumbers.is_valid_number``, a few times faster (see ``is_valid_nsn``)."""
    return is_valid_nsn(num.country_code or 0, phonenumbers.national_significant_number(num))


@lru_cache(maxsize=CACHE_SIZE)
def region_hint(raw: str) -> str | None:
    """A dialing region from a country (``GTM``, ``gt``, ``Guatemala``) or an international phone number."""
    if not any(ch.isdigit() for ch in raw):
        return clean_country(raw)[0]
    digits = _NOT_PHONE.sub("", raw)
    if len(digits) < 8:
        return None
    try:
        parsed = phonenumbers.parse(digits if digits.startswith("+") else "+" + digits, None)
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    return region.lower() if region and region != "ZZ" else None


@lru_cache(maxsize=CACHE_SIZE)
def clean_date(raw: str, formats: tuple[str, ...], today: date, not_future: bool, min_year: int) -> Result:
    """An ISO date (or date-time prefix) from explicit ``strptime`` formats, or ISO when none given."""
    value: str | None = None
    parsed: date | None = None
    text = raw.strip()
    if formats:
        for fmt in formats:
            plain = _plain_date(fmt)
            if plain is not None and (m := plain[0].fullmatch(text)) is not None:
                # Two-digit day and month, four-digit year: ``strptime`` reads exactly these
                # numbers, and refuses what ``date`` refuses.
                fields = dict(zip(plain[1], map(int, m.groups()), strict=True))
                try:
                    parsed = date(fields["Y"], fields["m"], fields["d"])
                except ValueError:
                    continue
                value = parsed.isoformat()
                break
            try:
                dt = datetime.strptime(text, fmt)
            except ValueError:
                continue
            has_time = any(code in fmt for code in ("%H", "%M", "%S"))
            value = dt.isoformat(timespec="seconds") if has_time else dt.date().isoformat()
            parsed = dt.date()
            break
        if value is None:
            return None, f"invalid date (expected {' or '.join(formats)})"
    elif _ISO.match(text):
        # The common case, ISO already: check the calendar date, keep the text.
        value = text[:19]
        try:
            parsed = date.fromisoformat(text[:10])
        except ValueError:
            return None, "invalid date (expected ISO 8601)"
    else:
        value = registry.date.clean(text)
        if value is None:
            return None, "invalid date (expected ISO 8601)"
        if len(value) >= 10:
            try:
                parsed = date.fromisoformat(value[:10])
            except ValueError:
                return None, "invalid date (expected ISO 8601)"
    if parsed is not None:
        if not_future and parsed > today:
            return None, "date in the future"
        if parsed.year < min_year:
            return None, f"date before {min_year}"
    elif not_future and value[:4].isdigit() and int(value[:4]) > today.year:
        return None, "date in the future"
    return value, None


@lru_cache(maxsize=256)
def _plain_date(fmt: str) -> tuple[re.Pattern[str], tuple[str, ...]] | None:
    """For a format of ``%d``, ``%m`` and ``%Y`` between "/", "-" or "." (``%m/%d/%Y``), a
    pattern of the strictly written dates (``07/01/2023``) and the order of its fields."""
    parts = re.split(r"(%[dmY])", fmt)
    lits, codes = parts[0::2], tuple(p[1] for p in parts[1::2])
    if sorted(codes) != ["Y", "d", "m"] or any(ch not in "/-." for lit in lits for ch in lit) or not all(lits[1:3]):
        return None  # (fields side by side, 20230701, are split by strptime's backtracking)
    width = {"Y": 4, "m": 2, "d": 2}
    regex = "".join(re.escape(lit) + (f"([0-9]{{{width[codes[i]]}}})" if i < len(codes) else "")
                    for i, lit in enumerate(lits))
    return re.compile(regex), codes


@lru_cache(maxsize=CACHE_SIZE)
def clean_number(raw: str, minimum: float | None, maximum: float | None, integer: bool) -> Result:
    """A decimal number as text (``14``, ``2500.5``), with optional bounds."""
    text = raw.strip().replace(",", "").replace("$", "")
    if not _NUMBER.match(text):
        return None, "not a number"
    num = float(text)
    if integer and not num.is_integer():
        return None, "not a whole number"
    if minimum is not None and num < minimum:
        return None, f"below minimum {minimum:g}"
    if maximum is not None and num > maximum:
        return None, f"above maximum {maximum:g}"
    return (str(int(num)) if num.is_integer() else repr(num)), None


@lru_cache(maxsize=CACHE_SIZE)
def _clean_ftm(type_name: str, raw: str) -> Result:
    value = registry[type_name].clean(raw)
    if value is None:
        return None, f"invalid {type_name}"
    return value, None


def clean_typed(type_name: str, raw: str) -> Result:
    """Clean with FtM's property type ``type_name`` (name, string, address, email, gender, …)."""
    if type_name in ("name", "address") and raw.isascii() and raw.isprintable():
        # For plain printable ASCII, FtM's name/address cleaning is exactly a whitespace collapse
        # (checked on a synthetic world's every value); skip its Unicode work.
        text = " ".join(raw.split())
        return (text, None) if text else (None, f"invalid {type_name}")
    if type_name == "name" and raw.isprintable() and unicodedata.is_normalized("NFC", raw):
        return _clean_name_text(raw)
    return _clean_ftm(type_name, raw)


_QUOTES = re.compile(r'^["\'](.*)["\']$')  # normality's ``strip_quotes``


def _clean_name_text(raw: str) -> Result:
    """``registry.name.clean`` of a printable text already in NFC, its steps without their no-ops.

    FtM normalises to NFC (nothing to do), removes unsafe characters (control, format and
    space-like characters: none is printable), strips, strips surrounding quotes and squashes
    whitespace (in printable text the only whitespace is the space).
    """
    text = raw.strip()
    if not text:
        return None, "invalid name"
    if text[0] in "\"'":
        text = _QUOTES.sub("\\1", text)
    text = " ".join(text.split())
    return (text, None) if text else (None, "invalid name")


def clean_identifier(raw: str, compact: bool) -> Result:
    """Identifiers (plates, document and account numbers): upper case, optionally only letters/digits."""
    text = _NOT_ALNUM.sub("", raw).upper() if compact else collapse(raw).upper()
    if not text:
        return None, "empty identifier"
    return text, None


@lru_cache(maxsize=CACHE_SIZE)
def reorder_name(raw: str, order: str) -> str:
    """``SURNAMES, GIVEN`` → ``GIVEN SURNAMES``; ``given_first`` names are only tidied."""
    text = collapse(raw)
    if order in ("surnames_first", "auto") and "," in text:
        surnames, _, given = text.partition(",")
        text = collapse(f"{given} {surnames}")
    return text


def cache_info() -> dict[str, tuple[int, int]]:
    """Hits and misses of each cache (for the benchmark)."""
    fns: Sequence[tuple[str, Callable[..., Result]]] = (
        ("country", clean_country),
        ("phone", clean_phone),
        ("date", clean_date),
        ("number", clean_number),
        ("ftm", _clean_ftm),
    )
    out = {}
    for name, fn in fns:
        info = fn.cache_info()  # type: ignore[attr-defined]
        out[name] = (info.hits, info.misses)
    return out


# -- phones of a column, in Arrow ----------------------------------------------------------------
_PHONE_SHAPE = r"^\+?[0-9]+$"  # the digits (and "+") of a number: one leading "+" at most
_PREFIX = 4  # characters of the digits that decide the fast path (with the length and the hint)


def fast_phone_column(raw: pa.Array, hints: pa.Array | None) -> tuple[pa.Array, pa.Array]:
    """``clean_phone(raw, …, hint)`` of a column where ``_fast_phone`` settles it without NANP
    tables: the E.164 values and a mask of the rows settled (the others go to ``clean_phone``).

    For ASCII text, ``clean_phone``'s first steps and ``_fast_phone`` depend only on the digits'
    first few characters, their length and the hint: each distinct (prefix, length, hint) is
    decided once in Python, as a text to put before the digits and a count of digits to drop.
    """
    # The text work once per distinct text.
    enc0 = raw.dictionary_encode()
    dist = enc0.dictionary
    d_digits = pc.replace_substring_regex(dist, pattern="[^0-9+]", replacement="")
    d_ok = pc.and_(pc.string_is_ascii(dist), pc.match_substring_regex(d_digits, _PHONE_SHAPE))
    d_key = pc.binary_join_element_wise(pc.utf8_slice_codeunits(d_digits, 0, _PREFIX),
                                        pc.cast(pc.utf8_length(d_digits), pa.string()), "|")
    digits = d_digits.take(enc0.indices)
    ok = pc.fill_null(d_ok.take(enc0.indices), False)
    keys = d_key.take(enc0.indices)
    if hints is not None:
        keys = pc.binary_join_element_wise(keys, pc.fill_null(hints, ""), "|")
    enc = keys.dictionary_encode()
    rules = [_fast_rule(k) for k in enc.dictionary.to_pylist()]
    heads = pa.array([r[0] if r else None for r in rules], type=pa.string()).take(enc.indices)
    drops = pa.array([r[1] if r else -1 for r in rules], type=pa.int32()).take(enc.indices)
    ok = pc.and_(ok, pc.fill_null(pc.is_valid(heads), False))
    out = pa.nulls(len(raw), pa.string())
    for drop in sorted({r[1] for r in rules if r}):
        tail = pc.utf8_slice_codeunits(digits, drop)
        out = pc.if_else(pc.fill_null(pc.equal(drops, drop), False), pc.binary_join_element_wise(heads, tail, ""), out)
    if any(r[2] for r in rules if r):
        # NANP numbers: the fast path keeps them when the area code tables say valid.
        nanp = pc.fill_null(pa.array([bool(r and r[2]) for r in rules], type=pa.bool_()).take(enc.indices), False)
        cand = pc.if_else(pc.and_(ok, nanp), out, pa.scalar(None, pa.string()))
        cenc = cand.dictionary_encode()
        valid = pa.array([_nanp_valid(v[2:]) for v in cenc.dictionary.to_pylist()], type=pa.bool_())
        ok = pc.and_(ok, pc.or_(pc.invert(nanp), pc.fill_null(valid.take(cenc.indices), False)))
    return pc.if_else(ok, out, pa.scalar(None, pa.string())), ok


@lru_cache(maxsize=CACHE_SIZE)
def _fast_rule(key: str) -> tuple[str, int, bool] | None:
    """For digits starting ``prefix`` of ``length`` characters and a hint (``prefix|length|hint``),
    what ``clean_phone`` returns on its fast path as (text before, digits dropped, NANP): the value
    is ``before + digits[dropped:]``, kept if it is not NANP or ``_nanp_valid(value[2:])``; None
    when the fast path does not settle it (a refusal, the slow path)."""
    parts = key.split("|")
    prefix, length = parts[0], int(parts[1])
    hint = parts[2] if len(parts) > 2 and parts[2] else None
    plus = prefix.startswith("+")
    bare_len = length - plus
    if bare_len < 6 or length < _PREFIX:
        return None
    # A stand-in with the same first characters and length: the fast path looks no further.
    stand = prefix + "5" * (length - len(prefix))
    drop = 0
    if bare_len == 13 and stand.startswith(("+521", "521")):
        drop = 4 if plus else 3
        stand = "+52" + stand[drop:]
        head = "+52"
    fast = _fast_phone_rule(stand, hint)
    if fast is None:
        return None
    before, dropped, nanp = fast
    if drop:
        # The rewritten digits are "+52" + digits[drop:]; the fast path keeps them whole.
        return (head, drop, False) if (before, dropped, nanp) == ("+", 1, False) else None
    return before, dropped, nanp


def _fast_phone_rule(digits: str, hint: str | None) -> tuple[str, int, bool] | None:
    """``_fast_phone(digits, (hint,))`` as (text before, digits dropped, whether the area code is
    then checked), None where it returns None; the same branches, on a stand-in number."""
    if digits.startswith("+"):
        return ("+", 1, False) if _international_length_ok(digits[1:]) else None
    if not hint:
        return None
    info = _region_info(hint)
    if info is None:
        return None
    cc, lengths, trunk = info
    if len(cc) >= _PREFIX or len(trunk) >= _PREFIX:
        return None
    nanp = cc == "1"  # the area code decides (``_nanp_valid``)
    if digits.startswith(cc) and len(digits) - len(cc) in lengths:
        return "+", 0, nanp
    if len(digits) in lengths:
        return "+" + cc, 0, nanp
    if trunk and digits.startswith(trunk) and len(digits) - len(trunk) in lengths:
        return "+" + cc, len(trunk), nanp
    return None
