"""`copy_columns` stores exactly what `copy_rows` stores, escapes included (real PostgreSQL)."""

from __future__ import annotations

from sqlalchemy import text

from services.common.copy import copy_columns, copy_rows

ROWS = [
    ("plain", "b2b|27AAPFU0939F1ZV|2025-26|INV-1", 1, None),
    ("tab\there", "back\\slash", -5, True),
    ("new\nline\r", None, None, False),
    ("", "\\N", 2**40, None),
]


def test_column_wise_copy_stores_the_rows_row_wise_copy_stores(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    with engine.begin() as conn:
        for table in ("by_rows", "by_columns"):
            conn.execute(text(f"CREATE TEMP TABLE {table} (n integer, a text, b text, c bigint, d boolean)"))
        copy_rows(conn, "by_rows", ("n", "a", "b", "c", "d"), [(i, *row) for i, row in enumerate(ROWS)])
        columns: dict[str, list[object]] = {
            "n": [str(i) for i in range(len(ROWS))],
            **{k: [r[j] for r in ROWS] for j, k in enumerate("abcd")},
        }
        assert copy_columns(conn, "by_columns", columns) == len(ROWS)
        assert copy_columns(conn, "by_columns", {"n": [], "a": []}) == 0
        by_rows = conn.execute(text("SELECT * FROM by_rows ORDER BY n")).all()
        assert by_rows == conn.execute(text("SELECT * FROM by_columns ORDER BY n")).all()
        assert [r[1:] for r in by_rows] == ROWS
