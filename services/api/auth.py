"""Who is calling: `Authorization: Bearer <token>` on every /v1 endpoint, and what the token may reach.

Each route states its rule with `require(...)`: the roles allowed and, for GSTIN-scoped routes, that the
path GSTIN is one of the token's. A missing or dead token answers 401; a live token reaching outside its
scope answers 403.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from fastapi import HTTPException, Request
from fastapi.concurrency import run_in_threadpool

from services.common import requests
from services.common.gst.gstin import InvalidGstin, parse_gstin
from services.common.tokens import Principal, authenticate


def _unauthorized(message: str) -> HTTPException:
    return HTTPException(
        status_code=401,
        detail={"error_cd": "UNAUTHORIZED", "error_msg": message},
        headers={"WWW-Authenticate": "Bearer"},
    )


def forbidden(message: str) -> HTTPException:
    return HTTPException(status_code=403, detail={"error_cd": "FORBIDDEN", "error_msg": message})


def principal(request: Request) -> Principal:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _unauthorized("Authorization: a Bearer token is required")
    found = authenticate(request.app.state.container.engine, token.strip())
    if found is None:
        raise _unauthorized("Authorization: the token is unknown, revoked or expired")
    request.state.principal = found
    return found


def require(*roles: str, gstin_param: str | None = "gstin") -> Callable[[Request], Awaitable[Principal]]:
    """A dependency: the caller's role is one of `roles` (admin always passes) and owns the path GSTIN.

    It runs on the event loop (the token lookup in a worker thread), so the token id it puts in
    `requests.REQUESTER` is seen by the route and by everything the route runs in the thread pool."""

    async def check(request: Request) -> Principal:
        who = await run_in_threadpool(principal, request)
        requests.REQUESTER.set(who.token_id)
        if who.role != "admin" and who.role not in roles:
            raise forbidden(f"a {who.role} token cannot use this endpoint")
        if gstin_param is not None and who.role != "admin":
            raw = request.path_params.get(gstin_param, "")
            try:
                gstin = parse_gstin(raw).value
            except InvalidGstin:
                gstin = raw
            if gstin not in who.gstins:
                raise forbidden(f"{gstin_param}: this token may not act for {raw}")
        return who

    return check


def scoped_key(request: Request, owner: str) -> str | None:
    """An Idempotency-Key names a retry of *this caller's* request: keys of different GSTINs or tokens
    never meet, so one caller can neither replay nor block another's request."""
    key = request.headers.get("idempotency-key")
    if not key:
        return None
    who: Principal = request.state.principal
    return f"{owner}|{who.token_id}|{key}"


def actor(request: Request) -> str:
    """The token's subject: what every event records as its actor."""
    who: Principal = request.state.principal
    return who.subject
