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
