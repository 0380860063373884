"""Bills of Entry read one row at a time: `{"boe": [row, ...]}` becomes the same payload with each row a flat
dict of the fields `validate_boe` reads (others skipped; a nested value refuses the request, naming it), so a
hostile body never costs a parsed tree. Other shapes become placeholders for `file_boes` to refuse as before."""

from __future__ import annotations

from typing import IO, Any

from services.common.jsonrows import FlatRows, read_flat_rows
from services.ingest.domain.boe import FIELDS

BOES = FlatRows(
    key="boe",
    max_fields=len(FIELDS),
    too_many="boe: more than {max_rows} Bills of Entry in one request; send them in parts",
    refused_at="boe[{index}].",
    keep=FIELDS,
)


def read_boes(source: IO[bytes], max_rows: int) -> Any:
    """MalformedJson for a body that is not JSON, TooManyRecords past `max_rows` rows, RecordRefused for a
    row that is not flat."""
    return read_flat_rows(source, BOES, max_rows)
