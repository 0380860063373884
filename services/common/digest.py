"""Deterministic digests of read models: equal digests mean equal rows, whatever their physical order."""

from __future__ import annotations

from sqlalchemy import Connection, text


def table_digest(conn: Connection, table: str) -> tuple[int, str]:
    row = conn.execute(
        text(
            "SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "
            f"FROM (SELECT md5(t::text) AS h FROM {table} t) rows"
        )
    ).one()
    return int(row[0]), str(row[1])


def digests(conn: Connection, tables: tuple[str, ...]) -> dict[str, tuple[int, str]]:
    return {table: table_digest(conn, table) for table in tables}
