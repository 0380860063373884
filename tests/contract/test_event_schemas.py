"""The Avro contract: every released schema version stays decodable by the current code, unchanged."""

from __future__ import annotations

import json
import re

import pytest
from fastavro.schema import to_parsing_canonical_form

from services.common.codec import MAGIC, SCHEMA_DIR, Codec, CodecError, load_schemas
from services.common.envelope import Envelope, EnvelopeError
from tests.contract.sample_records import RECORDS, SAMPLES, upcast_holds

RELEASED = SCHEMA_DIR / "released.json"


def test_every_released_schema_version_has_a_stored_sample() -> None:
    versions = {(s.event_type, s.version) for s in load_schemas(SCHEMA_DIR)}
    samples = {
        (m["type"], int(m["version"]))
        for p in SAMPLES.glob("*.bin")
        if (m := re.match(r"(?P<type>\w+)\.v(?P<version>\d+)\.bin$", p.name))
    }
    assert versions == samples == set(RECORDS)


@pytest.mark.parametrize("path", sorted(SAMPLES.glob("*.bin")), ids=lambda p: p.stem)
def test_stored_sample_decodes_with_the_current_reader_schema(path) -> None:  # type: ignore[no-untyped-def]
    codec = Codec.from_directories()
    payload = path.read_bytes()
    assert payload[:2] == MAGIC
    latest, record = codec.decode_record(payload)
    event_type, version = path.stem.rsplit(".v", 1)
    assert latest.event_type == event_type
    original = RECORDS[(event_type, int(version))]
    assert upcast_holds(original, record)


def test_released_schemas_are_never_edited() -> None:
    """A released `.avsc` is frozen: its canonical form must match the one recorded at release."""
    released = json.loads(RELEASED.read_text())
    for schema in load_schemas(SCHEMA_DIR):
        name = schema.path.name
        assert name in released, f"{name} is not recorded in schemas/released.json"
        canonical = to_parsing_canonical_form(json.loads(schema.path.read_text()))
        assert canonical == released[name], f"{name} was edited after release; add a new version instead"


def test_unknown_event_type_and_foreign_payload_fail_loudly() -> None:
    codec = Codec.from_directories()
    with pytest.raises(CodecError, match="unknown event type"):
        codec.encode_record("NoSuchEvent", {})
    with pytest.raises(CodecError, match="single-object"):
        codec.decode(b'{"json": true}')
    with pytest.raises(CodecError, match="unknown writer schema fingerprint"):
        codec.decode(MAGIC + b"\x01" * 8 + b"\x00")
    with pytest.raises(EnvelopeError, match="ims-event-type"):
        Envelope.from_headers([("ims-schema-version", b"1")])


def test_an_added_field_with_default_is_read_from_old_payloads(tmp_path) -> None:  # type: ignore[no-untyped-def]
    v1 = {"type": "record", "name": "Probe", "namespace": "t", "fields": [{"name": "a", "type": "string"}]}
    v2 = {**v1, "fields": [*v1["fields"], {"name": "b", "type": "long", "default": 7}]}
    (tmp_path / "Probe.v1.avsc").write_text(json.dumps(v1))
    (tmp_path / "Probe.v2.avsc").write_text(json.dumps(v2))
    codec = Codec.from_directories(tmp_path)
    old = codec.encode_record("Probe", {"a": "x"}, version=1)
    latest, record = codec.decode_record(old)
    assert latest.version == 2 and record == {"a": "x", "b": 7}


def test_an_upcaster_turns_a_v1_record_into_v2(tmp_path) -> None:  # type: ignore[no-untyped-def]
    v1 = {
        "type": "record",
        "name": "Probe",
        "namespace": "t",
        "fields": [{"name": "rupees", "type": "string"}],
    }
    v2 = {"type": "record", "name": "Probe", "namespace": "t", "fields": [{"name": "paise", "type": "long"}]}
    (tmp_path / "Probe.v1.avsc").write_text(json.dumps(v1))
    (tmp_path / "Probe.v2.avsc").write_text(json.dumps(v2))

    def upcast_v1_to_v2(record: dict) -> dict:  # type: ignore[type-arg]
        whole, _, fraction = record["rupees"].partition(".")
        return {"paise": int(whole) * 100 + int((fraction + "00")[:2])}

    codec = Codec.from_directories(tmp_path, upcasters={("Probe", 1): upcast_v1_to_v2})
    _, record = codec.decode_record(codec.encode_record("Probe", {"rupees": "12.5"}, version=1))
    assert record == {"paise": 1250}
