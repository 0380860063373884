"""The purchase register's Kafka door on the live stack (docs/rules.md §10.1): an ERP publishes Avro vouchers to
`ims.purchases.v1`; `ims door purchases` books and cancels them as the API would, answers each run of messages
(`GET .../purchases/kafka/{partition}/{offset}`, refused messages by offset), and takes each message exactly once:
after a kill -9 and a restart, nothing is booked again and an older version never overwrites a newer one."""

from __future__ import annotations

import time
from decimal import Decimal
from typing import Any

import pytest
from kafka import KafkaProducer
from sqlalchemy import text

from services.common.settings import PURCHASES_TOPIC
from services.recon.door import encode
from tests.support.live import LiveStack

pytestmark = pytest.mark.e2e
BUYER, SUPPLIER = "29AABCR1718E1ZL", "27AAPFU0939F1ZV"


def _voucher(voucher_id: str, **changes: Any) -> dict[str, Any]:
    return {
        "recipient": BUYER,
        "voucher_id": voucher_id,
        "ctin": SUPPLIER,
        "doc_type": "INV",
        "inum": f"INV/{voucher_id}",
        "dt": "05-10-2025",
        "pos": "29",
        "rev": "N",
        "txval": Decimal("1000.00"),
        "igst": Decimal("180.00"),
        "posting_date": "07-10-2025",
        "tags": {"cost_centre": "BLR-01"},
        **changes,
    }


@pytest.fixture(scope="module")
def door(live_stack: LiveStack) -> Any:
    live_stack.start_process("door:purchases", "door", "purchases")
    producer = KafkaProducer(bootstrap_servers=live_stack.settings.kafka_bootstrap, acks="all")
    yield producer
    producer.close()


def _publish(stack: LiveStack, producer: KafkaProducer, *values: bytes, key: bytes = BUYER.encode()) -> list[Any]:
    topic = stack.settings.topic(PURCHASES_TOPIC)
    sent = [producer.send(topic, key=key, value=value) for value in values]
    producer.flush()
    return [future.get(timeout=30) for future in sent]


def _answer(stack: LiveStack, partition: int, offset: int, timeout: float = 60) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        found = stack.http.get(f"/v1/ims/{BUYER}/purchases/kafka/{partition}/{offset}")
        if found.status_code == 200:
            return dict(found.json())
        assert found.status_code == 404, found.text
        if time.monotonic() > deadline:
            door_log = (stack.settings.home / "door-purchases.log").read_text()[-3000:]
            pytest.fail(f"the door never took offset {offset}: {found.text}\n{door_log}")
        time.sleep(0.2)


def _register(stack: LiveStack) -> dict[str, tuple[Any, ...]]:
    stack.wait_projected("recon")
    query = "SELECT voucher_id, version, txval, cancelled FROM recon_purchases WHERE recipient = :r"
    with stack.engine.connect() as conn:
        return {row[0]: tuple(row[1:]) for row in conn.execute(text(query), {"r": BUYER})}


