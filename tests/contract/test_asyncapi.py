"""The downstream contract: asyncapi.yaml lists every topic the code produces to and every schema."""

from __future__ import annotations

import re

import yaml

from services.common.codec import SCHEMA_DIR, load_schemas
from services.common.envelope import H_EPOCH, HEADER_NAMES
from services.common.settings import INBOUND_TOPICS, PROJECT_ROOT, TOPICS

SPEC = yaml.safe_load((SCHEMA_DIR / "asyncapi.yaml").read_text())


def test_asyncapi_lists_every_avsc_as_a_message_with_its_schema_file() -> None:
    messages = SPEC["components"]["messages"]
    for schema in load_schemas(SCHEMA_DIR):
        message = messages[f"{schema.event_type}V{schema.version}"]
        assert message["name"] == schema.event_type
        assert message["payload"]["schema"]["$ref"] == f"./{schema.path.name}"
    inbound = load_schemas(SCHEMA_DIR / "inbound")
    for schema in inbound:
        message = messages[f"{schema.event_type}V{schema.version}"]
        assert message["payload"]["schema"]["$ref"] == f"./inbound/{schema.path.name}"
        assert "traits" not in message, "an ERP's message carries no envelope of ours"
    assert len(messages) == len(load_schemas(SCHEMA_DIR)) + len(inbound)


def test_asyncapi_documents_every_topic_the_code_produces_to() -> None:
    addresses = {channel["address"] for channel in SPEC["channels"].values()}
    assert addresses == {*TOPICS, *INBOUND_TOPICS}
    produced = set()
    for path in (PROJECT_ROOT / "services").rglob("*.py"):
        produced |= set(re.findall(r"settings\.topic\((\w+_TOPIC)\)", path.read_text()))
    # the purchases topic is named where the door reads it (services/recon/door.py), never produced to
    assert produced == {"EVENTS_TOPIC", "NOTIFICATIONS_TOPIC", "REGISTRY_TOPIC", "DEADLINES_TOPIC", "PURCHASES_TOPIC"}


def test_asyncapi_documents_the_key_and_every_envelope_header() -> None:
    for channel in SPEC["channels"].values():
        assert channel["bindings"]["kafka"]["key"]["type"] == "string"
    headers = SPEC["components"]["messageTraits"]["envelope"]["headers"]["properties"]
    assert set(headers) == {*HEADER_NAMES, H_EPOCH}


def test_every_event_type_is_routed_to_the_channel_it_is_published_on() -> None:
    on_events = set(SPEC["channels"]["events"]["messages"])
    on_notifications = set(SPEC["channels"]["supplier-notifications"]["messages"])
    on_registry = set(SPEC["channels"]["registry"]["messages"])
    on_purchases = set(SPEC["channels"]["purchases"]["messages"])
    on_deadlines = set(SPEC["channels"]["deadlines"]["messages"])
    assert on_notifications == {"SupplierNotifiedV1"}
    assert on_registry == {"TaxpayerNamesLoadedV1"}
    assert on_purchases == {"PurchaseRegisterEntryV1"}
    assert on_deadlines == {"DeadlineApproachingV1"}
    channels = on_events | on_notifications | on_registry | on_purchases | on_deadlines
    assert channels == set(SPEC["components"]["messages"])
