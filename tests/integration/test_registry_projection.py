"""The registry projection on the real PostgreSQL (docs/rules.md §8.5): the last load naming a GSTIN gives its
names, inside one batch and across batches; applying a load again changes nothing; `names_of` answers every
GSTIN asked, unknown ones empty; migration 0021 comes and goes cleanly."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, text

from services.common.digest import table_digest
from services.common.envelope import Envelope
from services.common.events import TaxpayerName, TaxpayerNamesLoadedV1
from services.common.migrations import downgrade, upgrade
from services.common.runner import Delivered
from services.registry.names import UNKNOWN, Names, names_of, trade_or_legal_sql
from services.registry.projection import RegistryProjection

pytestmark = pytest.mark.integration
KAVERI, MANJUNATH, NILGIRI = "27AAPFK4821M1ZT", "29AABCM7710Q1ZX", "33AAGCN3302H1ZX"


def _load(offset: int, *rows: tuple[str, str, str]) -> Delivered[TaxpayerNamesLoadedV1]:
    names = [TaxpayerName(gstin=g, legal_name=legal, trade_name=trade) for g, legal, trade in rows]
    event = TaxpayerNamesLoadedV1(f"ref-{offset}", 0, 1, names)
    envelope = Envelope.of(event, event_id=f"event-{offset}", occurred_at=f"2026-01-0{offset}T00:00:00+00:00")
    return Delivered("registry", 0, offset, "registry", envelope, event, b"", (), 0)


def _apply(engine: Engine, *batch: Delivered[TaxpayerNamesLoadedV1]) -> None:
    with engine.begin() as conn:
        RegistryProjection("registry").apply(conn, batch)


def _names(engine: Engine, *gstins: str) -> dict[str, Names]:
    with engine.connect() as conn:
        return names_of(conn, gstins)


def test_the_last_load_naming_a_gstin_gives_its_names_within_a_batch_and_across_batches(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    _apply(
        engine,
        _load(1, (KAVERI, "KAVERI TEXTILES", "Kaveri Mills"), (MANJUNATH, "MANJUNATH TRADERS", "")),
        _load(2, (KAVERI, "KAVERI TEXTILES PRIVATE LIMITED", "Kaveri")),
    )
    assert _names(engine, KAVERI, MANJUNATH, NILGIRI) == {
        KAVERI: Names("KAVERI TEXTILES PRIVATE LIMITED", "Kaveri"),
        MANJUNATH: Names("MANJUNATH TRADERS", ""),
        NILGIRI: UNKNOWN,
    }
    _apply(engine, _load(3, (KAVERI, "KAVERI TEXTILES PRIVATE LIMITED", "")))
    assert _names(engine, KAVERI)[KAVERI] == Names("KAVERI TEXTILES PRIVATE LIMITED", "")
    with engine.connect() as conn:
        row = conn.execute(
            text("SELECT reference_id, updated_by_event FROM taxpayer_names WHERE gstin = :g"), {"g": KAVERI}
        )
        assert tuple(row.one()) == ("ref-3", "event-3")
    assert _names(engine) == {}


def test_applying_a_load_again_changes_nothing(stack) -> None:  # type: ignore[no-untyped-def]
    _, engine = stack
    loads = (_load(1, (KAVERI, "KAVERI TEXTILES", "Kaveri Mills")), _load(2, (NILGIRI, "NILGIRI FOODS LLP", "")))
    _apply(engine, *loads)
    with engine.connect() as conn:
        before = table_digest(conn, "taxpayer_names")
    _apply(engine, *loads)
    _apply(engine, loads[1])
    with engine.connect() as conn:
        assert table_digest(conn, "taxpayer_names") == before


def test_migration_0021_creates_the_table_and_its_downgrade_drops_it(stack) -> None:  # type: ignore[no-untyped-def]
    settings, engine = stack
    exists = "SELECT to_regclass(:t) IS NOT NULL"
    where = f"{settings.db_schema}.taxpayer_names"
    with engine.connect() as conn:
        assert conn.execute(text(exists), {"t": where}).scalar()
    downgrade(engine, settings.db_schema, "0020")
    with engine.connect() as conn:
        assert not conn.execute(text(exists), {"t": where}).scalar()
    upgrade(engine, settings.db_schema)
    _apply(engine, _load(1, (KAVERI, "KAVERI TEXTILES", "")))
    assert _names(engine, KAVERI)[KAVERI] == Names("KAVERI TEXTILES", "")


def test_the_sql_trade_or_legal_name_is_the_python_one(stack) -> None:  # type: ignore[no-untyped-def]
    """GSTR-2B's queries join the registry with `trade_or_legal_sql`; it must answer as `Names.trade_or_legal`."""
    _, engine = stack
    _apply(engine, _load(1, (KAVERI, "Kaveri Silks LLP", "Kaveri"), (MANJUNATH, "Manjunath Traders", "")))
    asked = (KAVERI, MANJUNATH, NILGIRI)  # a trade name; a legal name only; not in the registry
    with engine.connect() as conn:
        in_sql = dict(
            conn.execute(
                text(
                    f"SELECT g, {trade_or_legal_sql('t')} FROM unnest(CAST(:g AS text[])) AS g "
                    "LEFT JOIN taxpayer_names t ON t.gstin = g"
                ),
                {"g": list(asked)},
            ).all()
        )
    in_python = {gstin: names.trade_or_legal for gstin, names in _names(engine, *asked).items()}
    assert in_sql == in_python == {KAVERI: "Kaveri", MANJUNATH: "Manjunath Traders", NILGIRI: ""}
