"""The servers a bench run talks to: DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set, else an embedded
PostgreSQL (fsync off) and Tansu broker started in a temporary directory on 127.0.0.1 and stopped at the end.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from services.common.embedded.broker import EmbeddedBroker
from services.common.embedded.postgres import EmbeddedPostgres


@dataclass
class Servers:
    database_url: str
    kafka_bootstrap: str
    workdir: Path
    embedded_postgres: bool
    embedded_broker: bool
    pids: dict[str, int] = field(default_factory=dict)  # server name -> pid, for memory sampling

    def describe(self) -> str:
        pg = "embedded PostgreSQL (fsync=off)" if self.embedded_postgres else "PostgreSQL from DATABASE_URL"
        kafka = (
            "embedded Tansu broker (memory storage)"
            if self.embedded_broker
            else ("broker from KAFKA_BOOTSTRAP_SERVERS")
        )
        return f"{pg} + {kafka}, 127.0.0.1, work dir {self.workdir}"


@contextlib.contextmanager
def servers(keep: bool = False) -> Iterator[Servers]:
    tmp = tempfile.mkdtemp(prefix="ims-bench-")
    workdir = Path(tmp)
    pg: EmbeddedPostgres | None = None
    broker: EmbeddedBroker | None = None
    try:
        url = os.environ.get("DATABASE_URL") or ""
        if not url:
            pg = EmbeddedPostgres(workdir / "pg", fsync=False)
            url = pg.start()
        bootstrap = os.environ.get("KAFKA_BOOTSTRAP_SERVERS") or ""
        if not bootstrap:
            broker = EmbeddedBroker(log_path=workdir / "broker.log")
            bootstrap = broker.start()
        found = Servers(url, bootstrap, workdir, pg is not None, broker is not None)
        if pg is not None and pg.pid:
            found.pids["postgres"] = pg.pid
        if broker is not None and broker.pid:
            found.pids["broker"] = broker.pid
        yield found
    finally:
        if broker is not None:
            broker.stop()
        if pg is not None:
            pg.stop()
        if not keep:
            import shutil

            shutil.rmtree(workdir, ignore_errors=True)
