"""A load of the registry of taxpayer names, checked row by row (docs/rules.md §8.5).

Our rule: a taxpayer's legal and trade names come from the operator's registry, loaded as JSON
(`{"taxpayers": [{gstin, legal_name, trade_name}]}`) or CSV (read by `services/registry/domain/csvrows.py`).
Every row is judged on its own: a GSTIN with a valid check character, a legal name, and a trade name that may be
empty (the portal shows the legal name then); names are trimmed, at most `MAX_NAME` characters, without control
characters. A GSTIN named twice in one load is refused on its later rows (which row is right cannot be told);
a later load replaces the names of the GSTINs it names.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from services.common.gst.gstin import InvalidGstin, parse_gstin
from services.common.quoting import cut
from services.common.rows import BodyRefused as BodyRefused
from services.common.rows import Row as Row
from services.common.rows import TooManyRows as TooManyRows
from services.common.rows import Unreadable, first_of_each

MAX_NAME = 100
FIELDS = ("gstin", "legal_name", "trade_name")
ERROR_CODES: Mapping[str, str] = {
    "MISSING_FIELD": "a required field is absent, null or blank",
    "INVALID_FIELD": "a field is not text, too long, holds a control character, or is not a field of a row",
    "INVALID_GSTIN": "the GSTIN fails the structure or check-character rules",
    "DUPLICATE_GSTIN": "the GSTIN is named by an earlier row of the same load",
}


@dataclass(frozen=True, slots=True)
class Taxpayer:
    gstin: str
    legal_name: str
    trade_name: str  # "" when the taxpayer has none


@dataclass(frozen=True, slots=True)
class RowError:
    """Why one row was refused: its number (as the sender counts rows), the first field at fault, and every
    problem of the row, each message starting with its field."""

    row: int
    gstin: str  # as given, cut short; "" when absent
    field: str
    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in ERROR_CODES:
            raise ValueError(f"unregistered error code {self.code!r}")

    def report(self) -> dict[str, object]:
        return {
            "row": self.row,
            "gstin": self.gstin,
            "field": self.field,
            "error_cd": self.code,
            "error_msg": self.message,
        }


@dataclass(frozen=True, slots=True)
class Checked:
    taxpayers: list[Taxpayer]
    errors: list[RowError]


def rows_of_json(body: object, max_rows: int) -> list[Row]:
    """The rows of `{"taxpayers": [...]}`, numbered from 1 in the order sent."""
    if not isinstance(body, dict) or "taxpayers" not in body:
        raise BodyRefused('body: expected an object {"taxpayers": [{"gstin", "legal_name", "trade_name"}, ...]}')
    unknown = sorted(str(k) for k in body if k != "taxpayers")
    if unknown:
        raise BodyRefused(f"body: unknown key {cut(repr(unknown[0]))}; the only key is taxpayers")
    rows = body["taxpayers"]
    if not isinstance(rows, list):
        raise BodyRefused("taxpayers: expected a list of {gstin, legal_name, trade_name}")
    return _bounded(list(enumerate(rows, start=1)), max_rows)


def _bounded(rows: list[Row], max_rows: int) -> list[Row]:
    if not rows:
        raise BodyRefused("taxpayers: no rows to load")
    if len(rows) > max_rows:
        raise TooManyRows(f"taxpayers: {len(rows)} rows exceed the limit of {max_rows} rows per load")
    return rows


def check_rows(rows: Iterable[Row]) -> Checked:
    """Every row accepted or refused with its reasons; a refused row never stops the others."""
    return Checked(*first_of_each(rows, check_row, Taxpayer, lambda found: found.gstin, _repeated))


def _repeated(number: int, found: Taxpayer, first: int) -> RowError:
    message = f"gstin: {found.gstin} is also in row {first}; a load names a GSTIN once"
    return RowError(number, found.gstin, "gstin", "DUPLICATE_GSTIN", message)


def check_row(number: int, raw: object) -> Taxpayer | RowError:
    if isinstance(raw, Unreadable):
        return RowError(number, "", "row", "INVALID_FIELD", f"row: {raw.reason}")
    if not isinstance(raw, Mapping):
        message = f"row: expected an object with {', '.join(FIELDS)}, got {type(raw).__name__}"
        return RowError(number, "", "row", "INVALID_FIELD", message)
    given = raw.get("gstin")
    shown_gstin = _shown(given.strip()) if isinstance(given, str) else ""
    problems: list[tuple[str, str, str]] = []  # (field, code, message)
    unknown = [_shown(str(key)) for key in raw if key not in FIELDS]
    if unknown:
        more = f"; and {len(unknown) - 1} more fields of no row" if len(unknown) > 1 else ""
        message = f"{unknown[0]}: not a field of a row ({', '.join(FIELDS)}){more}"
        problems.append((unknown[0], "INVALID_FIELD", message))
    gstin = _gstin(given, problems)
    legal = _name("legal_name", raw.get("legal_name"), problems, required=True)
    trade = _name("trade_name", raw.get("trade_name"), problems, required=False)
    if problems:
        problems.sort(key=lambda p: FIELDS.index(p[0]) if p[0] in FIELDS else len(FIELDS))
        field, code, _ = problems[0]
        return RowError(number, shown_gstin, field, code, "; ".join(message for _, _, message in problems))
    return Taxpayer(gstin, legal, trade)


def _shown(text: str) -> str:
    """Text echoed in an answer, cut short; quoted and escaped when it holds what cannot be shown (a NUL
    would not even be storable in the request log)."""
    return cut(text) if text.isprintable() else cut(repr(text))


def _gstin(value: object, problems: list[tuple[str, str, str]]) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        problems.append(("gstin", "MISSING_FIELD", "gstin: required"))
        return ""
    if not isinstance(value, str):
        problems.append(("gstin", "INVALID_FIELD", f"gstin: expected text, got {type(value).__name__}"))
        return ""
    try:
        return parse_gstin(value.strip()).value
    except InvalidGstin as exc:
        problems.append(("gstin", "INVALID_GSTIN", f"gstin: {exc}"))
        return ""


def _name(field: str, value: object, problems: list[tuple[str, str, str]], *, required: bool) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        problems.append((field, "INVALID_FIELD", f"{field}: expected text, got {type(value).__name__}"))
        return ""
    name = value.strip()
    if not name and required:
        problems.append((field, "MISSING_FIELD", f"{field}: required"))
    elif len(name) > MAX_NAME:
        problems.append((field, "INVALID_FIELD", f"{field}: at most {MAX_NAME} characters, got {len(name)}"))
    elif (stray := next((c for c in name if unicodedata.category(c) in ("Cc", "Cs")), None)) is not None:
        problems.append((field, "INVALID_FIELD", f"{field}: holds the control character U+{ord(stray):04X}"))
    return name
