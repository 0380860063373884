"""Taxpayer names for any service that shows a GSTIN to people: GSTR-2B's `trdnm`, its "Read me" sheet, the
dashboard's "Trade/Legal name" (docs/rules.md §8.5).

Read it when an answer is rendered, never from inside a projection: `taxpayer_names` is kept by the
registry's own consumer, so what it holds at a given moment depends on that consumer's progress, and a
projection reading it would no longer be a pure function of its own log.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, text


@dataclass(frozen=True, slots=True)
class Names:
    legal: str  # "" when the GSTIN is not in the registry
    trade: str  # "" when unknown, or when the taxpayer has no trade name

    @property
    def trade_or_legal(self) -> str:
        """What the portal shows as a trade name (GSTR-2B's `trdnm`): the trade name, else the legal name;
        empty only when the GSTIN is not in the registry."""
        return self.trade or self.legal


UNKNOWN = Names("", "")


def trade_or_legal_sql(alias: str) -> str:
    """`Names.trade_or_legal` in SQL, over a `taxpayer_names` row aliased `alias` that a LEFT JOIN may have
    left empty (tests/integration/test_registry_projection.py holds the two to the same answers)."""
    return f"coalesce(nullif({alias}.trade_name, ''), {alias}.legal_name, '')"


def names_of(conn: Connection, gstins: Iterable[str]) -> dict[str, Names]:
    """The names of every GSTIN asked for, in one query; a GSTIN not in the registry maps to `UNKNOWN`."""
    wanted = sorted(set(gstins))
    if not wanted:
        return {}
    found = {
        gstin: Names(legal, trade)
        for gstin, legal, trade in conn.execute(
            text("SELECT gstin, legal_name, trade_name FROM taxpayer_names WHERE gstin = ANY(CAST(:g AS text[]))"),
            {"g": wanted},
        )
    }
    return {gstin: found.get(gstin, UNKNOWN) for gstin in wanted}


@dataclass(frozen=True, slots=True)
class Entry:
    """A registry row as the admin endpoint shows it: the names and the load that last set them."""

    gstin: str
    legal_name: str
    trade_name: str
    reference_id: str
    updated_at: str


def entry_of(conn: Connection, gstin: str) -> Entry | None:
    row = conn.execute(
        text("SELECT gstin, legal_name, trade_name, reference_id, updated_at FROM taxpayer_names WHERE gstin = :g"),
        {"g": gstin},
    ).first()
    return None if row is None else Entry(*row)
