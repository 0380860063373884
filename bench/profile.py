"""`python -m bench.profile [--quick]`: where the time goes on the hot paths whose targets are missed.

Not part of `make bench` (profiling slows everything down). Uses pyinstrument when installed (self and
inclusive time per file:function), else cProfile. pyinstrument samples one thread, so each profile also
lists the CPU seconds of every thread of the profiled process (kafka-python's producer network thread
builds and checksums record batches off the main thread). Profiles:

  ingest          a generated GSTR-1 through `file_return` to its commit in the durable event log (worker
                  process, as the bench measures it)
  relay           the product's `Relay` publishing what that filing logged, until the broker acknowledged it
  catch-up        a fresh `ProjectionRunner('ims')` replaying that filing from offset 0
  bulk-api        the API side of a bulk accept of every document of that recipient (in process)
  bulk-relay      the relay publishing those ActionsTaken events
  bulk-consumer   the projector applying them
  filing-api      100 small returns (100-500 invoices) through `file_return`, one after the other
  filing-relay    the relay publishing them
  filing-consumer the projector applying them
  crc32c          kafka-python's CRC-32C on a 220 KB batch: the implementation in use, per MB
  gstr2b          EXPLAIN ANALYZE of the statements `builder.generate` runs (rolled back)
"""

from __future__ import annotations

import argparse
import json
import logging
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text

from bench.common import FILED_ON, FP, bench_settings, run_worker
from bench.data import small_returns, write_return
from bench.hotspots import render, summarize, thread_cpu
from bench.servers import servers
from services.bootstrap import build_container
from services.common.log import configure_logging
from services.common.migrations import upgrade
from services.common.settings import TOPICS
from services.common.topics import ensure_topics


@contextmanager
def profiled(title: str, report: dict[str, Any]) -> Iterator[None]:
    try:
        import pyinstrument
    except ImportError:
        pyinstrument = None  # type: ignore[assignment]
    before = thread_cpu()
    started = time.perf_counter()
    if pyinstrument is not None:
        profiler = pyinstrument.Profiler(interval=0.001, async_mode="disabled")
        profiler.start()
        try:
            yield
        finally:
            profiler.stop()
        assert profiler.last_session is not None
        summary = summarize(profiler.last_session.root_frame())
    else:
        import cProfile
        import pstats

        profile = cProfile.Profile()
        profile.enable()
        try:
            yield
        finally:
            profile.disable()
        pstats.Stats(profile).sort_stats("tottime").print_stats(20)
        summary = {"total_s": time.perf_counter() - started, "self": [], "inclusive_product": []}
    after = thread_cpu()
    summary["wall_s"] = round(time.perf_counter() - started, 3)
    summary["threads_cpu_s"] = {k: round(v - before.get(k, 0.0), 3) for k, v in after.items()}
    report[title] = summary
    show(title, summary)


def show(title: str, summary: dict[str, Any]) -> None:
    print()
    print(render(title, summary))
    threads = {k: v for k, v in summary.get("threads_cpu_s", {}).items() if v >= 0.05}
    if threads:
        print("  CPU seconds per thread: " + ", ".join(f"{k} {v:.2f}" for k, v in threads.items()))


def worker_profile(settings: Any, log: Path, out: Path, title: str, report: dict[str, Any], *argv: str) -> None:
    answer = run_worker(settings, log, *argv, "--profile", str(out))
    try:
        summary = json.loads(out.read_text())  # pyinstrument's summary (bench.hotspots)
    except (UnicodeDecodeError, ValueError):  # without pyinstrument the worker wrote cProfile's binary stats
        import pstats

        pstats.Stats(str(out)).sort_stats("tottime").print_stats(20)
        summary = {"total_s": answer.get("seconds", 0.0), "self": [], "inclusive_product": [], "cprofile": str(out)}
    summary["answer"] = answer
    report[title] = summary
    show(title, summary)
    rate = answer.get("docs_per_s")
    if rate:
        print(f"  (profiled run: {rate:,.0f} docs/s; profiling slows it down)")


