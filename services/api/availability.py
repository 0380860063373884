"""While PostgreSQL is down or frozen, `/v1` answers 503 naming the database, within a bounded time.

- Before a `/v1` request is handled, the database probe (dbprobe.py) must answer within
  `IMS_DB_PROBE_TIMEOUT_MS`; otherwise the answer is 503 `DATABASE_UNAVAILABLE`, and the request never
  takes a pooled connection or a worker thread that a frozen server would hold. Statements themselves
  are not limited (a million-document filing is one statement), only the wait for the database.
- A request that meets the outage after the probe (the server died mid-request, the pool stayed full
  for `IMS_DB_POOL_TIMEOUT_S`) ends in the same 503 body instead of a plain-text 500.
- Nothing is remembered beyond a second: once PostgreSQL answers again, so does the API.
"""

from __future__ import annotations

import asyncio

import psycopg2
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import exc as sa
from starlette.types import ASGIApp, Receive, Scope, Send

from services.api.dbprobe import DatabaseProbe

DATABASE_ERRORS: tuple[type[Exception], ...] = (
    sa.OperationalError,
    sa.InterfaceError,
    sa.TimeoutError,
    psycopg2.OperationalError,
    psycopg2.InterfaceError,
)


def unavailable(why: str) -> JSONResponse:
    return JSONResponse(
        {"detail": {"error_cd": "DATABASE_UNAVAILABLE", "error_msg": f"{why}; retry later"}},
        status_code=503,
        headers={"Retry-After": "1"},
    )


def describe(error: Exception) -> str:
    """The driver's first line (never the SQL or its parameters, which SQLAlchemy's text carries)."""
    if isinstance(error, sa.TimeoutError):
        return "PostgreSQL: no pooled connection came free in time"
    cause = getattr(error, "orig", None) or error
    first = (str(cause).strip().splitlines() or [type(cause).__name__])[0]
    return f"PostgreSQL: {first}"


class DatabaseGate:
    """ASGI middleware: requests under `prefix` pass only while the probe says the database answers."""

    def __init__(self, app: ASGIApp, probe: DatabaseProbe, prefix: str = "/v1/"):
        self.app = app
        self.probe = probe
        self.prefix = prefix

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http" and scope["path"].startswith(self.prefix):
            why = await self.probe.problem()
            if why is not None:
                await unavailable(why)(scope, receive, send)
                return
        await self.app(scope, receive, send)


async def broker_reachable(bootstrap: str | None, timeout_s: float = 1.0) -> bool:
    """Some listed broker accepts a TCP connection within the timeout (without blocking the loop)."""
    for server in (bootstrap or "").split(","):
        host, _, port = server.strip().rpartition(":")
        try:
            _, writer = await asyncio.wait_for(asyncio.open_connection(host or "127.0.0.1", int(port)), timeout_s)
        except (OSError, ValueError, TimeoutError):
            continue
        writer.close()
        return True
    return False


def install(app: FastAPI, probe: DatabaseProbe) -> None:
    app.state.database_probe = probe
    app.add_middleware(DatabaseGate, probe=probe)

    async def database_error(_request: Request, error: Exception) -> JSONResponse:
        return unavailable(describe(error))

    for error in DATABASE_ERRORS:
        app.add_exception_handler(error, database_error)
