"""GSTR-2B "done when": one walk through every section with hand-computed figures (docs/rules.md §3-§7).

Monthly recipient R (Karnataka, 29):
- 092025: S1 (Maharashtra) invoices S1/0901 (IGST 18,000.00, accepted) and S1/0902 (9,000.00, rejected),
  credit note S1/CN/0901 (1,800.00, accepted); statement 092025 generated 14-10-2025, GSTR-3B filed
  20-10-2025, so those documents are frozen.
- 102025: S1 b2b (accepted 36,000.00; rejected 2,000.00; Pending 5,400.00; POS-ineligible 900.00 + 900.00),
  b2ba of S1/0901 downward to 14,400.00 (counts -3,600.00) and of the rejected S1/0902 to 10,800.00
  (counts in full), a debit note 900.00, a credit note 1,800.00 accepted with a declared reduction of
  1,000.00, an upward cdnra of S1/CN/0901 to 2,700.00 (counts the increase 900.00); S2 (Karnataka) an
  intra-state invoice 9,000.00 + 9,000.00 + cess 1,000.00, a reverse-charge invoice 1,800.00 + 1,800.00, a
  credit note accepted with "No reduction", a reverse-charge credit note 250.00 + 250.00; an ECO 9(5)
  invoice (100.00) from an operator's table 15; ISD invoice 5,000.00 and ISD credit note 500.00 from a
  GSTR-6; Bills of Entry IMPG 18,000.00 (accepted; a rejection is refused) and IMPGSEZ 9,000.00.
  Version 1 on 14-11-2025; then S1/1002 is accepted and S2/CN/1001 re-accepted with full reduction,
  recompute → version 2; version 1 stays byte-identical.
- GSTR-3B 102025 filed; the Pending S1/1003 is accepted → it enters 112025 (generated 14-12-2025).

Quarterly recipient Q: profile quarterly first; S4's documents of 072025, 082025, 092025 → one statement
for 092025 generated 14-10-2025, none for 072025 / 082025.

The walk runs once (module fixture `walk`, tests/support/gstr2b_walk.py); each test asserts one aspect of
what it saw. How the summary adds up from its leaves is unit-tested (tests/unit/test_gstr2b_layout.py).
"""

from __future__ import annotations

import hashlib
from types import SimpleNamespace

import pytest

from tests.support import gstr2b_workbook as book
from tests.support.gstr2b_flow import data_text
from tests.support.gstr2b_returns import (
    D,
    assert_itcsumm,
    assert_table4,
    heads,
    lines,
    money,
)
from tests.support.gstr2b_walk import OPERATOR, S1, S2, SEZ, R, walk_through

pytestmark = pytest.mark.e2e

