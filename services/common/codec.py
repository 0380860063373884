"""Avro codec over the `.avsc` contract in `schemas/`.

Each payload uses Avro single-object encoding (0xC3 0x01, the writer schema's CRC-64-AVRO fingerprint,
then the body), so any consumer with the published schemas can decode it without this code. Old writer
versions are brought up to the current one step by step: an explicit upcaster when one is registered,
otherwise Avro schema resolution (fields added with defaults). Only then is the record made the event class
of its type and version (services/common/events.py); the record level stays for schema work (samples, bench).
"""

from __future__ import annotations

import dataclasses
import io
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastavro import parse_schema, schemaless_reader, schemaless_writer
from fastavro.schema import fingerprint, to_parsing_canonical_form

from services.common import avrofast
from services.common.events import REGISTRY, UPCASTERS, Event
from services.common.settings import PROJECT_ROOT

SCHEMA_DIR = PROJECT_ROOT / "schemas"
MAGIC = b"\xc3\x01"
_FILE_NAME = re.compile(r"^(?P<type>[A-Za-z0-9]+)\.v(?P<version>[0-9]+)\.avsc$")

Record = dict[str, Any]
Upcaster = Callable[[Record], Record]


class CodecError(ValueError):
    """A payload or event type this codec cannot handle; the message says which and why."""


@dataclass(frozen=True, slots=True)
class WriterSchema:
    event_type: str
    version: int
    parsed: Any
    fingerprint: bytes
    path: Path


