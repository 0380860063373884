"""`make bench` / `python -m bench.run [--quick]`: every benchmark figure next to the machine's raw limit.

Starts an embedded PostgreSQL (fsync off) and Tansu broker in a temporary directory on 127.0.0.1, or uses
DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS when set (then in a schema and topic namespace of its own, removed at
the end), runs the stages below in order, prints a table and writes bench/results.json:

  1. raw limit        Avro encode -> kafka-python produce -> consume -> decode -> COPY, same servers
  2. ingest           a generated GSTR-1 file through `file_return` to its commit in the durable event log, a
                      process per run, with `ims relay` running: the relay alone (log -> broker-acknowledged),
                      file -> relayed end to end, and what the relay costs against the raw produce limit
  3. catch-up         a fresh `ProjectionRunner` for "ims" replays everything ingested from offset 0
  4. counts, GSTR-2B  on the recipient with the most documents (1,000,000; 20,000 with --quick)
  5. live             `ims api` + `ims relay` + `ims consume ims`: filing-to-visible latency under a steady
                      load, counts over HTTP, bulk accept (100,000; 10,000 with --quick)
  6. as-of views      p99 of GET counts / documents ?as_of= at 1,100,000 documents, from snapshots (bench/asof.py)
  7. soak             a real `ims up` (embedded servers of its own) under a steady load of filings, SAVE, bulk
                      actions and clock ticks for 10 minutes (90 s with --quick) while its processes are killed
                      -9 in turn (api, relay, consumer, notifier, scheduler, broker, PostgreSQL): throughput,
                      request latency, recovery per kind, retries, and nothing lost or doubled (bench/soak.py)
"""

from __future__ import annotations

import argparse
import logging
import os
import platform
import sys
import time
import traceback
import uuid
from collections.abc import Callable
from pathlib import Path

from bench import asof, ingest, live, plots, report, soak, stages
from bench.common import CpuSnapshot, MemorySampler, Results, Sizes, bench_settings, hwm_mb
from bench.servers import servers
from services.common.db import make_engine
from services.common.log import configure_logging
from services.common.migrations import upgrade
from services.common.settings import TOPICS
from services.common.topics import ensure_topics

RESULTS = Path(__file__).resolve().parent / "results.json"


