"""A JSON load read one row at a time: `{"taxpayers": [row, ...]}` becomes the same payload with each row a flat
dict (a nested value refuses the load, naming it; a row of more fields than `MAX_FIELDS` too), so a hostile body
never costs a parsed tree. Other shapes become placeholders for `rows_of_json` to refuse, naming the part."""

from __future__ import annotations

from typing import IO, Any

from services.common.jsonstream import ARRAY, JsonStream, RecordRefused, TooManyRecords, flat_record, flat_value
from services.registry.domain.taxpayers import FIELDS

MAX_VALUE_CHARS = 1 << 16
MAX_FIELDS = len(FIELDS) + 5  # room for a few misspelt fields, reported row by row


def read_taxpayers(source: IO[bytes], max_rows: int) -> Any:
    """MalformedJson for a body that is not JSON, TooManyRecords past `max_rows` rows, RecordRefused for a row
    that is not flat or has too many fields."""
    stream = JsonStream(source, max_value_chars=MAX_VALUE_CHARS)
    if stream.peek() != "{":
        found = flat_value(stream)
        stream.end()
        return found
    payload: dict[str, Any] = {}
    for key in stream.members():
        if key != "taxpayers":
            stream.skip()
            payload[key] = None  # named in the refusal, never read
        elif stream.peek() != "[":
            payload[key] = flat_value(stream, key)
        else:
            payload[key] = _rows(stream, max_rows)
    stream.end()
    return payload


def _rows(stream: JsonStream, max_rows: int) -> list[Any]:
    rows: list[Any] = []
    for index, _ in enumerate(stream.elements()):
        if len(rows) >= max_rows:
            raise TooManyRecords(f"taxpayers: more than {max_rows} rows; one load holds at most {max_rows}")
        if stream.peek() != "{":
            value = flat_value(stream)
            rows.append([] if value is ARRAY else value)
            continue
        try:
            rows.append(flat_record(stream, MAX_FIELDS))
        except RecordRefused as exc:
            raise RecordRefused(f"taxpayers: row {index + 1}: {exc}") from None
    return rows
