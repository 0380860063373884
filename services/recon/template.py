"""The purchase register's template (`GET /v1/ims/{gstin}/purchases/template?format=csv|xlsx`): its header row
of human column names, ready to fill and send back to `POST .../purchases` (docs/rules.md §10.1).

The XLSX is written with the workbooks' own writer (services/api/downloads.py): a "Purchases" sheet of the header
alone (bold, frozen, filtered, each column as wide as it needs), its date columns formatted DD-MM-YYYY, amounts
with two decimals and every other column as text (so a state code 07 or a number 00123 keeps its zero), then a
"Read me" sheet telling each column and the forms of dates and amounts (services/recon/domain/template.py).
"""

from __future__ import annotations

from services.api.downloads import Sheet, xlsx_file
from services.recon.domain.csvrows import template_header
from services.recon.domain.template import AMOUNTS, DATES, columns

NAME = "purchase-register-template"
FORMATS = {"text": "@", "date": "dd-mm-yyyy", "amount": "0.00"}


def template_csv() -> bytes:
    return (",".join(template_header()) + "\r\n").encode()


def template_xlsx(recipient: str) -> str:
    """The workbook's path (a temporary file the caller streams and removes)."""
    spec = columns()
    keys = tuple(f"c{n}" for n in range(len(spec)))
    purchases = Sheet(
        "Purchases",
        keys,
        (),
        headers=tuple(c.header for c in spec),
        widths={key: max(12, len(c.header) + 4) for key, c in zip(keys, spec, strict=True)},
        column_formats={key: FORMATS[c.kind] for key, c in zip(keys, spec, strict=True)},
        table=True,
    )
    return xlsx_file([purchases, read_me(recipient)])


def read_me(recipient: str) -> Sheet:
    about = [
        ["Purchase register template"],
        [],
        ["Upload", f"POST /v1/ims/{recipient}/purchases with this workbook as the body; its first sheet is read."],
        ["Rows", "One voucher a row under the header; blank rows are skipped, an empty cell is an absent value."],
        ["Dates", DATES],
        ["Amounts", AMOUNTS],
        [],
    ]
    rows = ({"column": c.header, "required": c.required, "about": c.about} for c in columns())
    widths = {"column": 20, "required": 16, "about": 110}
    return Sheet(
        "Read me", ("column", "required", "about"), rows,
        headers=("Column", "Required", "What it holds"), widths=widths, title=about,
    )  # fmt: skip
