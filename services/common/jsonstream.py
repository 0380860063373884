"""Walking a large JSON document held in a file, one element at a time, with bounded memory.

Containers the caller descends into are walked token by token here; every value the caller asks for
whole (a document row, a scalar) is decoded by the standard library's C scanner from a sliding text
window, so a 1,000,000-row return costs one C decode per row and never the whole tree. Numbers with a
fraction become `Decimal` (money stays exact); NaN / Infinity, NUL characters and unpaired surrogates
are refused like `services.api.bodies.parse_json` refuses them.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Callable, Iterator
from decimal import Decimal
from typing import IO, Any

BLOCK_CHARS = 1 << 20
MAX_DEPTH = 200  # containers walked here; values decoded whole are bounded by the C scanner's own limit
MAX_VALUE_CHARS = 64 << 20  # a single row larger than this is refused (a real row is a few kB)
NEAR_END_CHARS = 1 << 16  # a scan stopping this close to the window's end is retried on a wider window
_NUMBER_TAIL = re.compile(r"[0-9.eE+\-]*")
_WS = re.compile(r"[ \t\n\r]*")
# A NUL or a lone surrogate can arrive only as a \u escape, so only texts holding one get their strings checked.
ESCAPES = re.compile(r"\\u(0000|[dD][89a-fA-F][0-9a-fA-F]{2})")


class MalformedJson(ValueError):
    """The text is not well-formed JSON (or holds what the API refuses); says where and why."""


def reject_constant(name: str) -> None:
    raise ValueError(f"{name} is not a number")


# Money stays exact (Decimal); NaN / Infinity are refused. The decoder holds no state between calls.
DECODER = json.JSONDecoder(parse_float=Decimal, parse_constant=reject_constant)


class JsonStream:
    """A cursor over one JSON text. Methods consume exactly one token or value each."""

    def __init__(
        self, source: IO[bytes], on_read: Callable[[int], None] | None = None, max_value_chars: int = MAX_VALUE_CHARS
    ):
        self._source = source
        self._max_value = max_value_chars  # a single value (row, string) longer than this is refused
        self._utf8 = codecs.getincrementaldecoder("utf-8")()
        self._buf = ""
        self._pos = 0
        self._dropped = 0  # characters before the window
        self._dropped_lines = 0  # newlines before the window
        self._line_start = 0  # where the current line starts, relative to the window (may be negative)
        self._bytes = 0
        self._eof = False
        self._on_read = on_read
        self.escapes_seen = False  # \u0000 or surrogate escapes somewhere: decoded strings get checked

    # --- the window ----------------------------------------------------------------------------------
    def _more(self) -> bool:
        if self._eof:
            return False
        block = self._source.read(BLOCK_CHARS)
        held = len(self._utf8.getstate()[0])  # bytes of a character split by the previous block
        try:
            fresh = self._utf8.decode(block, final=not block)
        except UnicodeDecodeError as exc:
            raise MalformedJson(f"body: not valid UTF-8 at byte {self._bytes - held + exc.start}") from None
        self._bytes += len(block)
        if self._on_read is not None and block:
            self._on_read(len(block))
        if not block:
            self._eof = True
        tail = self._buf[self._pos :]
        self._dropped += self._pos
        self._dropped_lines += self._buf.count("\n", 0, self._pos)
        self._line_start = self._line_start - self._pos if self._line_start >= self._pos else self._after_newline()
        if not self.escapes_seen and ESCAPES.search(tail[-5:] + fresh):
            self.escapes_seen = True
        self._buf, self._pos = tail + fresh, 0
        return bool(fresh) or not self._eof

    def _after_newline(self) -> int:
        last = self._buf.rfind("\n", 0, self._pos)
        return -(self._pos - last - 1) if last >= 0 else self._line_start - self._pos

    def where(self, pos: int | None = None) -> str:
        """Like the json module says it: line, column (1-based) and character offset (0-based)."""
        at = self._pos if pos is None else pos
        line = self._dropped_lines + self._buf.count("\n", 0, at) + 1
        last = self._buf.rfind("\n", 0, at)
        column = at - last if last >= 0 else at - self._line_start + 1
        return f"line {line} column {column} (char {self._dropped + at})"

    def _fail(self, message: str, pos: int | None = None) -> MalformedJson:
        return MalformedJson(f"body: malformed JSON: {message}: {self.where(pos)}")

    def peek(self) -> str:
        """The next non-blank character ('' at the end of the text)."""
        while True:
            self._pos = _WS.match(self._buf, self._pos).end()  # type: ignore[union-attr]
            if self._pos < len(self._buf):
                return self._buf[self._pos]
            if not self._more():
                return ""

    def take(self, char: str) -> None:
        if self.peek() != char:
            raise self._fail(f"Expecting '{char}' delimiter")
        self._pos += 1

    def value(self, where: str = "body") -> Any:
        """Decode the next complete value, widening the window until it holds all of it; `where` names it
        in the error when it holds text the API refuses (NUL, a lone surrogate)."""
        return self._decode(where)[0]

    def value_text(self) -> str:
        """The next complete value's source text, checked as `value` checks it (to decode elsewhere)."""
        _, start, end = self._decode()
        return self._buf[start:end]

    def _decode(self, where: str = "body") -> tuple[Any, int, int]:
        self.peek()
        while True:
            try:
                found, end = DECODER.raw_decode(self._buf, self._pos)
            except RecursionError:
                raise MalformedJson("body: JSON nested too deeply") from None
            except (ValueError, ArithmeticError) as exc:  # decimal.InvalidOperation is not a ValueError
                if not self._eof and len(self._buf) - self._pos < self._max_value:
                    self._more()
                    continue
                if isinstance(exc, json.JSONDecodeError):
                    beyond = "" if self._eof else f" (or a value longer than {self._max_value} characters)"
                    raise self._fail(exc.msg + beyond, exc.pos) from None
                raise self._fail(number_problem(exc)) from None
            if not self._eof and isinstance(found, (int, Decimal)) and _NUMBER_TAIL.fullmatch(self._buf, end):
                self._more()  # a number cut by the window's edge ("118000." of "118000.0") goes on in the next block
                continue
            start, self._pos = self._pos, end
            if self.escapes_seen:
                check_strings(found, where)
            return found, start, end

    # --- containers ----------------------------------------------------------------------------------
    def members(self) -> Iterator[str]:
        """Keys of the object at the cursor; after each key the caller must consume its value."""
        self.take("{")
        if self.peek() == "}":
            self._pos += 1
            return
        while True:
            if self.peek() != '"':
                raise self._fail("Expecting property name enclosed in double quotes")
            key = self.value()
            self.take(":")
            yield key
            following = self.peek()
            if following not in ",}":
                raise self._fail("Expecting ',' delimiter")
            self._pos += 1
            if following == "}":
                return

    def elements(self) -> Iterator[None]:
        """Once per element of the array at the cursor; the caller consumes each element."""
        self.take("[")
        if self.peek() == "]":
            self._pos += 1
            return
        while True:
            yield None
            if self._array_ends():
                return

    def scanned_elements(self, scan: Callable[[str, int, Any], tuple[list[Any], int, bool]], arg: Any) -> Iterator[Any]:
        """Like `elements`, with `scan(window, pos, arg)` consuming as many elements as it can first: it
        returns what it made of them, the position after them and whether it also consumed the closing ']'.
        Each of its results is yielded; None is yielded for an element the caller must consume itself."""
        self.take("[")
        if self.peek() == "]":
            self._pos += 1
            return
        widened = False
        while True:
            found, self._pos, closed = scan(self._buf, self._pos, arg)
            if found:
                widened = False
                yield from found
            if closed:
                return
            if not widened and not self._eof and len(self._buf) - self._pos < NEAR_END_CHARS:
                widened = self._more()  # the next element may be cut by the window's edge: scan it whole
                continue
            widened = False
            yield None
            if self._array_ends():
                return

    def _array_ends(self) -> bool:
        """After an element: consume ',' (False) or the closing ']' (True)."""
        following = self.peek()
        if following not in ",]":
            raise self._fail("Expecting ',' delimiter")
        self._pos += 1
        return following == "]"

    def skip(self, depth: int = 0) -> None:
        """Consume the next value without building large containers (ignored tables such as hsn)."""
        first = self.peek()
        if first in "{[" and first and depth >= MAX_DEPTH:
            raise MalformedJson("body: JSON nested too deeply")
        if first == "{":
            for _ in self.members():
                self.skip(depth + 1)
        elif first == "[":
            for _ in self.elements():
                self.skip(depth + 1)
        else:
            self.value()

    def end(self) -> None:
        if self.peek() != "":
            raise self._fail("Extra data")


