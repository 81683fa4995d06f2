"""The handling-context table of a chunk, built column by column with its constant columns
converted once, is the table built from every row's context (the form it replaces)."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from hypothesis import given, settings
from hypothesis import strategies as st

from netcase.ingest.columnar import CTX_COLUMNS
from netcase.ingest.loader import RowCtx, context_table

_BASE: RowCtx = ("LES", "USA", "AMBER", False, None, "8 U.S.C. 1324", "A", "2", "HSI")
_VARIED = st.tuples(st.sampled_from(["LES", "LES//NOFORN", ""]), st.sampled_from(["USA", "USA, MEX"]),
                    st.sampled_from(["AMBER", "RED"]), st.booleans(), st.sampled_from([None, "C1"]),
                    st.sampled_from([None, "8 U.S.C. 1324", "é"]), st.sampled_from(["A", "B"]),
                    st.sampled_from(["1", "2"]), st.sampled_from(["HSI", "CBP", "FBI"]))
# Rows sharing the file's context (one object), rows differing only in the agency, rows differing anywhere.
_ROW = st.one_of(st.just(_BASE), st.sampled_from(["CBP", "HSI", "FBI"]).map(lambda a: (*_BASE[:8], a)), _VARIED)


def _reference(row_ctx: list[RowCtx]) -> pa.Table:
    return pa.table({
        "pos": pa.array(np.arange(len(row_ctx), dtype=np.int32)),
        **{name: pa.array([c[i] for c in row_ctx], type=pa.bool_() if name == "victim_sensitive" else pa.string())
           for i, name in enumerate(CTX_COLUMNS)},
    })


@settings(max_examples=400, deadline=None)
@given(row_ctx=st.lists(_ROW, max_size=40))
def test_context_table_is_every_rows_context(row_ctx: list[RowCtx]) -> None:
    got, want = context_table(row_ctx), _reference(row_ctx)
    assert got.schema == want.schema
    assert got.equals(want)
    assert got.to_pylist() == want.to_pylist()
