"""Migration 0022: Bills of Entry gain their SEZ supplier and GSTR-2B lines the ITC-reduction answer; a line
written before it has no answer, so it counts what it lists, as it did (services/gstr2b/counting.py); a
downgrade drops the columns."""

from __future__ import annotations

from sqlalchemy import text

from services.common.db import make_engine
from services.common.migrations import downgrade, upgrade
from services.gstr2b.counting import counted

NEW = {
    "ims_documents": {"sez_supplier"},
    "gstr2b_lines": {"itc_red_req", "decl_igst", "decl_cgst", "decl_sgst", "decl_cess"},
}
LINE = (
    "INSERT INTO gstr2b_lines (recipient, period, version, block, bucket, section, doc_key, ims_section, supplier, "
    "number, doc_date, inv_typ, pos, rev, itcavl, rsn, supprd, value, txval, igst, cgst, sgst, cess, action) VALUES "
    "('29AABCR1718E1ZL', '102025', 1, 'itcavl', 'othersup', 'cdnr', 'k', 'b2bcn', '27AAPFU0939F1ZV', 'CN/1', "
    "DATE '2025-10-01', 'R', '29', false, 'Y', '', '102025', 118, 100, 18, 0, 0, 0, 'A')"
)


def _columns(conn, schema: str, table: str) -> set[str]:  # type: ignore[no-untyped-def]
    sql = "SELECT column_name FROM information_schema.columns WHERE table_schema = :s AND table_name = :t"
    return set(conn.execute(text(sql), {"s": schema, "t": table}).scalars())


def test_lines_written_before_the_answer_columns_count_what_they_list_and_a_downgrade_drops_them(
    isolated_settings,
) -> None:  # type: ignore[no-untyped-def]
    settings = isolated_settings
    assert settings.database_url
    engine = make_engine(settings.database_url, settings.db_schema)
    try:
        upgrade(engine, settings.db_schema, "0021")
        with engine.begin() as conn:
            conn.execute(text(LINE))
        upgrade(engine, settings.db_schema)
        with engine.connect() as conn:
            for table, columns in NEW.items():
                assert columns <= _columns(conn, settings.db_schema, table), table
            igst = conn.execute(text(f"SELECT {counted('igst', 'l')} FROM gstr2b_lines l")).scalar_one()
            assert igst == 18
        downgrade(engine, settings.db_schema, "0021")
        with engine.connect() as conn:
            for table, columns in NEW.items():
                assert not columns & _columns(conn, settings.db_schema, table), table
    finally:
        engine.dispose()
