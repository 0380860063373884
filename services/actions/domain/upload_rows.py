"""An uploaded row of the documents workbook read back: unchanged, the SAVE record it asks for, or the refusal
naming its row and column (docs/rules.md §8.4).

A row is sent only when its Action, Remarks or ITC-reduction cells differ from "Downloaded as", the values
the download gave them; an untouched row is never re-sent, so a colleague's action taken since is not undone.
The visible identity (supplier, number, date, section, recipient) must agree with the document id: a sheet
sorted without its identifying columns would otherwise act on the wrong documents. Values that only came
along (when the action changed, the remarks or ITC answer of the old action) are not sent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from services.actions.domain.model import ACCEPT, PENDING, REJECT
from services.actions.domain.workbook import ACTION_WORDS, COLUMN_BY_KEY, COLUMNS, DECLARED, REQUIRED, Edits
from services.common.gst.money import InvalidAmount, to_paise
from services.common.gst.periods import financial_year_of
from services.common.gst.sections import SECTION_BY_KEY
from services.common.quoting import shown

HEADER_ROWS = 10  # a header row is looked for among a sheet's first rows (a title may sit above it)
_YES_NO = {"yes": "Y", "y": "Y", "no": "N", "n": "N"}
_DATE = re.compile(r"(\d{1,2})[-/.](\d{1,2})[-/.](\d{4})|(\d{4})-(\d{2})-(\d{2})", re.ASCII)
_HEX64 = re.compile(r"[0-9a-f]{64}", re.ASCII)


@dataclass(frozen=True, slots=True)
class Formula:
    """A cell holding a formula: an upload takes typed values only."""

    text: str


@dataclass(frozen=True, slots=True)
class Problem:
    column: str  # the header of the column at fault ("" when the whole row is)
    code: str
    message: str


@dataclass(frozen=True, slots=True)
class RowReading:
    """`sent` is None for an unchanged row; `problem` refuses the row (the message names row and column)."""

    row: int
    section: str | None
    doc_id: str | None
    supplier: str | None
    number: str | None
    hash: str | None
    sent: Edits | None
    problem: Problem | None = None

    @property
    def unchanged(self) -> bool:
        return self.sent is None and self.problem is None


class _Refused(Exception):
    def __init__(self, key: str, code: str, reason: str):
        super().__init__(reason)
        self.key, self.code, self.reason = key, code, reason


def normalised(header: object) -> str:
    """A header compared without case, spaces, punctuation or the rupee sign (a CSV saved in another code
    page turns "₹" into "?")."""
    return "".join(ch for ch in str(header).casefold() if ch.isascii() and ch.isalnum())


_BY_HEADER = {normalised(c.header): c.key for c in COLUMNS}
_WORDS = {normalised(word): code for code, word in ACTION_WORDS.items()}
_WORDS |= {code.casefold(): code for code in ACTION_WORDS}


def header_map(cells: Sequence[object]) -> dict[int, str] | None:
    """Column index -> column key, when `cells` is the documents header row (it names every REQUIRED column)."""
    found: dict[int, str] = {}
    for index, cell in enumerate(cells):
        key = _BY_HEADER.get(normalised(cell)) if isinstance(cell, str) else None
        if key is not None and key not in found.values():
            found[index] = key
    return found if set(REQUIRED) <= set(found.values()) else None


def missing_headers() -> str:
    return ", ".join(COLUMN_BY_KEY[k].header for k in REQUIRED)


def read_row(row: int, cells: Mapping[str, object], recipient: str) -> RowReading | None:
    """The row's reading; None for a row that is no document's (no identity and no decision: a total or a note)."""
    identity = ("doc_id", "hash", "downloaded_as", "section")
    if all(_blank(cells.get(k)) for k in (*identity, "action", "remarks", "itc_red_req", *DECLARED)):
        return None
    doc_id, section = _plain(cells.get("doc_id")), _plain(cells.get("section"))
    named = doc_id.split("|", 1)[0] if doc_id and doc_id.split("|", 1)[0] in SECTION_BY_KEY else None
    section = section or named
    known = named or (section if section in SECTION_BY_KEY else None)  # where a refusal of the row is reported
    reading = RowReading(row, known, doc_id, None, None, None, None)
    try:
        supplier, number = _identity(cells, recipient, doc_id, section)
        reading = replace(reading, supplier=supplier, number=number)
        hash_ = _text(cells.get("hash"))
        if hash_ is None or not _HEX64.fullmatch(hash_):
            raise _Refused("hash", "INVALID_IDENTITY", f"must be the document's 64-hex hash, got {shown(hash_)}")
        reading = replace(reading, hash=hash_)
        before = _downloaded_as(cells.get("downloaded_as"))
        now = _edits(cells, before)
    except _Refused as exc:
        header = COLUMN_BY_KEY[exc.key].header
        return replace(reading, problem=Problem(header, exc.code, f"row {row}, column {header}: {exc.reason}"))
    return reading if now == before else replace(reading, sent=_sent(before, now))


def _identity(cells: Mapping[str, object], recipient: str, doc_id: str | None, section: str | None) -> tuple[str, str]:
    """(supplier, number) of the document id, once every identifying cell present agrees with it."""
    parts = doc_id.split("|") if doc_id else []
    if len(parts) != 4 or parts[0] not in SECTION_BY_KEY or not parts[2].isascii() or not parts[2].isdigit():
        raise _Refused("doc_id", "INVALID_IDENTITY", f"not a document id of the download, got {shown(doc_id)}")
    key_section, supplier, fy, key_number = parts
    if section != key_section:
        raise _Refused("section", "INVALID_IDENTITY", f"{shown(section)} is not the section of {doc_id}")
    number = key_number.split("@", 1)[0]
    stated = _text(cells.get("recipient"))
    if stated is not None and stated != recipient:
        raise _Refused("recipient", "INVALID_IDENTITY", f"{stated} is not the GSTIN this upload is for ({recipient})")
    stated = _text(cells.get("supplier"))
    if stated is not None and stated.upper() != supplier:
        raise _Refused("supplier", "INVALID_IDENTITY", f"{shown(stated)} is not the supplier of {doc_id}")
    stated = _text(cells.get("number"))
    if stated is not None and stated.upper() == number:
        number = stated  # as the supplier wrote it (the id holds it in capitals)
    elif stated is not None and not _same_number(stated, number):
        raise _Refused("number", "INVALID_IDENTITY", f"{shown(stated)} is not the number of {doc_id}")
    if not _blank(cells.get("doc_date")):
        day = _date(cells.get("doc_date"), "doc_date")
        if str(financial_year_of(day)) != fy:
            raise _Refused("doc_date", "INVALID_IDENTITY", f"{day:%d-%m-%Y} is not in the financial year of {doc_id}")
    return supplier, number


def _same_number(stated: str, number: str) -> bool:
    """Case aside; a number of digits only may lose its leading zeros to a spreadsheet (0042 -> 42)."""
    if stated.upper() == number:
        return True
    return stated.isascii() and stated.isdigit() and number.isdigit() and stated.lstrip("0") == number.lstrip("0")


def _downloaded_as(value: object) -> Edits:
    text = _text(value)
    try:
        action, remarks, itc, *amounts = json.loads(text or "")
        if action not in ACTION_WORDS or len(amounts) != 4 or itc not in (None, "Y", "N"):
            raise ValueError(text)
        if remarks is not None and not isinstance(remarks, str):
            raise ValueError(text)
        declared = tuple(None if a is None else to_paise(a, "amount") for a in amounts)
    except (ValueError, TypeError, InvalidAmount):
        raise _Refused("downloaded_as", "INVALID_IDENTITY", "edited or missing; download the workbook again") from None
    return Edits(action, remarks or None, itc, (declared[0], declared[1], declared[2], declared[3]))


def _edits(cells: Mapping[str, object], before: Edits) -> Edits:
    """The row's decision; a column the sheet does not have keeps its downloaded value."""
    word = _text(_cell(cells, "action", before.action), "action")
    action = _WORDS.get(normalised(word or ""))
    if action is None:
        words = ", ".join(ACTION_WORDS.values())
        raise _Refused("action", "INVALID_ACTION", f"must be one of {words}, got {shown(word)}")
    remarks = _text(_cell(cells, "remarks", before.remarks), "remarks", strip=False)
    answer = _text(_cell(cells, "itc_red_req", before.itc_red_req), "itc_red_req")
    itc = None if answer is None else _YES_NO.get(answer.casefold())
    if answer is not None and itc is None:
        raise _Refused("itc_red_req", "INVALID_REDUCTION", f"must be Yes or No, got {shown(answer)}")
    pairs = zip(DECLARED, before.declared, strict=True)
    declared = tuple(_amount(cells[key], key) if key in cells else paise for key, paise in pairs)
    return Edits(action, remarks or None, itc, (declared[0], declared[1], declared[2], declared[3]))