# ---- hand-computed figures ---------------------------------------------------------------------------------
# 102025 version 1 (rupees: igst, cgst, sgst, cess)
Figures = tuple[str | int, str | int, str | int, str | int]
V1_LEAVES: dict[tuple[str, str, str], Figures] = {
    ("itcavl", "nonrevsup", "b2b"): ("36000.00", "9000.00", "9000.00", "1000.00"),  # S1/1001 + S2/1001
    ("itcavl", "nonrevsup", "b2ba"): ("7200.00", 0, 0, 0),  # -3600.00 (S1/0901) + 10800.00 (S1/0902)
    ("itcavl", "nonrevsup", "cdnr"): ("900.00", 0, 0, 0),  # debit note S1/DN/1001
    ("itcavl", "nonrevsup", "ecom"): ("100.00", 0, 0, 0),
    ("itcavl", "isdsup", "isd"): ("5000.00", 0, 0, 0),
    ("itcavl", "revsup", "b2b"): (0, "1800.00", "1800.00", 0),  # S2/1002 reverse charge
    ("itcavl", "imports", "impg"): ("18000.00", 0, 0, 0),
    ("itcavl", "imports", "impgsez"): ("9000.00", 0, 0, 0),
    ("itcavl", "othersup", "cdnr"): (
        "1000.00",
        0,
        0,
        0,
    ),  # declared 1000.00 of S1/CN/1001; S2/CN/1001 "No" → 0
    ("itcavl", "othersup", "cdnra"): ("900.00", 0, 0, 0),  # S1/CN/0901 1800.00 → 2700.00
    ("itcavl", "othersup", "cdnrrev"): (0, "250.00", "250.00", 0),
    ("itcavl", "othersup", "isd"): ("500.00", 0, 0, 0),
    ("itcunavl", "nonrevsup", "b2b"): (0, "900.00", "900.00", 0),  # S1/1004, POS 27
    ("itcRejected", "nonrevsup", "b2b"): ("2000.00", 0, 0, 0),  # S1/1002
}
V1_BUCKETS: dict[tuple[str, str], Figures] = {
    ("itcavl", "nonrevsup"): ("44200.00", "9000.00", "9000.00", "1000.00"),
    ("itcavl", "isdsup"): ("5000.00", 0, 0, 0),
    ("itcavl", "revsup"): (0, "1800.00", "1800.00", 0),
    ("itcavl", "imports"): ("27000.00", 0, 0, 0),
    ("itcavl", "othersup"): ("2400.00", "250.00", "250.00", 0),
    ("itcunavl", "nonrevsup"): (0, "900.00", "900.00", 0),
    ("itcRejected", "nonrevsup"): ("2000.00", 0, 0, 0),
}
V1_TABLE4: dict[str, Figures] = {
    "4A1": ("27000.00", 0, 0, 0),
    "4A3": (0, "1550.00", "1550.00", 0),  # 1800.00 - 250.00
    "4A4": ("4500.00", 0, 0, 0),  # 5000.00 - 500.00
    "4A5": ("42300.00", "9000.00", "9000.00", "1000.00"),  # 44200.00 - 1000.00 - 900.00
    "4D2": (0, "900.00", "900.00", 0),
}
# version 2: S1/1002 accepted (+2000.00 IGST); S2/CN/1001 accepted with full reduction (1800.00 + 1800.00)
V2_LEAVES = {
    **V1_LEAVES,
    ("itcavl", "nonrevsup", "b2b"): ("38000.00", "9000.00", "9000.00", "1000.00"),
    ("itcavl", "othersup", "cdnr"): ("1000.00", "1800.00", "1800.00", 0),
}
del V2_LEAVES[("itcRejected", "nonrevsup", "b2b")]
V2_BUCKETS = {
    **V1_BUCKETS,
    ("itcavl", "nonrevsup"): ("46200.00", "9000.00", "9000.00", "1000.00"),
    ("itcavl", "othersup"): ("2400.00", "2050.00", "2050.00", 0),
}
del V2_BUCKETS[("itcRejected", "nonrevsup")]
V2_TABLE4 = {**V1_TABLE4, "4A5": ("44300.00", "7200.00", "7200.00", "1000.00")}


@pytest.fixture(scope="module")
def walk(live_stack) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    return walk_through(live_stack)


def test_quarterly_recipient_gets_one_statement_for_the_quarter(walk: SimpleNamespace) -> None:
    assert walk.q_missing == [404, 404], "no statement for 072025 / 082025 of a quarterly recipient"
    data = walk.q_sep["data"]
    assert (data["rtnprd"], walk.q_sep["statement_version"], data["gendt"]) == ("092025", 1, "14-10-2025")
    # 1800.00 (072025) + 3600.00 (082025) + 1500.00 (092025); credit note 900.00
    assert_itcsumm(
        data["itcsumm"],
        {
            ("itcavl", "nonrevsup", "b2b"): ("6900.00", 0, 0, 0),
            ("itcavl", "othersup", "cdnr"): ("900.00", 0, 0, 0),
        },
        {("itcavl", "nonrevsup"): ("6900.00", 0, 0, 0), ("itcavl", "othersup"): ("900.00", 0, 0, 0)},
    )
    assert_table4(walk.q_sep["gstr3b_table4"], {"4A5": ("6000.00", 0, 0, 0)})
    docs = lines(data["docdata"])
    assert {n for _, n in docs} == {"S4/0701", "S4/0801", "S4/0901", "S4/CN/0901"}


def test_september_statement_of_the_monthly_recipient(walk: SimpleNamespace) -> None:
    data = walk.r_sep["data"]
    assert (data["rtnprd"], walk.r_sep["statement_version"], data["gendt"]) == ("092025", 1, "14-10-2025")
    assert_itcsumm(
        data["itcsumm"],
        {
            ("itcavl", "nonrevsup", "b2b"): ("18000.00", 0, 0, 0),
            ("itcavl", "othersup", "cdnr"): ("1800.00", 0, 0, 0),
            ("itcRejected", "nonrevsup", "b2b"): ("9000.00", 0, 0, 0),
        },
        {
            ("itcavl", "nonrevsup"): ("18000.00", 0, 0, 0),
            ("itcavl", "othersup"): ("1800.00", 0, 0, 0),
            ("itcRejected", "nonrevsup"): ("9000.00", 0, 0, 0),
        },
    )
    assert_table4(walk.r_sep["gstr3b_table4"], {"4A5": ("16200.00", 0, 0, 0)})


