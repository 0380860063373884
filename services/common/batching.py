"""Fixed-size batches of a stream (itertools.batched arrives with Python 3.12), and a consumer that runs
behind its producer on a thread of its own."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterable, Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


def batched(items: Iterable[T], size: int) -> Iterator[list[T]]:
    """Lists of `size` items in order (the last may be shorter); nothing is read ahead of a batch."""
    batch: list[T] = []
    for item in items:
        batch.append(item)
        if len(batch) >= size:
            yield batch
            batch = []
    if batch:
        yield batch


class Behind(Generic[T]):
    """Runs `consume` on each item put, in order, on one thread of its own, up to `depth` items behind the
    producer: what the consumer waits on (the database) overlaps what the producer computes (the walk of
    a return, the worker processes). An exception in `consume` is raised at the next `put` or at the
    end; leaving the block early (an exception in the producer) waits for the item being consumed and
    drops the rest, so nothing touches the consumer's resources after the block."""

    def __init__(self, consume: Callable[[T], None], depth: int = 2):
        self._consume = consume
        self._queue: queue.Queue[tuple[bool, T | None]] = queue.Queue(maxsize=depth)
        self._failure: BaseException | None = None
        self._cancelled = threading.Event()
        self._thread = threading.Thread(target=self._run, name="behind", daemon=True)

    def __enter__(self) -> Behind[T]:
        self._thread.start()
        return self

    def put(self, item: T) -> None:
        self._raise_failure()
        while True:
            try:
                self._queue.put((True, item), timeout=0.1)
                return
            except queue.Full:
                self._raise_failure()

    def __exit__(self, kind: object, exc: object, tb: object) -> None:
        if kind is not None:
            self._cancelled.set()
        while self._thread.is_alive():
            try:
                self._queue.put((False, None), timeout=0.1)
                break
            except queue.Full:
                continue
        self._thread.join()
        if kind is None:
            self._raise_failure()

    def _run(self) -> None:
        while True:
            more, item = self._queue.get()
            if not more or self._cancelled.is_set() or self._failure is not None:
                if not more:
                    return
                continue
            try:
                self._consume(item)  # type: ignore[arg-type]
            except BaseException as exc:  # re-raised in the producer's thread
                self._failure = exc

    def _raise_failure(self) -> None:
        if self._failure is not None:
            raise self._failure
