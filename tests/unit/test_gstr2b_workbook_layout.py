"""The GSTR-2B workbook's layout, without servers (docs/rules.md §7.5): which sheet lists what, every JSON key on
a column, the GSTR-3B table each summary row names, the words codes are shown as, state names, and the writing
itself (two-row headers, empty sheets, neutralised text, a line out of order)."""

from __future__ import annotations

import datetime
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest

from services.api.downloads import xlsx_file
from services.common.gst.gstin import GSTIN_STATE_CODES, VALID_POS_CODES
from services.common.gst.sections import SECTIONS
from services.common.gst.states import STATE_NAMES, state_name
from services.gstr2b import sheets
from services.gstr2b.domain.layout import BUCKETS, HEADS, gstr3b_table4, itcsumm, placement
from services.gstr2b.domain.records import RECORD, REVERSED, isd_type, listed_in
from services.gstr2b.domain.summary_sheets import NOT_APPLICABLE, SUMMARY_SHEETS
from services.gstr2b.domain.workbook import (
    DOCUMENT_SHEETS,
    INVOICE_TYPES,
    ISD_TYPES,
    NOT_SHOWN,
    REASONS,
    sheet_of,
)
from services.ingest.domain.rules import INVOICE_TYPES as FILED_INVOICE_TYPES
from tests.support import gstr2b_workbook as book

PARTY = {"ctin", "trdnm", "supprd", "supfildt"}


def test_every_gst_state_code_has_its_name_and_an_unknown_code_is_shown_as_it_is() -> None:
    assert set(STATE_NAMES) == VALID_POS_CODES | GSTIN_STATE_CODES == {f"{n:02d}" for n in range(1, 39)} | {"96", "97"}
    assert (state_name("29"), state_name("27"), state_name("07"), state_name("38")) == (
        "Karnataka",
        "Maharashtra",
        "Delhi",
        "Ladakh",
    )
    assert (state_name("96"), state_name("97"), state_name("99")) == ("Foreign Country", "Other Territory", "99")


def test_the_document_sheets_are_the_portals_in_its_order() -> None:
    assert [s.name for s in DOCUMENT_SHEETS] == [
        "B2B", "B2BA", "B2B-CDNR", "B2B-CDNRA", "ECO", "ECOA", "ISD", "ISDA", "IMPG", "IMPGA", "IMPGSEZ", "IMPGSEZA",
        "B2B (ITC Reversal)", "B2BA (ITC Reversal)", "B2B-DNR", "B2B-DNRA",
        "B2B(Rejected)", "B2BA(Rejected)", "B2B-CDNR(Rejected)", "B2B-CDNRA(Rejected)", "ECO(Rejected)",
        "ECOA(Rejected)", "ISD(Rejected)", "ISDA(Rejected)",
    ]  # fmt: skip
    assert [s.name for s in SUMMARY_SHEETS] == ["ITC Available", "ITC not available", "ITC Reversal", "ITC Rejected"]
    assert all(len(s.name) <= 31 for s in DOCUMENT_SHEETS), "Excel's limit on a sheet's name"


def test_every_document_gstr2b_can_hold_has_a_sheet_that_lists_it_where_the_json_does() -> None:
    for section in SECTIONS:
        for reverse_charge in (False, True):
            _, leaf = placement(section.key, reverse_charge)
            blocks = ["itcavl", "itcunavl"] + (
                ["itcRejected"] if section.may_be_rejected and not reverse_charge else []
            )
            for block in blocks:
                assert sheet_of(block, leaf).listed == listed_in(leaf), (block, leaf)
    for leaf in ("b2b", "b2ba", "cdnr", "cdnra"):  # Rule 37A reverses invoices and debit notes
        assert sheet_of("itcrev", leaf).part == "itcrev"
    assert sheet_of("itcavl", "impga").name == "IMPGA" and sheet_of("itcavl", "cdnrrev").name == "B2B-CDNR"


