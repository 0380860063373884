"""The streamed read of a return (bounded memory) decides exactly like the read of the parsed payload."""

import io
import json
from collections.abc import Callable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any, Literal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from services.common import jsonstream
from services.common.jsonstream import JsonStream, MalformedJson
from services.demo.synthetic import demo_dataset, dumps, large_return
from services.ingest.body import BodyTooLarge, RawReturn
from services.ingest.domain.gstr1 import Entry, ReturnReader, ReturnRejected, read_return
from services.ingest.domain.validation import DocContext
from services.ingest.returnstream import Opener, read_header, read_rows

EXAMPLES = Path(__file__).parents[1] / "support" / "examples"  # the copy kept with the tests


def read_entries(opener: Opener, reader: ReturnReader, on_read: Callable[[int], None] | None = None) -> Iterator[Entry]:
    """Every row of the return as an Entry; raises ReturnRejected / MalformedJson part-way through, so the
    caller must not act on the entries before the iteration has finished."""
    last: tuple[dict[str, Any], DocContext, str] | None = None  # rows of one party entry come together
    for table, party, row in read_rows(opener, on_read):
        if last is None or last[0] is not party:
            last = (party, *reader.party(table, party))
        assert isinstance(row, Mapping)
        yield reader.entry(table, last[1], last[2], row)


@pytest.fixture(params=[3, 17, 1 << 20], ids=["3-char blocks", "17-char blocks", "1 MiB blocks"])
def block(request, monkeypatch):
    """Tiny windows put every token, number and multi-byte character across a block edge somewhere."""
    monkeypatch.setattr(jsonstream, "BLOCK_CHARS", request.param)
    return request.param


def opener(text: str):
    return lambda: io.BytesIO(text.encode())


def walk(stream: JsonStream):
    """Rebuild a value through the container walk (the way returns are read) to compare with json.loads."""
    if stream.peek() == "{":
        return {key: walk(stream) for key in stream.members()}
    if stream.peek() == "[":
        return [walk(stream) for _ in stream.elements()]
    return stream.value()


def streamed(payload_text: str, source_form: str = "R1"):
    filer, period = read_header(opener(payload_text))
    return list(read_entries(opener(payload_text), ReturnReader(filer, period, source_form)))


SURROGATES: tuple[Literal["Cs"]] = ("Cs",)  # typed: mypy infers a bare ("Cs",) as tuple[str]
texts = st.text(alphabet=st.characters(blacklist_categories=SURROGATES, blacklist_characters="\x00"))
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(10**20), 10**20)
    | st.floats(allow_nan=False, allow_infinity=False)
    | texts,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(texts, children, max_size=4),
    max_leaves=25,
)


@settings(max_examples=150, deadline=None)
@given(value=json_values, indent=st.sampled_from([None, 0, 2]))
def test_walking_any_json_text_gives_what_json_loads_gives(value, indent):
    text = json.dumps(value, indent=indent, default=str, ensure_ascii=False)
    expected = json.loads(text, parse_float=Decimal)
    for size in (2, 7, 1 << 20):
        jsonstream.BLOCK_CHARS = size
        try:
            stream = JsonStream(io.BytesIO(text.encode()))
            assert walk(stream) == expected
            stream.end()
        finally:
            jsonstream.BLOCK_CHARS = 1 << 20


@pytest.mark.parametrize(
    "text",
    [
        '{"a": [1, 2, ]}',
        '{"a":\n  {"b": x}}',
        "[1,\n2,\n3 4]",
        '{"gstin": "x", "b2b": [{"ctin": 1}], }',
        '{"a": 1} x',
        "",
        '{"a": "unterminated',
        '{"a": NaN}',
    ],
)
def test_malformed_text_is_refused_with_the_json_modules_position(block, text):
    with pytest.raises(ValueError) as stdlib:
        json.loads(text, parse_constant=jsonstream.reject_constant)
    with pytest.raises(MalformedJson) as refused:
        walk(stream := JsonStream(io.BytesIO(text.encode())))
        stream.end()
    if isinstance(stdlib.value, json.JSONDecodeError):
        assert str(refused.value) == f"body: malformed JSON: {stdlib.value}"
    else:
        assert "NaN is not a number" in str(refused.value)


def test_nul_and_lone_surrogates_are_refused_and_invalid_utf8_names_its_byte(block):
    with pytest.raises(MalformedJson, match=r"body\[0\].inum: NUL characters are not allowed"):
        JsonStream(io.BytesIO(b'[{"inum": "A\\u0000"}]')).value()
    with pytest.raises(MalformedJson, match="unpaired UTF-16 surrogate"):
        walk(JsonStream(io.BytesIO(b'{"a": "\\ud800"}')))
    with pytest.raises(MalformedJson, match="not valid UTF-8 at byte 7"):
        walk(JsonStream(io.BytesIO(b'{"a": "\xe2\x82"}')))


def test_deep_nesting_in_a_skipped_table_is_refused_not_a_crash():
    text = '{"gstin": "27AAPFK4821M1ZT", "fp": "102025", "hsn": ' + "[" * 10_000 + "]" * 10_000 + "}"
    with pytest.raises(MalformedJson, match="nested too deeply"):
        streamed(text)