def test_october_version_1_itcsumm_and_gstr3b_table4(walk: SimpleNamespace) -> None:
    assert walk.before_cutoff == 404, "not generated before the 14th"
    data = walk.v1["data"]
    assert (data["gstin"], data["rtnprd"], data["version"], data["gendt"]) == (R, "102025", "4.0", "14-11-2025")
    assert walk.v1["statement_version"] == 1  # ours, beside `data`; `data.version` is GSTN's schema version
    assert_itcsumm(data["itcsumm"], V1_LEAVES, V1_BUCKETS)
    assert_table4(walk.v1["gstr3b_table4"], V1_TABLE4)


def test_october_documents_rejections_and_checksum(walk: SimpleNamespace) -> None:
    data = walk.v1["data"]
    assert hashlib.sha256(data_text(walk.v1_text).encode()).hexdigest() == walk.v1["chksum"]
    docs = lines(data["docdata"])
    assert set(docs) == {
        ("b2b", "S1/1001"),
        ("b2b", "S1/1004"),
        ("b2b", "S2/1001"),
        ("b2b", "S2/1002"),
        ("b2ba", "S1/0901"),
        ("b2ba", "S1/0902"),
        ("cdnr", "S1/DN/1001"),
        ("cdnr", "S1/CN/1001"),
        ("cdnr", "S2/CN/1001"),
        ("cdnra", "S1/CN/0901"),
        ("cdnr", "S2/CN/1002"),  # a reverse-charge credit note: listed in cdnr with rev Y
        ("ecom", "EC/1001"),
        ("isd", "ISD/1001"),
        ("isd", "ISD/CN/1001"),
        ("impg", "5100001"),
        ("impgsez", "5100002"),
    }, "S1/1003 is Pending (absent), S1/1002 rejected (docRejdata only)"
    first = docs[("b2b", "S1/1001")]
    assert (
        first["ctin"],
        first["supfildt"],
        first["supprd"],
        first["dt"],
        first["itcavl"],
        first["rsn"],
    ) == (S1, "11-11-2025", "102025", "03-10-2025", "Y", "")
    assert (heads(first), D(str(first["val"])), D(str(first["txval"]))) == (
        money("36000.00", 0, 0, 0),
        D("236000.00"),
        D("200000.00"),
    )
    pos_barred = docs[("b2b", "S1/1004")]
    assert (pos_barred["itcavl"], pos_barred["rsn"], heads(pos_barred)) == (
        "N",
        "P",
        money(0, "900.00", "900.00", 0),
    )
    assert docs[("b2b", "S2/1002")]["rev"] == "Y" and heads(docs[("b2b", "S2/1001")]) == money(
        0, "9000.00", "9000.00", "1000.00"
    )
    down, full = docs[("b2ba", "S1/0901")], docs[("b2ba", "S1/0902")]
    assert (down["oinum"], down["oidt"], heads(down), D(str(down["txval"])), D(str(down["val"]))) == (
        "S1/0901",
        "05-09-2025",
        money("-3600.00", 0, 0, 0),
        D("-20000.00"),
        D("-23600.00"),
    )
    assert heads(full) == money("10800.00", 0, 0, 0)
    # an accepted credit note keeps the supplier's amounts; the answer and the declared amounts sit beside them
    # (what they count is in itcsumm: 1,000.00 of S1/CN/1001, nothing of S2/CN/1001)
    partial = docs[("cdnr", "S1/CN/1001")]
    assert (partial["typ"], heads(partial), partial["itcRedReq"], partial["declIgst"]) == (
        "C",
        money("1800.00", 0, 0, 0),
        "Y",
        D("1000.00"),
    )
    no_reduction = docs[("cdnr", "S2/CN/1001")]
    assert (docs[("cdnr", "S1/DN/1001")]["typ"], heads(no_reduction), no_reduction["itcRedReq"]) == (
        "D",
        money(0, "1800.00", "1800.00", 0),
        "N",
    )
    assert "declCgst" not in no_reduction and "itcRedReq" not in docs[("cdnr", "S1/DN/1001")]
    amended = docs[("cdnra", "S1/CN/0901")]
    assert (amended["ontnum"], amended["ontdt"], heads(amended)) == (
        "S1/CN/0901",
        "20-09-2025",
        money("900.00", 0, 0, 0),
    )
    reverse = docs[("cdnr", "S2/CN/1002")]
    assert (reverse["rev"], heads(reverse)) == ("Y", money(0, "250.00", "250.00", 0))
    assert (docs[("ecom", "EC/1001")]["ctin"], heads(docs[("ecom", "EC/1001")])) == (
        OPERATOR,  # listed under the operator who reported it, not the seller S3 (docs/rules.md §7.2)
        money("100.00", 0, 0, 0),
    )
    impg, impgsez = docs[("impg", "5100001")], docs[("impgsez", "5100002")]
    assert (impg["boedt"], impg["refdt"], impg["portcode"], impg["isamd"]) == (
        "15-10-2025",
        "20-10-2025",
        "INBLR4",
        "N",
    )
    assert "ctin" not in data["docdata"]["impg"][0], "GSTN lists a Bill of Entry outside an SEZ in no supplier group"
    assert impgsez["ctin"] == SEZ, "a Bill of Entry of goods from an SEZ is listed under the SEZ supplier"
    rejected = lines(data["docRejdata"])
    assert list(rejected) == [("b2b", "S1/1002")]
    gone = rejected[("b2b", "S1/1002")]
    # remarks are ours (IMS), not GSTN's GSTR-2B: the downloads carry them (test_october_excel_download)
    assert (gone["ctin"], heads(gone), "remarks" in gone) == (S1, money("2000.00", 0, 0, 0), False)


