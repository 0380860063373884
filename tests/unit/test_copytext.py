"""The native COPY formatter (services/common/native/copytext.c) against the Python one (`copy.text_rows`).

The contract: for the same rows the same bytes, or None (declined: Python formats them). Rows are drawn
from every kind of value a projection writes (text with tabs, newlines, backslashes and any Unicode, ints
of any size, booleans, None, dates, dicts, int and str subclasses); a lone surrogate is declined.
"""

from __future__ import annotations

import enum
import shutil
import sysconfig
from collections.abc import Sequence
from datetime import date
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common import copy

needs_native = pytest.mark.skipif(copy.native_text([]) is None, reason="the native formatter is not built")


class Level(enum.IntEnum):
    LOW = 1


class Tag(str):
    pass


VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.integers(-(2**70), 2**70),
    st.text(),
    st.text(alphabet="\\\t\n\r ab\u00e9\u20b9"),
    st.dates(),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just(Level.LOW),
    st.text(max_size=4).map(Tag),
    st.floats(allow_nan=False),
)


@needs_native
@settings(max_examples=500, deadline=None)
@given(rows=st.lists(st.lists(VALUES, max_size=8).map(tuple), max_size=6))
def test_the_native_formatter_writes_the_bytes_python_writes(rows: list[Sequence[Any]]) -> None:
    assert copy.native_text(rows) == copy.text_rows(rows)[0].encode()


@needs_native
def test_the_native_formatter_declines_text_that_is_not_utf8() -> None:
    assert copy.native_text([("a", "\ud800")]) is None
    assert copy.native_text([(date(2025, 1, 2), None, True, -5, "x\ty")]) == b"2025-01-02\t\\N\tt\t-5\tx\\ty\n"


@pytest.mark.skipif(
    shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0]) is None,
    reason="no C compiler on this machine: rows are formatted in Python",
)
def test_the_native_formatter_is_built_where_a_c_compiler_exists() -> None:
    assert copy.native_text([]) == b"", "services/common/_copytext was not built: run `make install`"
