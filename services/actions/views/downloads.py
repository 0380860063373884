"""The documents download (GET /v1/ims/{gstin}/documents?format=xlsx|csv) in the workbook's human columns
(services/actions/domain/workbook.py), which an upload reads back (docs/rules.md §8.4).

The XLSX has the documents sheet ("IMS", continued on "IMS (2)"... past Excel's row limit) with drop-downs for
Action and the ITC-reduction answer and the hash and "Downloaded as" columns hidden, then a "Read me" sheet.
The CSV has the same columns under the same headers, all shown, so a CSV edit round-trips too.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Any

from services.actions.domain.model import ImsDocument
from services.actions.domain.workbook import COLUMNS, HEADERS, sheet_row
from services.api.downloads import Sheet, csv_stream, xlsx_file
from services.common.gst.remarks import MAX_REMARKS

KEYS = tuple(c.key for c in COLUMNS)
UPLOADED_AT = "/v1/ims/{gstin}/actions/upload"
BOM = "\ufeff".encode()


def read_me(recipient: str) -> list[dict[str, Any]]:
    lines = (
        ("GSTIN of recipient", recipient),
        ("Action", "No Action, Accept, Reject or Pending (the drop-down offers them)."),
        ("Remarks", f"Up to {MAX_REMARKS} characters, with Reject or Pending, from the October 2025 period."),
        (
            "Whether ITC needs to be reduced?",
            "Yes or No, when accepting a credit note or an amendment that reduces ITC; with Yes, amounts in the "
            "'ITC reduction declared' columns reduce by those amounts instead of the whole tax.",
        ),
        (
            "Upload",
            f"POST {UPLOADED_AT.format(gstin=recipient)} with this file as the body. Only rows whose Action, "
            "Remarks or ITC-reduction cells were changed are sent; a document changed since this download is "
            "refused for its row, and the answer links a workbook of the refused rows.",
        ),
        (
            "Do not edit",
            "GSTIN of recipient, Section, Document id and the hidden Document hash and Downloaded as: they name "
            "each row's document and what it was when downloaded. Sort whole rows only.",
        ),
    )
    return [{"item": item, "details": details} for item, details in lines]


def documents_xlsx(recipient: str, docs: Iterable[ImsDocument]) -> str:
    """The workbook's path (a temporary file the caller streams and removes)."""
    documents = Sheet(
        "IMS",
        KEYS,
        (sheet_row(d) for d in docs),
        headers=HEADERS,
        widths={c.key: c.width for c in COLUMNS},
        hidden=frozenset(c.key for c in COLUMNS if c.hidden),
        choices={c.key: c.choices for c in COLUMNS if c.choices},
        table=True,
    )
    about = Sheet("Read me", ("item", "details"), read_me(recipient), headers=("Item", "Details"),
                  widths={"item": 32, "details": 110})  # fmt: skip
    return xlsx_file([documents, about])


def documents_csv(docs: Iterable[ImsDocument]) -> Iterator[bytes]:
    """UTF-8 with a byte-order mark: without it Excel reads the text in the machine's code page (₹ and any
    non-ASCII remark garbled, and an upload would then see those remarks as changed)."""
    yield BOM
    yield from csv_stream(KEYS, (sheet_row(d) for d in docs), headers=HEADERS)