def crc32c_cost(report: dict[str, Any]) -> None:
    from kafka.record import util

    data = memoryview(bytes(range(256)) * 860)  # ~220 KB, one 1,000-document DocumentsFiled message
    started = time.perf_counter()
    rounds = 5
    for _ in range(rounds):
        util.calc_crc32c(data)
    seconds = (time.perf_counter() - started) / rounds
    implementation = "C (crc32c package)" if util.crc32c_c is not None else "pure Python (kafka/record/_crc32c.py)"
    report["crc32c"] = {"implementation": implementation, "ms_per_220kb": seconds * 1000,
                        "mb_per_s": len(data) / seconds / 1e6}  # fmt: skip
    print(f"\ncrc32c: {implementation}: {seconds * 1000:.1f} ms per 220 KB batch = "
          f"{len(data) / seconds / 1e6:.1f} MB/s; every produced batch is checksummed once by the producer "
          "and once more by each consumer (check_crcs=True)")  # fmt: skip


def explain_gstr2b(engine: Any, recipient: str, report: dict[str, Any]) -> None:
    from services.common.gst.periods import Period
    from services.gstr2b import builder

    period = Period.parse(FP)
    params = {"r": recipient, "p": period.mmyyyy, "sortable": builder.sortable(period), "v": 1}
    plans: dict[str, Any] = {}
    with engine.connect() as conn:
        transaction = conn.begin()
        try:
            explained = conn.begin_nested()
            statements = (("lines and sums (a first version)", builder.WRITE_LINES),)
            for name, sql in statements:
                started = time.perf_counter()
                explain = text("EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) " + sql)
                rows = conn.execute(explain, params).scalar_one()
                plan = rows[0] if isinstance(rows, list) else json.loads(rows)[0]
                plans[name] = {"seconds": time.perf_counter() - started, "plan": plan}
            explained.rollback()
            started = time.perf_counter()
            builder.generate(conn, recipient, period, "2025-10-14", "profile", str(uuid.uuid4()))
            plans["generate (whole, after the two above)"] = {"seconds": time.perf_counter() - started}
        finally:
            transaction.rollback()
    report["gstr2b"] = {k: {"seconds": v["seconds"]} | ({"plan": v["plan"]} if "plan" in v else {})
                        for k, v in plans.items()}  # fmt: skip
    print("\ngstr2b: EXPLAIN ANALYZE (rolled back)")
    for name, found in plans.items():
        print(f"  {name}: {found['seconds']:.2f} s")
        if "plan" in found:
            for line in _plan_lines(found["plan"]["Plan"], found["plan"].get("Execution Time", 0.0)):
                print("    " + line)
        if "plan" in found and found["plan"].get("Triggers"):
            for trigger in found["plan"]["Triggers"]:
                print(f"    trigger {trigger.get('Trigger Name')}: {trigger.get('Time', 0):.0f} ms")


def _plan_lines(node: dict[str, Any], total_ms: float, depth: int = 0) -> list[str]:
    own = node.get("Actual Total Time", 0.0) * node.get("Actual Loops", 1)
    label = node.get("Node Type", "?")
    if node.get("Relation Name"):
        label += f" on {node['Relation Name']}"
    if node.get("Index Name"):
        label += f" using {node['Index Name']}"
    share = f"{100 * own / total_ms:5.1f}%" if total_ms else ""
    lines = [f"{'  ' * depth}{label}: {own:,.0f} ms {share} rows={node.get('Actual Rows', '?')}"]
    for child in node.get("Plans", []):
        lines += _plan_lines(child, total_ms, depth + 1)
    return lines


