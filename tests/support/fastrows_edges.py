"""Plain rows at the edges of the native row checker's rules, each with what Python does with it
(tests/unit/test_fastrows.py): take it (and native must), refuse it, or either (native may decline)."""

from __future__ import annotations

from datetime import date
from typing import Any

from services.ingest.checking import CheckContext
from tests.support.gstr1_rows import Lit, write

SUPPLIER, KA, MH = "27AAPFU0939F1ZV", "29AABCR1718E1ZL", "27AABCR1718E1ZP"
OCT = CheckContext(SUPPLIER, "102025", "R1", date(2025, 11, 11), False)


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
    as_note: dict[str, Any] = {"inum": ..., "idt": ..., "ntty": "C", "nt_num": "CN/1", "nt_dt": "15-10-2025"}
    return invoice(**(as_note | fields))


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
    ("val far under the taxes (taken with a warning)", OCT, "b2b", B2B, invoice(val=Lit("1.00")), MAY),
    ("val 1 rupee under", OCT, "b2b", B2B, invoice(val=Lit("11799.00")), TAKE),
    ("val 1 rupee and 1 paisa under (taken with a warning)", OCT, "b2b", B2B, invoice(val=Lit("11798.99")), MAY),
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
