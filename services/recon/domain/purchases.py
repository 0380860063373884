"""The recipient's purchase register: one booked voucher checked field by field (docs/rules.md §10.1).

A row is judged on its own and every problem names its field; the first one (in `FIELDS` order) is the row's
`field` and `error_cd`. Amounts are exact paise (`to_paise`: no floats, two places, never negative); dates
DD-MM-YYYY within GST's days; `pos` a state code; a Bill of Entry needs `boe.portcode` and `boe.boenum` and no
supplier GSTIN (its supplier is abroad), every other document a supplier GSTIN with a valid check character and
a number. `tags` (cost centre and other dimensions) is a flat object of text, kept opaque.
A voucher's version hash (`version_hash`) covers everything but its id, so re-sending it unchanged is a no-op
and any change is a new version.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date

from services.common.gst.gstin import VALID_POS_CODES, InvalidGstin, parse_gstin
from services.common.gst.money import InvalidAmount, to_paise
from services.common.gst.periods import GST_START, LAST_SUPPORTED_DATE, parse_gstn_date
from services.common.quoting import cut, shown
from services.common.rows import Unreadable

DOC_TYPES = ("INV", "DN", "CN", "BOE")
AMOUNTS = ("txval", "igst", "cgst", "sgst", "cess")
FIELDS = ("voucher_id", "ctin", "doc_type", "inum", "dt", "pos", "rev", *AMOUNTS, "posting_date", "boe", "tags")
REQUIRED_AMOUNTS = ("txval",)  # a tax head left out is zero
MAX_VOUCHER_ID = 64
MAX_NUMBER = 40  # a number as the books keep it (GSTN's 16 is the supplier's; books add prefixes)
MAX_TAGS = 20
MAX_TAG_TEXT = 100
_PORT_CODE = re.compile(r"[A-Z0-9]{6}", re.ASCII)
_BOE_NUMBER = re.compile(r"[0-9]{1,7}", re.ASCII)
ERROR_CODES: Mapping[str, str] = {
    "MISSING_FIELD": "a required field is absent, null or blank",
    "INVALID_FIELD": "a field of the wrong type or form, or not a field of a purchase",
    "INVALID_GSTIN": "the supplier GSTIN fails the structure or check-character rules",
    "INVALID_DOC_TYPE": "doc_type is not INV, DN, CN or BOE",
    "INVALID_DATE": "a date that is not DD-MM-YYYY, not a calendar date, or outside 01-07-2017..31-12-2099",
    "INVALID_POS": "the place of supply is not a state code",
    "INVALID_AMOUNT": "an amount that is not exact paise, negative or too large",
    "INVALID_PORT_CODE": "a Bill of Entry port code is not 6 letters or digits",
    "DUPLICATE_VOUCHER": "the voucher id is named by an earlier row of the same request",
    "INVALID_MESSAGE": "a message on the Kafka door that is not Avro of its schema, or keyed by another GSTIN",
}


@dataclass(frozen=True, slots=True)
class Purchase:
    """One voucher version as booked; amounts in paise, dates ISO, `ctin`/`inum`/`portcode`/`boenum` "" when
    the document type has none."""

    voucher_id: str
    ctin: str
    doc_type: str
    inum: str
    dt: str
    pos: str
    rev: str
    txval: int
    igst: int
    cgst: int
    sgst: int
    cess: int
    posting_date: str
    portcode: str
    boenum: str
    tags: tuple[tuple[str, str], ...]  # sorted by name

    @property
    def version_hash(self) -> str:
        return version_hash(self)


@dataclass(frozen=True, slots=True)
class RowError:
    row: int
    voucher_id: str  # as given, cut short; "" when absent
    field: str
    code: str
    message: str

    def __post_init__(self) -> None:
        if self.code not in ERROR_CODES:
            raise ValueError(f"unregistered error code {self.code!r}")

    def report(self) -> dict[str, object]:
        return {
            "row": self.row,
            "voucher_id": self.voucher_id,
            "field": self.field,
            "error_cd": self.code,
            "error_msg": self.message,
        }


def version_hash(p: Purchase) -> str:
    """SHA-256 of the voucher's content (everything but its id) in one canonical form: the same content gives the
    same hash in JSON, CSV and on every replay, whatever the key order or the spelling of an amount."""
    content = [p.ctin, p.doc_type, p.inum, p.dt, p.pos, p.rev, p.txval, p.igst, p.cgst, p.sgst, p.cess]
    content += [p.posting_date, p.portcode, p.boenum, [list(tag) for tag in p.tags]]
    return hashlib.sha256(json.dumps(content, ensure_ascii=True, separators=(",", ":")).encode()).hexdigest()


Problems = list[tuple[str, str, str]]  # (field, code, message)


def check_row(number: int, raw: object) -> Purchase | RowError:
    """The voucher, or why row `number` is refused (every problem, the first field's code)."""
    if isinstance(raw, Unreadable):
        return RowError(number, "", "row", "INVALID_FIELD", f"row: {raw.reason}")
    if not isinstance(raw, Mapping):
        return RowError(number, "", "row", "INVALID_FIELD", f"row: expected an object, got {type(raw).__name__}")
    given = raw.get("voucher_id")
    shown_id = _echo(given.strip()) if isinstance(given, str) else ""
    problems: Problems = []
    unknown = [_echo(str(key)) for key in raw if key not in FIELDS]
    if unknown:
        problems.append((unknown[0], "INVALID_FIELD", f"{unknown[0]}: not a field of a purchase"))
    voucher = _text("voucher_id", given, problems, MAX_VOUCHER_ID, required=True)
    doc_type = _doc_type(raw.get("doc_type"), problems)
    is_boe = doc_type == "BOE"
    ctin = _ctin(raw.get("ctin"), problems, required=not is_boe)
    inum = _text("inum", raw.get("inum"), problems, MAX_NUMBER, required=not is_boe)
    dt = _date("dt", raw.get("dt"), problems)
    pos = _pos(raw.get("pos"), problems)
    rev = _yes_no(raw.get("rev"), problems)
    amounts = [_amount(name, raw.get(name), problems) for name in AMOUNTS]
    posting = _date("posting_date", raw.get("posting_date"), problems)
    portcode, boenum = _boe(raw.get("boe"), problems, is_boe)
    tags = _tags(raw.get("tags"), problems)
    if problems:
        problems.sort(key=lambda p: FIELDS.index(p[0].split(".")[0]) if p[0].split(".")[0] in FIELDS else -1)
        field, code, _ = problems[0]
        return RowError(number, shown_id, field, code, "; ".join(message for _, _, message in problems))
    txval, igst, cgst, sgst, cess = amounts
    return Purchase(voucher, ctin, doc_type, inum, dt, pos, rev, txval, igst, cgst, sgst, cess, posting, portcode,
                    boenum, tags)  # fmt: skip


def _echo(text: str) -> str:
    return cut(text) if text.isprintable() else cut(repr(text))


def _blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


def _text(field: str, value: object, problems: Problems, most: int, *, required: bool) -> str:
    if _blank(value):
        if required:
            problems.append((field, "MISSING_FIELD", f"{field}: required"))
        return ""
    if not isinstance(value, str):
        problems.append((field, "INVALID_FIELD", f"{field}: expected text, got {type(value).__name__}"))
        return ""
    text = value.strip()
    if len(text) > most:
        problems.append((field, "INVALID_FIELD", f"{field}: at most {most} characters, got {len(text)}"))
    elif (stray := _control(text)) is not None:
        problems.append((field, "INVALID_FIELD", f"{field}: holds the control character U+{ord(stray):04X}"))
    return text


def _control(text: str) -> str | None:
    """The first control character or lone surrogate: neither belongs in a number or a tag, and PostgreSQL
    cannot store a NUL."""
    return next((c for c in text if unicodedata.category(c) in ("Cc", "Cs")), None)


def _doc_type(value: object, problems: Problems) -> str:
    if _blank(value):
        problems.append(("doc_type", "MISSING_FIELD", "doc_type: required, one of " + ", ".join(DOC_TYPES)))
        return ""
    if value not in DOC_TYPES:
        problems.append(
            ("doc_type", "INVALID_DOC_TYPE", f"doc_type: one of {', '.join(DOC_TYPES)}, got {shown(value)}")
        )
        return ""
    return str(value)


def _ctin(value: object, problems: Problems, *, required: bool) -> str:
    if _blank(value):
        if required:
            problems.append(("ctin", "MISSING_FIELD", "ctin: required (the supplier's GSTIN)"))
        return ""
    try:
        return parse_gstin(value.strip() if isinstance(value, str) else value).value
    except InvalidGstin as exc:
        problems.append(("ctin", "INVALID_GSTIN", f"ctin: {exc}"))
        return ""


def _date(field: str, value: object, problems: Problems) -> str:
    if _blank(value):
        problems.append((field, "MISSING_FIELD", f"{field}: required, DD-MM-YYYY"))
        return ""
    try:
        day = parse_gstn_date(value)
    except ValueError as exc:
        problems.append((field, "INVALID_DATE", f"{field}: {exc}"))
        return ""
    if not GST_START <= day <= LAST_SUPPORTED_DATE:
        problems.append(
            (field, "INVALID_DATE", f"{field}: {value} is outside {_dmy(GST_START)}..{_dmy(LAST_SUPPORTED_DATE)}")
        )
        return ""
    return day.isoformat()


def _dmy(day: date) -> str:
    return day.strftime("%d-%m-%Y")


def _pos(value: object, problems: Problems) -> str:
    if _blank(value):
        problems.append(("pos", "MISSING_FIELD", "pos: required, a two-digit state code"))
        return ""
    if not isinstance(value, str) or value not in VALID_POS_CODES:
        problems.append(("pos", "INVALID_POS", f"pos: a two-digit state code (01-38, 96, 97), got {shown(value)}"))
        return ""
    return value


def _yes_no(value: object, problems: Problems) -> str:
    if _blank(value):
        problems.append(("rev", "MISSING_FIELD", "rev: required, Y or N"))
        return ""
    if value not in ("Y", "N"):
        problems.append(("rev", "INVALID_FIELD", f"rev: Y or N, got {shown(value)}"))
        return ""
    return str(value)


def _amount(field: str, value: object, problems: Problems) -> int:
    if _blank(value):
        if field in REQUIRED_AMOUNTS:
            problems.append((field, "MISSING_FIELD", f"{field}: required"))
        return 0
    try:
        return to_paise(value, field)
    except InvalidAmount as exc:
        problems.append((field, "INVALID_AMOUNT", str(exc)))
        return 0


def _boe(value: object, problems: Problems, is_boe: bool) -> tuple[str, str]:
    if not is_boe:
        if value is not None:
            problems.append(("boe", "INVALID_FIELD", "boe: only a Bill of Entry (doc_type BOE) carries boe"))
        return "", ""
    if not isinstance(value, Mapping):
        what = "required" if value is None else f"expected an object, got {type(value).__name__}"
        problems.append(
            ("boe", "MISSING_FIELD" if value is None else "INVALID_FIELD", f"boe: {what} {{portcode, boenum}}")
        )
        return "", ""
    extra = sorted(str(k) for k in value if k not in ("portcode", "boenum"))
    if extra:
        problems.append(("boe", "INVALID_FIELD", f"boe.{_echo(extra[0])}: not a field of boe (portcode, boenum)"))
    port, number = value.get("portcode"), value.get("boenum")
    if _blank(port):
        problems.append(("boe.portcode", "MISSING_FIELD", "boe.portcode: required"))
    elif not isinstance(port, str) or not _PORT_CODE.fullmatch(port):
        problems.append(("boe.portcode", "INVALID_PORT_CODE", f"boe.portcode: 6 letters or digits, got {shown(port)}"))
    if _blank(number):
        problems.append(("boe.boenum", "MISSING_FIELD", "boe.boenum: required"))
    elif not isinstance(number, str) or not _BOE_NUMBER.fullmatch(number):
        problems.append(("boe.boenum", "INVALID_FIELD", f"boe.boenum: 1 to 7 digits as text, got {shown(number)}"))
    return (port, number) if isinstance(port, str) and isinstance(number, str) else ("", "")


def _tags(value: object, problems: Problems) -> tuple[tuple[str, str], ...]:
    if value is None:
        return ()
    if not isinstance(value, Mapping):
        problems.append(("tags", "INVALID_FIELD", f"tags: expected an object of text, got {type(value).__name__}"))
        return ()
    if len(value) > MAX_TAGS:
        problems.append(("tags", "INVALID_FIELD", f"tags: at most {MAX_TAGS}, got {len(value)}"))
        return ()
    tags: list[tuple[str, str]] = []
    for name, text in value.items():
        where = f"tags.{_echo(str(name))}"
        if not isinstance(text, str) or not str(name).strip():
            problems.append(
                ("tags", "INVALID_FIELD", f"{where}: a tag is a name and a text, got {type(text).__name__}")
            )
        elif len(text) > MAX_TAG_TEXT or len(str(name)) > MAX_TAG_TEXT:
            problems.append(("tags", "INVALID_FIELD", f"{where}: names and texts of at most {MAX_TAG_TEXT} characters"))
        elif (stray := _control(str(name) + text)) is not None:
            problems.append(("tags", "INVALID_FIELD", f"{where}: holds the control character U+{ord(stray):04X}"))
        else:
            tags.append((str(name), text))
    return tuple(sorted(tags))
