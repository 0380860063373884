"""A running `ims up` in a home of its own, driven as a user would: HTTP with the admin token, the CLI
with the servers its banner names, its child processes found by name and killed -9 (what the chaos test
and the bench's soak do to it)."""

from __future__ import annotations

import os
import random
import re
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
from sqlalchemy import create_engine

from services.common.db import sqlalchemy_url
from services.common.embedded.ports import free_port
from services.common.settings import PROJECT_ROOT, Settings
from services.demo.synthetic import dumps, gstr1_return, make_universe
from tests.support.chaos import PLAIN, quiet
from tests.support.processes import wait_until

# The kinds of process `ims up` supervises: its children found by command line, then its two servers by name.
CHILDREN = {
    "api": "services.cli.main api",
    "relay": "services.cli.main relay",
    "consumer": "services.cli.main consume ims",
    "notifier": "services.cli.main notify",
    "scheduler": "services.cli.main scheduler",
}
KINDS = (*CHILDREN, "broker", "postgres")


def start_up(home: Path, port: int) -> subprocess.Popen[bytes]:
    """`ims up` with embedded servers in `home`, its output in home/up.out."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "KAFKA_BOOTSTRAP_SERVERS")}
    env |= {"IMS_HOME": str(home), "IMS_HTTP_PORT": str(port), "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", "up"],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=open(home / "up.out", "ab"),
        stderr=subprocess.STDOUT,
    )


def healthy(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=2).status_code == 200
    except httpx.HTTPError:
        return False


def stop_and_check_nothing_left(up: subprocess.Popen[bytes]) -> None:
    children = psutil.Process(up.pid).children(recursive=True)
    assert len(children) >= 6, "postgres, broker, api, notifier, scheduler and the consumers"
    up.send_signal(signal.SIGINT)
    assert up.wait(60) == 0
    _, alive = psutil.wait_procs(children, timeout=20)
    assert alive == [], f"left running: {[p.pid for p in alive]}"


@dataclass(frozen=True)
class Recovery:
    """One kill -9 and how long `ims up` took to be whole again (seconds from the kill)."""

    kind: str
    killed_at: float  # time.monotonic()
    healthy_s: float  # until /healthz answered 200
    running_s: float  # until a process of that kind ran again

    @property
    def seconds(self) -> float:
        return max(self.healthy_s, self.running_s)


class Up:
    """A running `ims up` in its own home, with an admin client and the CLI pointed at its servers."""

    def __init__(self, home: Path):
        self.home, self.port = home, free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.process = start_up(home, self.port)
        wait_until(lambda: healthy(self.base), timeout=120, what="ims up healthy")
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

    def cli(self, *argv: str, timeout: float = 300) -> str:
        done = subprocess.run(
            [sys.executable, "-m", "services.cli.main", *argv],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
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
        wait_until(lambda: healthy(self.base), timeout=120, what="healthy after the broker loss")

    def victim(self, kind: str) -> psutil.Process | None:
        """The running process of a kind (KINDS): the postmaster for "postgres", Tansu for "broker"."""
        up = psutil.Process(self.process.pid)
        if kind == "postgres":  # the postmaster: the postgres process whose parent is `ims up`
            return next((p for p, name, _ in _described(up.children()) if name == "postgres"), None)
        for process, name, cmdline in _described(up.children(recursive=True)):
            if (kind == "broker" and "tansu" in name) or (kind in CHILDREN and CHILDREN[kind] in cmdline):
                return process
        return None

    def running(self, kind: str) -> bool:
        try:
            victim = self.victim(kind)
            return victim is not None and victim.is_running() and victim.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:  # it ended while being looked at
            return False

    def kill(self, kind: str, timeout: float = 120) -> Recovery:
        """kill -9 the process of a kind and wait until `ims up` has it running again and answers /healthz."""
        victim = self.victim(kind)
        assert victim is not None, f"no {kind} process under ims up"
        killed = time.monotonic()
        victim.send_signal(signal.SIGKILL)
        victim.wait(30)
        healthy_at = running_at = None
        while healthy_at is None or running_at is None:
            if time.monotonic() - killed > timeout:
                raise AssertionError(f"timed out after {timeout:.0f}s waiting for ims up to recover from {kind}")
            if healthy_at is None and healthy(self.base):
                healthy_at = time.monotonic()
            if running_at is None and self.running(kind):
                running_at = time.monotonic()
            time.sleep(0.05)
        return Recovery(kind, killed, healthy_at - killed, running_at - killed)


def _described(processes: list[psutil.Process]) -> list[tuple[psutil.Process, str, str]]:
    """(process, name, command line) of those still there when read (a PostgreSQL backend comes and goes)."""
    found = []
    for process in processes:
        try:
            found.append((process, process.name(), " ".join(process.cmdline())))
        except psutil.Error:
            continue
    return found
