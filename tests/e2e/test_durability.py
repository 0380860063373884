"""Nothing acknowledged is lost, under `ims up` with its embedded (memory-only) broker.

Older versions lost answered events two ways: events answered `P` lived only in the broker until the
archive consumer read them back, so a broker lost while that consumer was stopped took them along; and
`ims replay --all` rebuilt the archive itself from a broker restored since, re-stamping its epochs.
"""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psutil
import pytest

from services.common.embedded.ports import free_port
from services.common.settings import PROJECT_ROOT
from services.ingest.synthetic import Mix, dumps, gstr1_return, make_universe
from tests.e2e.test_ims_up import _healthy, _start, _stop_and_check_nothing_left
from tests.support.processes import wait_until

pytestmark = pytest.mark.e2e
PLAIN = Mix(credit_notes=0, debit_notes=0, invoice_amendments=0, note_amendments=0, reverse_charge=0,
            pos_ineligible=0, sez=0, via_operator=0)  # fmt: skip


class Up:
    """A running `ims up` in its own home, with an admin client and the CLI pointed at its servers."""

    def __init__(self, home: Path):
        self.home, self.port = home, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = _start(home, self.port)
        wait_until(lambda: _healthy(self.base), timeout=120, what="ims up healthy")
        banner = (home / "up.out").read_text()
        self.env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("IMS_")},
            "DATABASE_URL": re.search(r"PostgreSQL (\S+)", banner).group(1),  # type: ignore[union-attr]
            "KAFKA_BOOTSTRAP_SERVERS": re.search(r"Kafka +(\S+)", banner).group(1),  # type: ignore[union-attr]
            "IMS_HOME": str(home),
            "PYTHONPATH": str(PROJECT_ROOT),
        }
        self.auth = {"Authorization": f"Bearer {(home / 'admin-token').read_text().strip()}"}

    def file(self, seed: int, documents: int) -> tuple[str, ...]:
        """A filed GSTR-1 of `documents` invoices to the recipients it returns (of a universe of its own)."""
        universe = make_universe(seed, suppliers=1, recipients=2)
        payload = gstr1_return(universe, random.Random(seed), universe.suppliers[0], "102025", documents, mix=PLAIN)
        answer = httpx.post(
            f"{self.base}/v1/returns/gstr1?filed_on=2025-11-11",
            content=dumps(payload),
            headers={"Content-Type": "application/json", **self.auth},
            timeout=120,
        )
        assert answer.status_code == 200 and answer.json()["status_cd"] == "P", answer.text
        assert answer.json()["proc_cnt"] == documents
        return tuple(universe.recipients)

    def count(self, recipients: tuple[str, ...], **params: str) -> int:
        """Documents in the IMS of these recipients (counts of every section, summed)."""
        total = 0
        for recipient in recipients:
            answer = httpx.get(f"{self.base}/v1/ims/{recipient}/counts", params=params, headers=self.auth, timeout=120)
            assert answer.status_code == 200, answer.text
            total += int(answer.json()["all_oth"]["ttl_cnt"])
        return total

    def wait_count(self, recipients: tuple[str, ...], expected: int) -> None:
        wait_until(lambda: self.count(recipients) == expected, timeout=120, what=f"{expected} documents visible")

    def cli(self, *argv: str) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "services.cli.main", *argv],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert done.returncode == 0, done.stderr[-3000:]
        return done.stdout

    def children(self, *names: str) -> list[psutil.Process]:
        return [
            p
            for p in psutil.Process(self.process.pid).children(recursive=True)
            if any(n in " ".join(p.cmdline()) for n in names)
        ]

    def kill_broker(self) -> None:
        restores = (self.home / "up.out").read_text().count("republished")
        (broker,) = [p for p in psutil.Process(self.process.pid).children(recursive=True) if "tansu" in p.name()]
        broker.send_signal(signal.SIGKILL)
        wait_until(
            lambda: (self.home / "up.out").read_text().count("republished") > restores,
            timeout=120,
            what="the log republished to the restarted broker",
        )


def test_filings_answered_while_nothing_reads_them_survive_the_loss_of_the_broker(tmp_path) -> None:  # type: ignore[no-untyped-def]
    up = Up(tmp_path)
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
            wait_until(lambda: _healthy(up.base), timeout=120, what="a broker again")
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
        _stop_and_check_nothing_left(up.process)


def test_replay_after_broker_restarts_changes_neither_the_log_nor_what_as_of_answers(tmp_path) -> None:  # type: ignore[no-untyped-def]
    up = Up(tmp_path)
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
        _stop_and_check_nothing_left(up.process)