def explain_kept(pg_dir: Path, schema: str, output: Path | None) -> int:
    from services.common.db import make_engine
    from services.common.embedded.postgres import EmbeddedPostgres

    server = EmbeddedPostgres(pg_dir, fsync=False)
    engine = make_engine(server.start(), schema)
    try:
        with engine.connect() as conn:
            recipient, documents = conn.execute(
                text("SELECT recipient, sum(n) FROM ims_counts GROUP BY recipient ORDER BY 2 DESC LIMIT 1")
            ).one()
        print(f"GSTR-2B of {recipient} ({int(documents):,} documents) in {pg_dir}")
        report: dict[str, Any] = {"documents": int(documents)}
        explain_gstr2b(engine, recipient, report)
        if output:
            output.write_text(json.dumps(report, indent=1, default=str))
    finally:
        engine.dispose()
        server.stop()
    return 0


def _bulk_api(container: Any, recipient: str) -> dict[str, Any]:
    from services.actions.commands import handlers
    from services.actions.views import queries
    from services.bootstrap import command_ports

    selection = queries.Selection(recipient)
    ports = command_ports(container)
    return handlers.execute(
        ports,
        recipient,
        "BULK",
        lambda: handlers.bulk_items(ports.documents, selection, "A", None, None),
        "profile",
        None,
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.profile", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="20,000 documents instead of 100,000")
    parser.add_argument("--output", type=Path, default=None, help="write every profile summary here (JSON)")
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--explain-pg-dir", type=Path, default=None,
                        help="only EXPLAIN GSTR-2B generation on a kept bench database (bench.run --keep: "
                             "<work dir>/pg), for its recipient with the most documents")  # fmt: skip
    parser.add_argument("--schema", default="bench1")
    args = parser.parse_args(argv)
    configure_logging("console", "warning")
    logging.getLogger("kafka").setLevel(logging.ERROR)
    if args.explain_pg_dir:
        return explain_kept(args.explain_pg_dir, args.schema, args.output)
    documents = 20_000 if args.quick else 100_000
    report: dict[str, Any] = {"documents": documents}
    crc32c_cost(report)
    with servers(keep=args.keep) as srv:
        settings = bench_settings(srv.database_url, srv.kafka_bootstrap, srv.workdir, "prof1")
        container = build_container(settings)
        upgrade(container.engine, settings.db_schema)
        ensure_topics(srv.kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
        log, out = srv.workdir / "workers.log", srv.workdir
        generated = write_return(srv.workdir, documents, 0)
        print(f"profiling with a {documents:,}-document GSTR-1 (work dir {srv.workdir})")
        worker_profile(settings, log, out / "ingest.json", "ingest", report, "ingest", str(generated.path))
        worker_profile(settings, log, out / "relay.json", "relay", report, "relay", str(documents))
        worker_profile(settings, log, out / "catchup.json", "catch-up", report, "catchup", str(documents))
        with profiled("bulk-api", report):
            answer = _bulk_api(container, generated.recipient)
        assert answer["proc_cnt"] == documents, answer
        worker_profile(settings, log, out / "bulk-relay.json", "bulk-relay", report, "relay", str(documents))
        worker_profile(settings, log, out / "bulk.json", "bulk-consumer", report, "catchup", str(documents),
                       "--resume")  # fmt: skip
        load = small_returns(11, 30_000)[:100]
        with profiled("filing-api", report):
            from services.ingest.body import RawReturn
            from services.ingest.handlers import file_return

            for item in load:
                with RawReturn.of_bytes(item.body) as body:
                    file_return(container, body, "gstr1", "filed", date.fromisoformat(FILED_ON), "profile")
        filed = sum(item.documents for item in load)
        worker_profile(settings, log, out / "filing-relay.json", "filing-relay", report, "relay", str(filed))
        worker_profile(settings, log, out / "filing.json", "filing-consumer", report, "catchup", str(filed),
                       "--resume")  # fmt: skip
        explain_gstr2b(container.engine, generated.recipient, report)
        container.close()
    if args.output:
        args.output.write_text(json.dumps(report, indent=1, default=str))
        print(f"\nwrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
