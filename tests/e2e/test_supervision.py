"""`ims up` keeps every server and child running: PostgreSQL killed or frozen, a child killed twice.

One real `ims up` (embedded PostgreSQL and broker) serves the whole module; each test leaves it healthy.
"""

from __future__ import annotations

import re
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import psutil
import pytest

from services.common.embedded.ports import free_port
from tests.conftest import private_dir
from tests.support.live import dumps
from tests.support.payloads import example
from tests.support.processes import freeze_tree, thaw, wait_until
from tests.support.up import healthy, start_up, stop_and_check_nothing_left

pytestmark = pytest.mark.e2e
RECIPIENT = "29AABCM7710Q1ZX"
BOUND_S = 5.0


@dataclass
class Up:
    process: subprocess.Popen[bytes]
    home: Path
    base: str
    auth: dict[str, str]

    def log(self) -> str:
        return (self.home / "up.out").read_text(errors="replace")

    def children(self) -> list[psutil.Process]:
        return psutil.Process(self.process.pid).children()

    def postmaster(self) -> psutil.Process:
        return next(p for p in self.children() if p.name() == "postgres")

    def child(self, command: str) -> psutil.Process | None:
        for process in self.children():
            try:
                if process.status() != psutil.STATUS_ZOMBIE and process.cmdline()[-1:] == [command]:
                    return process
            except psutil.Error:  # exited (or became a zombie) while we looked
                continue
        return None

    def counts(self) -> httpx.Response:
        return httpx.get(f"{self.base}/v1/ims/{RECIPIENT}/counts", headers=self.auth, timeout=30)

    def file(self, name: str) -> httpx.Response:
        return httpx.post(
            f"{self.base}/v1/returns/gstr1?filed_on=2025-11-11",
            content=dumps(example(name)),
            headers={"Content-Type": "application/json", **self.auth},
            timeout=60,
        )


@pytest.fixture(scope="module")
def up() -> Iterator[Up]:
    with private_dir("ims-test-up-") as home:
        port = free_port()
        process = start_up(home, port)
        try:
            stack = Up(process, home, f"http://127.0.0.1:{port}", {})
            wait_until(lambda: healthy(stack.base), timeout=120, what="/healthz = 200")
            stack.auth = {"Authorization": f"Bearer {(home / 'admin-token').read_text().strip()}"}
            assert stack.file("gstr1-supplier.json").json()["status_cd"] == "P"
            wait_until(lambda: stack.counts().json()["all_oth"]["ttl_cnt"] == 5, timeout=60, what="projected")
            yield stack
        finally:
            stop_and_check_nothing_left(process)


def _timed(call) -> tuple[httpx.Response, float]:  # type: ignore[no-untyped-def]
    started = time.monotonic()
    answer = call()
    return answer, time.monotonic() - started


def _assert_database_unavailable(answer: httpx.Response) -> None:
    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == "application/json"
    detail = answer.json()["detail"]
    assert detail["error_cd"] == "DATABASE_UNAVAILABLE" and "PostgreSQL" in detail["error_msg"]


def _assert_healthz_names_the_database(base: str) -> None:
    answer, took = _timed(lambda: httpx.get(f"{base}/healthz", timeout=30))
    assert answer.status_code == 503 and took <= BOUND_S, (answer.text, took)
    body = answer.json()
    assert body["status"] == "degraded" and body["database"].startswith("unavailable: PostgreSQL")
    assert body["broker"] == "ok"


def test_postgresql_killed_under_ims_up_is_restarted_and_what_was_filed_before_is_still_there(up: Up) -> None:
    waiting = {name: up.child(name) for name in ("api", "notify", "scheduler", "ims", "archive")}
    postmaster = up.postmaster()
    supervisor = psutil.Process(up.process.pid)
    supervisor.suspend()  # holds the restart back, so the outage can be looked at
    try:
        postmaster.kill()
        wait_until(lambda: postmaster.status() == psutil.STATUS_ZOMBIE, timeout=10, what="postmaster dead")
        stale = (up.home / "pg" / "postmaster.pid").read_text().split()[0]
        assert stale == str(postmaster.pid), "a kill -9 leaves a stale postmaster.pid behind"
        wait_until(lambda: httpx.get(f"{up.base}/healthz", timeout=30).status_code == 503, timeout=BOUND_S)
        _assert_healthz_names_the_database(up.base)
        for call in (up.counts, lambda: up.file("gstr1-eco-9-5.json")):
            answer, took = _timed(call)
            _assert_database_unavailable(answer)
            assert took <= BOUND_S
    finally:
        supervisor.resume()
    wait_until(lambda: not postmaster.is_running(), timeout=10, what="the dead postmaster reaped")
    wait_until(lambda: healthy(up.base), timeout=60, what="healthy after the restart")
    assert up.postmaster().pid != postmaster.pid
    log = up.log()
    assert re.search(r"process_exited .*process=postgres reason='signal SIGKILL'", log), log[-3000:]
    assert "process_restarted              process=postgres restarts=1" in log
    assert up.counts().json()["all_oth"]["ttl_cnt"] == 5, "what was filed before the kill is still there"
    assert up.file("gstr1-eco-9-5.json").json()["status_cd"] == "P"
    wait_until(lambda: up.counts().json()["all_oth"]["ecom"]["noaction"] == 1, timeout=60, what="consumers resumed")
    assert {name: up.child(name) for name in waiting} == waiting, "every child waited for the database"


def test_a_frozen_postgresql_makes_v1_and_healthz_answer_503_json_within_five_seconds_then_work_resumes(
    up: Up,
) -> None:
    before = up.counts().json()
    answers: list[tuple[httpx.Response, float]] = []
    frozen = freeze_tree(up.postmaster())
    try:
        _assert_healthz_names_the_database(up.base)
        calls = [threading.Thread(target=lambda: answers.append(_timed(up.counts))) for _ in range(6)]
        for call in calls:
            call.start()
        for call in calls:
            call.join(30)
        assert len(answers) == 6
        for answer, took in answers:
            _assert_database_unavailable(answer)
            assert took <= BOUND_S, took
        assert "did not answer within" in answers[0][0].json()["detail"]["error_msg"]
    finally:
        thaw(frozen)
    wait_until(lambda: up.counts().status_code == 200, timeout=30, what="/v1 answers again")
    assert up.counts().json() == before
    assert healthy(up.base)


def test_a_child_killed_twice_is_restarted_each_time_after_a_longer_pause(up: Up) -> None:
    for _ in range(2):
        scheduler = wait_until(lambda: up.child("scheduler"), timeout=30, what="a scheduler running")
        scheduler.kill()

        def restarted(dead: psutil.Process = scheduler) -> bool:
            found = up.child("scheduler")
            return found is not None and found.pid != dead.pid

        wait_until(restarted, timeout=30, what="the scheduler restarted")
    pauses = re.findall(r"process_exited +next_start_in_s=(\S+) process=scheduler reason='signal SIGKILL'", up.log())
    assert [float(p) for p in pauses] == [0.5, 1.0]
    assert "process=scheduler restarts=2" in up.log()
