"""`ims status`: what is running, each projection's lag behind the log, the relay's backlog and the time of
the last event logged, read from PostgreSQL like `/metrics` (services/api/metrics.py) and from the stack
file of a running `ims up` (services/cli/stackfile.py)."""

from __future__ import annotations

import argparse
import re
from collections import defaultdict

from sqlalchemy import text

from services.api.metrics import _PROJECTIONS, _RELAY
from services.bootstrap import projection_factories
from services.cli import stackfile
from services.common.db import make_engine
from services.common.settings import PURCHASES_TOPIC, Settings
from services.recon.door import NAME as DOOR


def add_command(commands: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    status = commands.add_parser("status", help="what is running, projection lag, the relay's backlog, last event")
    status.set_defaults(handler=run)


def _hidden(url: str) -> str:
    return re.sub(r"://([^:/@]+):[^@]*@", r"://\1:***@", url)


def run(settings: Settings, _args: argparse.Namespace) -> int:
    stack = stackfile.read(settings.home)
    if stack is not None and stack.running:
        print(f"ims up     running (pid {stack.pid}); API {stack.api}")
    else:
        print(f"ims up     not running from {settings.home}")
    if not settings.database_url:
        print("database   unknown: no running `ims up` here and DATABASE_URL is not set")
        return 1
    print(f"database   {_hidden(settings.database_url)}")
    print(f"broker     {settings.kafka_bootstrap or 'unknown (KAFKA_BOOTSTRAP_SERVERS is not set)'}")
    engine = make_engine(settings.database_url, settings.db_schema)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text(_PROJECTIONS)).all()
            queued, unacknowledged, epoch = conn.execute(text(_RELAY)).one()
            newest = conn.execute(text("SELECT occurred_at, seq FROM event_log ORDER BY seq DESC LIMIT 1")).first()
    finally:
        engine.dispose()
    if newest is None:
        print("event log  empty")
    else:
        print(f"event log  up to seq {newest[1]:,}; the last event occurred at {newest[0]}")
    print(f"relay      {queued:,} queued, {unacknowledged:,} not yet acknowledged by the broker; epoch {epoch}")
    lag: dict[str, int] = defaultdict(int)
    applied: dict[str, int] = defaultdict(int)
    stopped: dict[str, int] = defaultdict(int)
    for projection, _topic, _partition, next_offset, count, fault, end in rows:
        applied[projection] += count
        lag[projection] += max(0, end - next_offset) if end is not None else 0
        stopped[projection] += 1 if fault is not None and fault >= next_offset else 0
    for projection in sorted(set(applied) | set(projection_factories(settings))):
        if projection not in applied:
            print(f"projection {projection}: no checkpoint yet (nothing on its topics, or its consumer never ran)")
            continue
        if projection == DOOR:  # an ERP's topic, not our log: no lag to tell, and a fault never stops it
            print(f"door       {projection}: {applied[projection]:,} messages taken from {PURCHASES_TOPIC}")
            continue
        note = f"; {stopped[projection]} partition(s) stopped by a poison message" if stopped[projection] else ""
        print(f"projection {projection}: {applied[projection]:,} events applied, lag {lag[projection]:,}{note}")
    return 0
