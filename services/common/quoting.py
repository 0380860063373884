"""Quoting refused values in error messages."""

from __future__ import annotations


def shown(value: object, limit: int = 40) -> str:
    """A refused value as an error message quotes it: cut short, so a megabyte of input is not echoed back
    (once per record of a large request, it would cost the answer many times the body's size)."""
    text = repr(value)
    return text if len(text) <= limit else f"{text[:limit]}... ({len(text)} characters)"
