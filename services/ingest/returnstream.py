"""A GSTR-1-shaped return read straight from its file, one row at a time (bounded memory).

Gives the same entries and the same whole-return refusals as `read_return` on the parsed payload, in the
order the rows appear in the file (GSTN writes the tables in their canonical order). The header (`gstin`,
`fp`) is probed first; when a file puts it after the tables, the probe walks the file once more.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import IO, Any, Protocol

from services.common.gst.gstin import Gstin
from services.common.gst.periods import Period
from services.common.jsonstream import JsonStream
from services.ingest.checking import Checked
from services.ingest.domain.gstr1 import TABLES, ReturnRejected, Table, validate_return_header

Opener = Callable[[], IO[bytes]]
Row = tuple[Table, dict[str, Any], Mapping[str, object] | str | Checked]
_BY_PATH: dict[str, Table | dict[str, Table]] = {}
for _known in TABLES:
    if len(_known.path) == 1:
        _BY_PATH[_known.path[0]] = _known
    else:
        nested = _BY_PATH.setdefault(_known.path[0], {})
        assert isinstance(nested, dict)
        nested[_known.path[1]] = _known
_PARTY_KEYS = {  # what a party entry must have said before its rows can be validated as they stream by
    table.name: ("rtin", "stin") if table.party_field == "stin" else (table.party_field,) for table in TABLES
}


def read_header(opener: Opener) -> tuple[Gstin, Period]:
    """`gstin` and `fp`, or ReturnRejected; reads only as far as both (normally the first few bytes)."""
    return validate_return_header(probe_header(opener))


def probe_header(opener: Opener) -> dict[str, Any]:
    """`gstin` and `fp` as written (unchecked), for deciding who may file before reading further."""
    found: dict[str, Any] = {}
    with opener() as source:
        stream = JsonStream(source)
        first = stream.peek()
        if first != "{":
            kind = {"[": "list", '"': "str", "": "nothing"}.get(first, "a scalar")
            raise ReturnRejected(f"a return must be a JSON object, got {kind}")
        for key in stream.members():
            if key in ("gstin", "fp"):
                found[key] = stream.value()
                if len(found) == 2:
                    break
            else:
                stream.skip()
    return found


class Natives(Protocol):
    """The native fast path (services.ingest.fastrows.FastRows): a context per party entry, or None."""

    scan: Callable[[str, int, Any], tuple[list[Any], int, bool]]

    def context(self, table: Table, party: Mapping[str, object]) -> Any | None: ...


def read_rows(
    opener: Opener, on_read: Callable[[int], None] | None = None, as_text: bool = False, fast: Natives | None = None
) -> Iterator[Row]:
    """(table, party entry, row) for every document row, the row decoded or (`as_text`) as its source
    text for another process to decode, or (with `fast`) already checked by the native fast path. A party
    entry is complete in what its rows need when they come."""
    with opener() as source:
        stream = JsonStream(source, on_read)
        for key in stream.members():
            target = _BY_PATH.get(key)
            if isinstance(target, Table):
                yield from _table(stream, target, as_text, fast)
            elif target is not None:
                yield from _nested(stream, key, target, as_text, fast)
            else:
                stream.skip()
        stream.end()


def _nested(
    stream: JsonStream, key: str, tables: dict[str, Table], as_text: bool, fast: Natives | None
) -> Iterator[Row]:
    if stream.peek() == "n" and stream.value() is None:
        return
    if stream.peek() != "{":
        raise ReturnRejected(f"{key}: must be an object")
    for sub in stream.members():
        table = tables.get(sub)
        if table is None:
            stream.skip()
        else:
            yield from _table(stream, table, as_text, fast)


def _table(stream: JsonStream, table: Table, as_text: bool, fast: Natives | None) -> Iterator[Row]:
    if stream.peek() == "n" and stream.value() is None:
        return
    if stream.peek() != "[":
        raise ReturnRejected(f"{'.'.join(table.path)}: must be a list")
    for index, _ in enumerate(stream.elements()):
        where = f"{table.name}[{index}]"
        if stream.peek() != "{":
            raise ReturnRejected(f"{where}: must be an object")
        yield from _party(stream, table, where, as_text, fast)


def _party(stream: JsonStream, table: Table, where: str, as_text: bool, fast: Natives | None) -> Iterator[Row]:
    party: dict[str, Any] = {}
    held: list[Any] | None = None  # rows read before the party said who it is (unusual key order)
    needed = _PARTY_KEYS[table.name]
    for key in stream.members():
        if key != table.rows_key:
            party[key] = stream.value()
            continue
        if stream.peek() != "[":
            raise ReturnRejected(f"{where}.{table.rows_key}: must be a list")
        if held is not None:
            raise ReturnRejected(f"{where}.{table.rows_key}: appears twice")
        if all(k in party for k in needed):
            native = fast.context(table, party) if fast is not None else None
            if native is None:
                for row_index, _ in enumerate(stream.elements()):
                    yield table, party, _row(stream, where, table, row_index, as_text)
            else:
                assert fast is not None
                for row_index, found in enumerate(stream.scanned_elements(fast.scan, native)):
                    yield table, party, _row(stream, where, table, row_index, as_text) if found is None else found
            held = []
        else:
            held = [_row(stream, where, table, i, as_text) for i, _ in enumerate(stream.elements())]
    if held is None:
        raise ReturnRejected(f"{where}.{table.rows_key}: must be a list")
    for row in held:
        yield table, party, row


def _row(stream: JsonStream, where: str, table: Table, index: int, as_text: bool) -> Mapping[str, object] | str:
    if stream.peek() != "{":
        raise ReturnRejected(f"{where}.{table.rows_key}[{index}]: must be an object")
    return stream.value_text() if as_text else stream.value()  # type: ignore[no-any-return]
