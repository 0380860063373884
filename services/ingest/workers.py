"""Checking a return's rows in worker processes while the main process walks the JSON and settles.

Batches go to the pool in order and come back in order; at most `2 × workers` batches are in flight, so
a 1,000,000-row return never queues up in memory. Small returns, and batches the native fast path
(services/ingest/fastrows.py) took nearly whole, are checked in the calling process (a process hop costs
more than it saves). Workers are spawned (not forked: the API and CLI processes run
client threads) once per process and reused.
"""

from __future__ import annotations

import multiprocessing
import threading
from collections import deque
from collections.abc import Iterable, Iterator
from multiprocessing.pool import AsyncResult, Pool

from services.common.batching import batched
from services.ingest.checking import CheckContext, Checked, RawRow, check_rows

BATCH_ROWS = 1000


class RowChecker:
    def __init__(self, workers: int):
        self.workers = workers
        self._pool: Pool | None = None
        self._lock = threading.Lock()

    def check(self, context: CheckContext, rows: Iterable[RawRow], parallel: bool) -> Iterator[Checked]:
        """Checked rows in the order of `rows`; exceptions of `rows` (a malformed body) pass through."""
        if not parallel or self.workers < 2:
            for batch in batched(rows, BATCH_ROWS):
                yield from check_rows(context, batch)
            return
        pending: deque[AsyncResult[list[Checked]] | list[Checked]] = deque()
        for batch in batched(rows, BATCH_ROWS):
            taken = sum(1 for _, _, row in batch if isinstance(row, Checked))
            if len(batch) - taken <= len(batch) // 10:  # the native fast path took (nearly) every row
                pending.append(check_rows(context, batch))
            else:
                pending.append(self._started().apply_async(check_rows, (context, batch)))
            while pending and (isinstance(pending[0], list) or len(pending) >= 2 * self.workers):
                yield from _get(pending.popleft())
        while pending:
            yield from _get(pending.popleft())

    def _started(self) -> Pool:
        with self._lock:
            if self._pool is None:
                self._pool = multiprocessing.get_context("spawn").Pool(self.workers)
            return self._pool

    def close(self) -> None:
        with self._lock:
            if self._pool is not None:
                self._pool.terminate()
                self._pool.join()
                self._pool = None


def _get(pending: AsyncResult[list[Checked]] | list[Checked]) -> list[Checked]:
    return pending if isinstance(pending, list) else pending.get()