def _cell(cells: Mapping[str, object], key: str, downloaded: str | None) -> object:
    return cells.get(key, downloaded)


def _sent(before: Edits, now: Edits) -> Edits:
    """What the row asks for. Remarks that only stayed from a Reject or Pending, and an ITC answer that only
    stayed from an Accept, are dropped with the action they belonged to; amounts left as downloaded are not
    sent (Yes then reduces in full, as the portal's default does)."""
    remarks = now.remarks
    if now.action not in (REJECT, PENDING) and remarks == before.remarks:
        remarks = None
    itc, declared = now.itc_red_req, now.declared
    if now.action != ACCEPT and (itc, declared) == (before.itc_red_req, before.declared):
        itc, declared = None, (None, None, None, None)
    elif declared == before.declared:
        declared = (None, None, None, None)
    return Edits(now.action, remarks, itc, declared)


def _plain(value: object) -> str | None:
    return None if isinstance(value, Formula) else _text(value)


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(value: object, key: str = "", strip: bool = True) -> str | None:
    """A cell as text: numbers as a person typed them (42, not 42.0); None when blank."""
    if isinstance(value, Formula):
        raise _Refused(key or "doc_id", _CODES.get(key, "INVALID_IDENTITY"), "a formula; type the value itself")
    if _blank(value):
        return None
    if isinstance(value, bool):
        text = "Yes" if value else "No"
    elif isinstance(value, float) and value.is_integer():
        text = str(int(value))
    else:
        text = str(value)
    return text.strip() if strip else text


