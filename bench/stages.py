"""The bench stages that need no running API: raw limit, projector catch-up, counts, GSTR-2B (ingest: ingest.py)."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, text

from bench.common import FP, Figure, MemorySampler, Results, Sizes, median, percentile, run_worker
from bench.data import GeneratedReturn
from bench.raw import RawLimit
from bench.relay import unrelayed
from bench.servers import Servers
from services.actions.views import queries
from services.common.gst.periods import Period
from services.common.settings import Settings
from services.gstr2b import builder

GSTR2B_GENDT = "2025-10-14"


@dataclass
class Context:
    servers: Servers
    sizes: Sizes
    settings: Settings  # the product's namespace and schema
    raw_namespace: str
    raw_schema: str
    results: Results
    sampler: MemorySampler
    engine: Engine
    log: Path
    data_dir: Path
    generated: list[GeneratedReturn] = field(default_factory=list)
    ingested_documents: int = 0
    big: GeneratedReturn | None = None  # counts + GSTR-2B recipient
    bulk: GeneratedReturn | None = None  # bulk accept recipient

    @property
    def raw_e2e(self) -> float | None:
        return self.results.raw.get("chunked", {}).get("end_to_end_docs_per_s")


def say(message: str) -> None:
    print(message, flush=True)


# --- raw limit ---------------------------------------------------------------------------------------------


def raw_limit(ctx: Context) -> None:
    sizes = ctx.sizes
    raw = RawLimit(ctx.servers.database_url, ctx.servers.kafka_bootstrap, ctx.raw_namespace, ctx.raw_schema)
    try:
        raw.prepare()
        say(f"  chunked pipeline, {sizes.raw_documents:,} documents in messages of 1,000 ...")
        chunked = raw.chunked(sizes.raw_documents)
        ctx.results.raw["chunked"] = chunked
        _print_pipeline("chunked (1,000 documents per message, DocumentsFiled schema)", chunked)
        say(f"  per-document pipeline, {sizes.raw_per_document:,} messages of ~150 bytes ...")
        per_doc = raw.per_document(sizes.raw_per_document)
        ctx.results.raw["per_document"] = per_doc
        _print_pipeline(f"per document (~{per_doc['bytes_per_message']:.0f}-byte messages, reference)", per_doc)
        latency = raw.latency(sizes.raw_latency_rounds)
        ctx.results.raw["single_message_latency"] = latency
        say(
            f"  one 300-document message encode -> COPY committed: p50 {latency['p50_ms']:.1f} ms, "
            f"p99 {latency['p99_ms']:.1f} ms ({latency['rounds']} rounds)"
        )
        select = raw.select_one()
        ctx.results.raw["select_1"] = select
        say(f"  SELECT 1 through the product's engine: p50 {select['p50_ms']:.2f} ms, p99 {select['p99_ms']:.2f} ms")
        copy = raw.insert_select()
        ctx.results.raw["insert_select"] = copy
        say(
            f"  PostgreSQL INSERT ... SELECT of {copy['rows']:,} rows: {copy['seconds']:.2f} s "
            f"({copy['rows_per_s']:,.0f} rows/s)"
        )
    finally:
        raw.close()
    results = ctx.results
    results.add(
        Figure(
            "raw_e2e_chunked",
            "raw limit end to end (chunked)",
            chunked["end_to_end_docs_per_s"],
            "docs/s",
            ratio=1.0,
            ratio_basis="is the raw limit",
            group="raw limit",
            details=chunked,
        )
    )
    for stage, rate in chunked["stage_docs_per_s"].items():
        results.add(Figure(f"raw_stage_{stage}", f"  raw stage: {stage}", rate, "docs/s", group="raw limit"))
    results.add(
        Figure(
            "raw_e2e_per_document",
            "raw limit end to end (1 msg/document)",
            per_doc["end_to_end_docs_per_s"],
            "docs/s",
            group="raw limit",
            details=per_doc,
        )
    )
    results.add(
        Figure("raw_latency_p99", "raw limit one 300-doc message p99", latency["p99_ms"], "ms", group="raw limit")
    )
    results.add(
        Figure("raw_select_p99", "raw limit SELECT 1 round trip p99", select["p99_ms"], "ms", group="raw limit")
    )
    results.add(
        Figure(
            "raw_insert_select",
            "raw limit PostgreSQL INSERT...SELECT",
            copy["rows_per_s"],
            "docs/s",
            group="raw limit",
        )
    )


def _print_pipeline(title: str, summary: dict[str, Any]) -> None:
    say(
        f"    {title}: {summary['documents']:,} documents, {summary['messages']:,} messages, "
        f"{summary['bytes'] / 1e6:.1f} MB"
    )
    for stage, seconds in summary["stage_seconds"].items():
        say(f"      {stage:<8} {seconds:8.2f} s  {summary['stage_docs_per_s'][stage]:>12,.0f} docs/s")
    say(
        f"      {'end2end':<8} {summary['end_to_end_seconds']:8.2f} s  "
        f"{summary['end_to_end_docs_per_s']:>12,.0f} docs/s"
    )


# --- projector catch-up ------------------------------------------------------------------------------------


def catchup(ctx: Context) -> None:
    documents = ctx.ingested_documents
    left = unrelayed(ctx.engine)
    if left:  # the ingest stage's relay publishes everything it logged before that stage ends
        raise RuntimeError(f"{left} logged events were never relayed to the broker: nothing to catch up from")
    say(f"  fresh ProjectionRunner('ims') from offset 0 over {documents:,} documents ...")
    answer = run_worker(ctx.settings, ctx.log, "catchup", str(documents))
    with ctx.engine.connect() as conn:
        projected = int(conn.execute(text("SELECT coalesce(sum(n), 0) FROM ims_counts")).scalar_one())
    if projected != documents:
        raise RuntimeError(f"catch-up projected {projected} documents, expected {documents}")
    say(
        f"  caught up: {answer['messages']:,} messages in {answer['seconds_after_join']:.2f} s after a "
        f"{answer['group_join_s']:.2f} s group join: {answer['docs_per_s']:,.0f} docs/s "
        f"({answer['docs_per_s_incl_join']:,.0f} incl. join), peak RSS {answer['peak_rss_mb']:,.0f} MB"
    )
    ctx.results.add(
        Figure(
            "catchup_docs_per_s",
            f"IMS projector catch-up ({documents:,} docs)",
            answer["docs_per_s"],
            "docs/s",
            target=50_000,
            group="projection",
            details=answer
            | {"timing": "from partitions assigned to checkpoints at the end offsets; group join reported separately"},
        )
    )
    ctx.results.add(
        Figure(
            "catchup_peak_rss",
            "  peak RSS of the catch-up projector",
            answer["peak_rss_mb"],
            "MB",
            group="memory",
        )
    )
    ctx.sampler.record("catch-up projector", answer["peak_rss_mb"])


# --- counts and GSTR-2B on the big recipient -------------------------------------------------------------


def counts_in_process(ctx: Context) -> None:
    assert ctx.big is not None
    recipient, calls = ctx.big.recipient, ctx.sizes.counts_calls
    samples = []
    answer: dict[str, Any] = {}
    for index in range(calls + 3):
        started = time.perf_counter()
        answer = queries.counts(ctx.engine, recipient)
        if index >= 3:
            samples.append((time.perf_counter() - started) * 1000)
    total = answer["all_oth"]["ttl_cnt"]
    if total != ctx.big.documents:
        raise RuntimeError(f"counts show {total} documents for the big recipient, expected {ctx.big.documents}")
    p50, p99 = percentile(samples, 50), percentile(samples, 99)
    say(f"  queries.counts at {total:,} documents: p50 {p50:.2f} ms, p99 {p99:.2f} ms over {calls} calls")
    details = {"documents": total, "calls": calls, "samples_ms": samples}
    for name, value in (("p50", p50), ("p99", p99)):
        ctx.results.add(
            Figure(
                f"counts_{name}_ms",
                f"counts {name}, queries.counts ({total:,} docs)",
                value,
                "ms",
                target=50,
                better="lower",
                group="queries",
                details=details,
            )
        )


def gstr2b(ctx: Context) -> None:
    assert ctx.big is not None
    recipient, period = ctx.big.recipient, Period.parse(FP)
    seconds = []
    lines = 0
    for run in range(ctx.sizes.gstr2b_runs):
        with ctx.engine.connect() as conn:
            transaction = conn.begin()
            try:
                started = time.perf_counter()
                version = builder.generate(conn, recipient, period, GSTR2B_GENDT, "bench", str(uuid.uuid4()))
                seconds.append(time.perf_counter() - started)
                lines = int(
                    conn.execute(
                        text(
                            "SELECT documents FROM gstr2b_versions WHERE recipient = :r AND period = :p "
                            "AND version = :v"
                        ),
                        {"r": recipient, "p": period.mmyyyy, "v": version},
                    ).scalar_one()
                )
            finally:
                transaction.rollback()  # every run generates the same version from the same state
        say(f"  GSTR-2B {period.mmyyyy} run {run + 1}: {lines:,} documents in {seconds[-1]:.2f} s (rolled back)")
    if lines != ctx.big.documents:
        raise RuntimeError(f"GSTR-2B took {lines} documents, expected {ctx.big.documents}")
    ctx.results.add(
        Figure(
            "gstr2b_seconds",
            f"GSTR-2B generation ({lines:,} docs)",
            median(seconds),
            "s",
            target=10,
            better="lower",
            group="gstr2b",
            details={
                "runs_s": seconds,
                "documents": lines,
                "statistic": "median",
                "how": "builder.generate in a transaction, rolled back after each run",
            },
        )
    )