def test_every_key_of_a_json_record_has_its_column_and_no_column_shows_anything_else() -> None:
    for sheet in DOCUMENT_SHEETS:
        keys = [c.key for c in sheet.columns]
        assert len(keys) == len(set(keys)), sheet.name
        record = set((REVERSED if sheet.part == "itcrev" else RECORD)[sheet.listed])
        party = {"ctin", "trdnm"} if sheet.listed == "impgsez" else set() if sheet.listed == "impg" else PARTY
        assert (record | party) - NOT_SHOWN <= set(keys), sheet.name
        ours = {"remarks"} if sheet.part == "docRejdata" else set()
        reduction = {"itcRedReq", "declIgst", "declCgst", "declSgst", "declCess"}
        assert set(keys) - record - party - ours <= (reduction if sheet.part == "docdata" else set()), sheet.name


def test_the_itc_reduction_columns_are_on_the_sheets_of_credit_notes_and_amendments_only() -> None:
    with_reduction = {s.name for s in DOCUMENT_SHEETS if any(c.key == "itcRedReq" for c in s.columns)}
    assert with_reduction == {"B2BA", "B2B-CDNR", "B2B-CDNRA", "ECOA", "ISD", "ISDA"}


def test_a_two_row_header_puts_a_group_over_its_columns() -> None:
    b2ba = _written([])["B2BA"]
    upper, lower = ([c.value for c in row[:8]] for row in b2ba.iter_rows(min_row=5, max_row=6))
    assert upper == [
        "Original details",
        None,
        "GSTIN of supplier",
        "Trade/Legal name",
        "Invoice details",
        None,
        None,
        None,
    ]
    invoice = ["Invoice number", "Invoice type", "Invoice Date", "Invoice Value (₹)"]
    assert lower == ["Invoice number", "Invoice date", None, None, *invoice]
    assert {"A5:B5", "C5:C6", "E5:H5"} <= {str(r) for r in b2ba.merged_cells.ranges}


def test_codes_are_shown_as_the_portals_words() -> None:
    assert set(INVOICE_TYPES) == set(FILED_INVOICE_TYPES), "every invoice type a return may file"
    assert set(REASONS) == {"P", "C"}
    assert {isd_type("C"), isd_type(None)} == set(ISD_TYPES)


def _table4_rows(reference: str) -> set[str]:
    """The GSTR-3B table 4 rows a reference names ("3.1(d), 4(A)(3)" → 4A3; "4(A)" → any of 4(A))."""
    found = set()
    for part, row in re.findall(r"4\(([A-D])\)(?:\((\d)\))?", reference):
        found |= {f"4{part}{row}"} if row else {f"4A{n}" for n in (1, 3, 4, 5)}
    return found


def test_every_summary_row_names_the_gstr3b_table_its_amounts_move() -> None:
    """One paisa in a leaf moves exactly the table-4 row the leaf's summary row names (none for rejected ITC)."""
    for sheet in SUMMARY_SHEETS:
        rows = sheet.rows()
        assert [r.number for r in rows if not r.path] == ["Part A", "Part B"]
        for row in rows:
            if len(row.path) != 2:
                continue
            bucket, leaf = row.path
            table4 = gstr3b_table4(itcsumm({(sheet.block, bucket, leaf): {h: 1 for h in HEADS}}))
            moved = {name for name, heads in table4.items() if any(heads.values())}
            if sheet.block == "itcRejected":
                assert row.reference == NOT_APPLICABLE and moved == set(), row
            else:
                assert moved == _table4_rows(row.reference), (sheet.name, row)
                (bucket_row,) = [r for r in rows if r.path == (bucket,)]
                assert moved <= _table4_rows(bucket_row.reference), (sheet.name, bucket_row)


