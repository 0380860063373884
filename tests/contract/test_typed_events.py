"""Typed events against the contract: one class per released schema version, the same fields in the same order,
and the same bytes as the records they stand for (docs/adr-004-typed-events.md)."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path
from typing import ClassVar

import pytest

from services.common.codec import SCHEMA_DIR, Codec, CodecError, field_names, load_schemas
from services.common.envelope import Envelope, EnvelopeError
from services.common.events import REGISTRY, ClockAdvancedV1, DocumentsFiledV2, Event, Gstr3bFiledV1
from tests.contract.sample_records import RECORDS, SAMPLES, upcast_holds


def test_every_released_schema_version_has_an_event_class_with_its_fields_in_order() -> None:
    schemas = {(s.event_type, s.version): s for s in load_schemas(SCHEMA_DIR)}
    assert set(REGISTRY) == set(schemas)
    for key, event in REGISTRY.items():
        assert key == (event.EVENT_TYPE, event.VERSION)
        assert event.__name__ == f"{key[0]}V{key[1]}"
        assert tuple(f.name for f in dataclasses.fields(event)) == field_names(schemas[key]), event.__name__  # type: ignore[arg-type]


@pytest.mark.parametrize("key", sorted(RECORDS), ids=lambda k: f"{k[0]}.v{k[1]}")
def test_an_event_encodes_to_the_bytes_of_its_record_and_of_the_released_sample(key: tuple[str, int]) -> None:
    codec = Codec.from_directories()
    record = RECORDS[key]
    event = REGISTRY[key].from_record(record)
    encoded = codec.encode(event)
    assert encoded == codec.encode_record(key[0], record, version=key[1])
    assert encoded == (SAMPLES / f"{key[0]}.v{key[1]}.bin").read_bytes()


@pytest.mark.parametrize("key", sorted(RECORDS), ids=lambda k: f"{k[0]}.v{k[1]}")
def test_a_released_sample_decodes_to_the_event_class_of_its_types_latest_version(key: tuple[str, int]) -> None:
    """An older version is upcast: it reads as the latest version's class, holding its record unchanged."""
    latest = max(version for event_type, version in REGISTRY if event_type == key[0])
    event = Codec.from_directories().decode((SAMPLES / f"{key[0]}.v{key[1]}.bin").read_bytes())
    assert type(event) is REGISTRY[(key[0], latest)]
    assert upcast_holds(RECORDS[key], event.to_record())
    if latest == key[1]:
        assert event.to_record() == RECORDS[key]


def test_a_documents_filed_v1_reads_as_v2_with_no_sez_supplier_as_avro_resolution_would_read_it() -> None:
    """The explicit upcaster (services/common/events.py) gives what Avro schema resolution gives, without
    the second pass over the documents."""
    sample = (SAMPLES / "DocumentsFiled.v1.bin").read_bytes()
    upcast = Codec.from_directories().decode_record(sample)[1]
    resolved = Codec.from_directories(upcasters={}).decode_record(sample)[1]
    assert upcast == resolved
    assert [doc["sez_supplier"] for doc in upcast["documents"]] == [None]


def test_a_filing_assembled_from_encoded_documents_is_the_bytes_of_the_whole_event() -> None:
    codec = Codec.from_directories()
    whole = DocumentsFiledV2.from_record(RECORDS[(DocumentsFiledV2.EVENT_TYPE, 2)])
    items = [codec.array_item(DocumentsFiledV2, "documents", dict(doc)) for doc in whole.documents]
    head = dataclasses.replace(whole, documents=[])
    assert codec.encode_with_blocks(head, "documents", [codec.array_block(items)]) == codec.encode(whole)


@dataclasses.dataclass(frozen=True, slots=True)
class ProbeV2(Event):
    EVENT_TYPE: ClassVar[str] = "Probe"
    VERSION: ClassVar[int] = 2
    paise: int


def _probe_schemas(directory: Path) -> None:
    v1 = {"type": "record", "name": "Probe", "namespace": "t", "fields": [{"name": "rupees", "type": "string"}]}
    v2 = {"type": "record", "name": "Probe", "namespace": "t", "fields": [{"name": "paise", "type": "long"}]}
    (directory / "Probe.v1.avsc").write_text(json.dumps(v1))
    (directory / "Probe.v2.avsc").write_text(json.dumps(v2))


def test_the_upcasters_run_before_the_record_becomes_the_current_event_class(tmp_path: Path) -> None:
    _probe_schemas(tmp_path)

    def upcast_v1_to_v2(record: dict) -> dict:  # type: ignore[type-arg]
        whole, _, fraction = record["rupees"].partition(".")
        return {"paise": int(whole) * 100 + int((fraction + "00")[:2])}

    codec = Codec.from_directories(tmp_path, upcasters={("Probe", 1): upcast_v1_to_v2}, events={("Probe", 2): ProbeV2})
    assert codec.decode(codec.encode_record("Probe", {"rupees": "12.5"}, version=1)) == ProbeV2(1250)
    assert codec.decode(codec.encode(ProbeV2(7))) == ProbeV2(7)


def test_a_version_without_an_event_class_fails_loudly(tmp_path: Path) -> None:
    _probe_schemas(tmp_path)
    codec = Codec.from_directories(tmp_path, upcasters={("Probe", 1): lambda r: {"paise": 1}}, events={})
    with pytest.raises(CodecError, match="no event class for Probe v2"):
        codec.decode(codec.encode_record("Probe", {"paise": 5}))


def test_a_codec_refuses_an_event_class_whose_fields_differ_from_its_schema(tmp_path: Path) -> None:
    _probe_schemas(tmp_path)
    with pytest.raises(CodecError, match=r"Probe\.v1\.avsc"):
        Codec.from_directories(tmp_path, events={("Probe", 1): ProbeV2})


def test_an_envelope_names_its_event_and_refuses_another() -> None:
    envelope = Envelope.of(ClockAdvancedV1, actor="clock")
    assert (envelope.event_type, envelope.schema_version, envelope.actor) == ("ClockAdvanced", 1, "clock")
    event = ClockAdvancedV1("29AABCM7710Q1ZX", "2025-11-14")
    assert envelope.checked(event) is event
    with pytest.raises(EnvelopeError, match="Gstr3bFiledV1"):
        envelope.checked(Gstr3bFiledV1("29AABCM7710Q1ZX", "102025", "2025-11-20"))
