"""Live counts: a server-sent event stream of the dashboard's counts table.

Every `POLL_S` the stream reads the IMS projection's change marker (`reads.change_marker`, its checkpoints);
only when it moved are the counts read again (GETCNT's query), and only a table that differs from the last
one the page holds is pushed, as a `counts` event the page swaps in (the htmx sse extension). Every
`RECHECK_S` the session is looked up again, so revoking the token or signing out elsewhere ends the stream;
after `MAX_STREAM_S` it ends anyway and the browser reconnects (EventSource does so by itself).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from services.web import auth, reads, render, sessions
from services.web.pages import counts_view, engine_of, period_param, tab_of
from services.web.sessions import Session

router = APIRouter(prefix="/web", include_in_schema=False)
SESSION = Depends(auth.recipient_session)
POLL_S = 1.0
RECHECK_S = 10.0
KEEPALIVE_S = 15.0
MAX_STREAM_S = 600.0


def event(name: str, html: str) -> bytes:
    """One SSE message: every line of the fragment as its own `data:` line."""
    lines = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: {name}\n{lines}\n".encode()


@router.get("/ims/{gstin}/live")
async def live_counts(request: Request, gstin: str, session: Session = SESSION) -> StreamingResponse:
    gstin = auth.reach(session, gstin)
    rtnprd, _ = period_param(request)
    tab = tab_of(request)
    engine = engine_of(request)
    cookie = request.cookies.get(auth.COOKIE)

    def table_html() -> str:
        return render.fragment("_counts.html", table=counts_view(request, gstin, rtnprd, tab))

    async def stream() -> AsyncIterator[bytes]:
        started = last_check = last_beat = time.monotonic()
        marker, sent = "", request.query_params.get("seen", "")
        yield b"retry: 2000\n\n"
        while time.monotonic() - started < MAX_STREAM_S:
            now = time.monotonic()
            if now - last_check >= RECHECK_S:
                last_check = now
                if await run_in_threadpool(sessions.find, engine, cookie) is None:
                    yield event("signedout", "")
                    return
            moved = await run_in_threadpool(reads.change_marker, engine)
            if moved != marker:
                marker = moved
                html = await run_in_threadpool(table_html)
                if render.digest(html) != sent:  # the page already holds the table it was rendered with
                    yield event("counts", html)
                    sent, last_beat = render.digest(html), now
            if now - last_beat >= KEEPALIVE_S:
                last_beat = now
                yield b": still here\n\n"
            if await request.is_disconnected():
                return
            await asyncio.sleep(POLL_S)

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
