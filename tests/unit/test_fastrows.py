"""The native row checker (services.ingest.fastrows) against the Python reference (checking.check_rows).

The contract: for every row, check_text returns None (declined: Python decides) or a Checked equal to
Python's in every field (Avro item bytes, claim, series, rank included), and None whenever Python refuses
the row. Plain valid rows must not be declined; the constructs listed in gstr1_rows.DECLINABLE (3+ decimal
places, exponents, amounts or rates as text, null optional heads, diff_percent spelled 0.650 or "0.65",
fields the table does not read, whitespace around the row, amounts of 10^12 rupees and more) and string
escapes, non-ASCII text and repeated keys may be declined.

Rows come from tests/support/gstr1_rows.py (valid rows of every invoice and note table, and broken ones),
from a table of edge cases, from the demo data set and from a bench return; the streamed test runs the
production path (read_rows with the native scan) with windows that cut rows anywhere.
FASTROWS_EXAMPLES=20000 runs the hypothesis tests longer.
"""

from __future__ import annotations

import io
import json
import os
from datetime import date
from decimal import Decimal
from typing import Any

import pytest
from fastavro import schemaless_reader
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.common import jsonstream
from services.common.jsonstream import DECODER, JsonStream
from services.demo.synthetic import demo_dataset, dumps
from services.ingest import fastrows
from services.ingest.checking import EVENT, FIELD, CheckContext, Checked, _codec, check_rows
from services.ingest.domain.gstr1 import TABLES
from services.ingest.returnstream import read_rows
from tests.support.fastrows_edges import B2B, EDGES, OCT, REFUSE, TAKE, invoice, item
from tests.support.gstr1_broken_rows import break_once, broken_case
from tests.support.gstr1_rows import DECLINABLE, Draws, Lit, valid_case, write

pytestmark = pytest.mark.skipif(
    not fastrows.available(),
    reason="the native module services.ingest._fastrows is not built (no C compiler?); Python checks every row",
)

DEEP = int(os.environ.get("FASTROWS_EXAMPLES", "0"))  # e.g. 20000 for a long hunt; the default stays fast
EXAMPLES = settings(
    max_examples=DEEP or 400,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much],
)
FEWER = settings(EXAMPLES, max_examples=DEEP or 250)
BY_NAME = {table.name: table for table in TABLES}


def python_checks(context: CheckContext, table: str, party: dict[str, Any], text: str) -> Checked:
    return check_rows(context, [(table, party, text)])[0]


def differences(native: Checked, python: Checked) -> dict[str, Any]:
    """The fields that differ, the Avro item opened up into its record fields."""
    found: dict[str, Any] = {
        name: (mine, theirs)
        for name, mine, theirs in zip(Checked._fields, native, python, strict=True)
        if mine != theirs and name != "item"
    }
    if native.item != python.item:
        schema = _codec()._item_schema(EVENT, FIELD)
        mine, theirs = (schemaless_reader(io.BytesIO(item), schema, None) for item in (native.item, python.item))
        assert isinstance(mine, dict) and isinstance(theirs, dict)  # an item is an Avro record
        found["item"] = {key: (mine.get(key), theirs.get(key)) for key in theirs if mine.get(key) != theirs.get(key)}
    return found


def assert_agrees(context: CheckContext, table: str, party: dict[str, Any], text: str) -> Checked | None:
    """Native None, or native == Python; None whenever Python refuses. Returns what native gave."""
    python = python_checks(context, table, party, text)
    native = fastrows.check_text(context, table, party, text)
    where = f"{table} {party} {context}\n{text}"
    if python.problems:
        assert native is None, f"native accepts a row Python refuses for {python.problems}: {where}"
    elif native is not None:
        assert native == python, f"native differs from Python {differences(native, python)}: {where}"
    return native


@st.composite
def valid_cases(draw):
    return valid_case(Draws(draw))


@st.composite
def broken_cases(draw):
    return broken_case(Draws(draw))


