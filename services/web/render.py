"""Jinja2 rendering of the pages, with the headers every page carries.

Templates autoescape everything; the Content-Security-Policy allows scripts and styles from this server only
(htmx and the page's own script are files under static/, nothing inline), so an injected `<script>` in a
document number or a remark could not run even if escaping failed. Pages are never cached (they show a
signed-in user's data) and never framed.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from fastapi.responses import HTMLResponse
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from services.web import formats

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
SECURITY_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


@functools.cache
def environment() -> Environment:
    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    filters: dict[str, Callable[..., str]] = {
        "rupees": formats.rupees,
        "amount": lambda paise: formats.rupees(paise, symbol=False),
        "count": formats.count,
        "day": formats.day,
        "moment": formats.moment,
        "period": formats.period,
    }
    env.filters.update(filters)
    return env


def html(template: str, status: int = 200, headers: dict[str, str] | None = None, **context: Any) -> HTMLResponse:
    body = environment().get_template(template).render(**context)
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS | (headers or {}))


def fragment(template: str, **context: Any) -> str:
    return environment().get_template(template).render(**context)


def digest(html: str) -> str:
    """Names a rendered fragment: the dashboard passes the counts table it holds to the live stream, which
    then resends only a different one (a swap would take the keyboard focus off a count)."""
    return hashlib.sha256(html.encode()).hexdigest()[:16]
