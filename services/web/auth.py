"""Who is looking at a page: the session cookie, the GSTIN it may open, and CSRF on every POST.

The rules are the API's (services/api/auth.py): the dashboard is the recipient's IMS, so a recipient token
reaches its own GSTINs and admin reaches every GSTIN; filer and supplier tokens are refused with 403. The
session cookie is `Secure`, `HttpOnly`, `SameSite=Lax` and `__Host-` prefixed (this host only, path /).
"""

from __future__ import annotations

from urllib.parse import parse_qs, quote

from fastapi import Request, Response
from fastapi.concurrency import run_in_threadpool

from services.common import requests
from services.common.gst.gstin import InvalidGstin, parse_gstin
from services.web import sessions
from services.web.sessions import Session

COOKIE = "__Host-ims_session"
SIGNIN_COOKIE = "__Host-ims_signin"  # the sign-in form's double-submit CSRF token (no session exists yet)
CSRF_HEADER = "x-csrf-token"
ROLES = ("admin", "recipient")
MAX_FORM_BYTES = 256 * 1024  # a page of ticked rows with remarks is a few kilobytes


class SignInRequired(Exception):
    """No live session: the page sends the browser to sign in (and back here afterwards)."""


class PageRefused(Exception):
    """Shown as an HTML page with its status: the title says what happened, the message what to do."""

    def __init__(self, status: int, title: str, message: str):
        super().__init__(message)
        self.status, self.title, self.message = status, title, message


async def session_of(request: Request) -> Session:
    """A dependency: the live session of any role (signing out needs no more), else SignInRequired."""
    found = await run_in_threadpool(sessions.find, request.app.state.container.engine, request.cookies.get(COOKIE))
    if found is None:
        raise SignInRequired()
    request.state.principal = found.principal
    requests.REQUESTER.set(found.principal.token_id)
    return found


async def recipient_session(request: Request) -> Session:
    """A dependency of every dashboard page: a live session whose token may use the recipient's IMS."""
    found = await session_of(request)
    if found.principal.role not in ROLES:
        raise PageRefused(
            403,
            "This dashboard is the recipient's",
            f"A {found.principal.role} token cannot open it; sign out and sign in with a recipient token.",
        )
    return found


def reach(session: Session, raw: str) -> str:
    """The GSTIN as the session may open it, or 403 (404 looks the same to a stranger: both refuse)."""
    try:
        gstin = parse_gstin(raw).value
    except InvalidGstin as exc:
        raise PageRefused(400, "Not a GSTIN", str(exc)) from None
    if not session.principal.may_use(gstin):
        raise PageRefused(403, "Not yours to open", f"This sign-in may not open {gstin}.")
    return gstin


async def form(request: Request) -> dict[str, list[str]]:
    """A urlencoded form body (at most MAX_FORM_BYTES)."""
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_FORM_BYTES:
            raise PageRefused(413, "Too much at once", "The form is larger than a page can send; select fewer rows.")
    try:
        return parse_qs(body.decode("utf-8"), keep_blank_values=True, max_num_fields=5000)
    except (UnicodeDecodeError, ValueError):
        raise PageRefused(
            400, "Unreadable form", "The form could not be read; reload the page and try again."
        ) from None


def first(fields: dict[str, list[str]], name: str, default: str = "") -> str:
    return (fields.get(name) or [default])[0]


def check_csrf(request: Request, session: Session, fields: dict[str, list[str]]) -> None:
    offered = request.headers.get(CSRF_HEADER) or first(fields, "csrf")
    if not session.csrf_matches(offered):
        raise PageRefused(403, "Expired form", "This form is from an earlier sign-in; reload the page and try again.")


def set_session_cookie(response: Response, key: str) -> None:
    response.set_cookie(
        COOKIE,
        key,
        max_age=int(sessions.SESSION_LIFETIME.total_seconds()),
        path="/",
        secure=True,
        httponly=True,
        samesite="lax",
    )


def signin_url(request: Request) -> str:
    """The sign-in page, coming back to this page afterwards when it is one that can be shown again (a GET)."""
    if request.method != "GET" or not request.url.path.startswith("/web/"):
        return "/web/signin"
    query = f"?{request.url.query}" if request.url.query else ""
    return "/web/signin?next=" + quote(request.url.path + query, safe="")


def safe_next(value: str) -> str:
    """Only a path of this dashboard (never another site: an open redirect would make a phishing link)."""
    if value.startswith("/web/") and not value.startswith("//") and "\\" not in value:
        return value
    return "/web/"