def test_vouchers_published_by_an_erp_are_booked_answered_by_offset_and_taken_exactly_once(
    live_stack: LiveStack, door: KafkaProducer
) -> None:
    stack = live_stack
    sent = _publish(
        stack,
        door,
        encode(_voucher("KV-1")),
        encode(_voucher("KV-2", ctin="27AAPFU0939F1ZX")),  # a wrong check character
        b"\x02not a voucher",
        encode(_voucher("KV-1", txval=Decimal("2000.00"))),  # KV-1's next version, in the same poll
        encode({"recipient": BUYER, "operation": "CANCEL", "voucher_id": "KV-9"}),  # never booked
        encode({"recipient": BUYER, "operation": "CANCEL", "voucher_id": "KV-1"}),
        encode(_voucher("KV-3")),
    )
    partition, offsets = sent[0].partition, [s.offset for s in sent]
    assert {s.partition for s in sent} == {partition}, "one key, one partition"
    first = _answer(stack, partition, offsets[0])
    assert (first["status_cd"], first["proc_cnt"], first["err_cnt"]) == ("PE", 1, 2)
    assert first["vouchers"] == {"new": 1, "changed": 0, "unchanged": 0}
    errors = {e["row"]: (e["field"], e["error_cd"]) for e in first["error_report"]["purchases"]}
    assert errors == {offsets[1]: ("ctin", "INVALID_GSTIN"), offsets[2]: ("message", "INVALID_MESSAGE")}
    assert _answer(stack, partition, offsets[2]) == first, "one run: one answer for each of its messages"
    changed = _answer(stack, partition, offsets[3])
    assert (changed["status_cd"], changed["vouchers"]) == ("P", {"new": 0, "changed": 1, "unchanged": 0})
    unknown, cancelled = _answer(stack, partition, offsets[4]), _answer(stack, partition, offsets[5])
    assert unknown == cancelled, "consecutive cancellations are one run"
    ((error),) = unknown["error_report"]["purchases"]
    assert (error["row"], error["error_cd"]) == (offsets[4], "NOT_FOUND")
    assert unknown["vouchers"] == {"cancelled": 1, "unchanged": 0}
    _answer(stack, partition, offsets[6])
    assert _register(stack) == {"KV-1": (3, 200000, True), "KV-3": (1, 100000, False)}

    runs = stack.scalar("SELECT count(*) FROM recon_door_runs WHERE recipient = :r", r=BUYER)
    killed = stack.processes.pop("door:purchases")
    killed.kill()  # kill -9: nothing finishes, nothing is committed half-way
    killed.wait(timeout=30)
    stack.start_process("door:purchases", "door", "purchases")
    (later,) = _publish(stack, door, encode(_voucher("KV-4")))
    assert _answer(stack, later.partition, later.offset)["vouchers"] == {"new": 1, "changed": 0, "unchanged": 0}
    assert stack.scalar("SELECT count(*) FROM recon_door_runs WHERE recipient = :r", r=BUYER) == runs + 1
    register = _register(stack)
    assert register == {"KV-1": (3, 200000, True), "KV-3": (1, 100000, False), "KV-4": (1, 100000, False)}


def test_a_message_with_no_recipient_to_tell_is_a_fault_of_the_door_and_the_rest_are_still_taken(
    live_stack: LiveStack, door: KafkaProducer
) -> None:
    stack = live_stack
    (garbage,) = _publish(stack, door, b"\x00garbage", key=b"not-a-gstin")
    (after,) = _publish(stack, door, encode(_voucher("KV-5")), key=b"not-a-gstin")  # keyed wrong, readable
    answer = _answer(stack, after.partition, after.offset)
    assert answer["error_report"]["purchases"][0]["error_cd"] == "INVALID_MESSAGE"
    fault = stack.scalar(
        "SELECT reason FROM projection_faults WHERE projection = 'door:purchases' AND partition = :p",
        p=garbage.partition,
    )
    assert fault == "neither the key nor the message names a valid recipient GSTIN"


def test_an_answer_is_read_only_under_its_recipients_gstin_by_its_recipient(
    live_stack: LiveStack, door: KafkaProducer
) -> None:
    (sent,) = _publish(live_stack, door, encode(_voucher("KV-6")))
    where = f"purchases/kafka/{sent.partition}/{sent.offset}"
    assert _answer(live_stack, sent.partition, sent.offset)["status_cd"] == "P"
    own = {"Authorization": f"Bearer {live_stack.token('recipient', BUYER)}"}
    assert live_stack.http.get(f"/v1/ims/{BUYER}/{where}", headers=own).status_code == 200
    other = {"Authorization": f"Bearer {live_stack.token('recipient', SUPPLIER)}"}
    assert live_stack.http.get(f"/v1/ims/{BUYER}/{where}", headers=other).status_code == 403
    found = live_stack.http.get(f"/v1/ims/{SUPPLIER}/{where}")  # another recipient's message: not found there
    assert found.status_code == 404 and found.json()["detail"]["error_msg"].startswith("offset: no message of")
    assert live_stack.http.get(f"/v1/ims/{BUYER}/purchases/kafka/-1/0").status_code in (400, 422)
