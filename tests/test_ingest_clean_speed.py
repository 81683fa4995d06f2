"""The fast phone cleaner gives exactly what the reference (libphonenumber's parse and validate)
gives: the same E.164 text, the same refusals.

The reference is the cleaner as it was before the fast paths (``_ref_clean_phone`` below, a copy),
checked on every phone of synthetic worlds with every hint, and on generated numbers.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Sequence
from datetime import date
from functools import lru_cache
from pathlib import Path

import phonenumbers
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from netcase.ingest import clean as C
from netcase.ingest.readers import detect_encoding
from netcase.synth import generate

REGIONS = ("us", "mx", "gt", "hn", "sv")
ORDERS = (REGIONS, ("mx", "gt", "hn", "sv", "us"), ("gt", "hn", "sv", "mx", "us"), ("hn", "gt", "sv", "mx", "us"),
          ("sv", "gt", "hn", "mx", "us"))
HINTS = (None, "us", "mx", "gt", "hn", "sv", "ca", "sg", "in", "ph", "cn", "th", "es", "gb", "it", "001")
PHONE_FIELDS = {"phone", "phones", "telefono", "device_number", "other_number", "sender_phone", "receiver_phone"}


# -- the reference: clean_phone before the fast paths (libphonenumber's parse and is_valid_number) --
def _ref_clean_phone(raw: str, regions: tuple[str, ...], hint: str | None = None) -> tuple[str | None, str | None]:
    if hint and regions[:1] != (hint,):
        regions = (hint, *[r for r in regions if r != hint])
    digits = re.sub(r"[^\d+]", "", raw)
    if len(digits.lstrip("+")) < 6:
        return None, "invalid phone number"
    if digits.startswith(("+521", "521")) and len(digits.lstrip("+")) == 13:
        digits = "+52" + digits.lstrip("+")[3:]
        raw = digits
    attempts: list[tuple[str, str | None]] = []
    if digits.startswith("+"):
        attempts.append((digits, None))
    attempts.extend((raw, r.upper()) for r in regions)
    if not digits.startswith("+"):
        attempts.append(("+" + digits, None))
    fast = _ref_fast_phone(digits, (hint,) if hint else ())
    if fast is not None:
        return fast, None
    possible: str | None = None
    for text, region in attempts:
        try:
            parsed = phonenumbers.parse(text, region)
        except phonenumbers.NumberParseException:
            continue
        if phonenumbers.is_valid_number(parsed):
            return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164), None
        if possible is None and (
            phonenumbers.is_possible_number_with_reason(parsed) == phonenumbers.ValidationResult.IS_POSSIBLE
        ):
            possible = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    if possible is not None:
        return possible, None
    return None, "invalid phone number"


@lru_cache(maxsize=512)
def _ref_region_info(region: str) -> tuple[str, frozenset[int], str] | None:
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


def _ref_fast_phone(digits: str, regions: tuple[str, ...]) -> str | None:
    if digits.startswith("+"):
        d = digits[1:]
        for n in (1, 2, 3):
            cc = d[:n]
            owners = phonenumbers.COUNTRY_CODE_TO_REGION_CODE.get(int(cc)) if cc.isdigit() else None
            if owners:
                info = _ref_region_info(owners[0])
                if info is not None and len(d) - n in info[1]:
                    return "+" + d
                return None
        return None
    if not regions:
        return None
    info = _ref_region_info(regions[0])
    if info is not None and not (digits.startswith(info[0]) and len(digits) - len(info[0]) in info[1]):
        for region in regions[1:]:
            other = _ref_region_info(region)
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
    if out is not None and cc == "1":
        national = out[2:]
        try:
            valid = phonenumbers.is_valid_number(phonenumbers.parse("+1" + national, None))
        except phonenumbers.NumberParseException:
            valid = False
        if not valid:
            return None
    return out


# -- fixtures --------------------------------------------------------------------------------------
def _phones_of(world: Path) -> list[str]:
    """Every text in a phone field of the world's CSV and JSON-lines files."""
    out: set[str] = set()

    def walk(obj: object, key: str | None = None) -> None:
        if isinstance(obj, dict):
            for k, v in obj.items():
                walk(v, k)
        elif isinstance(obj, list):
            for v in obj:
                walk(v, key)
        elif isinstance(obj, str) and key in PHONE_FIELDS and obj:
            out.add(obj)

    for path in sorted(world.rglob("*")):
        if path.suffix == ".csv" and "truth" not in path.parts:
            with path.open(encoding=detect_encoding(path), newline="") as fh:
                for row in csv.DictReader(fh):
                    for k, v in row.items():
                        if k in PHONE_FIELDS and v:
                            out.add(v)
        elif path.suffix == ".jsonl":
            for line in path.read_text(encoding=detect_encoding(path)).splitlines():
                if line.strip():
                    walk(json.loads(line))
    return sorted(out)


