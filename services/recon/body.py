"""A JSON register read one row at a time and checked as it is read: `{"purchases": [row, ...]}`, each row an
object of single values except `boe` and `tags`, which may each be one flat object. Only the checked vouchers
and the error rows are kept, never the parsed body, so memory follows the accepted rows (within the request's
row limit), not the body's shape; a hostile row (deeper nesting, too many fields) refuses the body, naming it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from services.common.jsonstream import ARRAY, OBJECT, JsonStream, RecordRefused, flat_record
from services.recon.domain.purchases import FIELDS, MAX_TAGS
from services.recon.domain.register import BodyRefused, Checked, Row, TooManyRows, check_rows

MAX_VALUE_CHARS = 1 << 16
MAX_FIELDS = len(FIELDS) + 5  # room for a few misspelt fields, reported row by row
NESTED = {"boe": 4, "tags": MAX_TAGS + 1}  # the fields that hold a flat object, and its most fields


def read_purchases(source: IO[bytes], max_rows: int) -> Checked:
    """MalformedJson for a body that is not JSON, BodyRefused for one of another shape or no rows, TooManyRows past
    `max_rows`, RecordRefused for a row nested deeper than a register's."""
    stream = JsonStream(source, max_value_chars=MAX_VALUE_CHARS)
    if stream.peek() != "{":
        raise BodyRefused('body: expected an object {"purchases": [...]}')
    checked: Checked | None = None
    for key in stream.members():
        if key != "purchases":
            raise BodyRefused(f"body: unknown key {key[:40]!r}; the only key is purchases")
        if stream.peek() != "[":
            raise BodyRefused("purchases: expected a list of purchases")
        checked = check_rows(_rows(stream, max_rows))
    stream.end()
    if checked is None:
        raise BodyRefused('body: expected an object {"purchases": [...]}')
    if not checked.purchases and not checked.errors:
        raise BodyRefused("purchases: no rows")
    return checked


def _rows(stream: JsonStream, max_rows: int) -> Iterator[Row]:
    for index, _ in enumerate(stream.elements(), start=1):
        if index > max_rows:
            raise TooManyRows(f"purchases: more than {max_rows} rows; one request holds at most {max_rows}")
        first = stream.peek()
        if first != "{":
            stream.skip() if first == "[" else stream.value()
            yield index, ARRAY if first == "[" else "not an object"
            continue
        try:
            yield index, _row(stream)
        except RecordRefused as exc:
            raise RecordRefused(f"purchases: row {index}: {exc}") from None


def _row(stream: JsonStream) -> dict[str, Any]:
    record: dict[str, Any] = {}
    for key in stream.members():
        first = stream.peek()
        if first == "{" and key in NESTED:
            try:
                record[key] = flat_record(stream, NESTED[key])
            except RecordRefused as exc:
                raise RecordRefused(f"{key}: {exc}") from None
        elif first in ("[", "{"):
            stream.skip()
            record[key] = ARRAY if first == "[" else OBJECT
        else:
            record[key] = stream.value(key)
        if len(record) > MAX_FIELDS:
            raise RecordRefused(f"a row has more than {MAX_FIELDS} fields")
    return record
