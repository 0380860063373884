"""Is PostgreSQL answering right now? One `SELECT 1` on a connection of the probe's own, bounded in time.

Why not the pool: a server whose process is stopped (SIGSTOP, a frozen VM, a stalled disk) keeps its
sockets open and its kernel acknowledges every byte, so no libpq or TCP setting ends the wait; a pooled
`SELECT 1` would hang the request, and every later one, for as long as the freeze lasts. The probe uses
psycopg2's asynchronous mode on the event loop instead, so it gives up after `timeout_s` and leaves no
thread behind. Concurrent callers share one probe in flight. A failure is answered at once for
`hold_failure_s` while one probe runs in the background, so an outage costs each request nothing more
than reading that answer, and the first request after the database is back starts the probe that
lets the following ones through.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable

import psycopg2
import psycopg2.extensions
from sqlalchemy.engine import make_url

from services.common.db import sqlalchemy_url


def libpq_dsn(url: str) -> str:
    """The URL of the stack (SQLAlchemy's spelling) as libpq takes it, password included."""
    return make_url(sqlalchemy_url(url)).set(drivername="postgresql").render_as_string(hide_password=False)


class DatabaseProbe:
    def __init__(self, url: str, timeout_s: float, hold_failure_s: float = 1.0):
        self._dsn = libpq_dsn(url)
        self.timeout_s = timeout_s
        self._hold_failure_s = hold_failure_s
        self._conn: psycopg2.extensions.connection | None = None
        self._inflight: asyncio.Task[str | None] | None = None
        self._failure: tuple[float, str] | None = None  # (remembered until, why)

    async def problem(self) -> str | None:
        """None when PostgreSQL answered `SELECT 1` within the timeout, else why not (one line)."""
        if self._inflight is None or self._inflight.done():
            self._inflight = asyncio.get_running_loop().create_task(self._probe())
        if self._failure is not None and time.monotonic() < self._failure[0]:
            return self._failure[1]
        return await asyncio.shield(self._inflight)

    async def _probe(self) -> str | None:
        try:
            await asyncio.wait_for(self._answer(), self.timeout_s)
            self._failure = None
            return None
        except TimeoutError:
            why = f"PostgreSQL did not answer within {self.timeout_s:g} s"
        except psycopg2.Error as exc:
            why = "PostgreSQL is unreachable: " + (str(exc).strip().splitlines() or [type(exc).__name__])[0]
        except Exception as exc:  # the probe must answer, whatever went wrong inside it
            why = f"PostgreSQL probe failed: {exc!r}"
        self._discard()
        self._failure = (time.monotonic() + self._hold_failure_s, why)
        return why

    async def _answer(self) -> None:
        if self._conn is not None:
            try:
                await self._select_one(self._conn)
                return
            except psycopg2.Error:  # a connection from before a server restart: try a new one at once
                self._discard()
        self._conn = psycopg2.connect(self._dsn, async_=True)
        await _settled(self._conn)
        await self._select_one(self._conn)

    @staticmethod
    async def _select_one(conn: psycopg2.extensions.connection) -> None:
        cursor = conn.cursor()
        cursor.execute("SELECT 1")
        await _settled(conn)
        cursor.fetchone()

    def _discard(self) -> None:
        if self._conn is not None:
            with contextlib.suppress(psycopg2.Error):
                self._conn.close()
            self._conn = None

    def close(self) -> None:
        self._discard()


async def _settled(conn: psycopg2.extensions.connection) -> None:
    """Drive an asynchronous psycopg2 connection until its current step is done, waiting on the loop."""
    loop = asyncio.get_running_loop()
    while True:
        state = conn.poll()
        if state == psycopg2.extensions.POLL_OK:
            return
        fd = conn.fileno()
        ready: asyncio.Future[None] = loop.create_future()

        def wake(future: asyncio.Future[None] = ready) -> None:
            if not future.done():
                future.set_result(None)

        watch: tuple[Callable[..., object], Callable[[int], bool]]
        if state == psycopg2.extensions.POLL_READ:
            watch = (loop.add_reader, loop.remove_reader)
        elif state == psycopg2.extensions.POLL_WRITE:
            watch = (loop.add_writer, loop.remove_writer)
        else:
            raise psycopg2.OperationalError(f"unexpected poll state {state}")
        watch[0](fd, wake)
        try:
            await ready
        finally:
            watch[1](fd)
