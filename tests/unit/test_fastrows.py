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
from tests.support.gstr1_rows import DECLINABLE, Draws, Lit, break_once, broken_case, valid_case, write

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
SUPPLIER, KA, MH = "27AAPFU0939F1ZV", "29AABCR1718E1ZL", "27AABCR1718E1ZP"
OCT = CheckContext(SUPPLIER, "102025", "R1", date(2025, 11, 11), False)
BY_NAME = {table.name: table for table in TABLES}


def python_checks(context: CheckContext, table: str, party: dict[str, Any], text: str) -> Checked:
    return check_rows(context, [(table, party, text)])[0]


def differences(native: Checked, python: Checked) -> dict[str, Any]:
    """The fields that differ, the Avro item opened up into its record fields."""
    found = {
        name: (mine, theirs)
        for name, mine, theirs in zip(Checked._fields, native, python, strict=True)
        if mine != theirs and name != "item"
    }
    if native.item != python.item:
        schema = _codec()._item_schema(EVENT, FIELD)
        mine, theirs = (schemaless_reader(io.BytesIO(item), schema, None) for item in (native.item, python.item))
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


# --- plain cases at the edges ------------------------------------------------------------------------
def item(rt: str = "18", txval: str = "10000.00", **heads: str) -> dict[str, Any]:
    detail = {"rt": Lit(rt), "txval": Lit(txval)} | {"iamt": Lit("1800.00"), "camt": Lit("0"), "samt": Lit("0")}
    detail |= {"csamt": Lit("0")} | {head: Lit(value) for head, value in heads.items()}
    return {"num": 1, "itm_det": detail}


def intra(rt: str = "18", txval: str = "10000.00", camt: str = "900.00", samt: str | None = None) -> dict[str, Any]:
    return item(rt, txval, iamt="0", camt=camt, samt=samt or camt)


def invoice(items: list[dict[str, Any]] | None = None, **fields: Any) -> str:
    row: dict[str, Any] = {"inum": "INV/25-26/1", "idt": "15-10-2025", "val": Lit("11800.00"), "pos": "29"}
    row |= {"rchrg": "N", "inv_typ": "R", "itms": items or [item()]}
    return write(row | {key: value for key, value in fields.items() if value is not ...})


def note(**fields: Any) -> str:
    return invoice(**{"inum": ..., "idt": ..., "ntty": "C", "nt_num": "CN/1", "nt_dt": "15-10-2025"} | fields)


