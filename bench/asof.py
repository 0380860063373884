"""As-of views at 1,000,000 documents: a stage of `bench.run`, or alone: `python -m bench.asof [--quick]`.

On a schema and topic namespace of its own, through a real `ims api`, `ims relay` and `ims consume ims`:
the history of `bench/asof_history.py` (one recipient, 1,100,000 documents; quick mode 22,000), then the
snapshot step as the scheduler runs it (product defaults but every snapshot kept) with a third supplier's
return (100,000) filed meanwhile, then:

- as-of latency over HTTP, one call at a time, alternating GET counts?as_of= and GET documents?as_of=&limit=500,
  at seeded instants drawn uniformly over the history outside the span of any one request (the chunks of
  one filing share no instant a recipient could have seen), plus the instant after each step; p50/p99/max;
- for comparison, a view rebuilt from the first event at the last instant (what every call cost before);
- the snapshot step: wall seconds, snapshots cut, their size on disk;
- the hot path: filing to projected of a return while the snapshot step runs, against the same with it idle.
"""

from __future__ import annotations

import argparse
import random
import threading
import time
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import text

from bench.asof_history import History, Stack, build, stack
from bench.common import FILED_ON, FP, Figure, median, percentile
from bench.stages import Context, say
from services.actions.views import asof, queries, snapshot_step, snapshots
from services.bootstrap import build_container
from services.common.migrations import upgrade
from services.common.settings import EVENTS_TOPIC, TOPICS
from services.common.topics import ensure_topics
from services.demo.synthetic import large_return

TARGET_MS = 2000


def run(ctx: Context) -> None:
    tag = f"{ctx.settings.db_schema}_asof"
    # Every snapshot is kept: the history is weeks of the GST calendar pressed into minutes, so the default
    # IMS_SNAPSHOT_KEEP (8 per recipient, and the last of each month) would thin what the samples ask about.
    settings = replace(ctx.settings, db_schema=tag, topic_namespace=f"{tag}.", snapshot_keep=1000)
    container = build_container(settings)
    upgrade(container.engine, tag)
    ensure_topics(ctx.servers.kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
    big, second = ctx.sizes.big, max(1000, ctx.sizes.big // 10)
    try:
        with stack(settings, container.engine, ctx.servers.workdir) as running:
            history = build(running, ctx.data_dir, big, second, say)
            _snapshot_step(ctx, running, container, history, second)
            _views(ctx, running, history, 60 if ctx.sizes.quick else 200)
            _rebuild(ctx, container, history)
            idle = _filing(running, history.recipient, second, 4)
            ctx.results.add(
                Figure("asof_hot_path_idle_s", f"  filing {second:,} to projected, idle", idle, "s", group="as-of")
            )
    finally:
        if not (ctx.servers.embedded_postgres and ctx.servers.embedded_broker):
            _drop(container, ctx.servers.kafka_bootstrap, tag)
        container.close()


def _drop(container: Any, bootstrap: str, tag: str) -> None:
    """External servers: this stage's schema, snapshots and topics go."""
    from kafka import KafkaAdminClient

    snapshot_step.drop_all(container)
    with container.engine.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{snapshots.template_name(tag)}" CASCADE'))
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{tag}" CASCADE'))
    admin = KafkaAdminClient(bootstrap_servers=bootstrap)
    try:
        mine = [t for t in admin.list_topics() if t.startswith(f"{tag}.")]
        if mine:
            admin.delete_topics(mine)
    finally:
        admin.close()


def _snapshot_step(ctx: Context, running: Stack, container: Any, history: History, second: int) -> None:
    """The first pass after the history, with a filing made while it runs (the hot path under its load)."""
    passes: list[float] = []

    def one_pass() -> None:
        started = time.perf_counter()
        snapshot_step.run_pass(container)
        passes.append(time.perf_counter() - started)

    worker = threading.Thread(target=one_pass)
    worker.start()
    time.sleep(1.0)
    busy = _filing(running, history.recipient, second, 3)
    history.steps.append((f"file {second:,} documents of a third supplier", running.wait_projected(), busy))
    worker.join()
    one_pass()  # what the scheduler's next pass does: the third return's tail
    with container.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT s.schema_name, s.events, s.documents, s.build_ms, "
                "(SELECT CAST(sum(pg_total_relation_size(c.oid)) AS bigint) FROM pg_class c "
                "WHERE c.relnamespace = CAST(quote_ident(s.schema_name) AS regnamespace) "
                "AND c.relkind IN ('r', 'i', 't', 'm')) FROM ims_snapshots s ORDER BY s.events"
            )
        ).all()
    say(f"  snapshot step: {len(rows)} snapshots in {passes[0]:.1f} s (+{passes[1]:.1f} s for the next pass)")
    for _, events, documents, build_ms, size in rows:
        mb, built = size / 2**20, build_ms / 1000
        say(f"    after {events:>5} events: {documents:>9,} documents, {mb:7.0f} MB, built in {built:.1f} s")
    largest = max(rows, key=lambda r: r[2])
    details = {
        "snapshots": [dict(zip(("schema", "events", "documents", "build_ms", "bytes"), r, strict=True)) for r in rows]
    }
    results = ctx.results
    results.add(
        Figure(
            "asof_snapshot_pass_s",
            "snapshot step, first pass",
            passes[0],
            "s",
            group="as-of",
            details=details | {"next_pass_s": passes[1]},
        )
    )
    results.add(
        Figure(
            "asof_snapshot_mb", f"  snapshot of {largest[2]:,} docs on disk", largest[4] / 2**20, "MB", group="as-of"
        )
    )
    results.add(
        Figure("asof_hot_path_busy_s", f"  filing {second:,} to projected, during the step", busy, "s", group="as-of")
    )