def test_every_bucket_and_leaf_of_gstns_itcsumm_has_its_row() -> None:
    for sheet in SUMMARY_SHEETS:
        paths = {r.path for r in sheet.rows() if r.path}
        leaves = {(b, leaf) for b, ls in BUCKETS.items() for leaf in ls if (b, leaf) in paths}
        assert {p for p in paths if len(p) == 2} == leaves
        assert {(b,) for b, _ in leaves} == {p for p in paths if len(p) == 1}
    assert len([r for r in SUMMARY_SHEETS[0].rows() if len(r.path) == 2]) == sum(len(ls) for ls in BUCKETS.values())


def _line(i: int, **values: Any) -> dict[str, Any]:
    return {
        "block": "itcavl", "section": "b2b", "supplier": "27AAPFK4821M1ZT", "supprd": "092025",
        "supfildt": datetime.date(2025, 10, 11), "number": f"INV/{i}", "doc_date": datetime.date(2025, 9, 1),
        "port_code": None, "ims_section": "b2b", "orig_number": None, "orig_date": None, "note_type": None,
        "inv_typ": "R", "value": 11_800, "pos": "29", "rev": False, "itcavl": "Y", "rsn": "", "diff_percent": None,
        "txval": 10_000, "igst": 1_800, "cgst": 0, "sgst": 0, "cess": 0, "action": "A", "remarks": None,
        "doc_key": f"k{i}", "itc_red_req": None, "decl_igst": None, "decl_cgst": None, "decl_sgst": None,
        "decl_cess": None, "trdnm": "=HYPERLINK(1)",
    } | values  # fmt: skip


def _written(lines: list[dict[str, Any]]) -> openpyxl.Workbook:
    path = Path(xlsx_file(sheets.documents(lines)))
    try:
        return book.load(path.read_bytes())
    finally:
        path.unlink()


def test_documents_are_written_under_a_two_row_header_each_sheet_present_and_text_neutralised() -> None:
    isd = _line(2, section="isd", ims_section="isdcn", note_type="C", number="ISD/CN/1", diff_percent="0.65")
    rejected = _line(3, block="itcRejected", remarks="+1 short", pos="96", itcavl="N", rsn="P")
    workbook = _written([_line(1, diff_percent="0.65"), isd, rejected])
    assert workbook.sheetnames == [s.name for s in DOCUMENT_SHEETS]
    b2b = workbook["B2B"]
    assert {str(r) for r in b2b.merged_cells.ranges} >= {"A5:A6", "C5:F5", "J5:M5"}
    (first,) = book.by_label(b2b)
    assert first["Trade/Legal name"] == "'=HYPERLINK(1)" and first["Invoice details: Invoice type"] == "Regular"
    assert first["Invoice details: Invoice Date"] == datetime.datetime(2025, 9, 1)
    assert first["Applicable % of Tax Rate"] == 0.65 and first["Tax Amount: Integrated Tax (₹)"] == 18
    (row,) = book.by_label(workbook["ISD"])
    assert (row["ISD Document type"], row["ISD Document number"], row["ISD Document date"]) == (
        "ISD Credit Note",
        "ISD/CN/1",
        datetime.datetime(2025, 9, 1),
    )
    (row,) = book.by_label(workbook["B2B(Rejected)"])
    assert (row["Remarks"], row["Place of supply"], row["ITC Availability"]) == ("'+1 short", "Foreign Country", "No")
    assert row["Reason"] == "POS and supplier state are same but recipient state is different"
    assert all(
        book.data_rows(workbook[s.name]) == [] for s in DOCUMENT_SHEETS if s.name not in ("B2B", "ISD", "B2B(Rejected)")
    )


def test_a_line_that_comes_after_its_sheet_was_written_is_never_lost_silently() -> None:
    with pytest.raises(RuntimeError, match="B2B"):
        _written([_line(1, section="b2ba", ims_section="b2ba"), _line(2)])


def test_the_csv_shows_every_key_of_gstns_records_under_its_name() -> None:
    keys = {k for record in RECORD.values() for k in record} | PARTY
    assert keys <= set(sheets.CSV_COLUMNS) and sheets.CSV_COLUMNS[0] == "sheet"