def test_isd_invoices_and_isd_credit_notes_are_told_apart_in_docdata(walk: SimpleNamespace) -> None:
    """Both land under docdata "isd" (isdsup.isd and othersup.isd); only `doctyp` tells the credit note."""
    docs = lines(walk.v1["data"]["docdata"])
    assert docs[("isd", "ISD/CN/1001")]["doctyp"] == "ISDC"
    assert docs[("isd", "ISD/1001")]["doctyp"] == "ISDI", "an ISD invoice is labelled as a credit note"
    assert docs[("isd", "ISD/1001")]["itcelg"] == "Y" and "itcavl" not in docs[("isd", "ISD/1001")]


def test_october_counterparty_summary(walk: SimpleNamespace) -> None:
    """cpsumm: per supplier (and note type for notes, docs/rules.md §7) the ITC-available documents' totals, as
    the documents list them (a credit note's supplier amounts, whatever reduction was declared)."""
    cpsumm = walk.v1["data"]["cpsumm"]
    rows = {
        (section, r["ctin"], r.get("nttyp")): (r["ttldocs"], D(str(r["txval"])), *heads(r))
        for section, section_rows in cpsumm.items()
        if section not in ("isd", "isda", "impgsez")  # their rows have other keys (below)
        for r in section_rows
    }
    assert {(r["doctyp"], r["ttldocs"], D(str(r["igst"]))) for r in cpsumm["isd"]} == {
        ("ISDI", 1, D("5000.00")),
        ("ISDC", 1, D("500.00")),
    }
    (sez,) = cpsumm["impgsez"]  # per SEZ supplier and port; a Bill of Entry outside an SEZ has no cpsumm row
    assert (sez["ctin"], sez["portcode"], sez["ttldocs"], D(str(sez["igst"]))) == (SEZ, "INBLR4", 1, D("9000.00"))
    assert "impg" not in cpsumm
    assert rows[("b2b", S1, None)] == (1, D("200000.00"), *money("36000.00", 0, 0, 0))
    assert rows[("b2b", S2, None)] == (2, D("120000.00"), *money(0, "10800.00", "10800.00", "1000.00"))
    assert rows[("b2ba", S1, None)] == (2, D("40000.00"), *money("7200.00", 0, 0, 0))
    assert rows[("ecom", OPERATOR, None)] == (1, D("2000.00"), *money("100.00", 0, 0, 0))
    # S1's debit note (900.00) and its credit note (1000.00 reduction) are different things
    assert rows.get(("cdnr", S1, "D")) == (1, D("5000.00"), *money("900.00", 0, 0, 0)), rows
    assert rows.get(("cdnr", S1, "C")) == (1, D("10000.00"), *money("1800.00", 0, 0, 0)), rows