def _filing(running: Stack, recipient: str, documents: int, supplier_no: int) -> float:
    """A return of another supplier to the recipient, timed from the POST until the projector applied it."""
    from services.common.gst.gstin import check_character

    first14 = f"27AAACB{2230 + supplier_no:04d}M1Z"
    body = "".join(large_return(supplier_no, FP, documents, recipients=1))
    import json

    head = json.loads(body)
    body = body.replace(head["gstin"], first14 + check_character(first14), 1).replace(head["b2b"][0]["ctin"], recipient)
    started = time.perf_counter()
    answer = running.http.post(f"/v1/returns/gstr1?status=filed&filed_on={FILED_ON}", content=body)
    assert answer.status_code == 200 and answer.json()["proc_cnt"] == documents, answer.text[:300]
    running.wait_projected()
    return time.perf_counter() - started


def _instants(running: Stack, history: History, samples: int) -> list[str]:
    """Seeded instants uniform over the history, none inside one request's span; and each step's."""
    with running.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT occurred_at, (SELECT h->>1 FROM jsonb_array_elements(headers) h WHERE h->>0 = "
                "'ims-correlation-id') FROM event_log WHERE topic = :t AND msg_key = :r ORDER BY seq"
            ),
            {"t": running.settings.topic(EVENTS_TOPIC), "r": history.recipient},
        ).all()
    spans: dict[str, list[str]] = {}
    for at, correlation in rows:
        spans.setdefault(correlation, []).append(at)
    blocked = [(min(v), max(v)) for v in spans.values() if len(v) > 1]
    first = datetime.fromisoformat(min(at for at, _ in rows))
    last = datetime.fromisoformat(max(at for at, _ in rows)) + timedelta(seconds=1)
    rng, found = random.Random(20251101), []
    while len(found) < samples:
        at = (first + (last - first) * rng.random()).isoformat(timespec="microseconds")
        if not any(low <= at <= high for low, high in blocked):
            found.append(at)
    return found + [at for _, at, _ in history.steps] + history.burst


