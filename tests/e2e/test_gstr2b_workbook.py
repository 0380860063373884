"""The GSTR-2B workbook (`?format=xlsx`) laid out like the portal's GSTR-2B Excel, template v1.1
(tests/golden-spec/gstr2b-workbook.md; docs/rules.md §7.5), read back with openpyxl cell by cell against the JSON
of the same statement: the statement of tests/support/gstr2b_every_section.py, which has a document of every
section, Rule 37A reversals, a rejected document of each kind and names from the registry. The labels, words
and state names expected here are written from the portal's template, not taken from the code under test.
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import pytest

from tests.support import gstr2b_workbook as book
from tests.support.gstr2b_every_section import RECIPIENT_NAMES, REJECTED_REMARKS, walk_every_section

pytestmark = pytest.mark.e2e
SUMMARIES = ("ITC Available", "ITC not available", "ITC Reversal", "ITC Rejected")
# each document sheet: where the JSON lists its documents (part, list, and for Bills of Entry `isamd`)
SOURCES: dict[str, tuple[str, str, str | None]] = {
    "B2B": ("docdata", "b2b", None),
    "B2BA": ("docdata", "b2ba", None),
    "B2B-CDNR": ("docdata", "cdnr", None),
    "B2B-CDNRA": ("docdata", "cdnra", None),
    "ECO": ("docdata", "ecom", None),
    "ECOA": ("docdata", "ecoma", None),
    "ISD": ("docdata", "isd", None),
    "ISDA": ("docdata", "isda", None),
    "IMPG": ("docdata", "impg", "N"),
    "IMPGA": ("docdata", "impg", "Y"),
    "IMPGSEZ": ("docdata", "impgsez", "N"),
    "IMPGSEZA": ("docdata", "impgsez", "Y"),
    "B2B (ITC Reversal)": ("itcrev", "b2b", None),
    "B2BA (ITC Reversal)": ("itcrev", "b2ba", None),
    "B2B-DNR": ("itcrev", "cdnr", None),
    "B2B-DNRA": ("itcrev", "cdnra", None),
    "B2B(Rejected)": ("docRejdata", "b2b", None),
    "B2BA(Rejected)": ("docRejdata", "b2ba", None),
    "B2B-CDNR(Rejected)": ("docRejdata", "cdnr", None),
    "B2B-CDNRA(Rejected)": ("docRejdata", "cdnra", None),
    "ECO(Rejected)": ("docRejdata", "ecom", None),
    "ECOA(Rejected)": ("docRejdata", "ecoma", None),
    "ISD(Rejected)": ("docRejdata", "isd", None),
    "ISDA(Rejected)": ("docRejdata", "isda", None),
}
ROWS = {"b2b": "inv", "b2ba": "inv", "ecom": "inv", "ecoma": "inv", "cdnr": "nt", "cdnra": "nt", "isd": "doclist"}
ROWS |= {"isda": "doclist", "impgsez": "boe"}
_TAX = {"Integrated Tax (₹)": "igst", "Central Tax (₹)": "cgst", "State/UT Tax (₹)": "sgst", "Cess (₹)": "cess"}
_DECLARED = {"Integrated Tax (₹)": "declIgst", "Central Tax (₹)": "declCgst", "State/UT Tax (₹)": "declSgst"}
KEYS: dict[tuple[str | None, str], str] = {  # (group, label) of a column → the JSON key it shows
    (None, "GSTIN of supplier"): "ctin",
    (None, "GSTIN of ISD"): "ctin",
    (None, "GSTIN of ECO"): "ctin",
    (None, "Trade/Legal name"): "trdnm",
    ("Invoice details", "Invoice number"): "inum",
    ("Invoice details", "Invoice type"): "typ",
    ("Invoice details", "Invoice Date"): "dt",
    ("Invoice details", "Invoice Value (₹)"): "val",
    ("Credit note/Debit note details", "Note number"): "ntnum",
    ("Credit note/Debit note details", "Note type"): "typ",
    ("Credit note/Debit note details", "Note Supply type"): "suptyp",
    ("Credit note/Debit note details", "Note date"): "dt",
    ("Credit note/Debit note details", "Note Value (₹)"): "val",
    ("Original details", "Invoice number"): "oinum",
    ("Original details", "Invoice date"): "oidt",
    ("Original details", "Note type"): "onttyp",
    ("Original details", "Note number"): "ontnum",
    ("Original details", "Note date"): "ontdt",
    ("Original details", "ISD Document type"): "odoctyp",
    ("Original details", "Document number"): "odocnum",
    ("Original details", "Document date"): "odocdt",
    (None, "Place of supply"): "pos",
    (None, "Supply Attract Reverse Charge"): "rev",
    (None, "Taxable Value (₹)"): "txval",
    **{("Tax Amount", label): key for label, key in _TAX.items()},
    **{("Input tax distribution by ISD", label): key for label, key in _TAX.items()},
    ("Amount of Tax", "Integrated Tax (₹)"): "igst",
    ("Amount of Tax", "Cess (₹)"): "cess",
    (None, "GSTR-1/IFF/GSTR-5 Period"): "supprd",
    (None, "GSTR-1/IFF/GSTR-5 Filing Date"): "supfildt",
    (None, "ISD GSTR-6 Period"): "supprd",
    (None, "ISD GSTR-6 Filing Date"): "supfildt",
    (None, "ITC Availability"): "itcavl",
    (None, "Reason"): "rsn",
    (None, "Applicable % of Tax Rate"): "diffprcnt",
    (None, "Source"): "srctyp",
    (None, "IRN"): "irn",
    (None, "IRN Date"): "irngendate",
    (None, "ISD Document type"): "doctyp",
    (None, "ISD Document number"): "docnum",
    (None, "ISD Document date"): "docdt",
    (None, "Original invoice number"): "oinvnum",
    (None, "Original invoice date"): "oinvdt",
    (None, "Eligibility of ITC"): "itcelg",
    (None, "ICEGATE Reference Date"): "refdt",
    (None, "Port Code"): "portcode",
    ("Bill of Entry Details", "Number"): "boenum",
    ("Bill of Entry Details", "Date"): "boedt",
    ("Bill of Entry Details", "Taxable Value (₹)"): "txval",
    (None, "Amendment (Yes/No)"): "isamd",
    (None, "Whether ITC to be reduced"): "itcRedReq",
    **{("Amount declared for ITC reduction", label): key for label, key in _DECLARED.items()},
    ("Amount declared for ITC reduction", "Cess (₹)"): "declCess",
    (None, "Remarks"): "remarks",
}
DATES = {"dt", "oidt", "ontdt", "odocdt", "docdt", "oinvdt", "supfildt", "irngendate", "refdt", "boedt"}
MONEY = {"val", "txval", "igst", "cgst", "sgst", "cess", "declIgst", "declCgst", "declSgst", "declCess"}
YES_NO = {"Y": "Yes", "N": "No"}
WORDS: dict[str, dict[str, str]] = {
    "typ": {"R": "Regular", "C": "Credit Note", "D": "Debit Note"},
    "suptyp": {"R": "Regular"},
    "onttyp": {"C": "Credit Note", "D": "Debit Note"},
    "doctyp": {"ISDI": "ISD Invoice", "ISDC": "ISD Credit Note"},
    "odoctyp": {"ISDI": "ISD Invoice", "ISDC": "ISD Credit Note"},
    "pos": {"29": "Karnataka", "27": "Maharashtra", "33": "Tamil Nadu", "07": "Delhi"},
    "rsn": {"P": "POS and supplier state are same but recipient state is different"},
    **dict.fromkeys(("rev", "itcavl", "itcelg", "isamd", "itcRedReq"), YES_NO),
}
NOT_SHOWN = {"recdt"}  # a Bill of Entry's receipt date: the template has no column (ours is its reference date)
EMPTY: set[str] = set()  # sheets the October statement of the walk has no document for


@pytest.fixture(scope="module")
def walk(live_stack) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    g = walk_every_section(live_stack)
    for name, period, kind in (("xlsx", "102025", "xlsx"), ("csv", "102025", "csv"), ("may", "052025", "xlsx")):
        answer = live_stack.http.get(f"/v1/gstr2b/{g.G}/{period}", params={"format": kind})
        assert answer.status_code == 200, answer.text
        setattr(g, name, answer)
    return g


def _documents(data: dict[str, Any], sheet: str) -> list[dict[str, Any]]:
    """The documents a sheet lists, in the JSON's order, each with its supplier group's keys."""
    part, listed, amended = SOURCES[sheet]
    if part == "itcrev":
        lists = [element.get(listed, []) for element in data["docdata"].get("itcrev", [])]
    else:
        lists = [data[part].get(listed, [])]
    found = []
    for entries in lists:
        for entry in entries:
            if listed == "impg":
                found.append(entry)
                continue
            party = {k: v for k, v in entry.items() if k != ROWS[listed]}
            found += [party | record for record in entry[ROWS[listed]]]
    return [d for d in found if amended is None or d["isamd"] == amended]


def _expected(key: str, document: dict[str, Any]) -> Any:
    value = document.get(key, "")
    if key == "remarks":
        return REJECTED_REMARKS if document.get("inum") == "S1/1002" else None
    if value == "":
        return None
    if key in DATES:
        return datetime.strptime(value, "%d-%m-%Y")
    if key in WORDS:
        return WORDS[key][value]
    return value


def _check_cell(sheet: str, key: str, cell: Any, want: Any) -> str | None:
    where = f"{sheet}!{cell.coordinate} ({key})"
    if key in MONEY and want is not None:
        ok = isinstance(cell.value, int | float) and Decimal(str(cell.value)) == Decimal(str(want))
        return (
            None if ok and cell.number_format == "0.00" else f"{where}: {cell.value!r} {cell.number_format} != {want}"
        )
    if key == "diffprcnt":
        ok = float(cell.value) == float(want) and cell.number_format == "0%"
        return None if ok else f"{where}: {cell.value!r} {cell.number_format} != {want}"
    if isinstance(want, datetime) and cell.number_format != "dd-mm-yyyy":
        return f"{where}: a date shown as {cell.number_format}"
    return None if cell.value == want else f"{where}: {cell.value!r} != {want!r}"


def test_the_workbook_has_the_portals_sheets_in_order_each_present_even_when_empty(walk: SimpleNamespace) -> None:
    for answer in (walk.xlsx, walk.may):
        assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
        assert book.load(answer.content).sheetnames == ["Read me", *SUMMARIES, *SOURCES]
    may = book.load(walk.may.content)
    for name in SOURCES:
        assert book.data_rows(may[name]) == [], name
        assert book.header(may[name]) == book.header(book.load(walk.xlsx.content)[name]), name
    for name in SUMMARIES:
        assert {a for line in book.summary(may[name]) for a in line.amounts if line.path} == {0}, name


def test_the_read_me_names_the_recipient_its_period_and_the_statements_version(walk: SimpleNamespace) -> None:
    sheet = book.load(walk.xlsx.content)["Read me"]
    about = {row[0]: row[1] for row in sheet.iter_rows(min_row=2, max_row=11, values_only=True) if row[0]}
    assert sheet["A1"].value == "Goods and Services Tax - GSTR-2B"
    data = walk.statements["102025"]
    assert about == {
        "Financial Year": "2025-26",
        "Tax Period": "October",
        "GSTIN": walk.G,
        "Legal Name": RECIPIENT_NAMES[0],
        "Trade Name (if any)": RECIPIENT_NAMES[1],
        "Date of generation": datetime.strptime(data["data"]["gendt"], "%d-%m-%Y"),
        "Version": data["statement_version"],
        "Layout": "The portal's GSTR-2B Excel, template v1.1",
    }
    listed = [row[0] for row in sheet.iter_rows(min_row=13, values_only=True)]
    assert listed == [*SUMMARIES, *SOURCES], "the Read me lists every sheet"


ITC_AVAILABLE = [  # (S.no., heading, GSTR-3B table) as the portal's ITC Available sheet has them
    ("Part A", "ITC Available - Credit may be claimed in relevant headings in GSTR-3B", None),
    ("I", "All other ITC - Supplies from registered persons other than reverse charge", "4(A)(5)"),
    *((None, h, "4(A)(5)") for h in ("B2B - Invoices", "B2B - Invoices (Amendment)", "B2B - Debit notes")),
    *(
        (None, h, "4(A)(5)")
        for h in ("B2B - Debit notes (Amendment)", "ECO - Documents", "ECO - Documents (Amendment)")
    ),
    ("II", "Inward Supplies from ISD", "4(A)(4)"),
    (None, "ISD - Invoices", "4(A)(4)"),
    (None, "ISD - Invoices (Amendment)", "4(A)(4)"),
    ("III", "Inward Supplies liable for reverse charge", "3.1(d), 4(A)(3)"),
    *((None, h, "3.1(d), 4(A)(3)") for h in ("B2B - Invoices", "B2B - Invoices (Amendment)", "B2B - Debit notes")),
    (None, "B2B - Debit notes (Amendment)", "3.1(d), 4(A)(3)"),
    ("IV", "Import of Goods", "4(A)(1)"),
    (None, "IMPG - Import of goods from overseas", "4(A)(1)"),
    (None, "IMPG (Amendment)", "4(A)(1)"),
    (None, "IMPGSEZ - Import of goods from SEZ", "4(A)(1)"),
    (None, "IMPGSEZ (Amendment)", "4(A)(1)"),
    (
        "Part B",
        "ITC Available - Credit notes should be net off against relevant ITC available headings in GSTR-3B",
        None,
    ),
    ("I", "Others", "4(A)"),
    (None, "B2B - Credit notes", "4(A)(5)"),
    (None, "B2B - Credit notes (Amendment)", "4(A)(5)"),
    (None, "B2B - Credit notes (Reverse charge)", "4(A)(3)"),
    (None, "B2B - Credit notes (Reverse charge)(Amendment)", "4(A)(3)"),
    (None, "ISD - Credit notes", "4(A)(4)"),
    (None, "ISD - Credit notes (Amendment)", "4(A)(4)"),
]


def test_every_summary_row_is_the_jsons_itcsumm_figure_with_the_gstr3b_table_it_feeds(walk: SimpleNamespace) -> None:
    workbook = book.load(walk.xlsx.content)
    itcsumm = walk.statements["102025"]["data"]["itcsumm"]
    available = book.summary(workbook["ITC Available"])
    assert [(line.number, line.heading, line.reference) for line in available] == ITC_AVAILABLE
    references = {"ITC not available": "4(D)(2)", "ITC Reversal": "4(B)(2)", "ITC Rejected": "Not applicable"}
    wrong = []
    for name, block in zip(SUMMARIES, ("itcavl", "itcunavl", "itcrev", "itcRejected"), strict=True):
        lines = book.summary(workbook[name])
        shown = set()
        for line in lines:
            if not line.path:
                assert line.amounts == (None,) * 4, (name, line)
                continue
            node = itcsumm[block]
            for key in line.path:
                node = node[key]
            figures = tuple(Decimal(str(node[h])) for h in book.HEADS)
            if tuple(Decimal(str(a)) for a in line.amounts) != figures:
                wrong.append(f"{name} {line.path}: {line.amounts} != {figures}")
            if name in references and line.reference != references[name]:
                wrong.append(f"{name} {line.heading}: GSTR-3B table {line.reference}")
            shown.add(line.path)
        in_json = {(b,) for b in itcsumm[block]} | {
            (b, leaf) for b, n in itcsumm[block].items() for leaf in n if leaf not in book.HEADS
        }
        assert shown == in_json, (name, in_json ^ shown)
    assert not wrong, "\n".join(wrong)
    assert any(any(line.amounts) for line in book.summary(workbook["ITC Reversal"]) if line.path), "a reversal shows"


def test_every_document_sheet_is_the_jsons_documents_cell_by_cell(walk: SimpleNamespace) -> None:
    data = walk.statements["102025"]["data"]
    workbook = book.load(walk.xlsx.content)
    wrong: list[str] = []
    for name in SOURCES:
        sheet = workbook[name]
        columns = book.header(sheet)
        unknown = [column for column in columns if column not in KEYS]
        assert not unknown, f"{name}: columns the template does not have: {unknown}"
        keys = [KEYS[column] for column in columns]
        documents, rows = _documents(data, name), book.data_rows(sheet)
        assert len(rows) == len(documents), (name, len(rows), len(documents))
        for document, row in zip(documents, rows, strict=True):
            lost = set(document) - set(keys) - NOT_SHOWN
            assert not lost, f"{name}: the JSON's {sorted(lost)} has no column"
            wrong += [
                p
                for key, cell in zip(keys, row, strict=True)
                if (p := _check_cell(name, key, cell, _expected(key, document)))
            ]
    assert not wrong, "\n".join(wrong[:40])
    empty = {name for name in SOURCES if not book.data_rows(workbook[name])}
    assert empty == EMPTY, "the statement shows a document on every other sheet"


def test_amendments_carry_their_originals_and_isd_rows_their_document_number_date_and_type(
    walk: SimpleNamespace,
) -> None:
    workbook = book.load(walk.xlsx.content)
    originals = {
        "B2BA": ("Original details: Invoice number", "Original details: Invoice date"),
        "ECOA": ("Original details: Invoice number", "Original details: Invoice date"),
        "B2B-CDNRA": ("Original details: Note type", "Original details: Note number", "Original details: Note date"),
        "ISDA": (
            "Original details: ISD Document type",
            "Original details: Document number",
            "Original details: Document date",
        ),
    }
    for name, labels in originals.items():
        rows = book.by_label(workbook[name])
        assert rows and all(row[label] for row in rows for label in labels), name
    isd = {row["ISD Document number"]: row for row in book.by_label(workbook["ISD"])}
    assert {n: (r["ISD Document type"], r["ISD Document date"]) for n, r in isd.items()} == {
        "ISD/1001": ("ISD Invoice", datetime(2025, 10, 10)),
        "ISD/CN/1001": ("ISD Credit Note", datetime(2025, 10, 12)),
    }
    (amended,) = book.by_label(workbook["ISDA"])
    assert (amended["Original details: Document number"], amended["ISD Document number"]) == ("ISD/0901", "ISD/0901")


def test_eco_sheets_name_the_operator_as_the_gstin_of_eco(walk: SimpleNamespace) -> None:
    """An ECO 9(5) document's counterparty is the operator who reported it (docs/rules.md §7): the portal's
    column "GSTIN of ECO", with the operator's GSTIN, on the available and the rejected sheets alike."""
    workbook = book.load(walk.xlsx.content)
    for name in ("ECO", "ECOA", "ECO(Rejected)", "ECOA(Rejected)"):
        rows = book.by_label(workbook[name])
        assert rows and {row["GSTIN of ECO"] for row in rows} == {walk.OP}, name
        assert "GSTIN of supplier" not in rows[0], name


