"""Arrow forms of the evaluation's text work give what the Python forms give.

``_squash`` (Python's ``" ".join(text.split())``) now searches for runs of spaces and for other
whitespace only where a cheap test says they can be; record ids of an Arrow block are joined in
Arrow. Both are checked against the Python forms on generated texts that mix runs of spaces,
every kind of whitespace, accented and control characters, empty fields and subsets of rows.
"""

from __future__ import annotations

import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from netcase.ingest.loader import ChunkEvaluator, Item, _squash
from netcase.ingest.mapping import Template
from netcase.ingest.readers import _LazyColumns

_SPACES = "".join(chr(c) for c in range(0x3100) if chr(c).isspace())
_ASCII = st.lists(st.sampled_from([*" AZaz09,.-'", "  ", "   "]), max_size=12).map("".join)
_ANY = st.text(st.one_of(st.sampled_from(list(" ÍñéüABC09,\x00\x07\x7f\u200b" + _SPACES)),
                         st.characters(exclude_categories=["Cs"])), max_size=16)


@settings(max_examples=600, deadline=None)
@given(texts=st.lists(st.one_of(st.none(), _ASCII, _ANY), max_size=30))
def test_squash_is_split_and_join(texts: list[str | None]) -> None:
    got = _squash(pa.array(texts, type=pa.string())).to_pylist()
    assert got == [None if t is None else " ".join(t.split()) for t in texts]


@settings(max_examples=300, deadline=None)
@given(texts=st.lists(st.one_of(st.none(), _ASCII), max_size=30))
def test_squash_of_printable_ascii_is_split_and_join(texts: list[str | None]) -> None:
    # ``spaces_only``: printable ASCII, whose only whitespace is the space.
    got = _squash(pa.array(texts, type=pa.string()), spaces_only=True).to_pylist()
    assert got == [None if t is None else " ".join(t.split()) for t in texts]


_CELL = st.one_of(st.just(""), st.text(st.sampled_from(list("AZ09 -:é{}")), max_size=6))


@settings(max_examples=400, deadline=None)
@given(template=st.sampled_from(["{a}", "{a}:owner", "{a}:{b}", "x{a}{b}-{c}y", "{c}"]),
       rows=st.lists(st.tuples(_CELL, _CELL, _CELL), min_size=1, max_size=25), data=st.data())
def test_record_ids_in_arrow_as_in_python(template: str, rows: list[tuple[str, str, str]],
                                          data: st.DataObject) -> None:
    tpl = Template.parse(template)
    n = len(rows)
    positions = data.draw(st.one_of(st.just(list(range(n))),
                                    st.lists(st.integers(0, n - 1), unique=True).map(sorted)))
    items: list[Item] = [(p, (), ()) for p in positions]
    arrow = {name: pa.array([r[i] for r in rows], type=pa.string()) for i, name in enumerate("abc")}
    ev = ChunkEvaluator.__new__(ChunkEvaluator)
    ev.n_rows = n
    ev.arrow, ev.columns = arrow, _LazyColumns(arrow)
    got = ev._template_column(tpl, items, collapse_blanks=False)
    # The Python form: the same columns as tuples, no Arrow block.
    ev.arrow, ev.columns = None, {name: tuple(col.to_pylist()) for name, col in arrow.items()}
    want = ev._template_column(tpl, items, collapse_blanks=False)
    assert got == want
    assert want is not None


def test_latin_name_class_is_printable_nfc_without_other_whitespace() -> None:
    """Every character ``_LATIN_NAME`` admits is printable, NFC on its own and not whitespace
    but the space; it admits no combining mark (so no sequence of them composes)."""
    import re
    import unicodedata

    import pyarrow.compute as pc

    from netcase.ingest.loader import _LATIN_NAME

    every = [chr(c) for c in range(0x110000) if not 0xD800 <= c <= 0xDFFF]
    marked = pc.match_substring_regex(pa.array(every), _LATIN_NAME).to_pylist()
    admitted = [ch for ch, m in zip(every, marked, strict=True) if m]
    assert len(admitted) == 0x7E - 0x20 + 1 + 0x17F - 0xA1  # ASCII printable, U+A1-U+17F but U+AD
    for ch in admitted:
        assert ch.isprintable() and unicodedata.is_normalized("NFC", ch) and unicodedata.combining(ch) == 0
        assert ch == " " or not ch.isspace()
        assert not re.fullmatch(r"\s", ch) or ch == " "


