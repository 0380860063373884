"""Signing in and out of the web dashboard.

- `GET /web/signin/{code}`: the one-time link `ims up` prints (and `ims token link`). It only shows whose it
  is and a button: a GET never spends the code, so a link preview or a mail scanner cannot use it up.
- `POST /web/signin`: spends the code, or takes a pasted token, and opens a session (cookie set, 303 on).
  The form carries a double-submit CSRF token (a cookie of its own and the same value in the form).
- `POST /web/signout`: revokes the session and clears the cookie.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from services.common import tokens
from services.web import auth, render, sessions
from services.web.sessions import Session

router = APIRouter(prefix="/web", include_in_schema=False)
SIGNIN_FORM_LIFETIME_S = 3600
ANY_SESSION = Depends(auth.session_of)


def _engine(request: Request) -> Any:
    return request.app.state.container.engine


def _signin_page(
    request: Request, status: int = 200, error: str = "", code: str = "", who: tokens.Principal | None = None
) -> Response:
    nonce = secrets.token_urlsafe(24)
    response = render.html(
        "signin.html",
        status=status,
        csrf=nonce,
        error=error,
        code=code,
        who=who,
        next=auth.safe_next(request.query_params.get("next", "/web/")),
        signed_out=request.query_params.get("signed_out") == "1",
    )
    response.set_cookie(
        auth.SIGNIN_COOKIE,
        nonce,
        max_age=SIGNIN_FORM_LIFETIME_S,
        path="/",
        secure=True,
        httponly=True,
        samesite="strict",
    )
    return response


@router.get("/signin")
async def signin_form(request: Request) -> Response:
    current = await run_in_threadpool(sessions.find, _engine(request), request.cookies.get(auth.COOKIE))
    if current is not None:
        return RedirectResponse(auth.safe_next(request.query_params.get("next", "/web/")), 303)
    return _signin_page(request)


@router.get("/signin/{code}")
async def signin_link(request: Request, code: str) -> Response:
    who = await run_in_threadpool(sessions.peek_code, _engine(request), code) if len(code) <= 128 else None
    if who is None:
        return _signin_page(
            request,
            410,
            "This sign-in link was used already or has expired (links work once, within 15 minutes). "
            "Ask for a new one (`ims token link`), or paste your token below.",
        )
    return _signin_page(request, code=code, who=who)


@router.post("/signin")
async def signin(request: Request) -> Response:
    fields = await auth.form(request)
    nonce = request.cookies.get(auth.SIGNIN_COOKIE, "")
    offered = auth.first(fields, "csrf")
    if not nonce or not secrets.compare_digest(nonce.encode(), offered.encode()):
        return _signin_page(request, 403, "The sign-in form expired; it has been reloaded, please try again.")
    engine = _engine(request)
    code, token = auth.first(fields, "code").strip(), auth.first(fields, "token").strip()
    opened: tuple[str, Session] | None = None
    if code:
        opened = await run_in_threadpool(sessions.exchange_code, engine, code) if len(code) <= 128 else None
        error = "This sign-in link was used already or has expired; ask for a new one or paste your token."
    elif token:
        who = await run_in_threadpool(tokens.authenticate, engine, token) if len(token) <= 256 else None
        opened = await run_in_threadpool(sessions.open_session, engine, who.token_id) if who else None
        error = "That token is unknown, revoked or expired."
    else:
        error = "Paste your token to sign in."
    if opened is None:
        return _signin_page(request, 401, error)
    key, _ = opened
    response = RedirectResponse(auth.safe_next(auth.first(fields, "next", "/web/")), 303)
    auth.set_session_cookie(response, key)
    response.delete_cookie(auth.SIGNIN_COOKIE, path="/", secure=True, httponly=True, samesite="strict")
    return response


@router.post("/signout")
async def signout(request: Request, session: Session = ANY_SESSION) -> Response:
    fields = await auth.form(request)
    auth.check_csrf(request, session, fields)
    await run_in_threadpool(sessions.revoke, _engine(request), session)
    response = RedirectResponse("/web/signin?signed_out=1", 303)
    response.delete_cookie(auth.COOKIE, path="/", secure=True, httponly=True, samesite="lax")
    return response
