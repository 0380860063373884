"""`batched` and `Behind`: the ingest's claims run behind the walk of a return, in order."""

from __future__ import annotations

import threading
import time

import pytest

from services.common.batching import Behind, batched


def test_batched_keeps_order_and_the_short_tail() -> None:
    assert list(batched(range(7), 3)) == [[0, 1, 2], [3, 4, 5], [6]]


def test_behind_consumes_every_item_in_order_on_another_thread() -> None:
    seen: list[tuple[int, str]] = []
    with Behind[int](lambda item: seen.append((item, threading.current_thread().name)), depth=2) as stage:
        for item in range(50):
            stage.put(item)
    assert [item for item, _ in seen] == list(range(50))
    assert {name for _, name in seen} == {"behind"}


def test_a_consumer_failure_reaches_the_producer() -> None:
    def consume(item: int) -> None:
        if item == 3:
            raise ValueError("claim failed")

    with pytest.raises(ValueError, match="claim failed"), Behind(consume, depth=1) as stage:
        for item in range(100):
            stage.put(item)
            time.sleep(0.001)


def test_a_failure_of_the_last_item_is_raised_at_the_end() -> None:
    def consume(item: int) -> None:
        if item == 4:
            raise RuntimeError("last one")

    with pytest.raises(RuntimeError, match="last one"), Behind(consume) as stage:
        for item in range(5):
            stage.put(item)


def test_a_producer_failure_stops_the_consumer_before_the_block_ends() -> None:
    consumed: list[int] = []
    started = threading.Event()

    def consume(item: int) -> None:
        started.set()
        time.sleep(0.2)  # the first item is still being consumed when the producer fails
        consumed.append(item)

    with pytest.raises(KeyError), Behind(consume, depth=3) as stage:
        for item in range(4):
            stage.put(item)
        started.wait(1)
        raise KeyError("malformed tail")
    assert consumed == [0], "the item in hand is finished, the queued ones are dropped"
    time.sleep(0.3)
    assert consumed == [0], "nothing is consumed once the block has ended"
