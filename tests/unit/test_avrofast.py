"""The native Avro reader (services.common.avrofast) against fastavro, for every released schema it reads.

The contract: for the same bytes, `read` returns fastavro's record exactly, or None (declined: fastavro
decides). Records are drawn from each schema (strings of any Unicode, longs over the whole 64-bit range,
nulls, arrays empty or long), written by fastavro and by a test encoder that splits arrays into blocks of
any size, some with a negative count and a byte size as the spec allows; then every body is cut short and
has bytes overwritten, and whatever the reader still returns must equal what fastavro returns.
AVROFAST_EXAMPLES=5000 runs the hypothesis tests longer.
"""

from __future__ import annotations

import io
import os
import shutil
import sysconfig
from typing import Any

import pytest
from fastavro import schemaless_reader, schemaless_writer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.bootstrap import load_codec
from services.common import avrofast
from services.common.codec import SCHEMA_DIR, Codec, load_schemas

EXAMPLES = int(os.environ.get("AVROFAST_EXAMPLES", "300"))
SCHEMAS = [s for s in load_schemas(SCHEMA_DIR) if avrofast.compile_schema(s.parsed) is not None]
needs_native = pytest.mark.skipif(not avrofast.available(), reason="the native reader is not built")
NATIVE, PYTHON = load_codec(), Codec.from_directories(native=False)
LONGS = st.one_of(st.integers(-(2**63), 2**63 - 1), st.integers(-300, 300))


def records(schema: Any) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({f["name"]: _values(f["type"]) for f in schema["fields"]})


def _values(kind: Any) -> st.SearchStrategy[Any]:
    if isinstance(kind, list):
        (other,) = [k for k in kind if k != "null"]
        return st.one_of(st.none(), _values(other))
    if isinstance(kind, dict) and kind["type"] == "array":
        return st.lists(records(kind["items"]), max_size=4)
    name = kind["type"] if isinstance(kind, dict) else kind
    return {"string": st.text(max_size=12), "long": LONGS, "int": st.integers(-(2**31), 2**31 - 1),
            "boolean": st.booleans()}[name]  # fmt: skip


def encode(schema: Any, record: dict[str, Any], cuts: st.DataObject) -> bytes:
    """Avro as any writer may write it: arrays in blocks of any size, some counted negative with their size."""
    out = bytearray()
    for field in schema["fields"]:
        _encode_value(out, field["type"], record[field["name"]], cuts)
    return bytes(out)


def _long(value: int) -> bytes:
    n = ((value << 1) ^ (value >> 63)) & 0xFFFFFFFFFFFFFFFF
    out = bytearray()
    while n > 0x7F:
        out.append((n & 0x7F) | 0x80)
        n >>= 7
    out.append(n)
    return bytes(out)


def _encode_value(out: bytearray, kind: Any, value: Any, cuts: st.DataObject) -> None:
    if isinstance(kind, list):
        branch = kind.index("null") if value is None else 1 - kind.index("null")
        out += _long(branch)
        if value is not None:
            _encode_value(out, kind[branch], value, cuts)
        return
    if isinstance(kind, dict) and kind["type"] == "array":
        start = 0
        while start < len(value):
            size = cuts.draw(st.integers(1, len(value) - start))
            block = bytearray()
            for item in value[start : start + size]:
                block += encode(kind["items"], item, cuts)
            out += _long(-size) + _long(len(block)) if cuts.draw(st.booleans()) else _long(size)
            out += block
            start += size
        out += _long(0)
        return
    name = kind["type"] if isinstance(kind, dict) else kind
    if name == "string":
        data = value.encode()
        out += _long(len(data)) + data
    elif name == "boolean":
        out += b"\x01" if value else b"\x00"
    else:
        out += _long(value)


def fastavro_or_error(schema: Any, body: bytes) -> Any:
    try:
        return schemaless_reader(io.BytesIO(body), schema, None)
    except Exception as exc:  # any failure is "fastavro refuses"
        return exc