def _views(ctx: Context, running: Stack, history: History, samples: int) -> None:
    recipient = history.recipient
    seconds: dict[str, list[float]] = {"counts": [], "documents": []}
    instants = _instants(running, history, samples)
    tails = _tails(running, recipient, instants)
    every: list[float] = []
    for index, at in enumerate(instants):
        which = "counts" if index % 2 == 0 else "documents"
        params = {"as_of": at} | ({"limit": 500} if which == "documents" else {})
        started = time.perf_counter()
        answer = running.http.get(f"/v1/ims/{recipient}/{which}", params=params)
        every.append((time.perf_counter() - started) * 1000)
        seconds[which].append(every[-1])
        assert answer.status_code == 200, answer.text[:300]
    p50, p99, worst = median(every), percentile(every, 99), max(every)
    with running.engine.connect() as conn:
        documents = int(conn.execute(text("SELECT count(*) FROM ims_documents")).scalar_one())
    say(f"  as-of over HTTP, {len(every)} calls: p50 {p50:.0f} ms, p99 {p99:.0f} ms, max {worst:.0f} ms")
    by_tail: dict[int, list[float]] = {}
    for tail, ms in zip(tails, every, strict=True):
        by_tail.setdefault(tail, []).append(ms)
    for tail, found in sorted(by_tail.items()):
        say(
            f"    {tail:>4} events after the snapshot: {len(found):>3} calls, median {median(found):5.0f} ms, "
            f"max {max(found):5.0f} ms"
        )
    details = {
        "tail_events": tails,
        "calls": len(every),
        "samples_ms": seconds,
        "documents": documents,
        "how": "instants uniform over the history outside one request's span, each step's, each burst answer's",
    }
    ctx.results.add(
        Figure(
            "asof_p99_ms",
            f"as-of p99 over HTTP ({documents:,} docs)",
            p99,
            "ms",
            target=TARGET_MS,
            better="lower",
            group="as-of",
            details=details,
        )
    )
    ctx.results.add(Figure("asof_p50_ms", "  as-of p50", p50, "ms", group="as-of"))
    ctx.results.add(Figure("asof_max_ms", "  as-of max", worst, "ms", group="as-of"))


def _tails(running: Stack, recipient: str, instants: list[str]) -> list[int]:
    """How many events each view applies after its snapshot (the recipient's events by then, less the
    snapshot's; exact while occurred-at grows along the log, as it does here)."""
    query = text(
        "SELECT (SELECT count(*) FROM event_log WHERE topic = :t AND msg_key = :r AND occurred_at <= :at) - "
        "coalesce((SELECT max(events) FROM ims_snapshots WHERE recipient = :r AND max_occurred_at <= :at), 0)"
    )
    topic = running.settings.topic(EVENTS_TOPIC)
    with running.engine.connect() as conn:
        return [int(conn.execute(query, {"t": topic, "r": recipient, "at": at}).scalar_one()) for at in instants]


def _rebuild(ctx: Context, container: Any, history: History) -> None:
    """The former cost of every call: the whole history applied from the first event."""
    started = time.perf_counter()
    with asof.as_of(container, history.recipient, history.steps[-1][1], from_snapshots=False) as conn:
        total = queries.counts(conn, history.recipient)["all_oth"]["ttl_cnt"]
    seconds = time.perf_counter() - started
    say(f"  the same view rebuilt from the first event: {seconds:.1f} s ({total:,} documents in IMS)")
    ctx.results.add(Figure("asof_rebuild_s", "  as-of rebuilt from the first event", seconds, "s", group="as-of"))


def main(argv: list[str] | None = None) -> int:
    import logging

    from bench import report
    from bench.common import MemorySampler, Results, Sizes, bench_settings
    from bench.servers import servers
    from services.common.db import make_engine
    from services.common.log import configure_logging

    parser = argparse.ArgumentParser(prog="python -m bench.asof", description=__doc__)
    parser.add_argument("--quick", action="store_true")
    args = parser.parse_args(argv)
    configure_logging("console", "warning")
    logging.getLogger("kafka").setLevel(logging.ERROR)
    sizes = Sizes.for_mode(args.quick)
    results = Results("quick" if args.quick else "full", sizes)
    with servers() as srv:
        settings = bench_settings(srv.database_url, srv.kafka_bootstrap, srv.workdir, "bench1")
        engine = make_engine(srv.database_url, settings.db_schema)
        ctx = Context(
            srv,
            sizes,
            settings,
            "",
            "",
            results,
            MemorySampler(),
            engine,
            srv.workdir / "workers.log",
            srv.workdir / "data",
        )
        try:
            run(ctx)
        finally:
            engine.dispose()
    print(report.table(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
