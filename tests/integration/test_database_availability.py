"""The API's database probe and error mapping against a real PostgreSQL: stopped, frozen, back again."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace

import httpx
import psutil
import pytest

from services.api.app import create_app
from services.api.dbprobe import DatabaseProbe
from services.bootstrap import Container, load_codec
from services.common.db import make_engine
from services.common.embedded.ports import free_port
from services.common.embedded.postgres import EmbeddedPostgres
from services.common.settings import Settings
from tests.support.processes import freeze_tree, thaw

pytestmark = pytest.mark.integration


def _problems(probe: DatabaseProbe, *delays: float) -> list[tuple[str | None, float]]:
    """Ask the probe once after each delay, all on one event loop (as the API does)."""

    async def ask() -> list[tuple[str | None, float]]:
        answers = []
        for delay in delays:
            await asyncio.sleep(delay)
            started = time.monotonic()
            answers.append((await probe.problem(), time.monotonic() - started))
        return answers

    return asyncio.run(ask())


def test_the_probe_says_why_when_postgresql_is_stopped_and_clears_once_it_is_back(server_home) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedPostgres(server_home / "pg", fsync=False)
    probe = DatabaseProbe(server.start(), timeout_s=1.0, hold_failure_s=0.2)
    try:
        assert _problems(probe, 0)[0][0] is None
        server.stop()
        ((why, took),) = _problems(probe, 0)
        assert why is not None and why.startswith("PostgreSQL is unreachable") and took < 1.0
        server.start()
        assert [why for why, _ in _problems(probe, 0.3, 0.1)][-1] is None
    finally:
        probe.close()
        server.stop()


def test_the_probe_gives_up_on_a_frozen_postgresql_within_its_timeout_and_recovers_after_it_thaws(server_home) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedPostgres(server_home / "pg", fsync=False)
    probe = DatabaseProbe(server.start(), timeout_s=0.5, hold_failure_s=0.2)
    assert server.pid is not None
    frozen = []
    try:
        assert _problems(probe, 0)[0][0] is None
        frozen = freeze_tree(psutil.Process(server.pid))
        answers = _problems(probe, 0, 0, 0.3)
        assert all(why == "PostgreSQL did not answer within 0.5 s" for why, _ in answers)
        assert all(took < 0.9 for _, took in answers)
        assert answers[1][1] < 0.05, "a failure is answered at once while it is fresh"
    finally:
        thaw(frozen)
    try:
        assert [why for why, _ in _problems(probe, 0.3, 0.1)][-1] is None
    finally:
        probe.close()
        server.stop()


def test_a_database_error_after_the_probe_answers_503_json_instead_of_a_plain_500(pg_url, tmp_path) -> None:  # type: ignore[no-untyped-def]
    settings = replace(Settings(database_url=pg_url, kafka_bootstrap=f"127.0.0.1:{free_port()}"), home=tmp_path)
    gone = make_engine(f"postgresql://postgres:x@127.0.0.1:{free_port()}/ims", connect_timeout_s=1)
    app = create_app(Container(settings, gone, load_codec()))  # the probe reaches pg_url, requests do not

    async def get() -> httpx.Response:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://api") as client:
            return await client.get("/v1/ims/29AABCM7710Q1ZX/counts", headers={"Authorization": "Bearer t"})

    answer = asyncio.run(get())
    gone.dispose()
    assert answer.status_code == 503
    detail = answer.json()["detail"]
    assert detail["error_cd"] == "DATABASE_UNAVAILABLE"
    assert detail["error_msg"].startswith("PostgreSQL: connection to server at") and "[SQL" not in detail["error_msg"]
    assert answer.headers["retry-after"] == "1"


def test_an_engine_carries_the_configured_statement_and_lock_timeouts(pg_url) -> None:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    limited = make_engine(pg_url, statement_timeout_ms=1500, lock_timeout_ms=700)
    try:
        with limited.connect() as conn:
            assert conn.execute(text("SHOW statement_timeout")).scalar() == "1500ms"
            assert conn.execute(text("SHOW lock_timeout")).scalar() == "700ms"
    finally:
        limited.dispose()
