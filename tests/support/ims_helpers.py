"""Builders and HTTP shortcuts for end-to-end IMS scenarios (GSTR-1 in, recipient actions out).

Amounts are `Decimal` with two places; GETINV and other answers are parsed with `parse_float=Decimal`
so money compares exactly.
"""

from __future__ import annotations

import itertools
import json
from decimal import Decimal
from typing import Any

from services.common.gst.gstin import check_character

CENT = Decimal("0.01")
_serial = itertools.count(1)


def gstin(state: str, tag: str = "T") -> str:
    """A fresh, checksum-valid GSTIN in `state` (two digits); unique within the test session."""
    first14 = f"{state}AABC{tag}{next(_serial):04d}A1Z"
    return first14 + check_character(first14)


def money(value: str | int | Decimal) -> Decimal:
    return Decimal(value).quantize(CENT)


def item(txval: Decimal, rate: int = 18, intra: bool = False) -> dict[str, Any]:
    """One `itms` row: IGST for inter-state supplies, CGST = SGST for intra-state ones."""
    tax = (txval * Decimal(rate) / 100).quantize(CENT)
    if intra:
        half = (tax / 2).quantize(CENT)
        heads = {"iamt": money(0), "camt": half, "samt": half}
    else:
        heads = {"iamt": tax, "camt": money(0), "samt": money(0)}
    return {"num": 1, "itm_det": {"rt": rate, "txval": txval, **heads, "csamt": money(0)}}


def _value(row: dict[str, Any]) -> Decimal:
    det = row["itm_det"]
    return det["txval"] + det["iamt"] + det["camt"] + det["samt"] + det["csamt"]


def invoice(inum: str, idt: str, txval: str, pos: str = "29", intra: bool = False, **extra: Any) -> dict[str, Any]:
    row = item(money(txval), intra=intra)
    return {
        "inum": inum,
        "idt": idt,
        "val": _value(row),
        "pos": pos,
        "rchrg": "N",
        "inv_typ": "R",
        "itms": [row],
        **extra,
    }


def note(
    nt_num: str, nt_dt: str, txval: str, ntty: str = "C", pos: str = "29", intra: bool = False, **extra: Any
) -> dict[str, Any]:
    row = item(money(txval), intra=intra)
    return {
        "ntty": ntty,
        "nt_num": nt_num,
        "nt_dt": nt_dt,
        "val": _value(row),
        "pos": pos,
        "rchrg": "N",
        "inv_typ": "R",
        "itms": [row],
        **extra,
    }


def tax_of(row: dict[str, Any], head: str = "iamt") -> Decimal:
    return sum((i["itm_det"][head] for i in row["itms"]), money(0))


def gstr1(supplier: str, fp: str, recipient: str, **tables: list[dict[str, Any]]) -> dict[str, Any]:
    """A GSTR-1 of `supplier` for `fp` with every given table (b2b, b2ba: `inv`; cdnr, cdnra: `nt`)."""
    body: dict[str, Any] = {"gstin": supplier, "fp": fp}
    for table, rows in tables.items():
        rows_key = "nt" if table.startswith("cdnr") else "inv"
        body[table] = [{"ctin": recipient, rows_key: rows}]
    return body


def parsed(response: Any) -> Any:
    return json.loads(response.text, parse_float=Decimal)


def file_return(live: Any, body: dict[str, Any], filed_on: str | None = None, form: str = "gstr1") -> dict[str, Any]:
    """POST a return (filed on `filed_on`, or saved when None); every document must be accepted."""
    query = f"status=filed&filed_on={filed_on}" if filed_on else "status=saved"
    answer = live.post(f"/v1/returns/{form}?{query}", body)
    assert answer.status_code == 200, answer.text
    result = answer.json()
    assert result["status_cd"] == "P" and result["err_cnt"] == 0, result
    return result


def counts(live: Any, recipient: str, **params: str) -> dict[str, Any]:
    answer = live.http.get(f"/v1/ims/{recipient}/counts", params=params)
    assert answer.status_code == 200, answer.text
    return answer.json()  # type: ignore[no-any-return]


def documents(live: Any, recipient: str, **params: Any) -> list[dict[str, Any]]:
    """Every GETINV record of one page, sections flattened, each with its `section` added."""
    answer = live.http.get(f"/v1/ims/{recipient}/documents", params=params)
    assert answer.status_code == 200, answer.text
    return [{**record, "section": section} for section, records in parsed(answer).items() for record in records]


def document(live: Any, recipient: str, number: str) -> dict[str, Any]:
    """The one live record whose inum / nt_num / boenum is `number`."""
    found = [d for d in documents(live, recipient) if number in (d.get("inum"), d.get("nt_num"), d.get("boenum"))]
    assert len(found) == 1, f"{number}: {found}"
    return found[0]


