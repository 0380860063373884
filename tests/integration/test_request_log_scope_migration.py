"""Migration 0019: the request log gains the token that made each request; answers logged before it stay
readable (by the role of their kind, a Bill of Entry by admin only); a downgrade drops the column."""

from __future__ import annotations

import json

from sqlalchemy import text

from services.common import requests
from services.common.db import make_engine
from services.common.migrations import downgrade, upgrade
from services.common.tokens import Principal

RECIPIENT = "29AABCR1718E1ZL"
ANSWER = {"reference_id": "r1", "status_cd": "P", "proc_cnt": 1, "err_cnt": 0, "error_report": {}}


def test_requests_logged_before_the_token_column_stay_readable_and_a_downgrade_drops_it(
    isolated_settings,
) -> None:  # type: ignore[no-untyped-def]
    settings = isolated_settings
    assert settings.database_url
    engine = make_engine(settings.database_url, settings.db_schema)
    try:
        upgrade(engine, settings.db_schema, "0018")
        with engine.begin() as conn:
            for reference, kind, subject in (("r1", "actions", RECIPIENT), ("b1", "boe", "customs")):
                conn.execute(
                    text(
                        "INSERT INTO request_log (reference_id, kind, subject, response) "
                        "VALUES (:r, :k, :s, CAST(:a AS jsonb))"
                    ),
                    {"r": reference, "k": kind, "s": subject, "a": json.dumps({"reference_id": reference})},
                )
        upgrade(engine, settings.db_schema)
        recipient = Principal("t1", "someone", "recipient", frozenset({RECIPIENT}))
        admin = Principal("t0", "admin", "admin", frozenset())
        old_save, old_boe = requests.find(engine, "r1"), requests.find(engine, "b1")
        assert old_save is not None and old_boe is not None and old_boe.token_id is None
        assert requests.may_read(old_save, recipient, RECIPIENT)
        assert not requests.may_read(old_boe, recipient, RECIPIENT) and requests.may_read(old_boe, admin, RECIPIENT)

        token = requests.REQUESTER.set("t1")
        try:
            requests.record(engine, "b2", "boe", "customs", ANSWER, None)
        finally:
            requests.REQUESTER.reset(token)
        new_boe = requests.find(engine, "b2")
        assert new_boe is not None and new_boe.token_id == "t1" and requests.may_read(new_boe, recipient, RECIPIENT)

        downgrade(engine, settings.db_schema, "0018")
        with engine.connect() as conn:
            columns = conn.execute(
                text(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = :s AND table_name = 'request_log'"
                ),
                {"s": settings.db_schema},
            ).scalars()
            assert "token_id" not in set(columns)
    finally:
        engine.dispose()
