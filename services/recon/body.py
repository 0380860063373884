"""A JSON register read one row at a time and checked as it is read: `{"purchases": [row, ...]}`, each row an
object of single values except `boe` and `tags`, which may each be one flat object. Only the checked vouchers
and the error rows are kept, never the parsed body, so memory follows the accepted rows (within the request's
row limit), not the body's size; a row is at most `MAX_VALUE_CHARS` characters, and one nested deeper than a
register's or of too many fields refuses the body, naming it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import IO, Any

from services.common.jsonstream import ARRAY, OBJECT, JsonStream, RecordRefused
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
    """Each row decoded whole by the C scanner (a row is at most `MAX_VALUE_CHARS`), then held to a register's
    shape: single values, and `boe` and `tags` one flat object each."""
    for index, _ in enumerate(stream.elements(), start=1):
        if index > max_rows:
            raise TooManyRows(f"purchases: more than {max_rows} rows; one request holds at most {max_rows}")
        value = stream.value("purchases")
        try:
            yield index, _shaped(value) if isinstance(value, dict) else _placeholder(value)
        except RecordRefused as exc:
            raise RecordRefused(f"purchases: row {index}: {exc}") from None


def _shaped(row: dict[str, Any]) -> dict[str, Any]:
    if len(row) > MAX_FIELDS:
        raise RecordRefused(f"a row has more than {MAX_FIELDS} fields")
    for key, value in row.items():
        if isinstance(value, dict) and key in NESTED:
            if len(value) > NESTED[key]:
                raise RecordRefused(f"{key}: a record has more than {NESTED[key]} fields")
            nested = next((k for k, v in value.items() if isinstance(v, dict | list)), None)
            if nested is not None:
                raise RecordRefused(f"{key}: {nested[:40]}: expected a single value, got a nested one")
        elif isinstance(value, dict | list):
            row[key] = _placeholder(value)
    return row


def _placeholder(value: Any) -> Any:
    """What stands for a value of the wrong kind, for the rules to refuse naming it (never walked further)."""
    return ARRAY if isinstance(value, list) else OBJECT if isinstance(value, dict) else value
