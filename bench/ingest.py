"""The ingest stage: a generated GSTR-1 filed through `file_return`, then published by `ims relay`.

A filing commits its answer and its events to `event_log` in one transaction; `ims relay` (running
throughout, as `ims up` runs it) publishes them once that commits. Each run is one worker process
(`bench.worker ingest --until-relayed`, peak RSS = its VmHWM) and gives three figures:

- file to durable commit: read, parse, check and append to the log (what the answer waits for);
- the relay alone, commit to broker-acknowledged: nothing else runs meanwhile (docs/s and events/s),
  compared with the raw limit's produce stage (kafka-python, the same 1,000-document messages);
- file to relayed, end to end: what "until the events are acknowledged" measured before the durable log.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from bench.common import Figure, median, run_worker
from bench.data import write_return
from bench.relay import relay_running
from bench.stages import Context, say

PYTHON_PATH_RUN = 99  # a run index no size uses: documents of their own
TARGET = 50_000


def run(ctx: Context) -> None:
    ctx.data_dir.mkdir(parents=True, exist_ok=True)
    _check_reproducible(ctx)
    with relay_running(ctx.settings, ctx.servers.workdir / "relay.log", ctx.sampler):
        for documents, runs in ctx.sizes.ingest_sizes:
            _size(ctx, documents, runs)
        _python_path(ctx, min(100_000, max(documents for documents, _ in ctx.sizes.ingest_sizes)))
    _relay_cost(ctx)
    big = max(ctx.generated, key=lambda g: g.documents)
    ctx.results.add(
        Figure(
            "generator_docs_per_s",
            f"synthetic generator ({big.documents:,} docs)",
            big.documents / big.seconds,
            "docs/s",
            group="data",
            details={"returns": [g.to_json() for g in ctx.generated]},
        )
    )


def _check_reproducible(ctx: Context) -> None:
    """The same seed writes the same bytes."""
    documents = ctx.sizes.ingest_sizes[0][0]
    first = write_return(ctx.data_dir, documents, 0)
    (ctx.data_dir / "again").mkdir(exist_ok=True)
    again = write_return(ctx.data_dir / "again", documents, 0)
    reproducible = first.sha256 == again.sha256
    again.path.unlink()
    first.path.unlink()
    ctx.results.environment["generator_reproducible"] = reproducible
    say(f"  generator: same seed, same bytes: {'yes' if reproducible else 'NO'} (sha256 {first.sha256[:16]}...)")


def _file(ctx: Context, documents: int, run: int, **changes: Any) -> dict[str, Any]:
    generated = write_return(ctx.data_dir, documents, run)
    settings = dataclasses.replace(ctx.settings, **changes)
    answer = run_worker(settings, ctx.log, "ingest", str(generated.path), "--until-relayed")
    generated.path.unlink()
    if answer["documents"] != documents or answer["errors"]:
        raise RuntimeError(f"ingest of {documents} documents answered {answer}")
    ctx.ingested_documents += documents
    if run != PYTHON_PATH_RUN:
        ctx.generated.append(generated)
        if documents == ctx.sizes.big and ctx.big is None:
            ctx.big = generated
        elif documents == ctx.sizes.bulk and ctx.bulk is None:
            ctx.bulk = generated
    return answer | {"generator": generated.to_json()}


def _size(ctx: Context, documents: int, runs: int) -> None:
    per_run = []
    for run in range(runs):
        answer = _file(ctx, documents, run)
        per_run.append(answer)
        say(
            f"  {documents:>9,} documents, run {run + 1}/{runs}: commit {answer['docs_per_s']:>8,.0f} docs/s "
            f"({answer['seconds']:.2f} s, hash+gzip {answer['hash_compress_s']:.2f} s); relay "
            f"{answer['relay_docs_per_s']:,.0f} docs/s = {answer['relay_events_per_s']:,.0f} events/s "
            f"({answer['events']:,} events in {answer['relay_s']:.2f} s); file -> relayed "
            f"{answer['relayed_docs_per_s']:,.0f} docs/s; peak RSS {answer['peak_rss_mb']:,.0f} MB"
        )
    details = {"runs": per_run, "statistic": f"median of {runs}"}
    rate = {key: median([r[key] for r in per_run]) for key in _RATES}
    figures = (
        ("ingest_docs_per_s", f"ingest {documents:,}-doc GSTR-1 to durable commit", "docs_per_s", "docs/s", TARGET),
        ("relay_docs_per_s", "  relay alone, log -> broker-acknowledged", "relay_docs_per_s", "docs/s", None),
        ("relay_events_per_s", "  relay alone, the same", "relay_events_per_s", "events/s", None),
        ("ingest_relayed_docs_per_s", "  file -> relayed, end to end", "relayed_docs_per_s", "docs/s", TARGET),
    )
    for key, name, source, unit, target in figures:
        ctx.results.add(
            Figure(
                f"{key}_{documents}",
                name,
                rate[source],
                unit,
                target=target,
                group="ingest",
                details=details if key == "ingest_docs_per_s" else {},
            )
        )
    rss = max(r["peak_rss_mb"] for r in per_run)
    ctx.results.add(
        Figure(f"ingest_peak_rss_{documents}", f"  peak RSS of ingest ({documents:,} docs)", rss, "MB", group="memory")
    )
    ctx.sampler.record(f"ingest worker ({documents:,} docs)", rss)


_RATES = ("docs_per_s", "relay_docs_per_s", "relay_events_per_s", "relayed_docs_per_s", "relay_s", "relayed_s")


def _python_path(ctx: Context, documents: int) -> None:
    """For context: the same filing with the native fast path off (every row through the Python rules, in
    the worker processes), as on a machine where services/ingest/_fastrows could not be built."""
    answer = _file(ctx, documents, PYTHON_PATH_RUN, native_rows=False)
    say(
        f"  {documents:>9,} documents, native fast path off: commit {answer['docs_per_s']:>8,.0f} docs/s "
        f"({answer['seconds']:.2f} s), file -> relayed {answer['relayed_docs_per_s']:,.0f} docs/s, "
        f"peak RSS {answer['peak_rss_mb']:,.0f} MB"
    )
    ctx.results.add(
        Figure(
            f"ingest_python_path_docs_per_s_{documents}",
            f"  ingest {documents:,} docs, Python rules only",
            answer["docs_per_s"],
            "docs/s",
            group="ingest",
            details=answer,
        )
    )


def _relay_cost(ctx: Context) -> None:
    """What the relay costs, on the largest size: against the raw produce limit, and added to ingest."""
    documents = max(n for n, _ in ctx.sizes.ingest_sizes)
    relay = ctx.results.get(f"relay_docs_per_s_{documents}")
    commit = ctx.results.get(f"ingest_docs_per_s_{documents}")
    relayed = ctx.results.get(f"ingest_relayed_docs_per_s_{documents}")
    assert relay is not None and commit is not None and relayed is not None
    produce = ctx.results.raw.get("chunked", {}).get("stage_docs_per_s", {}).get("produce")
    share = 100 * (1 / relay.value) / (1 / relayed.value)  # of the end-to-end time per document
    cost = {
        "documents": documents,
        "relay_docs_per_s": relay.value,
        "raw_produce_docs_per_s": produce,
        "relay_to_raw_produce": relay.value / produce if produce else None,
        "relay_s_per_million_docs": 1e6 / relay.value,
        "commit_docs_per_s": commit.value,
        "relayed_docs_per_s": relayed.value,
        "relay_share_of_end_to_end_pct": share,
    }
    against = f"{relay.value / produce:.2f} of the raw produce limit ({produce:,.0f} docs/s)" if produce else ""
    text = (
        f"relay cost at {documents:,} documents: {relay.value:,.0f} docs/s alone, {against}; "
        f"it adds {1e6 / relay.value:.1f} s per 1,000,000 documents after the commit: file -> relayed "
        f"{relayed.value:,.0f} docs/s against {commit.value:,.0f} docs/s to commit ({share:.0f}% of the "
        "end-to-end time is the relay's)"
    )
    say(f"  {text}")
    ctx.results.notes.append(text)
    ctx.results.add(
        Figure(
            "relay_share_pct",
            f"  relay's share of file -> relayed ({documents:,} docs)",
            share,
            "%",
            better="lower",
            group="ingest",
            details=cost,
        )
    )
