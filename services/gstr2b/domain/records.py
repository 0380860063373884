"""GSTN's GSTR-2B JSON (schema version 4.0) as its API returns it: where each document is listed and the
keys of each record (docs/rules.md §7.2). Facts of the format; services/gstr2b/output.py fills them in and
tests/e2e/test_gstr2b_key_paths.py holds every emitted path against GSTN's list.

- `docdata` / `docRejdata` list a section's documents per supplier group (`ctin`, `trdnm`, `supfildt`,
  `supprd` and the section's list of records); Bills of Entry are flat rows in `impg` and grouped only by
  the SEZ supplier (`ctin`, `trdnm`) in `impgsez`.
- An `itcsumm` leaf that has no list of its own is listed in another: reverse-charge credit notes (leaves
  `cdnrrev`, `cdnrarev`) in `cdnr` / `cdnra` with `rev` Y, amended Bills of Entry (leaves `impga`,
  `impgasez`) in `impg` / `impgsez` with `isamd` Y.
- Rule 37A reversals list their documents in `docdata.itcrev` without amounts (what they reverse is in
  `itcsumm.itcrev`), and total them per supplier in `cpsumm.itcrev`.
- `cpsumm` totals a supplier's documents per section (`cpSummRej`: the rejected ones), with the note type
  (`nttyp`) of notes and the document type (`doctyp`) of ISD documents.
"""

from __future__ import annotations

SCHEMA_VERSION = "4.0"

LISTED_IN = {"cdnrrev": "cdnr", "cdnrarev": "cdnra", "impga": "impg", "impgasez": "impgsez"}
AMENDED_IMPORTS = frozenset({"impga", "impgasez"})
FLAT = frozenset({"impg"})  # listed row by row, in no supplier group
ROWS = {  # the key of a supplier group's list of records
    "b2b": "inv",
    "b2ba": "inv",
    "ecom": "inv",
    "ecoma": "inv",
    "cdnr": "nt",
    "cdnra": "nt",
    "isd": "doclist",
    "isda": "doclist",
    "impgsez": "boe",
}
PARTY = ("ctin", "trdnm", "supfildt", "supprd")
SEZ_PARTY = ("ctin", "trdnm")  # an impgsez group: the SEZ supplier, whose return is not GSTN's to date

HEADS = ("igst", "cgst", "sgst", "cess")
_AMOUNTS = ("txval", *HEADS)
_E_INVOICE = ("srctyp", "irn", "irngendate")
_INVOICE = ("inum", "typ", "dt")
_NOTE = ("ntnum", "typ", "suptyp", "dt")
_TERMS = ("val", "pos", "rev", "itcavl", "rsn")
_BOE = ("refdt", "recdt", "portcode", "boenum", "boedt", "isamd", "txval", "igst", "cess")
RECORD: dict[str, tuple[str, ...]] = {
    "b2b": (*_INVOICE, *_TERMS, "diffprcnt", *_AMOUNTS, *_E_INVOICE),
    "b2ba": (*_INVOICE, "oinum", "oidt", *_TERMS, "diffprcnt", *_AMOUNTS),
    "cdnr": (*_NOTE, *_TERMS, "diffprcnt", *_AMOUNTS, *_E_INVOICE),
    "cdnra": (*_NOTE, "onttyp", "ontnum", "ontdt", *_TERMS, "diffprcnt", *_AMOUNTS),
    "ecom": (*_INVOICE, *_TERMS, *_AMOUNTS, *_E_INVOICE),
    "ecoma": (*_INVOICE, "oinum", "oidt", *_TERMS, *_AMOUNTS, *_E_INVOICE),
    "isd": ("doctyp", "docnum", "docdt", "oinvnum", "oinvdt", *HEADS, "itcelg"),
    "isda": ("doctyp", "docnum", "docdt", "odoctyp", "odocnum", "odocdt", "oinvnum", "oinvdt", *HEADS, "itcelg"),
    "impg": _BOE,
    "impgsez": _BOE,
}
REVERSED: dict[str, tuple[str, ...]] = {  # a record of `docdata.itcrev`: the document, without amounts
    section: tuple(key for key in RECORD[section] if key not in _AMOUNTS)
    for section in ("b2b", "b2ba", "cdnr", "cdnra")
}
# beside a record whose line counts what the recipient's ITC-reduction answer made of it: the answer, and the
# amounts declared (when declared), as the portal's GSTR-2B shows them (docs/rules.md §3.10, §7.4)
REDUCTION = ("itcRedReq", "declIgst", "declCgst", "declSgst", "declCess")

_SUMMED = ("ttldocs", *_AMOUNTS)
SUMMARY: dict[str, tuple[str, ...]] = {  # a `cpsumm` / `cpSummRej` row (impg has none: it has no supplier)
    "b2b": (*PARTY, *_SUMMED),
    "b2ba": (*PARTY, *_SUMMED),
    "ecom": (*PARTY, *_SUMMED),
    "ecoma": (*PARTY, *_SUMMED),
    "cdnr": (*PARTY, "nttyp", *_SUMMED),
    "cdnra": (*PARTY, "nttyp", *_SUMMED),
    "isd": (*PARTY, "doctyp", "ttldocs", *HEADS),
    "isda": (*PARTY, "doctyp", "ttldocs", *HEADS),
    "impgsez": (*SEZ_PARTY, "portcode", "ttldocs", "txval", "igst", "cess"),
}


def listed_in(leaf: str) -> str:
    """The `docdata` / `docRejdata` / `cpsumm` section an `itcsumm` leaf's documents are listed in."""
    return LISTED_IN.get(leaf, leaf)


def isd_type(note_type: str | None) -> str:
    """`doctyp` of an ISD document: ISDC for an ISD credit note, ISDI for an ISD invoice."""
    return "ISDC" if note_type == "C" else "ISDI"
