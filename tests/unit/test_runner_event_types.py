"""A projection that applies a few event types of a busy stream names them (`event_types`), and the runner
skips every other message by its envelope header without decoding its payload (services/common/runner.py):
the purchase register's consumer does not decode the recipient's filings a second time."""

from __future__ import annotations

from collections.abc import Sequence
from types import SimpleNamespace
from typing import Any

from services.bootstrap import load_codec
from services.common.envelope import Envelope
from services.common.events import DocumentsFiledV2, Event, PurchaseCancelledV1
from services.common.runner import Delivered, ProjectionRunner


class Few:
    name, topics, tables = "few", ("t",), ()
    event_types = frozenset({PurchaseCancelledV1.EVENT_TYPE})

    def apply(self, conn: Any, batch: Sequence[Delivered[Event]]) -> None:
        raise AssertionError("not called here")


def _message(envelope: Envelope, payload: bytes) -> Any:
    return SimpleNamespace(topic="t", partition=0, offset=7, key=b"29AABCM7710Q1ZX", value=payload,
                           headers=envelope.to_headers(), timestamp=0)  # fmt: skip


def test_another_type_is_skipped_unread_and_a_named_type_is_decoded() -> None:
    codec = load_codec()
    runner = ProjectionRunner(Few(), None, codec, lambda: None)  # type: ignore[arg-type,return-value]
    filing = _message(Envelope.of(DocumentsFiledV2), b"\x00not avro at all")  # decoding it would fail
    assert runner.decode(filing) is None
    cancelled = PurchaseCancelledV1("ref-1", "29AABCM7710Q1ZX", "V-1", 2)
    decoded = runner.decode(_message(Envelope.of(cancelled), codec.encode(cancelled)))
    assert decoded is not None and decoded.event == cancelled