class Skipped:
    """What stands for an array or object where a single value belongs (`rtin`, a row of `boe`): skipped
    without building it, and refused by the rules like any other wrongly typed value; it shows what was there."""

    __slots__ = ("kind",)

    def __init__(self, kind: str):
        self.kind = kind

    def __repr__(self) -> str:
        return "[...]" if self.kind == "array" else "{...}"

    __str__ = __repr__


ARRAY, OBJECT = Skipped("array"), Skipped("object")


def flat_value(stream: JsonStream, where: str = "body") -> Any:
    """The next value if it is a scalar; an array or object is skipped and stands as ARRAY or OBJECT."""
    first = stream.peek()
    if first in ("[", "{"):
        stream.skip()
        return ARRAY if first == "[" else OBJECT
    return stream.value(where)


class RecordRefused(ValueError):
    """A record that is not flat (an array or object where a single value belongs) or has more fields than
    any real one; the message names the field. Nothing after it is read."""


class TooManyRecords(ValueError):
    """More records than one request may carry; nothing further was read."""


def flat_record(stream: JsonStream, max_fields: int, keep: frozenset[str] | None = None) -> dict[str, Any]:
    """The object at the cursor as {field: value}, every value a scalar: a nested value is refused at once
    (RecordRefused), so a hostile record costs neither memory nor the time to walk it; fields not in `keep`
    (when given) are skipped, and more than `max_fields` distinct fields are refused."""
    record: dict[str, Any] = {}
    for key in stream.members():
        first = stream.peek()
        if first in ("[", "{"):
            kind = "an array" if first == "[" else "an object"
            raise RecordRefused(f"{key[:40]}: expected a single value, got {kind}")
        if keep is not None and key not in keep:
            stream.skip()
            continue
        record[key] = stream.value(key)
        if len(record) > max_fields:
            raise RecordRefused(f"a record has more than {max_fields} fields")
    return record


def number_problem(exc: ValueError | ArithmeticError) -> str:
    """What the decoder's own errors mean: a number beyond int's digit limit or Decimal's exponent range."""
    if isinstance(exc, ArithmeticError):
        return "a number is out of range"
    if "integer string conversion" in str(exc):
        return "a number has more than 4300 digits"
    return str(exc)


def check_strings(node: Any, where: str) -> None:
    """A NUL cannot be stored in PostgreSQL text and a lone surrogate cannot be encoded."""
    if isinstance(node, str):
        if "\x00" in node:
            raise MalformedJson(f"{where}: NUL characters are not allowed in text")
        try:
            node.encode("utf-8")
        except UnicodeEncodeError:
            raise MalformedJson(f"{where}: text holds an unpaired UTF-16 surrogate") from None
    elif isinstance(node, dict):
        for key, value in node.items():
            check_strings(key, f"{where} (a key)")
            check_strings(value, key if where == "body" else f"{where}.{key}")
    elif isinstance(node, list):
        for index, value in enumerate(node):
            check_strings(value, f"{where}[{index}]")
