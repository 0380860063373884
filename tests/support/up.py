"""A running `ims up` in a home of its own, driven as a user would: HTTP with the admin token, the CLI
with the servers its banner names, its child processes found by name."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import psutil
from sqlalchemy import create_engine

from services.common.db import sqlalchemy_url
from services.common.embedded.ports import free_port
from services.common.settings import PROJECT_ROOT, Settings
from services.demo.synthetic import dumps, gstr1_return, make_universe
from tests.e2e.test_ims_up import _healthy, _start
from tests.support.chaos import PLAIN, quiet
from tests.support.processes import wait_until


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
        self.token = (home / "admin-token").read_text().strip()
        self.auth = {"Authorization": f"Bearer {self.token}"}
        self.settings = Settings(
            database_url=self.env["DATABASE_URL"], kafka_bootstrap=self.env["KAFKA_BOOTSTRAP_SERVERS"], home=home
        )

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

    def wait_relayed(self, timeout: float = 180) -> None:
        """Everything logged is relayed and applied, every notification logged."""
        engine = create_engine(sqlalchemy_url(self.env["DATABASE_URL"]), pool_pre_ping=True)
        try:
            wait_until(lambda: quiet(engine), timeout=timeout, what="everything relayed and applied")
        finally:
            engine.dispose()

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
        wait_until(lambda: _healthy(self.base), timeout=120, what="healthy after the broker loss")
