"""IMS request status (SAVE / RESETIMS / bulk answers and REQSTS) in GSTN's shape (docs/rules.md §8).

The request log keeps each answer as the handler made it: one error row per refused record, carrying
what identified it (`services/actions/commands/handlers.py`, `LOCATOR_CHARS`). What goes out is GSTN's
answer: counts as strings, `transTypCd`, empty `err_cd` / `err_msg`, and per section one entry per
supplier and error, `{stin, error_cd, error_msg, inv: [{inum | nt_num | boenum, rtnprd}]}`. Ours beside
GSTN's keys: `reference_id`, `defaulted` (README, "Keys of ours") and each `inv` entry's `doc_id`.
"""

from __future__ import annotations

from typing import Any

from services.common.gst.sections import SECTION_BY_KEY

NUMBER_KEYS = ("inum", "nt_num", "boenum")
INV_KEYS = (*NUMBER_KEYS, "rtnprd", "doc_id", "row", "sheet")  # doc_id, row, sheet: ours


def gstn_answer(answer: dict[str, Any]) -> dict[str, Any]:
    """An IMS answer as the request log holds it, in GSTN's REQSTS shape (idempotent on its own output)."""
    if answer.get("err_cd") is not None:  # already rendered
        return answer
    report: dict[str, list[dict[str, Any]]] = {}
    for section, rows in answer.get("error_report", {}).items():
        entries: dict[tuple[str, str, str], dict[str, Any]] = {}
        for row in rows:
            stin = row.get("stin") or _stin_of(row.get("doc_id"))
            key = (stin, row["error_cd"], row["error_msg"])
            entry = entries.setdefault(key, {"stin": stin, "error_cd": key[1], "error_msg": key[2], "inv": []})
            entry["inv"].append(_inv(section, row))
        report[section] = list(entries.values())
    head = {
        "reference_id": answer["reference_id"],
        "status_cd": answer["status_cd"],
        "transTypCd": answer.get("transTypCd", "SAV"),
        "proc_cnt": str(answer["proc_cnt"]),
        "err_cnt": str(answer["err_cnt"]),
        "err_cd": "",
        "err_msg": "",
        "error_report": report,
    }
    return head | {k: v for k, v in answer.items() if k not in head}


def _inv(section: str, row: dict[str, Any]) -> dict[str, Any]:
    inv = {k: row[k] for k in INV_KEYS if row.get(k) is not None}
    parts = row["doc_id"].split("|") if isinstance(row.get("doc_id"), str) else []
    if not any(k in inv for k in NUMBER_KEYS) and len(parts) >= 4:
        spec = SECTION_BY_KEY.get(section)
        inv[spec.number_key if spec else "inum"] = parts[3]  # the key's number, upper case as the key holds it
    return inv


def _stin_of(doc_id: Any) -> str:
    """The supplier part of a document key (`section|stin|fy|NUMBER[|period]`), for rows logged by key only."""
    parts = doc_id.split("|") if isinstance(doc_id, str) else []
    return parts[1] if len(parts) >= 4 else ""
