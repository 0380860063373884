"""SAVE / RESETIMS bodies read one record at a time, so a body's cost in memory is its Items, never a tree.

GSTN's shape is `{"rtin", "reqtyp", "invdata": {section: [record, ...]}}`, alone or in GSTN's envelope
`{"action": "SAVE" | "RESETIMS", "data": {...}}` (both are taken, docs/rules.md §8). The body is spooled (memory, then
disk), walked token by token, and each record is decoded flat (GSTN's records are;
`services.common.jsonstream.flat_record`: a nested value refuses the request, naming it) and turned into its
`Item` at once. A request holds at most
`max_records` records: beyond that it is refused whole (413) before anything is checked or published.

Refusals keep the order of the whole-tree read they replace: the recipient (403), then `reqtyp`, then the
shape of `invdata`, whatever order the members arrive in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import IO, Any

from services.actions.commands.handlers import Item, parse_item
from services.common.commands import CommandRefused
from services.common.gst.sections import SECTION_BY_KEY
from services.common.jsonstream import JsonStream, RecordRefused, TooManyRecords, flat_record, flat_value
from services.common.quoting import shown

MAX_FIELDS = 64  # a GETINV record echoed back has about 30
MAX_VALUE_CHARS = 1 << 16  # a text value of a record (remarks: 250)


@dataclass
class SaveBody:
    rtin: Any = None
    reqtyp: Any = None
    items: list[Item] = field(default_factory=list)
    problem: str | None = None  # the first thing wrong with `invdata`, reported after rtin and reqtyp
    seen_invdata: bool = False
    action: Any = None  # the envelope's
    enveloped: bool = False  # `action` or `data` at the top
    bare: bool = False  # `rtin`, `reqtyp` or `invdata` at the top
    seen_data: bool = False


def read_save(source: IO[bytes], reset: bool, max_records: int) -> SaveBody:
    """MalformedJson for a body that is not JSON, TooManyRecords past `max_records`; else the fields and the
    Items of every record (CommandRefused is left to the caller, in GSTN's order: see `refusal`)."""
    stream = JsonStream(source, max_value_chars=MAX_VALUE_CHARS)
    body = SaveBody()
    if stream.peek() != "{":
        stream.skip()
        stream.end()
        body.problem = "body: expected a JSON object"
        return body
    for key in stream.members():
        if key == "action":
            body.enveloped = True
            body.action = flat_value(stream, key)
        elif key == "data":
            body.enveloped = body.seen_data = True
            if stream.peek() != "{":
                stream.skip()
                body.problem = body.problem or "data: expected an object {rtin, reqtyp, invdata}"
            else:
                _read_members(stream, body, reset, max_records, "data.")
        elif key in ("rtin", "reqtyp", "invdata"):
            body.bare = True
            _read_member(stream, body, key, reset, max_records, "")
        else:
            stream.skip()
    stream.end()
    return body


def _read_members(stream: JsonStream, body: SaveBody, reset: bool, max_records: int, where: str) -> None:
    for key in stream.members():
        _read_member(stream, body, key, reset, max_records, where)


def _read_member(stream: JsonStream, body: SaveBody, key: str, reset: bool, max_records: int, where: str) -> None:
    if key == "rtin":
        body.rtin = flat_value(stream, where + key)
    elif key == "reqtyp":
        body.reqtyp = flat_value(stream, where + key)
    elif key == "invdata":
        body.seen_invdata = True
        _read_invdata(stream, body, reset, max_records)
    else:
        stream.skip()


def _read_invdata(stream: JsonStream, body: SaveBody, reset: bool, max_records: int) -> None:
    if stream.peek() != "{":
        stream.skip()
        body.problem = body.problem or "invdata: expected an object of section → list of records"
        return
    sections = 0
    for section in stream.members():
        sections += 1
        if section not in SECTION_BY_KEY:
            body.problem = body.problem or f"invdata: unknown section {shown(section)}"
        if body.problem or stream.peek() != "[":
            stream.skip()
            body.problem = body.problem or f"invdata.{section}: expected a list of records"
            continue
        for index, _ in enumerate(stream.elements()):
            if body.problem or stream.peek() != "{":
                stream.skip()
                body.problem = body.problem or f"invdata.{section}: expected a list of records"
                continue
            if len(body.items) >= max_records:
                raise TooManyRecords(f"invdata: more than {max_records} records in one request; send them in parts")
            try:
                record = flat_record(stream, MAX_FIELDS)
            except RecordRefused as exc:
                raise CommandRefused(f"invdata.{section}[{index}].{exc}") from None
            body.items.append(parse_item(section, record, reset))
    if sections == 0:
        body.problem = body.problem or "invdata: expected an object of section → list of records"


ENVELOPE_ACTION = {"SAVE": "SAVE", "RESET": "RESETIMS"}


def refusal(body: SaveBody, recipient: str, reqtyp: str) -> tuple[int, str] | None:
    """What refuses the whole request, as (status, message): the first of a body of neither GSTN shape, a
    wrong envelope action, recipient, request type, or `invdata` shape."""
    if body.problem == "body: expected a JSON object":
        return 400, body.problem
    if body.enveloped and body.bare:
        return 400, "body: either GSTN's envelope {action, data} or its data {rtin, reqtyp, invdata}, not both"
    if not (body.enveloped or body.bare):
        return 400, "body: expected GSTN's SAVE data {rtin, reqtyp, invdata} or its envelope {action, data}"
    if body.enveloped:
        if body.action != ENVELOPE_ACTION[reqtyp]:
            return 400, f"action: must be {ENVELOPE_ACTION[reqtyp]!r}, got {shown(body.action)}"
        if not body.seen_data:
            return 400, "data: expected an object {rtin, reqtyp, invdata}"
        if body.problem and body.problem.startswith("data:"):
            return 400, body.problem
    if body.rtin is None:
        return 400, "rtin: required, the recipient GSTIN"
    if body.rtin != recipient:
        return 403, f"rtin: must be the recipient in the path ({recipient})"
    if body.reqtyp != reqtyp:
        return 400, f"reqtyp: must be {reqtyp!r}"
    if not body.seen_invdata:
        return 400, "invdata: expected an object of section → list of records"
    if body.problem:
        return 400, body.problem
    return None