@EXAMPLES
@given(valid_cases())
def test_a_valid_row_is_taken_natively_and_checked_exactly_as_python_checks_it(case):
    assert python_checks(case.context, case.table, case.party, case.text).problems == ()
    native = assert_agrees(case.context, case.table, case.party, case.text)
    if not case.quirks:
        assert native is not None, f"native declines a plain valid row: {case.table} {case.party}\n{case.text}"
    assert case.quirks <= DECLINABLE


@FEWER
@given(broken_cases())
def test_a_broken_row_is_declined_or_checked_exactly_as_python_checks_it(case):
    assert_agrees(case.context, case.table, case.party, case.text)


@FEWER
@given(valid_cases(), st.sampled_from(("D", "d", "N")), st.integers(0, 4))
def test_a_deletion_with_broken_amounts_is_declined_or_checked_as_python_checks_it(case, flag, spoil):
    """A "flag": "D" row checks only its identity, so Python takes it with broken amounts and items."""
    row = dict(case.row, flag=flag)
    row |= ({"val": Lit("-1")}, {"pos": "00"}, {"itms": []}, {"itms": [{"itm_det": {"rt": Lit("17")}}]}, {})[spoil]
    assert_agrees(case.context, case.table, case.party, write(row))


# --- plain cases at the edges (tests/support/fastrows_edges.py) ----------------------------------------
@pytest.mark.parametrize(("context", "table", "party", "text", "verdict"), [edge[1:] for edge in EDGES],
                         ids=[edge[0] for edge in EDGES])  # fmt: skip
def test_an_edge_case_row_is_checked_natively_as_python_checks_it(context, table, party, text, verdict):
    python = python_checks(context, table, party, text)
    assert (python.problems != ()) == (verdict == REFUSE), python.problems  # the case says what it means to
    native = assert_agrees(context, table, party, text)
    if verdict == TAKE:
        assert native is not None, "native declines a plain valid row"


UNREADABLE = [
    ("an integer of 4,301 digits", Lit("1" * 4301)),
    ("a negative integer of 4,301 digits", Lit("-" + "1" * 4301)),
    ("an exponent beyond Decimal's range", Lit("1e" + "9" * 30)),
    ("a list holding a 4,301-digit integer", Lit("[" + "7" * 4301 + "]")),
]


@pytest.mark.parametrize("value", [value for _, value in UNREADABLE], ids=[name for name, _ in UNREADABLE])
def test_a_row_whose_ignored_field_python_cannot_decode_is_declined(value):
    """Python's decoder refuses the whole body (ValueError, or decimal.InvalidOperation); a row the native
    scan takes is never decoded by Python, so the native code must decline it or the body is accepted."""
    text = invoice(desc=value)
    with pytest.raises((ValueError, ArithmeticError)):
        python_checks(OCT, "b2b", B2B, text)
    assert fastrows.check_text(OCT, "b2b", B2B, text) is None
    item_num = invoice([{"num": value, "itm_det": item()["itm_det"]}])
    assert fastrows.check_text(OCT, "b2b", B2B, item_num) is None


# --- the production path: rows scanned natively out of the streamed body -----------------------------
@st.composite
def returns(draw):
    """One return of a valid case's context and party: that row and broken variants of it, in one array."""
    d = Draws(draw)
    case = valid_case(d)
    rows = [case.text if d.chance(50) else break_once(case, d).text for _ in range(d.number(1, 8))]
    table = BY_NAME[case.table]
    inner = "[{" + write(case.party)[1:-1] + f',"{table.rows_key}":[' + d.pick((",", ",\n ")).join(rows) + "]}]"
    if len(table.path) == 2:
        inner = f'{{"{table.path[1]}":{inner}}}'
    body = f'{{"gstin":"{case.context.filer}","fp":"{case.context.period}","{table.path[0]}":{inner}}}'
    return case.context, body.encode(), d.pick((7, 64, 301, 1 << 20))