@pytest.fixture(scope="module")
def world_phones(tmp_path_factory: pytest.TempPathFactory) -> list[str]:
    phones: set[str] = set()
    for seed in (1, 2):
        out = tmp_path_factory.mktemp(f"world{seed}")
        generate(scale="tiny", seed=seed, out=out)
        phones.update(_phones_of(out))
    assert len(phones) > 1000
    return sorted(phones)


# -- tests -----------------------------------------------------------------------------------------
def test_world_phones_clean_as_the_reference(world_phones: list[str]) -> None:
    bad = []
    for raw in world_phones:
        for hint in HINTS:
            for regions in ORDERS[:2]:
                got = C.clean_phone.__wrapped__(raw, regions, hint)  # type: ignore[attr-defined]
                want = _ref_clean_phone(raw, regions, hint)
                if got != want:
                    bad.append((raw, regions, hint, got, want))
    assert not bad, bad[:20]


_FORMATTED = st.one_of(
    st.text("0123456789", min_size=1, max_size=18),
    st.builds(lambda p, d: p + d, st.sampled_from(["+", "+1", "+52", "+52 1 ", "+502", "+503", "+504", "52", "521",
                                                   "1-", "00", "011", "01", "044 ", "0"]),
              st.text("0123456789", min_size=4, max_size=14)),
    st.from_regex(r"\(?[0-9]{2,4}\)?[ .-]?[0-9]{3,4}[ -]?[0-9]{3,4}", fullmatch=True),
    st.from_regex(r"[+]?[0-9 ()\-.x#,;/a-zA-Z]{6,22}", fullmatch=True),
)


@settings(max_examples=3000, deadline=None)
@given(raw=_FORMATTED, regions=st.sampled_from(ORDERS), hint=st.sampled_from(HINTS))
def test_generated_numbers_clean_as_the_reference(raw: str, regions: tuple[str, ...], hint: str | None) -> None:
    assert C.clean_phone.__wrapped__(raw, regions, hint) == _ref_clean_phone(raw, regions, hint)  # type: ignore[attr-defined]


def _ref_valid(cc: int, nsn: str) -> bool:
    num = phonenumbers.PhoneNumber(country_code=cc, national_number=int(nsn))
    zeros = len(nsn) - len(nsn.lstrip("0"))
    if zeros and len(nsn) > 1:
        num.italian_leading_zero = True
        num.number_of_leading_zeros = zeros if zeros > 1 else None
    return bool(phonenumbers.is_valid_number(num))


@settings(max_examples=3000, deadline=None)
@given(cc=st.sampled_from(sorted(phonenumbers.COUNTRY_CODE_TO_REGION_CODE)),
       nsn=st.text("0123456789", min_size=2, max_size=17).filter(lambda s: s.strip("0") != ""))
def test_validity_is_libphonenumbers(cc: int, nsn: str) -> None:
    assert C.is_valid_nsn(cc, nsn) == _ref_valid(cc, nsn)


def test_validity_on_example_numbers() -> None:
    """Every region's example numbers of every type (valid), and their neighbours (mostly not)."""
    checked = valid = 0
    for cc, regions in phonenumbers.COUNTRY_CODE_TO_REGION_CODE.items():
        for region in regions:
            for numtype in range(12):
                ex = (phonenumbers.example_number_for_non_geo_entity(cc) if region == "001"
                      else phonenumbers.example_number_for_type(region, numtype))
                if ex is None:
                    continue
                nsn = phonenumbers.national_significant_number(ex)
                for variant in {nsn, nsn[:-1] + str((int(nsn[-1]) + 1) % 10), nsn[:-1], nsn + "5",
                                str((int(nsn[0]) + 1) % 10) + nsn[1:]}:
                    if len(variant) < 2 or not variant.strip("0"):
                        continue
                    want = _ref_valid(cc, variant)
                    assert C.is_valid_nsn(cc, variant) == want, (cc, region, variant)
                    checked += 1
                    valid += want
    assert checked > 5000 and valid > 1000


# -- text cleaned in Arrow -------------------------------------------------------------------------
_SPACES = "".join(chr(c) for c in range(0x3100) if chr(c).isspace())
_TEXT = st.text(st.one_of(st.sampled_from(list(" ,,'\"-.ABCabcz09ÍñÑßéü" + _SPACES + "\x00\x07\u200b")),
                          st.characters(exclude_categories=["Cs"])), max_size=24)


