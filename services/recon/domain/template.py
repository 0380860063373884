"""What the purchase register's template tells the person filling it (docs/rules.md §10.1): each column's
meaning and form, and the forms of dates and amounts, spelt from the rules of `purchases.check_row` (their limits
are its constants), so the template never promises other than the check holds.

`KIND` says how a workbook shows a column: `text` (kept as typed, so a state code 07 or a number 00123 stays
text), `date`, or `amount`.
"""

from __future__ import annotations

from dataclasses import dataclass

from services.common.gst.periods import GST_START, LAST_SUPPORTED_DATE
from services.recon.domain.csvrows import HEADERS, template_header
from services.recon.domain.purchases import DOC_TYPES, MAX_NUMBER, MAX_TAG_TEXT, MAX_TAGS, MAX_VOUCHER_ID

DAYS = f"{GST_START:%d-%m-%Y} to {LAST_SUPPORTED_DATE:%d-%m-%Y}"
DATES = f"DD-MM-YYYY (25-10-2025), or a date cell of the workbook; a calendar day from {DAYS}"
AMOUNTS = "Rupees with at most two decimals (1234.50), never negative; a number cell or text, no commas or ₹"
ABOUT = {  # field → (required, what it holds)
    "voucher_id": ("Yes", f"Your books' id of the voucher, at most {MAX_VOUCHER_ID} characters, once a file. "
                   "Sending it again with other values books its next version; unchanged, nothing."),
    "ctin": ("Yes, except BOE", "The supplier's GSTIN (15 characters, valid check character); empty for a Bill "
             "of Entry, whose supplier is abroad."),
    "doc_type": ("Yes", f"One of {', '.join(DOC_TYPES)}: invoice, debit note, credit note, Bill of Entry."),
    "inum": ("Yes, except BOE", f"The document's number as your books keep it, at most {MAX_NUMBER} characters."),
    "dt": ("Yes", f"The document's date. {DATES}."),
    "pos": ("Yes", "Place of supply: the two-digit state code (07, 29; 96 other country, 97 other territory)."),
    "rev": ("Yes", "Reverse charge: Y or N."),
    "txval": ("Yes", f"Taxable value. {AMOUNTS}."),
    "igst": ("No", f"Integrated tax; empty is zero. {AMOUNTS}."),
    "cgst": ("No", f"Central tax; empty is zero. {AMOUNTS}."),
    "sgst": ("No", f"State/UT tax; empty is zero. {AMOUNTS}."),
    "cess": ("No", f"Cess; empty is zero. {AMOUNTS}."),
    "posting_date": ("Yes", f"The day the voucher was posted in your books. {DATES}."),
    "boe.portcode": ("BOE only", "A Bill of Entry's port code: 6 letters or digits (INBLR4)."),
    "boe.boenum": ("BOE only", "A Bill of Entry's number: 1 to 7 digits."),
}  # fmt: skip
TAGS = (
    f"Any column headed 'Tag: NAME' keeps its cell under NAME (cost centre, branch, project...): at most {MAX_TAGS} "
    f"a row, names and texts of at most {MAX_TAG_TEXT} characters. Add, rename or delete such columns freely."
)
KINDS = {"dt": "date", "posting_date": "date"} | dict.fromkeys(("txval", "igst", "cgst", "sgst", "cess"), "amount")


@dataclass(frozen=True, slots=True)
class TemplateColumn:
    header: str  # as the template's header row spells it (csvrows.template_header)
    required: str
    about: str
    kind: str  # text, date or amount


def columns() -> list[TemplateColumn]:
    """Every column of the template, in its order: the register's, then the example tag columns."""
    own = [TemplateColumn(HEADERS[f], *ABOUT[f], KINDS.get(f, "text")) for f in HEADERS]
    return own + [TemplateColumn(header, "No", TAGS, "text") for header in template_header()[len(HEADERS) :]]
