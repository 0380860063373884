"""Quoting values: refused ones in error messages, known ones as literals in generated SQL."""

from __future__ import annotations

from collections.abc import Iterable


def cut(text: str, limit: int = 40) -> str:
    """Text cut short for an error message, so a megabyte of input is not echoed back (once per record of a
    large request, it would cost the answer many times the body's size)."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def shown(value: object, limit: int = 40) -> str:
    """A refused value as a message quotes it (`repr`), cut short."""
    return cut(repr(value), limit)


def sql_list(values: Iterable[str]) -> str:
    """A parenthesised SQL list of text literals, sorted so the same set always renders the same text, for
    `column IN {sql_list(...)}` built from a rule's set (say `sections_where(...)`), never typed by hand.
    Quotes are doubled; an empty set or a NUL byte raises, as neither has a literal that means it."""
    items = set(values)
    if not items:
        raise ValueError("sql_list: an empty set has no SQL list (`IN ()` is a syntax error)")
    for value in items:
        if not isinstance(value, str) or "\x00" in value:
            raise ValueError(f"sql_list: {shown(value)} cannot be an SQL text literal")
    return "(" + ", ".join("'" + value.replace("'", "''") + "'" for value in sorted(items)) + ")"
