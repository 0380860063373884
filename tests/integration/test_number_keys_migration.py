"""Migration 0017: claims written before it keep their numbers; a downgrade restores the four columns."""

from __future__ import annotations

from sqlalchemy import text

from services.common.db import make_engine
from services.common.migrations import downgrade, upgrade
from services.ingest import numbers

SUPPLIER = "27AAPFU0939F1ZV"
A, B = "29AABCR1718E1ZL", "33AAACI1195H1ZK"
OLD = [(SUPPLIER, 2025, "I", "INV-1", A, True), (SUPPLIER, 2025, "N", "P|1", A, False)]


def test_claims_from_before_the_key_keep_their_numbers_and_a_downgrade_restores_the_columns(
    isolated_settings,
) -> None:  # type: ignore[no-untyped-def]
    settings = isolated_settings
    assert settings.database_url
    engine = make_engine(settings.database_url, settings.db_schema)
    try:
        upgrade(engine, settings.db_schema, "0016")
        with engine.begin() as conn:
            for row in OLD:
                conn.execute(
                    text("INSERT INTO document_numbers VALUES (:s, :y, :k, :n, :r, :f)"),
                    dict(zip("syknrf", row, strict=True)),
                )
        upgrade(engine, settings.db_schema)
        with engine.begin() as conn:
            claims = [(0, SUPPLIER, 2025, "I", "INV-1", B), (1, SUPPLIER, 2025, "N", "P|1", B)]
            assert numbers.claim(conn, claims, True) == {0, 1}
            numbers.release(conn, [(0, SUPPLIER, 2025, "N", "P|1", A)])  # the draft's claim
            assert numbers.claim(conn, claims, False) == {0}

        downgrade(engine, settings.db_schema, "0016")
        with engine.begin() as conn:
            found = conn.execute(text("SELECT * FROM document_numbers ORDER BY series")).all()
        assert [tuple(row) for row in found] == [OLD[0], (SUPPLIER, 2025, "N", "P|1", B, False)]
    finally:
        engine.dispose()