_CODES = {"action": "INVALID_ACTION", "remarks": "INVALID_REMARKS", "itc_red_req": "INVALID_REDUCTION"}


def _amount(value: object, key: str) -> int | None:
    if isinstance(value, Formula):
        raise _Refused(key, "INVALID_REDUCTION", "a formula; type the amount itself")
    if _blank(value):
        return None
    amount: object = value
    if isinstance(value, float):
        amount = Decimal(repr(value))
    elif isinstance(value, str):
        amount = value.strip().replace(",", "").removeprefix("₹").strip()
    elif isinstance(value, date | bool):
        amount = str(value)
    try:
        return to_paise(amount, "amount")
    except (InvalidAmount, InvalidOperation) as exc:
        raise _Refused(key, "INVALID_REDUCTION", str(exc).removeprefix("amount: ")) from None


def _date(value: object, key: str) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = _text(value, key) or ""
    match = _DATE.fullmatch(text)
    try:
        if match is None:
            raise ValueError(text)
        if match[1]:
            return date(int(match[3]), int(match[2]), int(match[1]))
        return date(int(match[4]), int(match[5]), int(match[6]))
    except ValueError:
        raise _Refused(key, "INVALID_IDENTITY", f"must be a date (DD-MM-YYYY), got {shown(text)}") from None
