"""Measurements that run in a process of their own, so peak RSS (getrusage) belongs to one run.

`python -m bench.worker ingest FILE [--until-relayed]` files a GSTR-1 from disk through `file_return` (read +
parse + validate + commit to the durable event log) and, with `--until-relayed`, then waits until the running
`ims relay` has the broker acknowledge what it logged (the relay alone: the filing commits in one
transaction, so the relay starts on it only then); `python -m bench.worker relay DOCUMENTS` runs the
product's `Relay` in this process until everything logged is acknowledged (for a profile);
`python -m bench.worker catchup DOCUMENTS` replays the IMS projection from offset 0 with a fresh
`ProjectionRunner`. Settings come from the environment
(`Settings.from_env`, as the product's own processes read them); the result is one JSON line on stdout.
"""

from __future__ import annotations

import argparse
import json
import logging
import os
import resource
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from services.common.log import configure_logging
from services.common.settings import EVENTS_TOPIC, Settings


def peak_rss_mb() -> float:
    """This process's own peak RSS: VmHWM, not ru_maxrss, which on Linux keeps the RSS of the parent that
    forked us (a bench orchestrator holding hundreds of MB would show up as every worker's peak)."""
    from bench.common import hwm_mb

    return hwm_mb(os.getpid()) or resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def ingest(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    from bench.common import FILED_ON
    from services.bootstrap import build_container
    from services.ingest.body import RawReturn
    from services.ingest.handlers import file_return

    container = build_container(settings)
    logged_before = _last_seq(container.engine)
    baseline = peak_rss_mb()
    profiler = _profiler(args.profile)
    started = time.perf_counter()
    with RawReturn.of_file(Path(args.file)) as body:
        spooled = time.perf_counter()
        answer = file_return(container, body, "gstr1", "filed", date.fromisoformat(FILED_ON), "bench")
    finished = time.perf_counter()
    _stop_profiler(profiler, args.profile)
    documents = int(answer["proc_cnt"])
    found = {
        "documents": documents,
        "errors": int(answer["err_cnt"]),
        "status_cd": answer["status_cd"],
        "seconds": finished - started,
        "hash_compress_s": spooled - started,
        "file_return_s": finished - spooled,
        "docs_per_s": documents / (finished - started),
        "peak_rss_mb": peak_rss_mb(),
        "baseline_rss_mb": baseline,
    }
    if args.until_relayed:
        from bench.relay import wait_relayed

        relayed = wait_relayed(container.engine, timeout=3600, interval=0.005)
        events = _last_seq(container.engine) - logged_before
        found |= {
            "events": events,
            "relay_s": relayed - finished,
            "relay_docs_per_s": documents / (relayed - finished),
            "relay_events_per_s": events / (relayed - finished),
            "relayed_s": relayed - started,
            "relayed_docs_per_s": documents / (relayed - started),
        }
    container.close()
    return found


def _last_seq(engine: Any) -> int:
    from sqlalchemy import text

    with engine.connect() as conn:
        return int(conn.execute(text("SELECT coalesce(max(seq), 0) FROM event_log")).scalar_one())


def relay(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    """The product's relay in this process (where a profiler sees it) until the broker acknowledged the log."""
    from bench.relay import unrelayed
    from services.bootstrap import build_container, build_relay

    container = build_container(settings)
    events = unrelayed(container.engine)
    log_relay = build_relay(container)
    stop = threading.Event()
    finished: list[float] = []

    def watch() -> None:
        while not stop.is_set():
            if unrelayed(container.engine) == 0:
                finished.append(time.perf_counter())
                stop.set()
                return
            time.sleep(0.005)

    watcher = threading.Thread(target=watch, name="relayed", daemon=True)
    profiler = _profiler(args.profile)
    started = time.perf_counter()
    watcher.start()
    try:
        log_relay.run(stop, idle_wait=0.05)
    finally:
        stop.set()
    _stop_profiler(profiler, args.profile)
    container.close()
    if not finished:
        raise RuntimeError("the relay stopped before the broker acknowledged the log")
    seconds = finished[0] - started
    return {
        "documents": args.documents,
        "events": events,
        "seconds": seconds,
        "docs_per_s": args.documents / seconds,
        "events_per_s": events / seconds,
        "peak_rss_mb": peak_rss_mb(),
    }


def catchup(settings: Settings, args: argparse.Namespace) -> dict[str, Any]:
    from bench.common import checkpoints_reached, end_offsets
    from services.bootstrap import load_codec, projection_factories
    from services.common import checkpoints
    from services.common.db import make_engine
    from services.common.runner import ProjectionRunner, consumer_factory

    assert settings.database_url and settings.kafka_bootstrap
    engine = make_engine(settings.database_url, settings.db_schema)
    with engine.connect() as conn:
        if checkpoints.stored(conn, "ims") and not args.resume:
            raise SystemExit("catch-up needs a schema where the ims projection never ran (or --resume)")
    ends = end_offsets(settings.kafka_bootstrap, settings.topic(EVENTS_TOPIC), settings.partitions)
    assigned: list[float] = []

    class TimedRunner(ProjectionRunner):
        """The product's runner; only notes when the group join ended (partitions assigned)."""

        def seek_to_checkpoints(self, partitions: list[Any]) -> None:
            assigned.append(time.perf_counter())
            super().seek_to_checkpoints(partitions)

    runner = TimedRunner(
        projection_factories(settings)["ims"](),
        engine,
        load_codec(),
        consumer_factory(settings.kafka_bootstrap, settings.group("ims"), settings),
        batch_size=settings.batch_size,
        skip_unknown=settings.skip_unknown_events,
    )
    stop = threading.Event()
    finished: list[float] = []

    def watch() -> None:  # the runner stays on the main thread, where a profiler sees it
        while not stop.is_set():
            if checkpoints_reached(engine, "ims", ends):
                finished.append(time.perf_counter())
                stop.set()
                return
            time.sleep(0.02)

    watcher = threading.Thread(target=watch, name="caught-up", daemon=True)
    profiler = _profiler(args.profile)
    started = time.perf_counter()
    cpu_before = time.process_time()
    watcher.start()
    try:
        runner.run(stop)
    finally:
        stop.set()
    _stop_profiler(profiler, args.profile)
    if not finished:
        raise RuntimeError("the projection runner stopped before catching up")
    joined = assigned[0] if assigned else started
    documents = args.documents
    return {
        "documents": documents,
        "messages": sum(ends.values()),
        "applied_messages": runner.applied,
        "seconds_total": finished[0] - started,
        "group_join_s": joined - started,
        "seconds_after_join": finished[0] - joined,
        "docs_per_s": documents / (finished[0] - joined),
        "docs_per_s_incl_join": documents / (finished[0] - started),
        "process_cpu_s": time.process_time() - cpu_before,  # join included; PostgreSQL's own work is not
        "peak_rss_mb": peak_rss_mb(),
    }


_THREADS_BEFORE: dict[str, float] = {}


def _profiler(path: str | None) -> Any:
    if not path:
        return None
    from bench.hotspots import thread_cpu

    _THREADS_BEFORE.update(thread_cpu())
    try:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.001, async_mode="disabled")
        profiler.start()
        return profiler
    except ImportError:
        import cProfile

        profile = cProfile.Profile()
        profile.enable()
        return profile


def _stop_profiler(profiler: Any, path: str | None) -> None:
    if profiler is None or not path:
        return
    if hasattr(profiler, "output_text"):
        profiler.stop()
        from bench.hotspots import write_pyinstrument

        write_pyinstrument(profiler, Path(path), _THREADS_BEFORE)
    else:
        profiler.disable()
        profiler.dump_stats(path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.worker")
    commands = parser.add_subparsers(dest="command", required=True)
    one = commands.add_parser("ingest")
    one.add_argument("file")
    one.add_argument("--profile", default=None, help="write a profile of the measured section here")
    one.add_argument("--until-relayed", action="store_true", help="then time a running `ims relay` publishing it")
    two = commands.add_parser("catchup")
    two.add_argument("documents", type=int)
    two.add_argument("--resume", action="store_true", help="continue from the stored checkpoints")
    two.add_argument("--profile", default=None)
    three = commands.add_parser("relay")
    three.add_argument("documents", type=int, help="documents in what is logged and not yet relayed")
    three.add_argument("--profile", default=None)
    args = parser.parse_args(argv)
    settings = Settings.from_env()
    configure_logging(settings.log_format, "warning")
    logging.getLogger("kafka").setLevel(logging.ERROR)  # kafka-python's event-loop timing warnings
    result = {"ingest": ingest, "relay": relay, "catchup": catchup}[args.command](settings, args)
    print(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
