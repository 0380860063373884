"""A JSON body of one list of flat rows, `{"KEY": [row, ...]}` (a load of taxpayer names, Bills of Entry), read one
row at a time: it becomes the same payload with each row a flat dict, so a hostile body never costs a parsed tree.

A row holding a nested value, or more fields than a real one, refuses the body naming it (RecordRefused); past
`max_rows` rows nothing further is read (TooManyRecords). Every other shape becomes a placeholder for the
caller's rules to refuse naming the part: a body that is no object is its scalar (or ARRAY / OBJECT), a key
other than KEY stands as None (never read), a KEY that is no list its scalar, a row that is no object its scalar
(an array as `[]`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import IO, Any

from services.common.jsonstream import ARRAY, JsonStream, RecordRefused, TooManyRecords, flat_record, flat_value


@dataclass(frozen=True, slots=True)
class FlatRows:
    """The shape of one such body and the words of its refusals."""

    key: str
    max_fields: int
    too_many: str  # with {max_rows}
    refused_at: str  # put before a row's RecordRefused, with {index} (from 0) and {number} (from 1)
    keep: frozenset[str] | None = None  # the fields read (others skipped); None: every field
    max_value_chars: int = 1 << 16


def read_flat_rows(source: IO[bytes], shape: FlatRows, max_rows: int) -> Any:
    """MalformedJson for a body that is not JSON, TooManyRecords past `max_rows` rows, RecordRefused for a row that
    is not flat or has too many fields."""
    stream = JsonStream(source, max_value_chars=shape.max_value_chars)
    if stream.peek() != "{":
        found = flat_value(stream)
        stream.end()
        return found
    payload: dict[str, Any] = {}
    for key in stream.members():
        if key != shape.key:
            stream.skip()
            payload[key] = None  # named in the refusal, never read
        elif stream.peek() != "[":
            payload[key] = flat_value(stream, key)
        else:
            payload[key] = _rows(stream, shape, max_rows)
    stream.end()
    return payload


def _rows(stream: JsonStream, shape: FlatRows, max_rows: int) -> list[Any]:
    rows: list[Any] = []
    for index, _ in enumerate(stream.elements()):
        if len(rows) >= max_rows:
            raise TooManyRecords(shape.too_many.format(max_rows=max_rows))
        if stream.peek() != "{":
            value = flat_value(stream)
            rows.append([] if value is ARRAY else value)
            continue
        try:
            rows.append(flat_record(stream, shape.max_fields, shape.keep))
        except RecordRefused as exc:
            raise RecordRefused(shape.refused_at.format(index=index, number=index + 1) + str(exc)) from None
    return rows
