"""The workbook of an upload's refused rows (GET /v1/ims/{gstin}/actions/upload/{reference_id}/errors.xlsx,
docs/rules.md §8.4): each row's number, what named its document, the values it sent, and why it was refused.

It is built from the request's status (services/actions/views/history.py::request_status), so a refusal the
projector made later, applying the log in order, is listed too (by its document: the log does not know the
row). Text is written through services/api/downloads.py, formula-like values neutralised.
"""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from services.actions.domain.workbook import ACTION_WORDS, YES_NO
from services.api.downloads import Sheet, xlsx_file

COLUMNS = (
    ("row", "Row", 7),
    ("sheet", "Sheet", 10),
    ("section", "Section", 9),
    ("doc_id", "Document id", 40),
    ("stin", "GSTIN of supplier", 17),
    ("number", "Document number", 18),
    ("action", "Action sent", 12),
    ("remarks", "Remarks sent", 40),
    ("itcRedReq", "Whether ITC needs to be reduced? (sent)", 12),
    ("declIgst", "ITC reduction declared: integrated tax (₹)", 14),
    ("declCgst", "ITC reduction declared: central tax (₹)", 14),
    ("declSgst", "ITC reduction declared: State/UT tax (₹)", 14),
    ("declCess", "ITC reduction declared: cess (₹)", 14),
    ("error_cd", "Error code", 20),
    ("error_msg", "Error message", 80),
)
SUMMARY = ("reference_id", "status_cd", "rows", "changed", "unchanged", "refused")


def refused_rows(status: dict[str, Any], upload: dict[str, Any]) -> list[dict[str, Any]]:
    """Every refused row, in sheet order; refusals the log made later (no row known) last."""
    rows = [{"section": section, **entry} for section, entries in status["error_report"].items() for entry in entries]
    rows += [dict(entry) for entry in upload.get("unidentified", [])]
    for row in rows:
        row["number"] = row.pop("inum", None) or row.pop("nt_num", None) or row.pop("boenum", None)
        if row.get("action") in ACTION_WORDS:
            row["action"] = ACTION_WORDS[row["action"]]
        if row.get("itcRedReq") in YES_NO:
            row["itcRedReq"] = YES_NO[row["itcRedReq"]]
        for name in ("declIgst", "declCgst", "declSgst", "declCess"):
            row[name] = _amount(row.get(name))
    return sorted(rows, key=lambda r: (not isinstance(r.get("row"), int), r.get("sheet") or "", r.get("row") or 0))


def _amount(value: Any) -> Any:
    """An amount sent as decimal text is written as a number; anything else stays the text it was."""
    if not isinstance(value, str):
        return value
    try:
        amount = Decimal(value)
    except InvalidOperation:
        return value
    return amount if amount.is_finite() and amount == amount.quantize(Decimal("0.01")) else value


def errors_xlsx(status: dict[str, Any], upload: dict[str, Any]) -> str:
    """The workbook's path (a temporary file the caller streams and removes)."""
    rows = refused_rows(status, upload)
    refused = Sheet(
        "Refused rows",
        tuple(c[0] for c in COLUMNS),
        rows,
        headers=tuple(c[1] for c in COLUMNS),
        widths={c[0]: c[2] for c in COLUMNS},
        table=True,
    )
    summary = {**upload, "reference_id": status["reference_id"], "status_cd": status["status_cd"], "refused": len(rows)}
    lines = [{"item": k, "value": summary.get(k)} for k in SUMMARY]
    about = Sheet("Summary", ("item", "value"), lines, headers=("Item", "Value"), widths={"item": 16, "value": 40})
    return xlsx_file([refused, about])
