"""One shape for every refusal: `{"detail": {"error_cd": ..., "error_msg": "<field>: <reason>"}}`.

The routers raise `HTTPException`s with that detail; FastAPI's own refusals (a query parameter that is not
an integer, a path segment over its length) and Starlette's (no such route, wrong method) are rewritten
into it here, naming the parameter and never echoing a megabyte of input back. `responses(...)` declares
the statuses an operation may answer, with this body, in the OpenAPI document.
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["detail"],
    "properties": {
        "detail": {
            "type": "object",
            "required": ["error_cd", "error_msg"],
            "properties": {
                "error_cd": {"type": "string", "description": "machine-readable reason, e.g. INVALID_REQUEST"},
                "error_msg": {"type": "string", "description": "the field, then why it was refused"},
            },
        }
    },
}
WHY = {
    400: "Malformed request: the message names the field and the reason",
    401: "No token, or an unknown, revoked or expired one",
    403: "The token's role or GSTINs do not reach this resource",
    404: "No such resource for this GSTIN",
    409: "Refused in the resource's current state",
    413: "The body exceeds the endpoint's limit (bytes or records)",
    422: "A query or path parameter out of its type or range",
    429: "Too many of these at once; retry after the seconds in Retry-After",
    503: "A server this request needs (the broker) is unavailable; nothing was done",
}
CODES = {
    400: "INVALID_REQUEST",
    401: "UNAUTHORIZED",
    403: "FORBIDDEN",
    404: "NOT_FOUND",
    405: "NOT_ALLOWED",
    429: "TOO_MANY_REQUESTS",
}
MAX_SHOWN = 80


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` for an operation: each status with the error body (401 and 422 always)."""
    wanted = sorted({401, 422, *statuses})
    return {
        status: {"description": WHY[status], "content": {"application/json": {"schema": ERROR_SCHEMA}}}
        for status in wanted
    }


def _place(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if len(parts) >= 2 and parts[0] in ("query", "path", "header", "cookie", "body"):
        return f"{'.'.join(parts[1:])} ({parts[0]})"
    return ".".join(parts) or "request"


def _validation(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    reasons = [f"{_place(e.get('loc', ()))}: {str(e.get('msg', 'invalid'))[:MAX_SHOWN]}" for e in exc.errors()]
    return JSONResponse({"detail": {"error_cd": "INVALID_REQUEST", "error_msg": "; ".join(reasons)}}, 422)


def _http(_request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail: Any = exc.detail
    if not (isinstance(detail, dict) and {"error_cd", "error_msg"} <= detail.keys()):
        detail = {"error_cd": CODES.get(exc.status_code, "REFUSED"), "error_msg": str(detail)[: MAX_SHOWN * 4]}
    return JSONResponse({"detail": detail}, exc.status_code, headers=getattr(exc, "headers", None))


def install(app: FastAPI) -> None:
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(StarletteHTTPException, _http)
