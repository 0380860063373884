"""Collects the Problems found while validating one document: at most one per field."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from typing import TypeVar

from services.ingest.domain.problems import Problem

T = TypeVar("T")


class Checker:
    """Keeps the first Problem reported for each field, in the order fields were checked."""

    def __init__(self) -> None:
        self._by_field: dict[str, Problem] = {}

    def take(self, result: T | Problem) -> T | None:
        """The parsed value, or None after recording the Problem that replaced it."""
        if isinstance(result, Problem):
            self.add(result)
            return None
        return result

    def add(self, found: Problem) -> None:
        self._by_field.setdefault(found.field, found)

    def add_all(self, found: Iterable[Problem | None]) -> None:
        for each in found:
            if each is not None:
                self.add(each)

    def problems(self, only_fields: Collection[str] | None = None) -> list[Problem]:
        """All Problems, or only those on ``only_fields`` (a deletion checks just its identity)."""
        return [found for found in self._by_field.values() if only_fields is None or found.field in only_fields]
