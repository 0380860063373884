"""An uploaded documents workbook (or its CSV) becomes one SAVE (docs/rules.md §8.4).

Each row is read back by services/actions/domain/upload_rows.py: untouched rows are counted and not sent;
changed rows become SAVE records (document id, the hash the download was read with, the decision) and go
through the same `handlers.parse_item` and `handlers.execute` as a SAVE body, so a document changed since
the download is refused for its row (`STALE_HASH`), the Idempotency-Key is honoured, and the events and the
answer are logged together. A row that cannot be read is refused in the same error report, naming its row
and column. The answer is GSTN's REQSTS plus, beside its keys, `upload`: the counts and where the workbook
of refused rows is (services/actions/views/upload_errors.py builds it from the request's status).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from typing import Any

from services.actions.commands import handlers
from services.actions.commands.handlers import Item
from services.actions.commands.ports import CommandPorts
from services.actions.commands.upload_file import SheetRow
from services.actions.domain import upload_rows
from services.actions.domain.model import Refusal
from services.actions.domain.workbook import DECLARED, Edits
from services.common.gst.money import format_rupees
from services.common.gst.sections import SECTION_BY_KEY
from services.common.quoting import cut

ERRORS_WORKBOOK = "/v1/ims/{gstin}/actions/upload/{reference_id}/errors.xlsx"
GSTN_DECLARED = ("declIgst", "declCgst", "declSgst", "declCess")
ECHOED = {"action": "action", "remarks": "remarks", "itc_red_req": "itcRedReq"}
ECHOED |= dict(zip(DECLARED, GSTN_DECLARED, strict=True))
ECHO_CHARS = 300  # remarks may hold 250; a longer one is refused and echoed cut


@dataclass
class Tally:
    """What the file held: document rows read, rows left as downloaded (not sent), the others, and the rows
    that name no document (they cannot sit in GSTN's error report, which is by section)."""

    rows: int = 0
    changed: int = 0
    unchanged: int = 0
    unidentified: list[dict[str, Any]] = field(default_factory=list)

    def beside(self, recipient: str) -> handlers.Beside:
        def upload(answer: dict[str, Any]) -> dict[str, Any]:
            found: dict[str, Any] = {
                "rows": self.rows,
                "changed": self.changed,
                "unchanged": self.unchanged,
                "refused": answer["err_cnt"] + len(self.unidentified),
                "errors_workbook": ERRORS_WORKBOOK.format(gstin=recipient, reference_id=answer["reference_id"]),
            }
            if self.unidentified:
                found["unidentified"] = self.unidentified
            return {"upload": found}

        return upload


def upload(
    ports: CommandPorts,
    recipient: str,
    rows: Callable[[], Iterable[SheetRow]],
    actor: str,
    idempotency_key: str | None,
) -> dict[str, Any]:
    """One SAVE of the changed rows; a retry under the same key gets the first answer and reads nothing."""
    tally = Tally()
    return handlers.execute(
        ports, recipient, "SAVE", lambda: items(rows(), recipient, tally), actor, idempotency_key,
        tally.beside(recipient),
    )  # fmt: skip


def items(rows: Iterable[SheetRow], recipient: str, tally: Tally) -> list[Item]:
    """The Items of the changed rows, in sheet order; a document named on two changed rows is sent once."""
    seen: dict[str, str] = {}
    found = []
    for row in rows:
        reading = upload_rows.read_row(row.row, row.cells, recipient)
        if reading is None:
            continue
        tally.rows += 1
        if reading.unchanged:
            tally.unchanged += 1
            continue
        tally.changed += 1
        where = f"sheet {row.sheet!r}, row {row.row}" if row.sheet else f"row {row.row}"
        if reading.section is None:
            assert reading.problem is not None
            tally.unidentified.append(
                {**_place(row), "error_cd": reading.problem.code, "error_msg": _message(row, reading.problem.message)}
            )
            continue
        found.append(_item(row, reading, where, seen))
    return found


def _item(row: SheetRow, reading: upload_rows.RowReading, where: str, seen: dict[str, str]) -> Item:
    section = reading.section
    assert section is not None
    locator = {**_place(row), **_identity(reading)}
    if reading.problem is not None:
        echo = {ECHOED[k]: cut(str(v), ECHO_CHARS) for k, v in row.cells.items() if k in ECHOED and v not in (None, "")}
        refusal = Refusal(reading.problem.code, _message(row, reading.problem.message))
        return Item(section, locator | echo, None, refusal)
    sent = reading.sent
    assert sent is not None and reading.doc_id is not None
    locator |= _echo(sent)
    if reading.doc_id in seen:
        refusal = Refusal("DUPLICATE_ROW", f"{where}: the same document as {seen[reading.doc_id]}, which is sent")
        return Item(section, locator, None, refusal)
    seen[reading.doc_id] = where
    record = {"doc_id": reading.doc_id, "stin": reading.supplier, "hash": reading.hash, **_record(sent)}
    return replace(handlers.parse_item(section, record, False), locator=locator)


def _place(row: SheetRow) -> dict[str, Any]:
    return {"row": row.row, "sheet": row.sheet} if row.sheet else {"row": row.row}


def _message(row: SheetRow, message: str) -> str:
    return f"sheet {row.sheet!r}, {message}" if row.sheet else message


def _identity(reading: upload_rows.RowReading) -> dict[str, Any]:
    section = SECTION_BY_KEY[reading.section] if reading.section else None
    number = "boenum" if section and section.is_import else "nt_num" if section and section.is_note else "inum"
    found = {"stin": reading.supplier, "doc_id": reading.doc_id, number: reading.number}
    return {k: cut(v, 64) for k, v in found.items() if v is not None}


def _record(sent: Edits) -> dict[str, Any]:
    """The decision as GSTN's SAVE record spells it (amounts as decimal text, read exactly by parse_item)."""
    record: dict[str, Any] = {"action": sent.action, "remarks": sent.remarks, "itcRedReq": sent.itc_red_req}
    for name, paise in zip(GSTN_DECLARED, sent.declared, strict=True):
        record[name] = None if paise is None else format_rupees(paise)
    return record


def _echo(sent: Edits) -> dict[str, Any]:
    return {k: cut(v, ECHO_CHARS) if k == "remarks" else v for k, v in _record(sent).items() if v is not None}
