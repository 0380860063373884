"""Nothing acknowledged is lost, under `ims up` with its embedded (memory-only) broker.

Older versions lost answered events two ways: events answered `P` lived only in the broker until the
archive consumer read them back, so a broker lost while that consumer was stopped took them along; and
`ims replay --all` rebuilt the archive itself from a broker restored since, re-stamping its epochs.
"""

from __future__ import annotations

import signal
from datetime import UTC, datetime

import psutil
import pytest

from tests.support.processes import wait_until
from tests.support.up import Up, healthy, stop_and_check_nothing_left

pytestmark = pytest.mark.e2e


def test_filings_answered_while_nothing_reads_them_survive_the_loss_of_the_broker(server_home) -> None:  # type: ignore[no-untyped-def]
    up = Up(server_home)
    try:
        first = up.file(41, 7)
        up.wait_count(first, 7)
        # every process that reads what the API wrote (consumers, the relay, the notifier) stands still
        frozen = up.children("services.cli.main consume", "services.cli.main relay", "services.cli.main notify")
        assert frozen
        for process in frozen:
            process.send_signal(signal.SIGSTOP)
        try:
            second = up.file(42, 50)
            third = up.file(43, 3)
            broker = [p for p in psutil.Process(up.process.pid).children(recursive=True) if "tansu" in p.name()]
            broker[0].send_signal(signal.SIGKILL)
            wait_until(lambda: healthy(up.base), timeout=120, what="a broker again")
        finally:
            for process in frozen:
                if process.is_running():
                    process.send_signal(signal.SIGCONT)
        for recipient, documents in ((first, 7), (second, 50), (third, 3)):
            up.wait_count(recipient, documents)
            assert up.count(recipient, as_of=datetime.now(UTC).isoformat()) == documents
        up.cli("replay", "--all")
        assert [up.count(r) for r in (first, second, third)] == [7, 50, 3], "replay keeps every answered document"
    finally:
        stop_and_check_nothing_left(up.process)


def test_replay_after_broker_restarts_changes_neither_the_log_nor_what_as_of_answers(server_home) -> None:  # type: ignore[no-untyped-def]
    up = Up(server_home)
    try:
        early = up.file(51, 20)
        up.wait_count(early, 20)
        up.kill_broker()
        instant = datetime.now(UTC).isoformat()
        late = up.file(52, 30)
        up.wait_count(late, 30)
        up.kill_broker()
        more = up.file(53, 10)
        up.wait_count(more, 10)
        before = up.cli("verify")
        then = [up.count(r, as_of=instant) for r in (early, late, more)]
        assert then == [20, 0, 0]

        up.cli("replay", "--all")
        assert up.cli("verify") == before, "replay rebuilt read models into the same rows, and left the log alone"
        assert [up.count(r, as_of=instant) for r in (early, late, more)] == then
        assert [up.count(r) for r in (early, late, more)] == [20, 30, 10]
        assert "event_log" in before and "event_placements" in before, "verify digests the system of record"
    finally:
        stop_and_check_nothing_left(up.process)
