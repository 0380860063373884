"""`python -m bench.catchup [--quick] [--runs N] [--profile DIR]`: the catch-up figure alone, beside the raw limit.

The `make bench` catch-up stage needs every stage before it; this one files the same returns (quick: two of
10,000 and two of 20,000 documents, 60,000 as in `make bench QUICK=1`; full: three of 100,000), has the
product's relay publish them, measures the raw chunked pipeline on the same servers, then replays the IMS
projection from offset 0 `--runs` times (the read model and its checkpoints emptied between runs) with the
bench's own worker (`bench.worker catchup`), and prints docs/s, the ratio to the raw chunked end to end and
the read model's digests, which must be equal in every run. `--python` first runs with every native path
off, the reference the other runs' digests must equal. `--profile DIR` profiles the last run.
"""

from __future__ import annotations

import argparse
import logging
import os
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bench.common import bench_settings, run_worker
from bench.data import write_return
from bench.raw import RawLimit
from bench.servers import servers
from services.actions.projector.projection import ImsProjection
from services.common.db import make_engine
from services.common.digest import digests
from services.common.log import configure_logging
from services.common.migrations import upgrade
from services.common.settings import TOPICS
from services.common.topics import ensure_topics

NATIVE_SWITCHES = ("IMS_NATIVE_DECODE", "IMS_NATIVE_COPY")


def reset(engine: Engine) -> None:
    """The IMS projection as if it never ran: its tables and checkpoints emptied."""
    with engine.begin() as conn:
        tables = conn.execute(
            text("SELECT tablename FROM pg_tables WHERE schemaname = current_schema() AND tablename = ANY(:t)"),
            {"t": list(ImsProjection.tables)},
        ).scalars()
        conn.execute(text(f"TRUNCATE {', '.join(tables)}"))
        conn.execute(text("DELETE FROM projection_checkpoints WHERE projection = 'ims'"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.catchup", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="60,000 documents instead of 300,000")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--python",
        action="store_true",
        help="first a run with every native path off (the "
        "Python reference, IMS_NATIVE_DECODE=0 IMS_NATIVE_COPY=0), whose digests the others must equal",
    )
    parser.add_argument("--profile", type=Path, default=None, help="profile the last run into this directory")
    args = parser.parse_args(argv)
    configure_logging("console", "warning")
    logging.getLogger("kafka").setLevel(logging.ERROR)
    sizes = (10_000, 10_000, 20_000, 20_000) if args.quick else (100_000, 100_000, 100_000)
    documents = sum(sizes)
    with servers() as srv:
        settings = bench_settings(srv.database_url, srv.kafka_bootstrap, srv.workdir, "cu1")
        engine = make_engine(srv.database_url, settings.db_schema)
        upgrade(engine, settings.db_schema)
        ensure_topics(srv.kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
        log = srv.workdir / "workers.log"
        for run, size in enumerate(sizes):
            generated = write_return(srv.workdir, size, run)
            run_worker(settings, log, "ingest", str(generated.path))
        relayed = run_worker(settings, log, "relay", str(documents))
        print(f"{documents:,} documents filed and relayed ({relayed['events']} events)", flush=True)
        raw = RawLimit(srv.database_url, srv.kafka_bootstrap, "cu1_raw.", "cu1_raw")
        try:
            raw.prepare()
            chunked = raw.chunked(min(documents, 100_000))
        finally:
            raw.close()
        limit = chunked["end_to_end_docs_per_s"]
        stages = ", ".join(f"{k} {v:,.0f}" for k, v in chunked["stage_docs_per_s"].items())
        print(f"raw chunked end to end {limit:,.0f} docs/s ({stages})", flush=True)
        seen: list[dict[str, Any]] = []
        for run in range(-1 if args.python else 0, args.runs):
            reset(engine)
            os.environ.update({name: "0" if run < 0 else "1" for name in NATIVE_SWITCHES})
            extra: list[str] = []
            if args.profile and run == args.runs - 1:
                args.profile.mkdir(parents=True, exist_ok=True)
                extra = ["--profile", str(args.profile / "catchup.json")]
            answer = run_worker(settings, log, "catchup", str(documents), *extra)
            with engine.connect() as conn:
                seen.append(digests(conn, ImsProjection.tables))
            rate, label = answer["docs_per_s"], "Python only" if run < 0 else f"run {run + 1}"
            print(
                f"catch-up {label}: {rate:,.0f} docs/s ({rate / limit:.2f} x raw), "
                f"{answer['seconds_after_join']:.2f} s after a {answer['group_join_s']:.2f} s join, "
                f"projector CPU {answer['process_cpu_s']:.2f} s, peak RSS {answer['peak_rss_mb']:,.0f} MB"
                f"{' (profiled)' if extra else ''}",
                flush=True,
            )
        if any(found != seen[0] for found in seen):
            raise SystemExit("the read model differs between runs")
        for table, (rows, digest) in seen[0].items():
            print(f"  {table}: {rows} rows, md5 {digest}")
        engine.dispose()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
