"""Reading request bodies defensively: size limit, UTF-8, JSON with exact decimals, bounded nesting."""

from __future__ import annotations

import json
import re
from decimal import Decimal
from typing import Any

from fastapi import HTTPException, Request


class BodyRefused(HTTPException):
    def __init__(self, status: int, message: str):
        super().__init__(status_code=status, detail={"error_cd": "INVALID_REQUEST", "error_msg": message})


async def read_body(request: Request, limit: int) -> bytes:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise BodyRefused(413, f"body: {declared} bytes exceeds the limit of {limit} bytes")
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyRefused(413, f"body: exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def _reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


def parse_json(raw: bytes) -> Any:
    """Non-integers become Decimal (money stays exact); NaN/Infinity and invalid UTF-8 are refused."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyRefused(400, f"body: not valid UTF-8 at byte {exc.start}") from None
    try:
        parsed = json.loads(text, parse_float=Decimal, parse_constant=_reject_constant)
    except RecursionError:
        raise BodyRefused(400, "body: JSON nested too deeply") from None
    except ValueError as exc:
        raise BodyRefused(400, f"body: malformed JSON: {exc}") from None
    if _ESCAPES.search(text):
        _check_strings(parsed)
    return parsed


# A NUL cannot be stored in PostgreSQL text and a lone surrogate cannot be encoded: both arrive only
# as \u escapes, so the (rare) bodies holding such escapes get their strings checked one by one.
_ESCAPES = re.compile(r"\\u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


def _check_strings(node: Any, where: str = "body") -> None:
    if isinstance(node, str):
        if "\x00" in node:
            raise BodyRefused(400, f"{where}: NUL characters are not allowed in text")
        try:
            node.encode("utf-8")
        except UnicodeEncodeError:
            raise BodyRefused(400, f"{where}: text holds an unpaired UTF-16 surrogate") from None
    elif isinstance(node, dict):
        for key, value in node.items():
            _check_strings(key, f"{where} (a key)")
            _check_strings(value, key if where == "body" else f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            _check_strings(value, f"{where}[{index}]")
