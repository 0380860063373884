"""The reconciliation as a download (`GET /v1/ims/{gstin}/recon?format=csv|xlsx`, docs/rules.md §10.4): a workbook
of three sheets, `Summary` (per category), `Suppliers` (per supplier, to send to each vendor: what it reported
that the books lack, what the books hold that it did not report, and the differences) and `Detail` (every
row the filter selects), or the detail alone as CSV. The same answer as the JSON, every row of it, amounts as
numbers with two decimals; text cells are neutralised against formula injection (services/api/downloads.py)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any

from services.api.downloads import Sheet, csv_stream, xlsx_file
from services.common.money_json import Paise, rupees_text
from services.recon.domain.suggest import CATEGORIES

CATEGORY_NAMES: Mapping[str, str] = {
    "exact": "Exact",
    "suggested": "Suggested",
    "mismatch": "Mismatch",
    "manual": "Manual",
    "only_in_ims": "Only in IMS (missing in books)",
    "only_in_books": "Only in books (not reported by supplier)",
    "later_period": "Later period",
}
ACTIONS = {"A": "Accept", "R": "Reject", "P": "Pending", "N": "No action"}
HEADS = ("igst", "cgst", "sgst", "cess")
DETAIL: tuple[tuple[str, str, int], ...] = (  # key, header, width
    ("category", "Category", 24),
    ("rule", "Rule", 18),
    ("ctin", "Supplier GSTIN", 17),
    ("trdnm", "Trade/Legal name", 28),
    ("section", "IMS section", 10),
    ("number", "Document number", 18),
    ("voucher_id", "Voucher ID", 16),
    ("action", "Current action", 12),
    ("suggested_action", "Suggested action", 12),
    ("reason", "Reason", 30),
    ("remarks", "Suggested remarks", 40),
    ("differences", "Differences (books / supplier / books minus supplier)", 60),
    *((f"red_{h}", f"ITC reduction {h.upper()} (₹)", 12) for h in HEADS),
    ("why", "Why not matched (nearest candidates)", 80),
)
SUMMARY = (
    ("category", "Category", 40),
    ("count", "Documents", 12),
    ("taxable_difference", "Taxable value difference (₹)", 18),
    ("tax_difference", "Tax difference (₹)", 18),
)
SUPPLIERS = (
    ("ctin", "Supplier GSTIN", 17),
    ("trdnm", "Trade/Legal name", 28),
    *((c, CATEGORY_NAMES[c], 14) for c in CATEGORIES),
    ("taxable_difference", "Taxable value difference (₹)", 18),
    ("tax_difference", "Tax difference (₹)", 18),
    ("actioned_percent", "IMS documents actioned (%)", 14),
)


def detail_rows(result: Mapping[str, Any], names: Mapping[str, str]) -> Iterator[dict[str, Any]]:
    """Each JSON detail row as one line of the sheet: codes as words, differences and nearest candidates
    as text, the ITC reduction per head."""
    for row in result["rows"]:
        line = {
            "category": CATEGORY_NAMES[row["category"]],
            "rule": row["rule"],
            "ctin": row["ctin"],
            "trdnm": names.get(row["ctin"], ""),
            "section": row.get("section", ""),
            "number": row.get("inum") or row.get("nt_num") or row.get("boenum") or "",
            "voucher_id": row["voucher_id"] or "",
            "action": ACTIONS.get(row["action"] or "", ""),
            "suggested_action": ACTIONS.get(row["suggested_action"], ""),
            "reason": row["reason"],
            "remarks": row.get("remarks", ""),
            "differences": "; ".join(_difference(d) for d in row["differences"]),
            "why": "; ".join(f"{n['id']}: {n['why']}" for n in row["nearest"]),
        }
        for head, amount in (row.get("itc_reduction") or {}).items():
            line[f"red_{head}"] = amount
        yield line


def _difference(found: Mapping[str, Any]) -> str:
    values = [_text(found[key]) for key in ("books", "supplier", "delta")]
    return f"{found['field']}: " + " / ".join(values)


def _text(value: Any) -> str:
    if isinstance(value, Paise):
        return rupees_text(value.value)
    return "" if value is None else str(value)


def summary_rows(result: Mapping[str, Any]) -> list[dict[str, Any]]:
    by_category = result["summary"]["by_category"]
    return [{"category": CATEGORY_NAMES[c], **by_category[c]} for c in CATEGORIES]


def supplier_rows(result: Mapping[str, Any], names: Mapping[str, str]) -> list[dict[str, Any]]:
    return [
        {"trdnm": names.get(s["ctin"], ""), **s, **s["counts"], "actioned_percent": s["actioned_percent"]}
        for s in result["summary"]["by_supplier"]
    ]


def _title(result: Mapping[str, Any]) -> list[list[Any]]:
    period = f", period {result['period']}" if result.get("period") else ""
    return [
        [f"Reconciliation of {result['gstin']}: purchase register against IMS"],
        [f"Financial year {result['fy']}{period}; policy version {result['policy_version']}; computed on demand"],
    ]


def _sheet(name: str, spec: tuple[tuple[str, str, int], ...], rows: Any, result: Mapping[str, Any]) -> Sheet:
    return Sheet(
        name,
        [key for key, _, _ in spec],
        rows,
        headers=[header for _, header, _ in spec],
        widths={key: width for key, _, width in spec},
        table=True,
        title=_title(result),
    )


def workbook(result: Mapping[str, Any], names: Mapping[str, str]) -> str:
    """The workbook's path (a temporary file the caller streams and removes)."""
    return xlsx_file(
        [
            _sheet("Summary", SUMMARY, summary_rows(result), result),
            _sheet("Suppliers", SUPPLIERS, supplier_rows(result, names), result),
            _sheet("Detail", DETAIL, detail_rows(result, names), result),
        ]
    )


def detail_csv(result: Mapping[str, Any], names: Mapping[str, str]) -> Iterator[bytes]:
    return csv_stream([k for k, _, _ in DETAIL], detail_rows(result, names), headers=[h for _, h, _ in DETAIL])
