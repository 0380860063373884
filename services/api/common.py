"""Small helpers shared by the routers: path GSTINs, error bodies, cursors."""

from __future__ import annotations

import base64
import json

from fastapi import HTTPException

from services.common.gstin import InvalidGstin, parse_gstin


def refused(message: str, status: int = 400, code: str = "INVALID_REQUEST") -> HTTPException:
    return HTTPException(status_code=status, detail={"error_cd": code, "error_msg": message})


def path_gstin(value: str, field: str = "gstin") -> str:
    try:
        return parse_gstin(value).value
    except InvalidGstin as exc:
        raise refused(f"{field}: {exc}") from None


def encode_cursor(section: str, key: str) -> str:
    return base64.urlsafe_b64encode(json.dumps([section, key]).encode()).decode().rstrip("=")


def decode_cursor(cursor: str | None) -> tuple[str, str] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        section, key = json.loads(base64.urlsafe_b64decode(padded))
        if not (isinstance(section, str) and isinstance(key, str)) or "\x00" in section + key:
            raise ValueError("not a cursor")
        section.encode("utf-8")
        key.encode("utf-8")
        return section, key
    except (ValueError, TypeError):
        raise refused("cursor: not a cursor returned by this API") from None