@needs_native
@pytest.mark.parametrize("writer", SCHEMAS, ids=lambda s: f"{s.event_type}.v{s.version}")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_the_native_reader_returns_fastavros_record_for_every_encoding(writer: Any, data: st.DataObject) -> None:
    program = avrofast.compile_schema(writer.parsed)
    assert program is not None
    record = data.draw(records(writer.parsed))
    written = io.BytesIO()
    schemaless_writer(written, writer.parsed, record)
    for body in (written.getvalue(), encode(writer.parsed, record, data)):
        expected = schemaless_reader(io.BytesIO(body), writer.parsed, None)
        assert avrofast.read(program, body) == expected
        assert avrofast.read(program, memoryview(b"\xc3\x01" + body)[2:]) == expected


@needs_native
@pytest.mark.parametrize("writer", SCHEMAS, ids=lambda s: f"{s.event_type}.v{s.version}")
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_what_the_native_reader_takes_of_damaged_bytes_is_what_fastavro_reads(writer: Any, data: st.DataObject) -> None:
    program = avrofast.compile_schema(writer.parsed)
    assert program is not None
    body = bytearray(encode(writer.parsed, data.draw(records(writer.parsed)), data))
    for _ in range(data.draw(st.integers(0, 4))):
        if body:
            body[data.draw(st.integers(0, len(body) - 1))] = data.draw(st.integers(0, 255))
    damaged = bytes(body[: data.draw(st.integers(0, len(body)))])
    found = avrofast.read(program, damaged)
    if found is not None:
        assert found == fastavro_or_error(writer.parsed, damaged)


@needs_native
@pytest.mark.parametrize(
    "body",
    [
        b"\x80" * 10 + b"\x01",  # a varint of 11 bytes
        b"\xff" * 9 + b"\x7f",  # a 10-byte varint whose last byte carries more than the 64th bit
        b"\x03",  # union branch -2 (fastavro indexes from the end)
        b"\x04",  # union branch 2
        b"\x02\x06\xff\xfe\xfd",  # invalid UTF-8
        b"\x02\x20abc",  # a string past the end
    ],
)
def test_the_native_reader_declines_what_is_not_well_formed(body: bytes) -> None:
    schema = {"type": "record", "name": "x", "fields": [{"name": "a", "type": ["null", "string"]}]}
    if body.startswith((b"\x80", b"\xff")):
        schema = {"type": "record", "name": "x", "fields": [{"name": "a", "type": "long"}]}
    program = avrofast.compile_schema(schema)
    assert program is not None
    assert avrofast.read(program, body) is None


def test_schemas_with_types_the_native_reader_does_not_read_go_to_fastavro() -> None:
    for kind in ("double", "bytes", {"type": "map", "values": "string"}, ["null", "string", "long"],
                 {"type": "long", "logicalType": "timestamp-millis"}, "some.Named"):  # fmt: skip
        schema = {"type": "record", "name": "x", "fields": [{"name": "a", "type": kind}]}
        assert avrofast.compile_schema(schema) is None
    assert avrofast.compile_schema({"type": "record", "name": "x", "fields": []}) is None


@pytest.mark.parametrize("writer", SCHEMAS, ids=lambda s: f"{s.event_type}.v{s.version}")
@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_the_codec_decodes_the_same_events_with_and_without_the_native_reader(writer: Any, data: st.DataObject) -> None:
    body = io.BytesIO()
    schemaless_writer(body, writer.parsed, data.draw(records(writer.parsed)))
    payload = b"\xc3\x01" + writer.fingerprint + body.getvalue()
    assert NATIVE.decode_record(payload) == PYTHON.decode_record(payload)


@pytest.mark.skipif(
    shutil.which((sysconfig.get_config_var("CC") or "cc").split()[0]) is None,
    reason="no C compiler on this machine: fastavro reads every event",
)
def test_the_native_reader_is_built_where_a_c_compiler_exists() -> None:
    assert avrofast.available(), "services/common/_avrodecode was not built: run `make install` and read its output"