def _environment(srv_description: str) -> dict[str, object]:
    try:
        import crc32c  # noqa: F401

        crc = "C extension (crc32c)"
    except ImportError:
        crc = "pure Python (the crc32c package is not installed)"
    import kafka

    from services.ingest import fastrows

    return {
        "native_rows": fastrows.describe(),
        "python": sys.version.split()[0],
        "platform": platform.platform(),
        "cpus": os.cpu_count(),
        "memory_gb": round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1),
        "servers": srv_description,
        "kafka_python": kafka.__version__,
        "kafka_python_crc32c": crc,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.run", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--quick", action="store_true", help="smaller sizes, under two minutes")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory (server logs)")
    parser.add_argument("--output", type=Path, default=RESULTS)
    args = parser.parse_args(argv)
    configure_logging("console", "warning")
    logging.getLogger("kafka").setLevel(logging.ERROR)  # kafka-python's event-loop timing warnings
    began = time.perf_counter()
    sizes = Sizes.for_mode(args.quick)
    results = Results("quick" if args.quick else "full", sizes)
    print(f"IMS bench ({results.mode} mode): {sizes.describe()}", flush=True)
    sampler = MemorySampler()
    sampler.watch("bench (this process)", os.getpid())
    sampler.start()
    try:
        with servers(keep=args.keep) as srv:
            results.environment = _environment(srv.describe())
            print(f"servers: {srv.describe()}", flush=True)
            print(
                f"kafka-python {results.environment['kafka_python']}, CRC32C: "
                f"{results.environment['kafka_python_crc32c']}",
                flush=True,
            )
            if srv.embedded_postgres:
                results.notes.append("embedded PostgreSQL runs with fsync=off: commits are not flushed to disk")
            for name, pid in srv.pids.items():
                sampler.watch(name, pid, with_children=name == "postgres")
            external = not (srv.embedded_postgres and srv.embedded_broker)
            tag = f"bench_{uuid.uuid4().hex[:8]}" if external else "bench1"
            settings = bench_settings(srv.database_url, srv.kafka_bootstrap, srv.workdir, tag)
            engine = make_engine(srv.database_url, settings.db_schema)
            ctx = stages.Context(
                servers=srv,
                sizes=sizes,
                settings=settings,
                raw_namespace=f"{tag}_raw.",
                raw_schema=f"{tag}_raw",
                results=results,
                sampler=sampler,
                engine=engine,
                log=srv.workdir / "workers.log",
                data_dir=srv.workdir / "data",
            )
            try:
                upgrade(engine, settings.db_schema)
                ensure_topics(srv.kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
                _run_stages(ctx)
                sampler.unwatch("broker")  # its own peak (VmHWM) before it stops
            finally:
                if external:
                    _drop(ctx, tag)
                engine.dispose()
    finally:
        sampler.stop()
    sampler.record("bench (this process)", hwm_mb(os.getpid()))
    results.memory = {k: round(v, 1) for k, v in sorted(sampler.peaks.items())}
    _memory_figures(results)
    report.assign_ratios(results)
    results.stages["total"] = round(time.perf_counter() - began, 1)
    print()
    print(report.table(results))
    print(report.RATIO_LEGEND)
    for note in results.notes:
        print(f"note: {note}")
    print(report.summary(results))
    if results.errors:
        print(f"{len(results.errors)} stage(s) failed: " + "; ".join(results.errors))
    report.write_json(results, args.output)
    print(f"wrote {args.output} - {results.mode} run took {results.stages['total']:.0f} s")
    for chart in plots.write_plots(results.to_json(), args.output.parent / "out"):
        print(f"wrote {chart}")
    return 1 if results.errors else 0


def _run_stages(ctx: stages.Context) -> None:
    plan: list[tuple[str, Callable[[stages.Context], None], tuple[str, ...]]] = [
        ("raw limit", stages.raw_limit, ()),
        ("ingest", ingest.run, ()),
        ("projector catch-up", stages.catchup, ("ingest",)),
        ("counts", stages.counts_in_process, ("projector catch-up",)),
        ("GSTR-2B", stages.gstr2b, ("projector catch-up",)),
        ("live: latency, counts over HTTP, bulk accept", live.run, ("projector catch-up",)),
        ("as-of views", asof.run, ()),  # a schema and recipient of its own (bench/asof.py)
        ("soak with faults", soak.stage, ()),  # an `ims up` of its own (bench/soak.py)
    ]
    failed: set[str] = set()
    servers = list(ctx.servers.pids.values())
    first = CpuSnapshot.take(servers)
    for name, stage, needs in plan:
        missing = [n for n in needs if n in failed]
        if missing:
            print(f"\n== {name}: skipped, needs {', '.join(missing)}", flush=True)
            failed.add(name)
            continue
        print(f"\n== {name}", flush=True)
        started = time.perf_counter()
        before = CpuSnapshot.take(servers)
        try:
            stage(ctx)
        except Exception as exc:
            traceback.print_exc()
            ctx.results.errors.append(f"{name}: {exc!r}"[:500])
            failed.add(name)
        cpu = CpuSnapshot.take(servers).since(before)
        ctx.results.stages[name] = round(time.perf_counter() - started, 1)
        ctx.results.cpu[name] = cpu
        print(
            f"   ({ctx.results.stages[name]:.1f} s; CPU: bench {cpu['bench_cpu_s']:.1f} s, "
            f"other processes {cpu['other_processes_cpu_s']:.1f} s = "
            f"{cpu['other_processes_cpus']:.2f} of {cpu['cpus']} CPUs)",
            flush=True,
        )
    whole = CpuSnapshot.take(servers).since(first)
    ctx.results.cpu["all stages"] = whole
    if whole["other_processes_cpus"] > 0.1:
        ctx.results.notes.append(
            f"other processes on this machine used {whole['other_processes_cpu_s']:.0f} CPU-seconds "
            f"({whole['other_processes_cpus']:.2f} of {whole['cpus']} CPUs on average) while the bench ran: "
            "figures are lower than on an idle machine; per-stage shares are in results.json (cpu)"
        )


def _memory_figures(results: Results) -> None:
    from bench.common import Figure

    for name, megabytes in results.memory.items():
        if name.startswith(("ingest worker", "catch-up")):
            continue  # already figures of their stages
        label = name + (" (all backends, shared memory counted per process)" if name == "postgres" else "")
        results.add(Figure(f"peak_rss_{name}", f"  peak RSS {label}", megabytes, "MB", group="memory"))


def _drop(ctx: stages.Context, tag: str) -> None:
    """External servers: remove this run's schemas and topics."""
    from kafka import KafkaAdminClient
    from sqlalchemy import text

    try:
        with ctx.engine.begin() as conn:
            for schema in (tag, f"{tag}_raw"):
                conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        admin = KafkaAdminClient(bootstrap_servers=ctx.servers.kafka_bootstrap)
        try:
            mine = [t for t in admin.list_topics() if t.startswith((f"{tag}.", f"{tag}_raw."))]
            if mine:
                admin.delete_topics(mine)
        finally:
            admin.close()
    except Exception as exc:
        print(f"cleanup of {tag}: {exc!r}", file=sys.stderr)


if __name__ == "__main__":
    sys.exit(main())