@pytest.mark.parametrize("name", ["gstr1-supplier.json", "gstr1-eco-9-5.json"])
def test_the_examples_stream_into_the_same_entries_as_the_parsed_read(block, name):
    text = (EXAMPLES / name).read_text()
    assert streamed(text) == list(read_return(json.loads(text, parse_float=Decimal), "R1").entries)


def test_every_demo_return_streams_into_the_same_entries_as_the_parsed_read():
    for filing in demo_dataset(7):
        if filing.form == "boe":
            continue
        text = dumps(filing.payload)
        form = {"gstr1": "R1", "iff": "IFF", "gstr1a": "R1A", "gstr5": "R5", "gstr6": "R6"}[filing.form]
        assert streamed(text, form) == list(read_return(json.loads(text, parse_float=Decimal), form).entries)


def test_key_order_does_not_matter_rows_before_the_party_and_header_after_the_tables(block):
    payload = json.loads((EXAMPLES / "gstr1-supplier.json").read_text(), parse_float=Decimal)
    expected = list(read_return(payload, "R1").entries)
    reordered = {key: value for key, value in payload.items() if key not in ("gstin", "fp")}
    for table in ("b2b", "cdnr"):
        reordered[table] = [dict(reversed(list(party.items()))) for party in reordered.get(table, [])]
    reordered |= {"fp": payload["fp"], "gstin": payload["gstin"]}
    assert streamed(dumps(reordered)) == expected


def test_a_large_generated_return_streams_like_the_parsed_read():
    text = "".join(large_return(5, "102025", 3_000, recipients=3))
    assert streamed(text) == list(read_return(json.loads(text, parse_float=Decimal), "R1").entries)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        ("[]", "a return must be a JSON object, got list"),
        ('{"gstin": "27AAPFK4821M1ZT", "fp": "102025", "b2b": {}}', "b2b: must be a list"),
        ('{"gstin": "27AAPFK4821M1ZT", "fp": "102025", "b2b": [1]}', r"b2b\[0\]: must be an object"),
        ('{"gstin": "27AAPFK4821M1ZT", "fp": "102025", "b2b": [{"ctin": "x"}]}', r"b2b\[0\].inv: must be a list"),
        ('{"gstin": "27AAPFK4821M1ZT", "fp": "102025", "b2b": [{"inv": [2]}]}', r"b2b\[0\].inv\[0\]: must be an"),
        ('{"gstin": "27AAPFK4821M1ZT", "fp": "102025", "ecom": []}', "ecom: must be an object"),
        ('{"gstin": "27AAPFK4821M1ZT"}', r"fp: the return period \(MMYYYY\) is required"),
    ],
)
def test_a_return_of_the_wrong_shape_is_refused_whole_with_the_same_reason(text, reason):
    with pytest.raises(ReturnRejected, match=reason):
        streamed(text)
    with pytest.raises(ReturnRejected, match=reason):
        read_return(json.loads(text), "R1")


def test_the_raw_body_is_kept_exactly_and_spills_to_disk_past_the_memory_threshold(tmp_path):
    import gzip
    import hashlib

    big = b'{"x": "' + b"y" * (9 << 20) + b'"}'
    for raw in (b'{"gstin": "x"}', big):
        path = tmp_path / "body.json"
        path.write_bytes(raw)
        with RawReturn.of_file(path) as body:
            assert body.size == len(raw) and body.sha256 == hashlib.sha256(raw).hexdigest()
            assert gzip.decompress(body.gzip) == raw
            with body.open() as first, body.open() as second:
                assert first.read() == raw and second.read(5) == raw[:5]
    with pytest.raises(BodyTooLarge, match="exceeds the limit of 10 bytes"):
        RawReturn(limit=10).write(b"x" * 11)


def _checked(text: str, parallel: bool, workers: int = 2) -> list:
    from datetime import date

    from services.ingest.checking import CheckContext
    from services.ingest.returnstream import read_rows
    from services.ingest.workers import RowChecker

    filer, period = read_header(opener(text))
    context = CheckContext(filer.value, period.mmyyyy, "R1", date(2025, 11, 11), False)
    checker = RowChecker(workers)
    try:
        rows = ((t.name, party, row) for t, party, row in read_rows(opener(text), as_text=parallel))
        return list(checker.check(context, rows, parallel))
    finally:
        checker.close()


def test_worker_processes_check_a_return_exactly_like_the_ingest_process():
    """Same rows, same order, same problems, same encoded documents (invalid rows and amendments included)."""
    payload = json.loads(dumps(next(f.payload for f in demo_dataset(7) if f.form == "gstr1")), parse_float=Decimal)
    payload["b2b"][0]["inv"][0]["val"] = "x"  # one invalid row
    text = dumps(payload) + " "
    big = "".join(large_return(5, "102025", 2_500, recipients=3))
    for body in (text, big):
        inline, pooled = _checked(body, parallel=False), _checked(body, parallel=True)
        assert pooled == inline and len(inline) >= 20
        assert any(row.problems for row in inline) == (body is text)
