"""Small helpers shared by the routers: path GSTINs, error bodies, cursors."""

from __future__ import annotations

import base64
import json
from datetime import date

from fastapi import HTTPException, Request

from services.common.gst.gstin import InvalidGstin, parse_gstin
from services.common.gst.periods import GST_START, LAST_SUPPORTED_DATE
from services.common.quoting import shown


def refused(message: str, status: int = 400, code: str = "INVALID_REQUEST") -> HTTPException:
    return HTTPException(status_code=status, detail={"error_cd": code, "error_msg": message})


def path_gstin(value: str, field: str = "gstin") -> str:
    try:
        return parse_gstin(value).value
    except InvalidGstin as exc:
        raise refused(f"{field}: {exc}") from None


def iso_date(value: object, field: str) -> date:
    """A day the API is told (a filing date, the clock's date): YYYY-MM-DD exactly, in ASCII digits
    (date.fromisoformat alone also takes 20251111 and 2025-W46-2), within the GST era this system handles:
    a day outside it would become an event no period can hold."""
    if not isinstance(value, str):
        raise refused(f"{field}: required, YYYY-MM-DD")
    try:
        if len(value) != 10 or not value.isascii():
            raise ValueError(value)
        day = date.fromisoformat(value)
    except ValueError:
        raise refused(f"{field}: expected YYYY-MM-DD, got {shown(value)}") from None
    if not GST_START <= day <= LAST_SUPPORTED_DATE:
        raise refused(f"{field}: {value} is outside {GST_START.isoformat()}..{LAST_SUPPORTED_DATE.isoformat()}")
    return day


def encode_cursor(*position: str) -> str:
    """An opaque cursor for the position (the sort key of the last row sent)."""
    return base64.urlsafe_b64encode(json.dumps(list(position)).encode()).decode().rstrip("=")


NEXT_CURSOR = "X-Next-Cursor"


def next_page(request: Request, cursor: str) -> dict[str, str]:
    """The headers that continue a listing (GETINV's, docs/rules.md §8): `X-Next-Cursor` and a `Link: <...>;
    rel="next"` to this request with that cursor; a listing's last page sends neither."""
    following = request.url.include_query_params(cursor=cursor)
    return {NEXT_CURSOR: cursor, "Link": f'<{following.path}?{following.query}>; rel="next"'}


def decode_cursor(cursor: str | None) -> tuple[str, str] | None:
    """A (section, key) cursor of the document listings."""
    found = decode_position(cursor, 2)
    return None if found is None else (found[0], found[1])


def decode_position(cursor: str | None, size: int) -> tuple[str, ...] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        parts = json.loads(base64.urlsafe_b64decode(padded))
        if not isinstance(parts, list) or len(parts) != size or not all(isinstance(x, str) for x in parts):
            raise ValueError("not a cursor")
        if any("\x00" in x for x in parts):
            raise ValueError("not a cursor")
        for part in parts:
            part.encode("utf-8")
        return tuple(parts)
    except (ValueError, TypeError, UnicodeError):
        raise refused("cursor: not a cursor returned by this API") from None
