"""Bills of Entry read one row at a time: `{"boe": [row, ...]}` becomes the same payload with each row a flat
dict of the fields `validate_boe` reads (others skipped; a nested value refuses the request, naming it), so a
hostile body never costs a parsed tree. Other shapes become placeholders for `file_boes` to refuse as before."""

from __future__ import annotations

from typing import IO, Any

from services.common.jsonstream import JsonStream, RecordRefused, TooManyRecords, flat_record, flat_value
from services.ingest.domain.boe import FIELDS

MAX_VALUE_CHARS = 1 << 16


def read_boes(source: IO[bytes], max_rows: int) -> Any:
    """MalformedJson for a body that is not JSON, TooManyRecords past `max_rows` rows, RecordRefused for a
    row that is not flat."""
    stream = JsonStream(source, max_value_chars=MAX_VALUE_CHARS)
    if stream.peek() != "{":
        found = flat_value(stream)
        stream.end()
        return found
    payload: dict[str, Any] = {}
    for key in stream.members():
        if key != "boe":
            stream.skip()
        elif stream.peek() != "[":
            payload[key] = flat_value(stream, key)
        else:
            rows: list[Any] = []
            for index, _ in enumerate(stream.elements()):
                if len(rows) >= max_rows:
                    raise TooManyRecords(f"boe: more than {max_rows} Bills of Entry in one request; send them in parts")
                if stream.peek() != "{":
                    rows.append(flat_value(stream))
                    continue
                try:
                    rows.append(flat_record(stream, len(FIELDS), FIELDS))
                except RecordRefused as exc:
                    raise RecordRefused(f"boe[{index}].{exc}") from None
            payload[key] = rows
    stream.end()
    return payload
