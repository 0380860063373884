"""The embedded PostgreSQL's memory settings follow the machine, within bounds."""

from __future__ import annotations

from services.common.embedded.postgres import memory_settings

GIB = 2**30


def test_shared_buffers_are_an_eighth_of_memory_between_128_mb_and_2_gb() -> None:
    assert memory_settings(8 * GIB)["shared_buffers"] == "1024MB"
    assert memory_settings(512 * 2**20)["shared_buffers"] == "128MB"
    assert memory_settings(64 * GIB)["shared_buffers"] == "2048MB"


def test_wal_settings_leave_room_for_statement_sized_writes() -> None:
    settings = memory_settings(8 * GIB)
    assert settings["wal_buffers"] == "64MB" and settings["max_wal_size"] == "4GB"
