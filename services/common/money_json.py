"""JSON with exact money: paise become bare JSON numbers with two decimals, never via float."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi.responses import Response

_MARK = re.compile(r'"\\u0000(-?\d+)\\u0000"')


class Paise:
    __slots__ = ("value",)

    def __init__(self, value: int):
        self.value = value


def rupees_text(paise: int) -> str:
    sign = "-" if paise < 0 else ""
    whole, fraction = divmod(abs(paise), 100)
    return f"{sign}{whole}.{fraction:02d}"


def _default(value: Any) -> Any:
    if isinstance(value, Paise):
        return f"\x00{value.value}\x00"
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def dumps(obj: Any) -> str:
    text = json.dumps(obj, default=_default, ensure_ascii=False, separators=(",", ":"))
    return _MARK.sub(lambda m: rupees_text(int(m.group(1))), text)


def money(paise: int | None) -> Paise | None:
    return None if paise is None else Paise(paise)


class MoneyJSONResponse(Response):
    media_type = "application/json"

    def render(self, content: Any) -> bytes:
        return dumps(content).encode("utf-8")
