"""A JSON load read one row at a time: `{"taxpayers": [row, ...]}` becomes the same payload with each row a flat
dict (a nested value refuses the load, naming it; a row of more fields than `MAX_FIELDS` too), so a hostile body
never costs a parsed tree. Other shapes become placeholders for `rows_of_json` to refuse, naming the part."""

from __future__ import annotations

from typing import IO, Any

from services.common.jsonrows import FlatRows, read_flat_rows
from services.registry.domain.taxpayers import FIELDS

MAX_FIELDS = len(FIELDS) + 5  # room for a few misspelt fields, reported row by row
LOAD = FlatRows(
    key="taxpayers",
    max_fields=MAX_FIELDS,
    too_many="taxpayers: more than {max_rows} rows; one load holds at most {max_rows}",
    refused_at="taxpayers: row {number}: ",
)


def read_taxpayers(source: IO[bytes], max_rows: int) -> Any:
    """MalformedJson for a body that is not JSON, TooManyRecords past `max_rows` rows, RecordRefused for a row
    that is not flat or has too many fields."""
    return read_flat_rows(source, LOAD, max_rows)
