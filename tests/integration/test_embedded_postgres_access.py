"""The embedded PostgreSQL takes connections only with its generated password, over 127.0.0.1."""

from __future__ import annotations

import psycopg2
import pytest
from sqlalchemy import text

from services.common.db import make_engine
from services.common.embedded import pg_access
from services.common.embedded.postgres import EmbeddedPostgres

pytestmark = pytest.mark.integration

# what initdb --auth=trust wrote into every data directory before passwords (older `ims up`)
TRUST_HBA = """local   all             all                                     trust
host    all             all             127.0.0.1/32            trust
host    all             all             ::1/128                 trust
local   replication     all                                     trust
host    replication     all             127.0.0.1/32            trust
"""


def _refusal(server: EmbeddedPostgres, password: str | None) -> str:
    with pytest.raises(psycopg2.OperationalError) as refused:
        psycopg2.connect(
            host="127.0.0.1", port=server.port, user="postgres", password=password, dbname="ims", connect_timeout=5
        ).close()
    return str(refused.value)


def _hba_rules(server: EmbeddedPostgres) -> list[str]:
    lines = (server.data_dir / "pg_hba.conf").read_text().splitlines()
    return [line for line in lines if line.strip() and not line.startswith("#")]


def test_the_embedded_postgresql_refuses_connections_without_the_password_or_with_a_wrong_one(server_home) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedPostgres(server_home / "pg", fsync=False)
    url = server.start()
    try:
        assert "no password supplied" in _refusal(server, None)
        assert "password authentication failed" in _refusal(server, "not-the-password")
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT current_user")).scalar() == "postgres"
        engine.dispose()
        assert _hba_rules(server) == ["host all postgres 127.0.0.1/32 scram-sha-256"]
    finally:
        server.stop()


def test_the_password_file_is_readable_only_by_its_owner_and_the_url_carries_it(server_home) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedPostgres(server_home / "pg", fsync=False)
    url = server.start()
    server.stop()
    password_file = server_home / "pg-password"
    assert server.password_file == password_file
    assert oct(password_file.stat().st_mode & 0o777) == "0o600"
    password = password_file.read_text().strip()
    assert len(password) >= 40, "256 random bits"
    assert f"postgres:{password}@127.0.0.1:" in url


def test_a_restart_keeps_the_password_and_the_data(server_home) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedPostgres(server_home / "pg", fsync=False)
    url = server.start()
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE kept (n int)"))
        conn.execute(text("INSERT INTO kept VALUES (7)"))
    engine.dispose()
    server.stop()
    again = EmbeddedPostgres(server_home / "pg", port=server.port, fsync=False)
    try:
        assert again.start() == url
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT n FROM kept")).scalar() == 7
        engine.dispose()
    finally:
        again.stop()


def test_a_data_directory_initialised_with_trust_is_converted_on_its_next_start(server_home) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedPostgres(server_home / "pg", fsync=False)
    engine = make_engine(server.start())
    with engine.begin() as conn:
        conn.execute(text("CREATE TABLE filed (n int)"))
        conn.execute(text("INSERT INTO filed VALUES (42)"))
    engine.dispose()
    server.stop()
    (server_home / "pg" / "pg_hba.conf").write_text(TRUST_HBA)  # as an older `ims up` left it
    (server_home / "pg-password").unlink()
    assert not pg_access.is_converted(server_home / "pg", "127.0.0.1")

    converted = EmbeddedPostgres(server_home / "pg", fsync=False)
    url = converted.start()
    try:
        assert not any("trust" in rule for rule in _hba_rules(converted))
        assert oct((server_home / "pg-password").stat().st_mode & 0o777) == "0o600"
        assert "no password supplied" in _refusal(converted, None)
        engine = make_engine(url)
        with engine.connect() as conn:
            assert conn.execute(text("SELECT n FROM filed")).scalar() == 42, "nothing filed before is lost"
        engine.dispose()
    finally:
        converted.stop()


def test_a_password_file_left_readable_by_others_is_made_private_again(server_home) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedPostgres(server_home / "pg", fsync=False)
    server.start()
    server.stop()
    (server_home / "pg-password").chmod(0o644)
    again = EmbeddedPostgres(server_home / "pg", fsync=False)
    again.start()
    again.stop()
    assert oct((server_home / "pg-password").stat().st_mode & 0o777) == "0o600"


def test_a_password_file_deleted_while_running_is_written_again_with_the_same_password_on_restart(server_home) -> None:  # type: ignore[no-untyped-def]
    server = EmbeddedPostgres(server_home / "pg", fsync=False)
    url = server.start()
    (server_home / "pg-password").unlink()
    server.stop()
    try:
        assert server.start() == url, "the processes started with the old URL keep working"
        assert oct((server_home / "pg-password").stat().st_mode & 0o777) == "0o600"
    finally:
        server.stop()