B2B, TO_MH = {"ctin": KA}, {"ctin": MH}
TAKE, REFUSE, MAY = "take", "refuse", "may"  # Python takes and native must / Python refuses / native may decline
EDGES = [
    ("inter-state at the exact rate", OCT, "b2b", B2B, invoice(), TAKE),
    ("iamt 1 rupee over", OCT, "b2b", B2B, invoice([item(iamt="1801.00")], val=Lit("11801.00")), TAKE),
    ("iamt 1 rupee and 1 paisa over", OCT, "b2b", B2B, invoice([item(iamt="1801.01")], val=Lit("11801.01")), REFUSE),
    ("iamt 1 rupee under", OCT, "b2b", B2B, invoice([item(iamt="1799.00")], val=Lit("11799.00")), TAKE),
    ("iamt 1 rupee and 1 paisa under", OCT, "b2b", B2B, invoice([item(iamt="1798.99")], val=Lit("11798.99")), REFUSE),
    ("intra-state halves", OCT, "b2b", TO_MH, invoice([intra()], pos="27"), TAKE),
    (
        "intra-state halves 1 rupee over",
        OCT,
        "b2b",
        TO_MH,
        invoice([intra(camt="901.00")], pos="27", val=Lit("11802")),
        TAKE,
    ),
    (
        "intra-state halves 1.01 over",
        OCT,
        "b2b",
        TO_MH,
        invoice([intra(camt="901.01")], pos="27", val=Lit("11802.02")),
        REFUSE,
    ),
    (
        "sgst one paisa off cgst",
        OCT,
        "b2b",
        TO_MH,
        invoice([intra(samt="900.01")], pos="27", val=Lit("11800.01")),
        REFUSE,
    ),
    (
        "iamt on an intra-state supply",
        OCT,
        "b2b",
        TO_MH,
        invoice([item(iamt="0.01", camt="900", samt="900")], pos="27"),
        REFUSE,
    ),
    ("camt on an inter-state supply", OCT, "b2b", B2B, invoice([item(camt="0.01")], val=Lit("11800.01")), REFUSE),
    ("val 1 rupee over", OCT, "b2b", B2B, invoice(val=Lit("11801.00")), TAKE),
    ("val 1 rupee and 1 paisa over", OCT, "b2b", B2B, invoice(val=Lit("11801.01")), TAKE),
    ("val far over (other charges)", OCT, "b2b", B2B, invoice(val=Lit("50000.00")), TAKE),
    ("val under the taxes", OCT, "b2b", B2B, invoice(val=Lit("1.00")), TAKE),
    ("val 2 rupees over on 2 items", OCT, "b2b", B2B, invoice([item(), item()], val=Lit("23602.00")), TAKE),
    ("val 2.01 over on 2 items", OCT, "b2b", B2B, invoice([item(), item()], val=Lit("23602.01")), TAKE),
    (
        "differential 65%",
        OCT,
        "b2b",
        B2B,
        invoice([item(iamt="1170")], val=Lit("11170"), diff_percent=Lit("0.65")),
        TAKE,
    ),
    (
        "differential 65% 1 rupee over",
        OCT,
        "b2b",
        B2B,
        invoice([item(iamt="1171")], val=Lit("11171"), diff_percent=Lit("0.65")),
        TAKE,
    ),
    (
        "differential 65% 1.01 over",
        OCT,
        "b2b",
        B2B,
        invoice([item(iamt="1171.01")], val=Lit("11171.01"), diff_percent=Lit("0.65")),
        REFUSE,
    ),
    (
        "diff_percent 0.66",
        OCT,
        "b2b",
        B2B,
        invoice([item(iamt="1170")], val=Lit("11170"), diff_percent=Lit("0.66")),
        REFUSE,
    ),
    ("diff_percent as text", OCT, "b2b", B2B, invoice([item(iamt="1170")], val=Lit("11170"), diff_percent="0.65"), MAY),
    (
        "diff_percent 0.650",
        OCT,
        "b2b",
        B2B,
        invoice([item(iamt="1170")], val=Lit("11170"), diff_percent=Lit("0.650")),
        MAY,
    ),
    (
        "40% on 22-09-2025",
        CheckContext(SUPPLIER, "092025", "R1", None, False),
        "b2b",
        B2B,
        invoice([item("40", iamt="4000")], idt="22-09-2025", val=Lit("14000")),
        TAKE,
    ),
    (
        "40% on 21-09-2025",
        CheckContext(SUPPLIER, "092025", "R1", None, False),
        "b2b",
        B2B,
        invoice([item("40", iamt="4000")], idt="21-09-2025", val=Lit("14000")),
        REFUSE,
    ),
    ("rates spelled 18.0", OCT, "b2b", B2B, invoice([item("18.0")]), TAKE),
    ("rates spelled 7.50", OCT, "b2b", B2B, invoice([item("7.50", iamt="750")], val=Lit("10750")), TAKE),
    ("rate 0.25", OCT, "b2b", B2B, invoice([item("0.25", iamt="25")], val=Lit("10025")), TAKE),
    ("rate 17", OCT, "b2b", B2B, invoice([item("17", iamt="1700")], val=Lit("11700")), REFUSE),
    ("rate as text", OCT, "b2b", B2B, invoice([item() | {"itm_det": item()["itm_det"] | {"rt": "18"}}]), MAY),
    ("GST day", CheckContext(SUPPLIER, "072017", "R1", None, False), "b2b", B2B, invoice(idt="01-07-2017"), TAKE),
    (
        "the day before GST",
        CheckContext(SUPPLIER, "072017", "R1", None, False),
        "b2b",
        B2B,
        invoice(idt="30-06-2017"),
        REFUSE,
    ),
    ("the period's last day", OCT, "b2b", B2B, invoice(idt="31-10-2025"), TAKE),
    ("the day after the period", OCT, "b2b", B2B, invoice(idt="01-11-2025"), REFUSE),
    (
        "29 February 2024",
        CheckContext(SUPPLIER, "022024", "R1", None, False),
        "b2b",
        B2B,
        invoice(idt="29-02-2024"),
        TAKE,
    ),
    (
        "29 February 2023",
        CheckContext(SUPPLIER, "022024", "R1", None, False),
        "b2b",
        B2B,
        invoice(idt="29-02-2023"),
        REFUSE,
    ),
    ("31 February", OCT, "b2b", B2B, invoice(idt="31-02-2025"), REFUSE),
    ("an ISO date", OCT, "b2b", B2B, invoice(idt="2025-09-01"), REFUSE),
    ("POS 96", OCT, "b2b", B2B, invoice(pos="96"), TAKE),
    ("POS 97", OCT, "b2b", B2B, invoice(pos="97"), TAKE),
    ("POS the supplier's state, recipient elsewhere", OCT, "b2b", B2B, invoice([intra()], pos="27"), TAKE),
    *[(f"POS {pos!r}", OCT, "b2b", B2B, invoice(pos=pos), REFUSE) for pos in ("00", "39", "99", "7", Lit("27"))],
    ("SEWP carries IGST", OCT, "b2b", TO_MH, invoice(inv_typ="SEWP", pos="27"), TAKE),
    ("SEWP with CGST", OCT, "b2b", TO_MH, invoice([intra()], inv_typ="SEWP", pos="27"), REFUSE),
    ("SEWOP carries no tax", OCT, "b2b", B2B, invoice([item(iamt="0")], inv_typ="SEWOP", val=Lit("10000")), TAKE),
    ("SEWOP with IGST", OCT, "b2b", B2B, invoice(inv_typ="SEWOP"), REFUSE),
    (
        "SEWOP with cess",
        OCT,
        "b2b",
        B2B,
        invoice([item(iamt="0", csamt="5")], inv_typ="SEWOP", val=Lit("10005")),
        REFUSE,
    ),
    ("DE", OCT, "b2b", B2B, invoice(inv_typ="DE"), TAKE),
    ("CBW", OCT, "b2b", B2B, invoice(inv_typ="CBW"), TAKE),
    (
        "no inv_typ, rchrg or zero heads",
        OCT,
        "b2b",
        B2B,
        invoice([{"itm_det": {"rt": Lit("18"), "txval": Lit("10000"), "iamt": Lit("1800")}}], inv_typ=..., rchrg=...),
        TAKE,
    ),
    ("reverse charge", OCT, "b2b", B2B, invoice(rchrg="Y"), TAKE),
    ("rchrg y", OCT, "b2b", B2B, invoice(rchrg="y"), REFUSE),
    ("cess", OCT, "b2b", B2B, invoice([item(csamt="1234.56")], val=Lit("13034.56")), TAKE),
    ("etin", OCT, "b2b", B2B, invoice(etin=KA), TAKE),
    ("etin with a wrong check character", OCT, "b2b", B2B, invoice(etin=KA[:14] + "M"), REFUSE),
    ("ctin lowercase", OCT, "b2b", {"ctin": KA.lower()}, invoice(), REFUSE),
    ("ctin with a wrong check character", OCT, "b2b", {"ctin": KA[:14] + "M"}, invoice(), REFUSE),
    ("the supplier's own GSTIN", OCT, "b2b", {"ctin": SUPPLIER}, invoice([intra()], pos="27"), REFUSE),
    ("amount with 3 places", OCT, "b2b", B2B, invoice(val=Lit("11800.001")), REFUSE),
    ("amount 12.500", OCT, "b2b", B2B, invoice(val=Lit("11800.000")), MAY),
    ("negative amount", OCT, "b2b", B2B, invoice(val=Lit("-11800")), REFUSE),
    ("negative zero cess", OCT, "b2b", B2B, invoice([item(csamt="-0.0")]), MAY),
    ("an exponent", OCT, "b2b", B2B, invoice(val=Lit("1.18e4")), MAY),
    ("an amount as text", OCT, "b2b", B2B, invoice(val="11800.00"), MAY),
    ("16 integer digits", OCT, "b2b", B2B, invoice(val=Lit("1000000000000000")), REFUSE),
    (
        "a value of 16 integer digits",
        OCT,
        "b2b",
        B2B,
        invoice([item(csamt="999999999999999")], val=Lit("1000000000011799")),
        REFUSE,
    ),
    (
        "a value of 15 integer digits",
        OCT,
        "b2b",
        B2B,
        invoice([item(csamt="899999999988200.00")], val=Lit("900000000000000.00")),
        MAY,
    ),
    ("empty itms", OCT, "b2b", B2B, invoice(itms=[]), REFUSE),
    ("itms an object", OCT, "b2b", B2B, invoice(itms={}), REFUSE),
    ("no itm_det", OCT, "b2b", B2B, invoice(itms=[{"num": 1}]), REFUSE),
    ("repeated key, the good one last", OCT, "b2b", B2B, invoice().replace('"val":', '"val":"x","val":'), MAY),
    (
        "repeated key, the bad one last",
        OCT,
        "b2b",
        B2B,
        invoice().replace('"pos":"29"', '"pos":"29","pos":"00"'),
        REFUSE,
    ),
    ("an escaped number", OCT, "b2b", B2B, invoice(inum=Lit('"INV\\/25-26\\u002F1"')), MAY),
    ("non-ASCII in an unknown field", OCT, "b2b", B2B, invoice(desc="₹ café"), MAY),
    ("non-ASCII number", OCT, "b2b", B2B, invoice(inum="Ä1"), REFUSE),
    (
        "time-barred",
        CheckContext(SUPPLIER, "102025", "R1", date(2025, 12, 1), False),
        "b2b",
        B2B,
        invoice(idt="01-04-2023"),
        TAKE,
    ),
    ("saved, not filed", CheckContext(SUPPLIER, "102025", "R1", None, False), "b2b", B2B, invoice(), TAKE),
    (
        "quarterly filer",
        CheckContext(SUPPLIER, "092025", "R1", date(2025, 10, 13), True),
        "b2b",
        B2B,
        invoice(idt="01-09-2025"),
        TAKE,
    ),
    ("IFF", CheckContext(SUPPLIER, "102025", "IFF", date(2025, 11, 13), True), "b2b", B2B, invoice(), TAKE),
    ("GSTR-1A", CheckContext(SUPPLIER, "102025", "R1A", date(2025, 11, 18), False), "b2b", B2B, invoice(), TAKE),
    ("GSTR-5", CheckContext(SUPPLIER, "102025", "R5", date(2025, 11, 13), False), "b2b", B2B, invoice(), TAKE),
    ("an amendment", OCT, "b2ba", B2B, invoice(oinum="INV/25-26/0", oidt="30-09-2025"), TAKE),
    ("an amendment without oidt", OCT, "b2ba", B2B, invoice(oinum="INV/25-26/0"), REFUSE),
    ("a credit note", OCT, "cdnr", B2B, note(), TAKE),
    ("a debit note", OCT, "cdnr", B2B, note(ntty="D"), TAKE),
    ("a note type c", OCT, "cdnr", B2B, note(ntty="c"), REFUSE),
    ("a note amendment", OCT, "cdnra", B2B, note(ont_num="CN/0", ont_dt="01-10-2025"), TAKE),
    ("table 15 with a registered supplier", OCT, "ecom.b2b", {"stin": MH, "rtin": KA}, invoice(), TAKE),
    ("table 15 with an unregistered supplier", OCT, "ecom.urp2b", {"rtin": KA}, invoice(), TAKE),
    ("table 15 amendment", OCT, "ecoma.b2ba", {"stin": MH, "rtin": KA}, invoice(oinum="E1", oidt="01-10-2025"), TAKE),
    ("table 15 urp amendment", OCT, "ecoma.urp2ba", {"rtin": KA}, invoice(oinum="E1", oidt="01-10-2025"), TAKE),
    ("table 15 stin invalid", OCT, "ecom.b2b", {"stin": MH.lower(), "rtin": KA}, invoice(), REFUSE),
    ("a deletion with a broken amount", OCT, "b2b", B2B, invoice(flag="D", val=Lit("-1")), MAY),
    ("spaces and newlines between tokens", OCT, "b2b", B2B, invoice().replace(",", " ,\n\t").replace(":", " : "), TAKE),
]


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
        mixed = [
            row if isinstance(row, Checked) else python_checks(context, table.name, party, row)
            for table, party, row in scanned
        ]
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
