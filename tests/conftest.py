from __future__ import annotations

import contextlib
import shutil
import tempfile
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

from services.common.db import make_engine
from services.common.log import configure_logging
from services.common.migrations import upgrade
from services.common.settings import TOPICS, Settings
from services.common.topics import ensure_topics
from tests.support import servers

configure_logging("console", "warning")

# The slowest modules of a `--durations` run, slowest first. `make test` hands whole files to two workers
# (`--dist loadfile`); starting these first, and the many short files after them, keeps both workers busy to
# the end instead of leaving one running a long file alone. Order only: no test depends on it.
SLOWEST_FIRST = (
    "tests/e2e/test_asof_limits.py",
    "tests/e2e/test_body_memory.py",
    "tests/e2e/test_asof_snapshots.py",
    "tests/e2e/test_durability.py",
    "tests/e2e/test_faults.py",
    "tests/e2e/test_contract_fuzz.py",
    "tests/e2e/test_operator_cli.py",
    "tests/e2e/test_large_returns.py",
    "tests/unit/test_fastrows.py",
    "tests/e2e/test_chaos.py",
    "tests/e2e/test_replay.py",
    "tests/e2e/hostile/test_bodies.py",
    "tests/e2e/hostile/test_queries.py",
    "tests/e2e/test_ims_up.py",
    "tests/e2e/web/test_dashboard.py",
    "tests/e2e/test_audit.py",
    "tests/e2e/test_bulk_publish.py",
    "tests/e2e/test_access_control.py",
    "tests/e2e/test_supervision.py",
    "tests/e2e/test_ingest_cli.py",
    "tests/integration/test_projection_runner.py",
)
TIERS = ("tests/e2e/", "tests/integration/", "tests/contract/", "tests/unit/")


def pytest_configure(config: pytest.Config) -> None:
    if hasattr(config.option, "loadscopereorder"):  # xdist would order files by their number of tests
        config.option.loadscopereorder = False


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Files in the order above, then by tier (end to end first, unit last); tests keep their order in a file."""
    ranks = {path: n for n, path in enumerate(SLOWEST_FIRST)}

    def rank(item: pytest.Item) -> tuple[int, int]:
        path = item.nodeid.split("::", 1)[0]
        tier = next((n for n, prefix in enumerate(TIERS) if path.startswith(prefix)), len(TIERS))
        return ranks.get(path, len(ranks)), tier

    items.sort(key=rank)


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    with servers.postgres_url() as url:
        yield url


@pytest.fixture(scope="session")
def kafka_bootstrap() -> Iterator[str]:
    with servers.kafka_bootstrap() as bootstrap:
        yield bootstrap


@pytest.fixture
def isolated_settings(pg_url: str, kafka_bootstrap: str, tmp_path) -> Settings:  # type: ignore[no-untyped-def]
    """Settings of one test: its own database schema and topic namespace on the shared servers."""
    return replace(_settings_for(pg_url, kafka_bootstrap, tmp_path), batch_size=500)


@pytest.fixture
def stack(isolated_settings: Settings):  # type: ignore[no-untyped-def]
    """Migrated schema and created topics for one test; yields (settings, engine)."""
    settings = isolated_settings
    assert settings.database_url and settings.kafka_bootstrap
    engine = make_engine(settings.database_url, settings.db_schema)
    upgrade(engine, settings.db_schema)
    ensure_topics(settings.kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
    yield settings, engine
    engine.dispose()


def _settings_for(pg_url: str, kafka_bootstrap: str, home) -> Settings:  # type: ignore[no-untyped-def]
    tag = uuid.uuid4().hex[:10]
    return Settings(
        database_url=pg_url,
        kafka_bootstrap=kafka_bootstrap,
        home=home,
        topic_namespace=f"t{tag}.",
        db_schema=f"t_{tag}",
        partitions=4,
        session_timeout_ms=6000,
        max_poll_interval_ms=20000,
        heartbeat_interval_ms=1000,
        batch_size=2000,
    )


@pytest.fixture(scope="session")
def start_live_stack(pg_url: str, kafka_bootstrap: str, tmp_path_factory):  # type: ignore[no-untyped-def]
    """Starts the real processes of `ims up` (API + every consumer) on the shared servers, in a schema and
    topic namespace of their own, and stops them all on leaving."""
    from tests.support.live import LiveStack

    @contextlib.contextmanager
    def start() -> Iterator[LiveStack]:
        stack = LiveStack(_settings_for(pg_url, kafka_bootstrap, tmp_path_factory.mktemp("live")))
        try:
            stack.start()
            yield stack
        finally:
            stack.stop()

    return start


@pytest.fixture(scope="module")
def live_stack(start_live_stack):  # type: ignore[no-untyped-def]
    """One live stack per test module (a directory of files that were one module shares one: its conftest)."""
    with start_live_stack() as stack:
        yield stack


@pytest.fixture
def server_home() -> Iterator[Path]:
    """A directory for an embedded PostgreSQL's data, outside pytest's temporary root: every pytest session
    (another xdist worker, another run on the machine) resets that root to mode 0700, and a server run as
    root uses a system user of its own that must traverse to its data directory."""
    with private_dir("ims-test-home-") as path:
        yield path


@contextlib.contextmanager
def private_dir(prefix: str) -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix=prefix))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)