def test_the_csv_holds_the_workbooks_document_rows_with_the_jsons_values(walk: SimpleNamespace) -> None:
    data = walk.statements["102025"]["data"]
    rows = list(csv.DictReader(io.StringIO(walk.csv.content.decode("utf-8-sig"))))
    order = [row["sheet"] for row in rows]
    assert order == [name for name in SOURCES for _ in _documents(data, name)], "the workbook's sheets, in order"
    wrong = []
    for name in SOURCES:
        for document, row in zip(_documents(data, name), [r for r in rows if r["sheet"] == name], strict=True):
            for key, value in document.items():
                if key == "diffprcnt":
                    same = float(row[key]) == float(value)
                else:
                    same = row[key] == (f"{value:.2f}" if isinstance(value, Decimal) else str(value))
                if not same:
                    wrong.append(f"{name} {key}: {row[key]!r} != {value!r}")
    assert not wrong, "\n".join(wrong[:40])
    isd = [row for row in rows if row["sheet"] == "ISD"]
    assert {(r["doctyp"], r["docnum"], r["docdt"]) for r in isd} == {
        ("ISDI", "ISD/1001", "10-10-2025"),
        ("ISDC", "ISD/CN/1001", "12-10-2025"),
    }
    assert [r["remarks"] for r in rows if r["sheet"] == "B2B(Rejected)"] == [REJECTED_REMARKS]
