"""The purchase register's XLSX template (docs/rules.md §10.1): the CSV template's header, laid out for people,
and read back by the XLSX door once filled in."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime

import openpyxl
import pytest
from openpyxl.workbook import Workbook

from services.recon.domain.csvrows import HEADERS, template_header
from services.recon.domain.register import check_rows
from services.recon.domain.template import columns
from services.recon.template import template_csv, template_xlsx
from services.recon.xlsx import rows_of_xlsx

BUYER, SUPPLIER = "29AABCR1718E1ZL", "27AAPFU0939F1ZV"


@pytest.fixture
def template() -> Iterator[str]:
    path = template_xlsx(BUYER)
    yield path
    os.unlink(path)


def test_the_xlsx_template_has_the_csv_templates_header_bold_frozen_and_filtered(template: str) -> None:
    book = openpyxl.load_workbook(template)
    assert book.sheetnames == ["Purchases", "Read me"]
    sheet = book["Purchases"]
    header = [cell.value for cell in sheet[1]]
    assert header == template_header() == template_csv().decode().rstrip("\r\n").split(",")
    assert sheet.max_row == 1  # no example row: a template sent back unfilled books nothing
    assert all(cell.font.b for cell in sheet[1])
    assert sheet.freeze_panes == "A2" and sheet.auto_filter.ref is not None
    letters = [cell.column_letter for cell in sheet[1]]
    assert all(sheet.column_dimensions[letter].width >= len(name) for letter, name in zip(letters, header, strict=True))


def test_dates_amounts_and_text_columns_are_formatted_for_what_people_type_into_them(template: str) -> None:
    sheet = openpyxl.load_workbook(template)["Purchases"]
    formats = {cell.value: sheet.column_dimensions[cell.column_letter].number_format for cell in sheet[1]}
    assert formats["Document date"] == formats["Posting date"] == "dd-mm-yyyy"
    assert {formats[name] for name in ("Taxable value", "IGST", "CGST", "SGST", "Cess")} == {"0.00"}
    # a state code 07 or a number 00123 keeps its leading zero
    assert formats["Place of supply"] == formats["Document number"] == formats["Supplier GSTIN"] == "@"


def test_the_read_me_tells_every_column_and_the_forms_of_dates_and_amounts(template: str) -> None:
    rows = list(openpyxl.load_workbook(template)["Read me"].iter_rows(values_only=True))
    told = {row[0]: row for row in rows if row[0]}
    assert told["Dates"][1].startswith("DD-MM-YYYY") and "01-07-2017" in told["Dates"][1]
    assert "two decimals" in told["Amounts"][1]
    assert f"/v1/ims/{BUYER}/purchases" in told["Upload"][1]
    start = rows.index(("Column", "Required", "What it holds"))
    assert [row[0] for row in rows[start + 1 :]] == template_header()
    assert all(row[1] and row[2] for row in rows[start + 1 :])
    assert [c.header for c in columns()][: len(HEADERS)] == list(HEADERS.values())


def test_a_filled_in_template_is_read_back_by_the_xlsx_door(template: str) -> None:
    book: Workbook = openpyxl.load_workbook(template)
    sheet = book["Purchases"]
    sheet.append(["PV-1", SUPPLIER, "INV", "00123", datetime(2025, 10, 5), "07", "N", 1000.5, 180.09, 0, 0, 0])
    sheet.cell(2, 13, datetime(2025, 10, 7))
    sheet.cell(2, 16, "BLR-01")
    sheet.append(["PV-2", "", "BOE", "", "06-10-2025", "29", "N", "500", "90"])
    sheet.cell(3, 13, "08-10-2025")
    sheet.cell(3, 14, "INBLR4")
    sheet.cell(3, 15, "1234567")
    book.save(template)
    with open(template, "rb") as body:
        checked = check_rows(rows_of_xlsx(body, 10))
    assert checked.errors == []
    first, boe = checked.purchases
    assert (first.inum, first.dt, first.pos, first.txval, first.igst, first.posting_date, first.tags) == (
        "00123",
        "2025-10-05",
        "07",
        100050,
        18009,
        "2025-10-07",
        (("cost_centre", "BLR-01"),),
    )
    assert (boe.doc_type, boe.ctin, boe.portcode, boe.boenum, boe.txval) == ("BOE", "", "INBLR4", "1234567", 50000)