@pytest.mark.parametrize(("prop_type", "order", "compact"), [
    ("string", "auto", False), ("text", "auto", False), ("identifier", "auto", True),
    ("identifier", "auto", False), ("name", "auto", False), ("name", "surnames_first", False),
    ("name", "given_first", False), ("address", "auto", False),
])
@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.one_of(st.none(), _TEXT, st.from_regex(r"[A-Z ]{0,8},? ?[A-Za-z ,]{0,12}", fullmatch=True)),
                      min_size=1, max_size=30))
def test_text_cleaned_in_arrow_as_in_python(prop_type: str, order: str, compact: bool, texts: list[str | None]) -> None:
    import pyarrow as pa

    from netcase.ingest.loader import _cleaner, vector_clean
    from netcase.ingest.mapping import FieldPath, Source

    s = Source(key="k", prop="p", prop_type=prop_type, field=FieldPath.parse("x"), order=order, compact=compact)
    py = _cleaner(s, date(2026, 1, 1))
    got = vector_clean(s, pa.array(texts, type=pa.string()))
    assert got is not None
    values, done = got
    for i, raw in enumerate(texts):
        if done is not None and not done[i].as_py():
            continue  # left to the Python cleaner
        want = (None, None) if not raw else py(raw, None)
        assert (values[i].as_py(), None) == want, (raw, want)


def test_whitespace_sets_agree() -> None:
    """Python's ``\\s``, ``str.split`` and ``str.strip`` and the RE2 class in Arrow: one set."""
    import pyarrow as pa
    import pyarrow.compute as pc

    from netcase.ingest.loader import _WS_RUN

    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    py = {ch for ch in every if ch.isspace()}
    assert py == {ch for ch in every if re.fullmatch(r"\s", ch)} == {ch for ch in every if not ch.strip()}
    marked = pc.match_substring_regex(pa.array(every), "^" + _WS_RUN + "$").to_pylist()
    assert {ch for ch, m in zip(every, marked, strict=True) if m} == py


def _ref_parse(text: str, region: str | None) -> tuple[int, str] | None:
    try:
        num = phonenumbers.parse(text, region)
    except phonenumbers.NumberParseException:
        return None
    return num.country_code or 0, phonenumbers.national_significant_number(num)


_ALL_REGIONS = sorted(phonenumbers.SUPPORTED_REGIONS)


@settings(max_examples=4000, deadline=None)
@given(raw=_FORMATTED, region=st.one_of(st.none(), st.sampled_from(["MX", "GT", "SV", "HN", "US", "CA", "001", "ZZ"]),
                                        st.sampled_from(_ALL_REGIONS)))
def test_parse_is_libphonenumbers(raw: str, region: str | None) -> None:
    assert C.parse_phone(raw, region) == _ref_parse(raw, region)


def test_parse_of_world_phones_in_every_region(world_phones: list[str]) -> None:
    """The world's phones, bare digits and "+" forms, parsed for every region libphonenumber knows."""
    bad = []
    texts = sorted({t for raw in world_phones[::7] for t in (raw, re.sub(r"[^\d]", "", raw), "+" + re.sub(r"[^\d]", "", raw))})
    for text in texts:
        for region in (None, *_ALL_REGIONS[::3], "MX", "GT", "SV", "HN", "US"):
            if C.parse_phone(text, region) != _ref_parse(text, region):
                bad.append((text, region))
    assert not bad, bad[:20]


# -- names and dates -------------------------------------------------------------------------------
@settings(max_examples=3000, deadline=None)
@given(raw=st.one_of(_TEXT, st.from_regex(r"[\"']?[A-ZÁÉÍÓÚÑ a-záéíóúñ]{0,12}[\"']?", fullmatch=True)))
def test_names_clean_as_ftm(raw: str) -> None:
    from followthemoney import registry

    if raw.isascii() and raw.isprintable():
        return  # the older whitespace-only path (FtM would also strip surrounding quotes)
    want = registry.name.clean(raw)
    assert C.clean_typed("name", raw) == ((want, None) if want is not None else (None, "invalid name"))


def _ref_clean_date(raw: str, formats: tuple[str, ...], today: date, not_future: bool,
                    min_year: int) -> tuple[str | None, str | None]:
    """``clean_date`` of explicit formats before the fast path (``strptime`` only)."""
    from datetime import datetime

    value: str | None = None
    parsed: date | None = None
    text = raw.strip()
    for fmt in formats:
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
    assert parsed is not None
    if not_future and parsed > today:
        return None, "date in the future"
    if parsed.year < min_year:
        return None, f"date before {min_year}"
    return value, None


_DATE_FORMATS = (("%m/%d/%Y",), ("%d/%m/%Y",), ("%Y-%m-%d",), ("%d/%m/%Y", "%Y-%m-%d"), ("%Y%m%d",),
                 ("%d.%m.%Y", "%m/%d/%Y"), ("%d-%m-%Y %H:%M",))