def history(live: Any, recipient: str, doc_id: str) -> list[dict[str, Any]]:
    answer = live.http.get(f"/v1/ims/{recipient}/documents/{doc_id}/history")
    assert answer.status_code == 200, answer.text
    return answer.json()["events"]  # type: ignore[no-any-return]


def record_of(doc: dict[str, Any], action: str | None, **fields: Any) -> dict[str, Any]:
    """A SAVE / RESET record naming a GETINV document by doc_id and the hash it was read with."""
    record = {"doc_id": doc["doc_id"], "stin": doc["stin"], "hash": doc["hash"], **fields}
    if action is not None:
        record["action"] = action
    return record


def save(
    live: Any,
    recipient: str,
    records: list[tuple[str, dict[str, Any]]],
    reqtyp: str = "SAVE",
    actor: str | None = None,
) -> Any:
    """POST a SAVE (or RESET) of `(section, record)` pairs; returns the raw response."""
    invdata: dict[str, list[dict[str, Any]]] = {}
    for section, record in records:
        invdata.setdefault(section, []).append(record)
    path = f"/v1/ims/{recipient}/actions" + ("/reset" if reqtyp == "RESET" else "")
    headers = {"Authorization": f"Bearer {live.token('admin', subject=actor)}"} if actor else {}
    return live.post(path, {"rtin": recipient, "reqtyp": reqtyp, "invdata": invdata}, headers=headers)


def act(
    live: Any,
    recipient: str,
    records: list[tuple[str, dict[str, Any]]],
    reqtyp: str = "SAVE",
    actor: str | None = None,
) -> dict[str, Any]:
    """SAVE that must be fully accepted, then wait until the projector applied it."""
    answer = save(live, recipient, records, reqtyp, actor)
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status_cd"] == "P" and body["err_cnt"] == "0", body
    live.wait_projected()
    return body  # type: ignore[no-any-return]


def errors(answer: dict[str, Any]) -> list[tuple[str, str]]:
    """(section, error_cd) of every item a REQSTS answer refused (GSTN's nesting: entries of `inv`)."""
    report = answer["error_report"]
    return sorted((section, row["error_cd"]) for section, rows in report.items() for row in rows for _ in row["inv"])


def section_counts(counts_: dict[str, Any], section: str) -> dict[str, int]:
    for group in counts_.values():
        if section in group:
            return group[section]  # type: ignore[no-any-return]
    raise KeyError(section)


def error_code(response: Any) -> str:
    """The `error_cd` of a refused request (FastAPI nests it under `detail`)."""
    body = response.json()
    return str((body.get("detail") if isinstance(body.get("detail"), dict) else body)["error_cd"])


def boe(recipient: str, number: str, boe_dt: str, refdt: str, txval: str, **extra: Any) -> dict[str, Any]:
    """One Bill of Entry row for POST /v1/imports/boe (IGST at 18 %)."""
    taxable = money(txval)
    return {
        "rtin": recipient,
        "port_code": "INMAA1",
        "boe_num": number,
        "boe_dt": boe_dt,
        "refdt": refdt,
        "txval": taxable,
        "iamt": (taxable * Decimal("0.18")).quantize(CENT),
        "csamt": money(0),
        "is_sez": "N",
        "amd": "N",
        **extra,
    }


ZERO = {"noaction": 0, "accept": 0, "reject": 0, "pending": 0}


def tally(noaction: int = 0, accept: int = 0, reject: int = 0, pending: int = 0) -> dict[str, int]:
    return {"noaction": noaction, "accept": accept, "reject": reject, "pending": pending}


def answer_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def file_gstr3b(live: Any, recipient: str, period: str, filed_on: str, actor: str | None = None) -> None:
    headers = {"Authorization": f"Bearer {live.token('admin', subject=actor)}"} if actor else {}
    answer = live.post(f"/v1/ims/{recipient}/gstr3b/{period}", {"filed_on": filed_on}, headers=headers)
    assert answer.status_code == 200, answer.text
    live.wait_projected()


def advance_clock(live: Any, day: str) -> None:
    """POST /v1/clock: every known recipient's "today" becomes `day` (deadlines and cut-offs fire)."""
    answer = live.post("/v1/clock", {"date": day})
    assert answer.status_code == 200, answer.text
    live.wait_projected()


def outbox(live: Any, recipient: str) -> list[dict[str, Any]]:
    rows = live.scalar(
        "SELECT coalesce(json_agg(json_build_object('cause_event_id', cause_event_id, 'supplier', supplier, "
        "'record', record) ORDER BY seq), '[]') FROM notification_outbox WHERE recipient = :r",
        r=recipient,
    )
    return json.loads(rows) if isinstance(rows, str) else rows  # type: ignore[no-any-return]
