"""A poison message stops only its partition's projector, loudly, with a metric; never skipped."""

from __future__ import annotations

import pytest
from kafka.partitioner.default import murmur2

from services.archive import eventlog
from services.common.envelope import Envelope
from tests.support.payloads import example
from tests.support.processes import wait_until

pytestmark = pytest.mark.e2e
RECIPIENT = "29AABCM7710Q1ZX"


def _partition(key: str, partitions: int) -> int:
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


def test_an_undecodable_message_stops_its_partition_only_with_a_log_line_and_a_metric(live_stack) -> None:  # type: ignore[no-untyped-def]
    partitions = live_stack.settings.partitions
    healthy = _partition(RECIPIENT, partitions)
    poisoned_key = next(f"X{i}" for i in range(1000) if _partition(f"X{i}", partitions) != healthy)
    poisoned = _partition(poisoned_key, partitions)
    topic = live_stack.settings.topic("ims.events.v1")
    with live_stack.engine.begin() as conn:  # a payload no schema decodes, logged as a request would log it
        eventlog.append(
            conn, [eventlog.Entry(topic, poisoned_key, Envelope("DocumentsFiled", 1, actor="attacker"), b"\xc3\x01bad")]
        )

    def stuck() -> bool:
        return (
            live_stack.scalar(
                "SELECT count(*) FROM projection_faults WHERE projection = 'ims' AND partition = :p",
                p=poisoned,
            )
            == 1
        )

    wait_until(stuck, what="the fault recorded")
    reason = live_stack.scalar("SELECT reason FROM projection_faults WHERE projection = 'ims'")
    assert "fingerprint" in reason or "undecodable" in reason or "single-object" in reason

    assert live_stack.post("/v1/returns/gstr1?filed_on=2025-11-11", example("gstr1-supplier.json")).status_code == 200
    wait_until(
        lambda: live_stack.http.get(f"/v1/ims/{RECIPIENT}/counts").json()["all_oth"]["ttl_cnt"] == 5,
        what="the other partitions keep projecting",
    )

    metrics = live_stack.http.get("/metrics").text
    line = f'ims_projection_poisoned{{partition="{poisoned}",projection="ims",topic="{topic}"}} 1.0'
    assert line in metrics
    assert f'ims_projection_poisoned{{partition="{healthy}",projection="ims",topic="{topic}"}} 0.0' in metrics
    assert 'ims_consumer_lag{partition="' in metrics and "ims_http_requests_total" in metrics
    log = (live_stack.settings.home / "consumer-ims.log").read_text()
    assert "partition_stopped" in log and "poison_message" in log
    checkpoint = live_stack.scalar(
        "SELECT next_offset FROM projection_checkpoints WHERE projection = 'ims' AND partition = :p",
        p=poisoned,
    )
    fault_offset = live_stack.scalar("SELECT \"offset\" FROM projection_faults WHERE projection = 'ims'")
    assert checkpoint == fault_offset, "the poison message is not skipped"