class Codec:
    """Encodes events; decodes every version ever released into the event class of the current version."""

    def __init__(
        self,
        schemas: Iterable[WriterSchema],
        upcasters: dict[tuple[str, int], Upcaster] | None = None,
        events: Mapping[tuple[str, int], type[Event]] = REGISTRY,
        native: bool = True,
    ):
        self._by_fingerprint: dict[bytes, WriterSchema] = {}
        self._programs: dict[bytes, avrofast.Program] = {}  # writers the native reader reads (avrofast.py)
        self._latest: dict[str, WriterSchema] = {}
        self._versions: dict[tuple[str, int], WriterSchema] = {}
        for schema in schemas:
            self._by_fingerprint[schema.fingerprint] = schema
            self._versions[(schema.event_type, schema.version)] = schema
            program = avrofast.compile_schema(schema.parsed) if native and avrofast.available() else None
            if program is not None:
                self._programs[schema.fingerprint] = program
            current = self._latest.get(schema.event_type)
            if current is None or schema.version > current.version:
                self._latest[schema.event_type] = schema
        self._upcasters = dict(UPCASTERS if upcasters is None else upcasters)
        self._items: dict[tuple[str, int, str], Any] = {}
        self._events = dict(events)
        for key, schema in self._versions.items():
            if key in self._events and field_names(schema) != _class_fields(self._events[key]):
                raise CodecError(f"{schema.path.name}: its fields differ from those of {self._events[key].__name__}")

    @classmethod
    def from_directories(
        cls,
        *dirs: Path,
        upcasters: dict[tuple[str, int], Upcaster] | None = None,
        events: Mapping[tuple[str, int], type[Event]] = REGISTRY,
        native: bool = True,
    ) -> Codec:
        return cls([s for d in (dirs or (SCHEMA_DIR,)) for s in load_schemas(d)], upcasters, events, native)

    def latest(self, event_type: str) -> WriterSchema:
        try:
            return self._latest[event_type]
        except KeyError:
            raise CodecError(f"unknown event type {event_type!r}; known: {sorted(self._latest)}") from None

    def encode(self, event: Event) -> bytes:
        """The single-object encoding of `event` with the schema of its class's version."""
        return self.encode_record(event.EVENT_TYPE, event.to_record(), event.VERSION)

    def encode_record(self, event_type: str, record: Record, version: int | None = None) -> bytes:
        schema = self.latest(event_type) if version is None else self._version(event_type, version)
        out = io.BytesIO()
        out.write(MAGIC)
        out.write(schema.fingerprint)
        try:
            schemaless_writer(out, schema.parsed, record)
        except (ValueError, TypeError, KeyError) as exc:
            raise CodecError(f"{event_type} v{schema.version}: record does not match schema: {exc}") from exc
        return out.getvalue()

    def array_item(self, event: type[Event], field: str, record: Record) -> bytes:
        """One item of the array `field`, the last field of the event's schema, encoded on its own: large
        events are assembled from items encoded where (and when) they were validated."""
        out = io.BytesIO()
        schemaless_writer(out, self._item_schema(event, field), record)
        return out.getvalue()

    @staticmethod
    def array_block(items: list[bytes]) -> bytes:
        """Encoded items as one Avro array block: the item count (zig-zag varint), then the items."""
        return _varint(len(items) << 1) + b"".join(items) if items else b""

    def encode_with_blocks(self, head: Event, field: str, blocks: Iterable[bytes]) -> bytes:
        """The single-object encoding of `head` with `field` holding the items of `blocks`, in order (the
        items `head` holds in `field` are not written). Avro allows an array in any number of blocks, so any
        reader decodes it as one list."""
        self._item_schema(type(head), field)  # checks that `field` is the last field
        empty = self.encode_record(head.EVENT_TYPE, {**head.to_record(), field: []}, head.VERSION)
        return b"".join((empty[:-1], *blocks, b"\x00"))

    def _item_schema(self, event: type[Event], field: str) -> Any:
        key = (event.EVENT_TYPE, event.VERSION, field)
        cached = self._items.get(key)
        if cached is None:
            last = self._version(event.EVENT_TYPE, event.VERSION).parsed["fields"][-1]
            if last["name"] != field or not isinstance(last["type"], dict) or last["type"].get("type") != "array":
                raise CodecError(f"{event.EVENT_TYPE}: {field!r} is not the array that ends the record")
            cached = self._items[key] = parse_schema(last["type"]["items"])
        return cached

    def decode(self, payload: bytes, expected_type: str | None = None) -> Event:
        """Decode any released version, upcast it to the current version of its type, as that version's
        event class; a type or version without a class is a `CodecError` like an unknown schema."""
        latest, record = self.decode_record(payload, expected_type)
        kind = self._events.get((latest.event_type, latest.version))
        if kind is None:
            raise CodecError(f"no event class for {latest.event_type} v{latest.version}")
        try:
            return kind.from_record(record)
        except TypeError as exc:  # an upcaster's record that is not the current version's
            raise CodecError(f"{latest.event_type} v{latest.version}: {exc}") from exc

    def decode_record(self, payload: bytes, expected_type: str | None = None) -> tuple[WriterSchema, Record]:
        """Decode any released version and return it upcast to the current version of its type."""
        if len(payload) < 10 or payload[:2] != MAGIC:
            raise CodecError("payload is not Avro single-object encoded (missing C3 01 marker)")
        writer = self._by_fingerprint.get(payload[2:10])
        if writer is None:
            raise CodecError(f"unknown writer schema fingerprint {payload[2:10].hex()}")
        if expected_type is not None and writer.event_type != expected_type:
            raise CodecError(f"header says {expected_type!r} but payload was written as {writer.event_type!r}")
        program = self._programs.get(writer.fingerprint)
        record: Any = avrofast.read(program, memoryview(payload)[10:]) if program is not None else None
        if record is None:  # no native program, or bytes it declined: fastavro decides
            try:
                record = schemaless_reader(io.BytesIO(payload[10:]), writer.parsed, None)  # no resolution: 20% faster
            except Exception as exc:  # fastavro raises many types on corrupt input
                raise CodecError(f"{writer.event_type} v{writer.version}: undecodable body: {exc}") from exc
        assert isinstance(record, dict)
        latest = self._latest[writer.event_type]
        for version in range(writer.version, latest.version):
            record = self._upcast(writer.event_type, version, record)
        return latest, record

    def _version(self, event_type: str, version: int) -> WriterSchema:
        try:
            return self._versions[(event_type, version)]
        except KeyError:
            raise CodecError(f"unknown schema version {event_type} v{version}") from None

    def _upcast(self, event_type: str, version: int, record: Record) -> Record:
        upcaster = self._upcasters.get((event_type, version))
        if upcaster is not None:
            return upcaster(record)
        older, newer = self._version(event_type, version), self._version(event_type, version + 1)
        buf = io.BytesIO()
        schemaless_writer(buf, older.parsed, record)
        buf.seek(0)
        resolved = schemaless_reader(buf, older.parsed, newer.parsed)
        assert isinstance(resolved, dict)
        return resolved


def _varint(value: int) -> bytes:
    out = bytearray()
    while value > 0x7F:
        out.append((value & 0x7F) | 0x80)
        value >>= 7
    out.append(value)
    return bytes(out)


def field_names(schema: WriterSchema) -> tuple[str, ...]:
    return tuple(f["name"] for f in schema.parsed["fields"])


def _class_fields(event: type[Event]) -> tuple[str, ...]:
    return tuple(f.name for f in dataclasses.fields(event))  # type: ignore[arg-type]


def load_schemas(directory: Path) -> list[WriterSchema]:
    """Every `<EventType>.v<N>.avsc` in a directory; the file name is the event type and version."""
    found = []
    for path in sorted(directory.glob("*.avsc")):
        match = _FILE_NAME.match(path.name)
        if match is None:
            continue
        raw = json.loads(path.read_text())
        parsed = parse_schema(raw)
        canonical = to_parsing_canonical_form(raw)
        fp = bytes.fromhex(fingerprint(canonical, "CRC-64-AVRO"))  # already little-endian, as the spec wants
        found.append(WriterSchema(match["type"], int(match["version"]), parsed, fp, path))
    return found
