"""The GSTR-2B workbook laid out like the portal's GSTR-2B Excel (template v1.1), docs/rules.md §7.5: its
document sheets in the portal's order, each sheet's columns (a group label over some, as the portal's two-row
header has it) and the words its codes are shown as. Facts of the format, and our choices where the template
leaves a question open, in one place; services/gstr2b/sheets.py fills the sheets in from GSTN's JSON records
(services/gstr2b/output.py), so a cell always shows what the JSON says.

Each column names the JSON key it shows: a key of the document's record (`inum`, `docnum`, ...) or of its
supplier group (`ctin`, `trdnm`, `supprd`, `supfildt`), and `remarks`, the recipient's IMS remarks, which GSTN's
JSON does not carry.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.gst.sections import sections_where
from services.gstr2b.domain.layout import PLACEMENT, REVERSE_CHARGE
from services.gstr2b.domain.records import REVERSED, listed_in

INVOICE_TYPES = {
    "R": "Regular",
    "SEWP": "SEZ supplies with payment",
    "SEWOP": "SEZ supplies without payment",
    "DE": "Deemed Exports",
    "CBW": "Custom Bonded Warehouse",
}
NOTE_TYPES = {"C": "Credit Note", "D": "Debit Note"}
YES_NO = {"Y": "Yes", "N": "No"}
REASONS = {  # why ITC is not available (docs/rules.md §2.2, §2.3)
    "P": "POS and supplier state are same but recipient state is different",
    "C": "Return filed post annual cut-off",
}
ISD_TYPES = {"ISDI": "ISD Invoice", "ISDC": "ISD Credit Note"}
WORDS: dict[str, dict[str, str]] = {  # a column's kind → the words its codes are shown as
    "invoice_type": INVOICE_TYPES,
    "note_type": NOTE_TYPES,
    "yes_no": YES_NO,
    "reason": REASONS,
    "isd_type": ISD_TYPES,
}
KINDS = frozenset({"text", "money", "date", "percent", "state", *WORDS})


@dataclass(frozen=True, slots=True)
class Column:
    key: str  # the JSON key whose value the column shows
    label: str  # the header's lower row (or both rows, when the column has no group)
    group: str | None = None  # the header's upper row, over the columns of the group
    kind: str = "text"  # text, money (₹, two decimals), date, percent, state (a name), or a key of WORDS
    width: int = 14


def _group(group: str, *columns: Column) -> tuple[Column, ...]:
    return tuple(Column(c.key, c.label, group, c.kind, c.width) for c in columns)


def _heads(group: str, keys: tuple[str, ...] = ("igst", "cgst", "sgst", "cess")) -> tuple[Column, ...]:
    labels = {"igst": "Integrated Tax (₹)", "cgst": "Central Tax (₹)", "sgst": "State/UT Tax (₹)", "cess": "Cess (₹)"}
    return _group(group, *(Column(key, labels[key], kind="money") for key in keys))


SUPPLIER = (Column("ctin", "GSTIN of supplier", width=17), Column("trdnm", "Trade/Legal name", width=30))
# an ECO 9(5) document is listed under the e-commerce operator who reported it (docs/rules.md §7)
OPERATOR = (Column("ctin", "GSTIN of ECO", width=17), Column("trdnm", "Trade/Legal name", width=30))
INVOICE = _group(
    "Invoice details",
    Column("inum", "Invoice number", width=18),
    Column("typ", "Invoice type", kind="invoice_type", width=16),
    Column("dt", "Invoice Date", kind="date", width=12),
    Column("val", "Invoice Value (₹)", kind="money"),
)
NOTE = _group(
    "Credit note/Debit note details",
    Column("ntnum", "Note number", width=18),
    Column("typ", "Note type", kind="note_type", width=12),
    Column("suptyp", "Note Supply type", kind="invoice_type", width=16),
    Column("dt", "Note date", kind="date", width=12),
    Column("val", "Note Value (₹)", kind="money"),
)
ORIGINAL_INVOICE = _group(
    "Original details", Column("oinum", "Invoice number", width=18), Column("oidt", "Invoice date", kind="date")
)
ORIGINAL_NOTE = _group(
    "Original details",
    Column("onttyp", "Note type", kind="note_type", width=12),
    Column("ontnum", "Note number", width=18),
    Column("ontdt", "Note date", kind="date"),
)
TERMS = (
    Column("pos", "Place of supply", kind="state", width=16),
    Column("rev", "Supply Attract Reverse Charge", kind="yes_no", width=12),
    Column("txval", "Taxable Value (₹)", kind="money"),
    *_heads("Tax Amount"),
)
FILED = (
    Column("supprd", "GSTR-1/IFF/GSTR-5 Period", width=12),
    Column("supfildt", "GSTR-1/IFF/GSTR-5 Filing Date", kind="date", width=12),
)
ITC = (Column("itcavl", "ITC Availability", kind="yes_no", width=10), Column("rsn", "Reason", kind="reason", width=30))
RATE = (Column("diffprcnt", "Applicable % of Tax Rate", kind="percent", width=10),)
E_INVOICE = (Column("srctyp", "Source"), Column("irn", "IRN", width=30), Column("irngendate", "IRN Date", kind="date"))
ISD = (
    Column("doctyp", "ISD Document type", kind="isd_type", width=16),
    Column("ctin", "GSTIN of ISD", width=17),
    Column("trdnm", "Trade/Legal name", width=30),
    Column("docnum", "ISD Document number", width=18),
    Column("docdt", "ISD Document date", kind="date"),
    Column("oinvnum", "Original invoice number", width=18),
    Column("oinvdt", "Original invoice date", kind="date"),
    *_heads("Input tax distribution by ISD"),
    Column("supprd", "ISD GSTR-6 Period", width=12),
    Column("supfildt", "ISD GSTR-6 Filing Date", kind="date", width=12),
    Column("itcelg", "Eligibility of ITC", kind="yes_no", width=10),
)
ORIGINAL_ISD = _group(
    "Original details",
    Column("odoctyp", "ISD Document type", kind="isd_type", width=16),
    Column("odocnum", "Document number", width=18),
    Column("odocdt", "Document date", kind="date"),
)
BILL_OF_ENTRY = (
    Column("refdt", "ICEGATE Reference Date", kind="date"),
    Column("portcode", "Port Code", width=10),
    *_group(
        "Bill of Entry Details",
        Column("boenum", "Number", width=12),
        Column("boedt", "Date", kind="date"),
        Column("txval", "Taxable Value (₹)", kind="money"),
    ),
    *_heads("Amount of Tax", ("igst", "cess")),
    Column("isamd", "Amendment (Yes/No)", kind="yes_no", width=11),
)
REDUCTION = (
    Column("itcRedReq", "Whether ITC to be reduced", kind="yes_no", width=12),
    *_group(
        "Amount declared for ITC reduction",
        *(Column(key, label, kind="money") for key, label in (
            ("declIgst", "Integrated Tax (₹)"),
            ("declCgst", "Central Tax (₹)"),
            ("declSgst", "State/UT Tax (₹)"),
            ("declCess", "Cess (₹)"),
        )),
    ),
)  # fmt: skip
REMARKS = (Column("remarks", "Remarks", width=40),)

LISTED_COLUMNS: dict[str, tuple[Column, ...]] = {  # a JSON list's documents as the portal's sheet shows them
    "b2b": (*SUPPLIER, *INVOICE, *TERMS, *FILED, *ITC, *RATE, *E_INVOICE),
    "b2ba": (*ORIGINAL_INVOICE, *SUPPLIER, *INVOICE, *TERMS, *FILED, *ITC, *RATE),
    "cdnr": (*SUPPLIER, *NOTE, *TERMS, *FILED, *ITC, *RATE, *E_INVOICE),
    "cdnra": (*ORIGINAL_NOTE, *SUPPLIER, *NOTE, *TERMS, *FILED, *ITC, *RATE),
    "ecom": (*OPERATOR, *INVOICE, *TERMS, *FILED, *ITC, *E_INVOICE),
    "ecoma": (*ORIGINAL_INVOICE, *OPERATOR, *INVOICE, *TERMS, *FILED, *ITC, *E_INVOICE),
    "isd": ISD,
    "isda": (*ORIGINAL_ISD, *ISD),
    "impg": BILL_OF_ENTRY,
    "impgsez": (*SUPPLIER, *BILL_OF_ENTRY),
}
NOT_SHOWN = frozenset({"recdt"})  # a Bill of Entry's `recdt`: the template has no column for it (it is `refdt`)
# the lists whose documents may carry the recipient's ITC-reduction answer: credit notes and amendments of
# supplies (docs/rules.md §3.9), wherever GSTR-2B lists them
REDUCING_LISTS = frozenset(
    listed_in(placement[key][1])
    for placement in (PLACEMENT, REVERSE_CHARGE)
    for key in sections_where(lambda s: s.is_credit_note or s.amends_supply)
    if key in placement
)

PARTS = {"docdata": ("itcavl", "itcunavl"), "itcrev": ("itcrev",), "docRejdata": ("itcRejected",)}


@dataclass(frozen=True, slots=True)
class DocumentSheet:
    name: str
    part: str  # where the JSON lists its documents: docdata, docdata.itcrev, docRejdata (a key of PARTS)
    listed: str  # the JSON list
    leaves: tuple[str, ...]  # the itcsumm leaves whose documents it shows
    columns: tuple[Column, ...]
    description: str

    @property
    def blocks(self) -> tuple[str, ...]:
        return PARTS[self.part]


def _available(name: str, leaves: tuple[str, ...], description: str) -> DocumentSheet:
    listed = listed_in(leaves[0])
    reducing = REDUCTION if listed in REDUCING_LISTS else ()
    return DocumentSheet(name, "docdata", listed, leaves, (*LISTED_COLUMNS[listed], *reducing), description)


def _reversed(name: str, listed: str, description: str) -> DocumentSheet:
    keys = {*REVERSED[listed], "ctin", "trdnm", "supprd", "supfildt"}
    columns = tuple(c for c in LISTED_COLUMNS[listed] if c.key in keys)
    return DocumentSheet(name, "itcrev", listed, (listed,), columns, description)


def _rejected(name: str, leaves: tuple[str, ...], description: str) -> DocumentSheet:
    listed = listed_in(leaves[0])
    return DocumentSheet(name, "docRejdata", listed, leaves, (*LISTED_COLUMNS[listed], *REMARKS), description)


_B2B = "Taxable inward supplies received from registered persons"
_ECO = "Documents reported by ECO on which ECO is liable to pay tax u/s 9(5)"
_37A = "whose ITC is reversed under Rule 37A (the supplier's GSTR-3B was not filed)"
DOCUMENT_SHEETS: tuple[DocumentSheet, ...] = (
    _available("B2B", ("b2b",), _B2B),
    _available("B2BA", ("b2ba",), "Amendments to previously uploaded invoices by supplier"),
    _available("B2B-CDNR", ("cdnr", "cdnrrev"), "Debit/Credit notes (Original)"),
    _available("B2B-CDNRA", ("cdnra", "cdnrarev"), "Amendments to previously uploaded Credit/Debit notes by supplier"),
    _available("ECO", ("ecom",), _ECO),
    _available("ECOA", ("ecoma",), "Amendments to " + _ECO.replace("Documents", "documents", 1)),
    _available("ISD", ("isd",), "ISD Credits"),
    _available("ISDA", ("isda",), "Amendments to ISD Credits received"),
    _available("IMPG", ("impg",), "Import of goods from overseas on bill of entry"),
    _available("IMPGA", ("impga",), "Amendments to import of goods from overseas on bill of entry"),
    _available("IMPGSEZ", ("impgsez",), "Import of goods from SEZ units/developers on bill of entry"),
    _available("IMPGSEZA", ("impgasez",), "Amendments to import of goods from SEZ units/developers on bill of entry"),
    _reversed("B2B (ITC Reversal)", "b2b", "Invoices " + _37A),
    _reversed("B2BA (ITC Reversal)", "b2ba", "Amended invoices " + _37A),
    _reversed("B2B-DNR", "cdnr", "Debit notes " + _37A),
    _reversed("B2B-DNRA", "cdnra", "Amended debit notes " + _37A),
    _rejected("B2B(Rejected)", ("b2b",), "Invoices rejected in IMS"),
    _rejected("B2BA(Rejected)", ("b2ba",), "Amended invoices rejected in IMS"),
    _rejected("B2B-CDNR(Rejected)", ("cdnr", "cdnrrev"), "Debit/Credit notes rejected in IMS"),
    _rejected("B2B-CDNRA(Rejected)", ("cdnra", "cdnrarev"), "Amended Debit/Credit notes rejected in IMS"),
    _rejected("ECO(Rejected)", ("ecom",), "ECO documents rejected in IMS"),
    _rejected("ECOA(Rejected)", ("ecoma",), "Amended ECO documents rejected in IMS"),
    _rejected("ISD(Rejected)", ("isd",), "ISD Credits rejected in IMS"),
    _rejected("ISDA(Rejected)", ("isda",), "Amended ISD Credits rejected in IMS"),
)
SHEET_INDEX: dict[tuple[str, str], int] = {  # (block, itcsumm leaf) → the document sheet that lists it
    (block, leaf): index
    for index, sheet in enumerate(DOCUMENT_SHEETS)
    for block in sheet.blocks
    for leaf in sheet.leaves
}


def sheet_of(block: str, leaf: str) -> DocumentSheet:
    """The sheet a GSTR-2B line sits on: KeyError for a block and leaf no sheet lists (none exists)."""
    return DOCUMENT_SHEETS[SHEET_INDEX[(block, leaf)]]
