"""The GSTR-2B workbook's summary sheets, one per `itcsumm` block (docs/rules.md §7.5): the portal's labelled
rows, each with the GSTR-3B table it feeds, over GSTN's buckets and leaves of the block (`block_buckets`).

Part A holds the buckets that give ITC, part B the credit notes (`othersup`) to be netted off them. The GSTR-3B
references follow `layout.gstr3b_table4` (tests/unit/test_gstr2b_workbook_layout.py holds every reference to
the table-4 row its amounts move): ITC available feeds table 4(A) by bucket, ITC not available 4(D)(2), the
Rule 37A reversal 4(B)(2); rejected ITC feeds nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.gstr2b.domain.layout import REDUCING_BUCKET, block_buckets

BUCKET_LABELS = {
    "nonrevsup": "All other ITC - Supplies from registered persons other than reverse charge",
    "isdsup": "Inward Supplies from ISD",
    "revsup": "Inward Supplies liable for reverse charge",
    "imports": "Import of Goods",
    "othersup": "Others",
}
_SUPPLIES = {
    "b2b": "B2B - Invoices",
    "b2ba": "B2B - Invoices (Amendment)",
    "cdnr": "B2B - Debit notes",
    "cdnra": "B2B - Debit notes (Amendment)",
}
LEAF_LABELS: dict[str, dict[str, str]] = {
    "nonrevsup": {**_SUPPLIES, "ecom": "ECO - Documents", "ecoma": "ECO - Documents (Amendment)"},
    "isdsup": {"isd": "ISD - Invoices", "isda": "ISD - Invoices (Amendment)"},
    "revsup": _SUPPLIES,
    "imports": {
        "impg": "IMPG - Import of goods from overseas",
        "impga": "IMPG (Amendment)",
        "impgsez": "IMPGSEZ - Import of goods from SEZ",
        "impgasez": "IMPGSEZ (Amendment)",
    },
    "othersup": {
        "cdnr": "B2B - Credit notes",
        "cdnra": "B2B - Credit notes (Amendment)",
        "cdnrrev": "B2B - Credit notes (Reverse charge)",
        "cdnrarev": "B2B - Credit notes (Reverse charge)(Amendment)",
        "isd": "ISD - Credit notes",
        "isda": "ISD - Credit notes (Amendment)",
    },
}
NOT_APPLICABLE = "Not applicable"
_AVAILABLE = {"nonrevsup": "4(A)(5)", "isdsup": "4(A)(4)", "revsup": "3.1(d), 4(A)(3)", "imports": "4(A)(1)"}
_NETTED = {
    "cdnr": "4(A)(5)",
    "cdnra": "4(A)(5)",
    "cdnrrev": "4(A)(3)",
    "cdnrarev": "4(A)(3)",
    "isd": "4(A)(4)",
    "isda": "4(A)(4)",
}


def gstr3b_reference(block: str, bucket: str, leaf: str | None = None) -> str:
    """The GSTR-3B table a summary row's amounts feed (a bucket row: all its leaves')."""
    if block == "itcavl":
        if bucket != REDUCING_BUCKET:
            return _AVAILABLE[bucket]
        return "4(A)" if leaf is None else _NETTED[leaf]
    return {"itcunavl": "4(D)(2)", "itcrev": "4(B)(2)"}.get(block, NOT_APPLICABLE)


@dataclass(frozen=True, slots=True)
class SummaryRow:
    number: str  # "Part A", "I", "II", ... or "" for a leaf
    heading: str
    reference: str  # the GSTR-3B table; "" on a part's row
    path: tuple[str, ...]  # (bucket,) or (bucket, leaf) of the block's itcsumm; () on a part's row


@dataclass(frozen=True, slots=True)
class SummarySheet:
    name: str
    block: str
    description: str
    parts: tuple[str, str]  # the headings of part A (ITC) and part B (credit notes)

    def rows(self) -> tuple[SummaryRow, ...]:
        buckets = block_buckets(self.block)
        rows: list[SummaryRow] = []
        for part, heading, names in (
            ("Part A", self.parts[0], [b for b in buckets if b != REDUCING_BUCKET]),
            ("Part B", self.parts[1], [b for b in buckets if b == REDUCING_BUCKET]),
        ):
            rows.append(SummaryRow(part, heading, "", ()))
            for number, bucket in enumerate(names, 1):
                reference = gstr3b_reference(self.block, bucket)
                rows.append(SummaryRow(_ROMAN[number], BUCKET_LABELS[bucket], reference, (bucket,)))
                for leaf in buckets[bucket]:
                    label, reference = LEAF_LABELS[bucket][leaf], gstr3b_reference(self.block, bucket, leaf)
                    rows.append(SummaryRow("", label, reference, (bucket, leaf)))
        return tuple(rows)


_ROMAN = ("", "I", "II", "III", "IV", "V")
SUMMARY_SHEETS = (
    SummarySheet(
        "ITC Available",
        "itcavl",
        "ITC available: may be claimed in GSTR-3B in the tables named",
        (
            "ITC Available - Credit may be claimed in relevant headings in GSTR-3B",
            "ITC Available - Credit notes should be net off against relevant ITC available headings in GSTR-3B",
        ),
    ),
    SummarySheet(
        "ITC not available",
        "itcunavl",
        "ITC not available (place of supply, section 16(4)): reported in GSTR-3B table 4(D)(2)",
        ("ITC Not Available", "ITC Not Available - Credit notes"),
    ),
    SummarySheet(
        "ITC Reversal",
        "itcrev",
        "ITC to be reversed under Rule 37A: reported in GSTR-3B table 4(B)(2)",
        ("ITC Reversal on account of Rule 37A", "ITC Reversal on account of Rule 37A - Credit notes"),
    ),
    SummarySheet(
        "ITC Rejected",
        "itcRejected",
        "ITC on documents rejected in IMS: not to be claimed",
        ("ITC Rejected", "ITC Rejected - Credit notes"),
    ),
)
HEADERS = ("S.no.", "Heading", "GSTR-3B table", "Integrated Tax (₹)", "Central Tax (₹)", "State/UT Tax (₹)", "Cess (₹)")
