"""Reading request bodies defensively: size limit, UTF-8, JSON with exact decimals, bounded nesting."""

from __future__ import annotations

import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from typing import IO, Any

from fastapi import HTTPException, Request

from services.common import rows
from services.common.jsonstream import (
    DECODER,
    ESCAPES,
    MalformedJson,
    RecordRefused,
    TooManyRecords,
    check_strings,
    number_problem,
)


class BodyRefused(HTTPException):
    def __init__(self, status: int, message: str):
        super().__init__(status_code=status, detail={"error_cd": "INVALID_REQUEST", "error_msg": message})


def check_declared_size(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length")
    if declared is not None and declared.isascii() and declared.isdigit() and int(declared) > limit:
        raise BodyRefused(413, f"body: {declared} bytes exceeds the limit of {limit} bytes")


async def read_body(request: Request, limit: int) -> bytes:
    check_declared_size(request, limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise BodyRefused(413, f"body: exceeds the limit of {limit} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


SPOOL_IN_MEMORY = 1 << 20


async def spool_body(request: Request, limit: int) -> IO[bytes]:
    """The body in a spooled file (memory up to 1 MiB, then disk), within `limit`; the caller closes it."""
    check_declared_size(request, limit)
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115 - returned to the caller
    size = 0
    try:
        async for chunk in request.stream():
            size += len(chunk)
            if size > limit:
                raise BodyRefused(413, f"body: exceeds the limit of {limit} bytes")
            spool.write(chunk)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return spool  # type: ignore[return-value]


def parse_json(raw: bytes) -> Any:
    """Non-integers become Decimal (money stays exact); NaN/Infinity and invalid UTF-8 are refused."""
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise BodyRefused(400, f"body: not valid UTF-8 at byte {exc.start}") from None
    try:
        parsed = DECODER.decode(text)
    except RecursionError:
        raise BodyRefused(400, "body: JSON nested too deeply") from None
    except (ValueError, ArithmeticError) as exc:  # decimal.InvalidOperation is not a ValueError
        raise BodyRefused(400, f"body: malformed JSON: {number_problem(exc)}") from None
    if ESCAPES.search(text):
        _check_strings(parsed)
    return parsed


def _check_strings(node: Any) -> None:
    try:
        check_strings(node, "body")
    except MalformedJson as exc:
        raise BodyRefused(400, str(exc)) from None


def media_of(request: Request, *accepted: str) -> str:
    """The body's media type (parameters dropped; JSON, the first accepted, when none is said); one not accepted
    is refused naming them all."""
    media = request.headers.get("content-type", accepted[0]).split(";", 1)[0].strip().lower() or accepted[0]
    if media not in accepted:
        named = " or ".join([", ".join(accepted[:-1]), accepted[-1]])
        raise BodyRefused(400, f"Content-Type: expected {named}, got {media[:80]!r}")
    return media


@contextmanager
def rows_refused() -> Iterator[None]:
    """A table's body refused as a whole (`services.common.rows`, `services.common.jsonrows`) answers 400 with its
    message, or 413 past its row limit."""
    try:
        yield
    except (rows.TooManyRows, TooManyRecords) as exc:
        raise BodyRefused(413, str(exc)) from None
    except (rows.BodyRefused, MalformedJson, RecordRefused) as exc:
        raise BodyRefused(400, str(exc)) from None
