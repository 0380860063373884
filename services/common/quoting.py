"""Quoting refused values in error messages."""

from __future__ import annotations


def cut(text: str, limit: int = 40) -> str:
    """Text cut short for an error message, so a megabyte of input is not echoed back (once per record of a
    large request, it would cost the answer many times the body's size)."""
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"


def shown(value: object, limit: int = 40) -> str:
    """A refused value as a message quotes it (`repr`), cut short."""
    return cut(repr(value), limit)