@FEWER
@given(returns())
def test_rows_scanned_natively_from_a_streamed_body_are_checked_as_python_checks_them(drawn):
    """read_rows with the native scan (what a filing uses), even with the window cutting rows anywhere."""
    context, body, block = drawn
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(jsonstream, "BLOCK_CHARS", block)
        rows = read_rows(lambda: io.BytesIO(body), as_text=True)
        python = check_rows(context, [(table.name, party, row) for table, party, row in rows])
        scanned = read_rows(lambda: io.BytesIO(body), as_text=True, fast=fastrows.FastRows(context))
        mixed = []
        for table, party, row in scanned:
            if not isinstance(row, Checked):
                assert isinstance(row, str)  # as_text: a row the native scan declined comes as its text
                row = python_checks(context, table.name, party, row)
            mixed.append(row)
    assert len(mixed) == len(python)
    for native, expected in zip(mixed, python, strict=True):
        if native != expected:
            raise AssertionError(f"{differences(native, expected)} in {body.decode()}")


# --- the product's own generators --------------------------------------------------------------------
def payload_rows(payload: dict[str, Any]):
    for table in TABLES:
        node: Any = payload
        for key in table.path:
            node = node.get(key) if isinstance(node, dict) else None
        for party in node or []:
            for row in party[table.rows_key]:
                yield table.name, party, dumps(row)


def test_every_row_of_the_demo_data_set_is_checked_natively_as_python_checks_it():
    taken = total = 0
    for filing in demo_dataset():
        if filing.form == "boe":
            continue
        payload = filing.payload
        context = CheckContext(payload["gstin"], payload["fp"], filing.source_form, filing.filed_on, filing.quarterly)
        for table, party, text in payload_rows(payload):
            native = assert_agrees(context, table, party, text)
            if not table.startswith("isd"):  # the native code may leave GSTR-6 rows to Python
                total += 1
                taken += native is not None
    assert total > 200 and taken >= 0.99 * total


def bench_rows(path):
    """Each b2b row's text exactly as the bench wrote it (the product's streaming walker)."""
    with open(path, "rb") as source:
        stream = JsonStream(source)
        header: dict[str, Any] = {}
        for key in stream.members():
            if key != "b2b":
                header[key] = stream.value()
                continue
            for _ in stream.elements():
                party: dict[str, Any] = {}
                for field in stream.members():
                    if field == "inv":
                        yield header, party, [stream.value_text() for _ in stream.elements()]
                    else:
                        party[field] = stream.value()


def test_the_native_path_takes_nearly_every_row_of_a_bench_return_and_agrees_with_python(tmp_path):
    from bench.data import write_return

    generated = write_return(tmp_path, 400, 1)
    taken = total = 0
    for header, party, texts in bench_rows(generated.path):
        context = CheckContext(header["gstin"], header["fp"], "R1", date(2025, 10, 11), False)
        for text in texts:
            assert DECODER.decode(text)  # a row, not a fragment
            total += 1
            taken += assert_agrees(context, "b2b", party, text) is not None
    assert total == 400 and taken >= 0.99 * total


def test_rows_reserialized_by_json_dumps_agree_too():
    for filing in demo_dataset()[:4]:
        payload = json.loads(dumps(filing.payload), parse_float=Decimal)
        context = CheckContext(payload["gstin"], payload["fp"], filing.source_form, filing.filed_on, filing.quarterly)
        for table, party, text in payload_rows(payload):
            # json.dumps spells the amounts (floats are only a way to write them: Python re-reads the text)
            spelled = json.dumps(json.loads(text), indent=1)
            assert_agrees(context, table, party, spelled)


@pytest.mark.parametrize("libcrypto", [True, False], ids=["libcrypto", "built-in"])
def test_both_sha256_implementations_give_the_version_hash_python_gives(libcrypto):
    from services.ingest import _fastrows  # type: ignore[attr-defined]

    try:
        in_use = _fastrows.use_libcrypto(libcrypto)
        assert in_use == libcrypto or not libcrypto  # libcrypto may be absent; the built-in one never is
        for filing in demo_dataset()[:6]:
            payload = filing.payload
            context = CheckContext(
                payload["gstin"], payload["fp"], filing.source_form, filing.filed_on, filing.quarterly
            )
            for table, party, text in payload_rows(payload):
                assert_agrees(context, table, party, text)
    finally:
        _fastrows.use_libcrypto(True)
