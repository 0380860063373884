"""`ims relay` beside the bench: events reach the broker only through it (docs/adr-002-durable-event-log.md).

A request commits its events to `event_log`; the relay publishes them in log order and records what the
broker acknowledged. So every stage that needs events in Kafka runs a relay, and "published" means
`UNRELAYED` is 0: nothing queued and no placement beyond the broker's acknowledgement.
"""

from __future__ import annotations

import contextlib
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

from sqlalchemy import Connection, Engine, text

from bench.common import MemorySampler, spawn_cli, stop_process, wait_until
from services.common.settings import Settings

UNRELAYED = """
SELECT (SELECT count(*) FROM event_relay_queue) + (
    SELECT count(*) FROM event_placements p LEFT JOIN relay_acks a USING (epoch, topic, partition)
    WHERE p.epoch = (SELECT max(epoch) FROM broker_epochs) AND p."offset" >= coalesce(a.next_offset, 0))
"""

# Keys all of whose logged events the broker acknowledged (an event not yet placed counts as not relayed).
RELAYED_KEYS = """
SELECT l.msg_key FROM event_log l
LEFT JOIN event_placements p ON p.seq = l.seq AND p.epoch = (SELECT max(epoch) FROM broker_epochs)
LEFT JOIN relay_acks a ON a.epoch = p.epoch AND a.topic = p.topic AND a.partition = p.partition
WHERE l.topic = :t AND l.msg_key = ANY(:k)
GROUP BY l.msg_key HAVING bool_and(coalesce(p."offset" < a.next_offset, false))
"""


def relayed_keys(conn: Connection, topic: str, keys: list[str]) -> set[str]:
    """Which of these message keys (recipients) have every logged event of the topic broker-acknowledged."""
    return {key for (key,) in conn.execute(text(RELAYED_KEYS), {"t": topic, "k": keys})}


def unrelayed(engine: Engine) -> int:
    """Logged events the broker has not acknowledged yet (0: the relay has published the whole log)."""
    with engine.connect() as conn:
        return int(conn.execute(text(UNRELAYED)).scalar_one())


def wait_relayed(engine: Engine, timeout: float, interval: float = 0.01) -> float:
    """Until the broker acknowledged everything logged (a relay must be running); returns that perf_counter."""
    wait_until(lambda: unrelayed(engine) == 0, timeout, interval, "the relay to publish the event log")
    return time.perf_counter()


@contextlib.contextmanager
def relay_running(
    settings: Settings, log: Path, sampler: MemorySampler | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    """`ims relay` as `ims up` starts it, sampled for memory as "relay", stopped at the end."""
    process = spawn_cli(settings, log, "relay")
    if sampler is not None:
        sampler.watch("relay", process.pid)
    try:
        yield process
    finally:
        if sampler is not None:
            sampler.unwatch("relay")
        stop_process(process)