_LATIN = st.text(st.sampled_from(list(" ,'\"-.ABCabzÍñÑßéüÁÉÓÚçãõŁłŒœŽžĞğİı¡¬®¿×÷ÿ") + ["\xa0", "\xad", "\t", "\u0301"]),
                 max_size=20)


@settings(max_examples=800, deadline=None)
@given(texts=st.lists(_LATIN, min_size=1, max_size=25), order=st.sampled_from(["auto", "surnames_first", "given_first"]))
def test_accented_names_cleaned_in_arrow_as_in_python(texts: list[str], order: str) -> None:
    from datetime import date

    from netcase.ingest.loader import _cleaner, vector_clean
    from netcase.ingest.mapping import FieldPath, Source

    s = Source(key="k", prop="name", prop_type="name", field=FieldPath.parse("x"), order=order)
    py = _cleaner(s, date(2026, 1, 1))
    got = vector_clean(s, pa.array(texts, type=pa.string()))
    assert got is not None
    values, done = got
    assert done is not None
    for i, raw in enumerate(texts):
        if done[i].as_py():
            assert (values[i].as_py(), None) == py(raw, None), raw
        elif raw and all(ch in " ,'\"-.ABCabzÍñÑßéüÁÉÓÚçãõŁłŒœŽžĞğİı¡¬®¿×÷ÿ" for ch in raw):
            # Left to Python only when Python refuses it (an empty name).
            assert py(raw, None)[0] is None, raw


_FORMATS = ["%m/%d/%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%d-%m-%Y"]
_DATE_TEXT = st.one_of(
    st.none(),
    st.from_regex(r" ?[0-9]{1,3}[/.\-][0-9]{1,3}[/.\-][0-9]{2,5} ?", fullmatch=True),
    st.from_regex(r"[0-9]{4}[/.\-][0-9]{2}[/.\-][0-9]{2}", fullmatch=True),
    st.tuples(st.dates(), st.sampled_from(_FORMATS)).map(lambda df: df[0].strftime(df[1])),
    st.text(st.sampled_from(list("0123456789/.- x\u0663")), max_size=12),
)


@settings(max_examples=800, deadline=None)
@given(texts=st.lists(_DATE_TEXT, min_size=1, max_size=30), fmt=st.sampled_from([*_FORMATS, "%Y%m%d", "%d/%m/%y"]),
       not_future=st.booleans(), min_year=st.sampled_from([1, 1800, 1900, 2020]))
def test_formatted_dates_in_arrow_as_clean_date(texts: list[str | None], fmt: str, not_future: bool,
                                                min_year: int) -> None:
    from datetime import date

    from netcase.ingest import clean as C
    from netcase.ingest.loader import iso_dates
    from netcase.ingest.mapping import FieldPath, Source

    today = date(2026, 1, 15)
    s = Source(key="k", prop="p", prop_type="date", field=FieldPath.parse("x"), formats=(fmt,),
               not_future=not_future, min_year=min_year)
    got = iso_dates(s, pa.array(texts, type=pa.string()), today)
    if C._plain_date(fmt) is None:
        assert got is None  # formats strptime reads by backtracking stay in Python
        return
    assert got is not None
    values, done = got
    for i, raw in enumerate(texts):
        if done[i].as_py():
            assert raw is not None
            want = C.clean_date.__wrapped__(raw, (fmt,), today, not_future, min_year)  # type: ignore[attr-defined]
            assert (values[i].as_py(), None) == want, raw
        else:
            assert values[i].as_py() is None