@settings(max_examples=3000, deadline=None)
@given(raw=st.one_of(st.from_regex(r" ?[0-9]{1,4}[/.\-][0-9]{1,4}[/.\-][0-9]{1,5} ?", fullmatch=True),
                     st.from_regex(r"[0-9]{8}", fullmatch=True),
                     st.dates().map(lambda d: d.strftime("%m/%d/%Y")), st.dates().map(lambda d: d.strftime("%d/%m/%Y")),
                     st.dates().map(lambda d: d.isoformat()), st.text("0123456789/-. ", max_size=12)),
       formats=st.sampled_from(_DATE_FORMATS), not_future=st.booleans())
def test_dates_read_as_strptime_reads_them(raw: str, formats: tuple[str, ...], not_future: bool) -> None:
    today = date(2026, 1, 15)
    got = C.clean_date.__wrapped__(raw, formats, today, not_future, 1900)  # type: ignore[attr-defined]
    assert got == _ref_clean_date(raw, formats, today, not_future, 1900)


# -- phones of a column in Arrow -------------------------------------------------------------------
def _check_column(raws: Sequence[str | None], hints: Sequence[str | None] | None, regions: tuple[str, ...]) -> int:
    import pyarrow as pa

    values, done = C.fast_phone_column(pa.array(raws, type=pa.string()),
                                       None if hints is None else pa.array(hints, type=pa.string()))
    settled = 0
    for i, raw in enumerate(raws):
        if not done[i].as_py():
            continue
        settled += 1
        hint = None if hints is None else hints[i]
        assert raw is not None
        assert (values[i].as_py(), None) == _ref_clean_phone(raw, regions, hint), (raw, hint)
    return settled


def test_phone_column_in_arrow_as_clean_phone(world_phones: list[str]) -> None:
    settled = 0
    for hint in HINTS:
        settled += _check_column([*world_phones, None, ""], [hint] * (len(world_phones) + 2), REGIONS)
    settled += _check_column(world_phones, None, REGIONS)
    assert settled > len(world_phones) * 4  # most numbers are settled in Arrow


@settings(max_examples=500, deadline=None)
@given(rows=st.lists(st.tuples(_FORMATTED, st.sampled_from(HINTS)), min_size=1, max_size=40),
       regions=st.sampled_from(ORDERS))
def test_generated_phone_columns_in_arrow_as_clean_phone(rows: list[tuple[str, str | None]],
                                                         regions: tuple[str, ...]) -> None:
    _check_column([r for r, _ in rows], [h for _, h in rows], regions)
    _check_column([r for r, _ in rows], None, regions)


@settings(max_examples=500, deadline=None)
@given(texts=st.lists(st.one_of(st.none(), st.from_regex(r"[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}(:[0-9]{2})?)?",
                                                         fullmatch=True),
                                st.datetimes().map(lambda d: d.isoformat(timespec="seconds")),
                                st.dates().map(lambda d: d.isoformat()), _TEXT), min_size=1, max_size=30),
       not_future=st.booleans(), min_year=st.sampled_from([1800, 1900, 2020]))
def test_iso_dates_in_arrow_as_clean_date(texts: list[str | None], not_future: bool, min_year: int) -> None:
    import pyarrow as pa

    from netcase.ingest.loader import iso_dates
    from netcase.ingest.mapping import FieldPath, Source

    today = date(2026, 1, 15)
    s = Source(key="k", prop="p", prop_type="date", field=FieldPath.parse("x"), not_future=not_future,
               min_year=min_year)
    got = iso_dates(s, pa.array(texts, type=pa.string()), today)
    assert got is not None
    values, done = got
    for i, raw in enumerate(texts):
        if done[i].as_py():
            assert raw is not None
            assert (values[i].as_py(), None) == C.clean_date.__wrapped__(raw, (), today, not_future, min_year)  # type: ignore[attr-defined]


@pytest.mark.parametrize("order", ["auto", "surnames_first", "given_first"])
@settings(max_examples=1000, deadline=None)
@given(raw=st.one_of(_TEXT, st.from_regex(r"[\"' ]?[A-ZÁÉÍÓÚÑ ]{0,8}, ?[A-Za-záéíóúñ ,]{0,12}[\"' ]?", fullmatch=True)))
def test_name_cleaner_is_reorder_then_clean(order: str, raw: str) -> None:
    from netcase.ingest.loader import _cleaner
    from netcase.ingest.mapping import FieldPath, Source

    s = Source(key="k", prop="p", prop_type="name", field=FieldPath.parse("x"), order=order)
    assert _cleaner(s, date(2026, 1, 1))(raw, None) == C.clean_typed("name", C.reorder_name(raw, order))