def test_october_excel_download(walk: SimpleNamespace) -> None:
    """The workbook laid out like the portal's (docs/rules.md §7.5; read cell by cell against the JSON in
    tests/e2e/test_gstr2b_workbook.py): the summary sheets show the hand-computed leaves."""
    assert walk.xlsx.status_code == 200 and walk.xlsx.content[:2] == b"PK"
    workbook = book.load(walk.xlsx.content)
    for name in ("Read me", "ITC Available", "B2B", "B2BA", "B2B-CDNR", "B2B-CDNRA", "ECO", "ISD", "IMPG", "IMPGSEZ"):
        assert name in workbook.sheetnames, name
    rejected = [n for n in workbook.sheetnames if n.endswith("(Rejected)") and book.data_rows(workbook[n])]
    assert rejected == ["B2B(Rejected)"]
    rows = book.by_label(workbook["B2B(Rejected)"])
    assert [(r["Invoice details: Invoice number"], r["Remarks"]) for r in rows] == [("S1/1002", "rate differs from PO")]
    blocks = {"ITC Available": "itcavl", "ITC not available": "itcunavl", "ITC Reversal": "itcrev"}
    blocks["ITC Rejected"] = "itcRejected"
    shown = {
        (block, *line.path): tuple(D(str(a)) for a in line.amounts)
        for name, block in blocks.items()
        for line in book.summary(workbook[name])
        if len(line.path) == 2
    }
    for key, figures in V1_LEAVES.items():
        assert shown[key] == money(*figures), key
    ids = {row["Invoice details: Invoice number"] for row in book.by_label(workbook["B2B"])}
    assert ids == {"S1/1001", "S1/1004", "S2/1001", "S2/1002"}
    assert [len(book.data_rows(workbook[n])) for n in ("ISD", "IMPG", "ECO")] == [2, 1, 1]


def test_new_action_and_recompute_make_version_2_and_leave_version_1_identical(walk: SimpleNamespace) -> None:
    data = walk.v2["data"]
    assert (walk.v2["statement_version"], data["gendt"]) == (2, "14-11-2025")
    assert_itcsumm(data["itcsumm"], V2_LEAVES, V2_BUCKETS)
    assert_table4(walk.v2["gstr3b_table4"], V2_TABLE4)
    assert data["docRejdata"] == {} and data["cpSummRej"] == {}
    assert hashlib.sha256(data_text(walk.v2_text).encode()).hexdigest() == walk.v2["chksum"]
    assert walk.v1_again == walk.v1_text, "version 1 is immutable, byte for byte"
    assert [(v["version"], v["trigger"]) for v in walk.versions] == [(1, "cutoff"), (2, "recompute")]
    changes = {(c["change"], c["from_block"], c["to_block"], c["from_tax"], c["to_tax"]) for c in walk.diff["changes"]}
    assert changes == {
        ("changed", "itcRejected", "itcavl", 2000.00, 2000.00),
        ("changed", "itcavl", "itcavl", 0.00, 3600.00),
    }
    late = walk.late_recompute
    assert late.status_code == 409 and late.json()["detail"]["error_cd"] == "GSTR3B_FILED"


def test_pending_document_is_carried_into_the_next_statement(walk: SimpleNamespace) -> None:
    data = walk.nov["data"]
    assert (data["rtnprd"], walk.nov["statement_version"], data["gendt"]) == ("112025", 1, "14-12-2025")
    # S1/1101 (1800.00) of November + S1/1003 (5400.00), Pending in October, accepted after its GSTR-3B
    assert_itcsumm(
        data["itcsumm"],
        {("itcavl", "nonrevsup", "b2b"): ("7200.00", 0, 0, 0)},
        {("itcavl", "nonrevsup"): ("7200.00", 0, 0, 0)},
    )
    assert_table4(walk.nov["gstr3b_table4"], {"4A5": ("7200.00", 0, 0, 0)})
    assert set(lines(data["docdata"])) == {("b2b", "S1/1003"), ("b2b", "S1/1101")}


def test_docdata_groups_a_suppliers_documents_by_return_period(walk: SimpleNamespace) -> None:
    """`supfildt` / `supprd` describe the supplier's return a document came from (docs/rules.md §7)."""
    nov = lines(walk.nov["data"]["docdata"])
    assert (nov[("b2b", "S1/1003")]["supprd"], nov[("b2b", "S1/1003")]["supfildt"]) == (
        "102025",
        "11-11-2025",
    )
    assert (nov[("b2b", "S1/1101")]["supprd"], nov[("b2b", "S1/1101")]["supfildt"]) == (
        "112025",
        "11-12-2025",
    )
    quarter = lines(walk.q_sep["data"]["docdata"])
    assert {n: (d["supprd"], d["supfildt"]) for (_, n), d in quarter.items()} == {
        "S4/0701": ("072025", "11-08-2025"),
        "S4/0801": ("082025", "11-09-2025"),
        "S4/0901": ("092025", "11-10-2025"),
        "S4/CN/0901": ("092025", "11-10-2025"),
    }
