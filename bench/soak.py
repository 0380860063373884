"""`python -m bench.soak [--minutes N] [--quick]`, and the last stage of `make bench`: a soak with faults.

A real `ims up` with embedded servers in a home of its own (`tests/support/up.py`) carries the chaos test's
steady load (`tests/support/chaos.py`: filings of 20-invoice returns, SAVE, bulk actions, clock ticks; every
request retried under its Idempotency-Key until answered) for 10 minutes (90 s with --quick), while its
processes are killed -9 one kind after another every 10 s, round and round: api, relay, consumer, notifier,
scheduler, broker, PostgreSQL. So each kind is killed about every 70 s, past the minute after which `ims up`
forgets earlier failures and restarts at once (services/cli/restarts.py). Then, once everything logged is
relayed and applied, the chaos test's oracle compares the answers with the read model and the log.

Reported: documents and actions accepted per second; p50/p99 of the load's requests from first try to answer
(retries included), and of those that met no fault (answered at the first try, outside every kill-to-recovery
window); per fault kind, min/median/max seconds from the kill to /healthz 200 and to that process running
again (for the broker also to the log republished); retries by cause; and how many documents, actions or
notifications were lost or doubled (must be 0). With `--replay` (alone only), `ims replay --all` afterwards,
timed, which must leave `ims verify` unchanged.
"""

from __future__ import annotations

import argparse
import itertools
import shutil
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine

from bench.common import Figure, MemorySampler, median, percentile, wait_until
from services.common.db import sqlalchemy_url
from tests.support.chaos import Answered, Load, compare, differences, quiet
from tests.support.notifications import notifications_on_topic
from tests.support.up import KINDS, Recovery, Up, stop_and_check_nothing_left

FAULT_EVERY_S = 10.0
REPLAY_TIMEOUT_S = 3600.0
SAMPLED = "ims up of the soak (every child; shared memory counted per process)"


@dataclass(frozen=True)
class Fault:
    recovery: Recovery
    restored_s: float | None = None  # broker: until the relay republished the log to the new one

    @property
    def window(self) -> tuple[float, float]:
        """From the kill until everything it stopped is back (monotonic)."""
        longest = max(self.recovery.seconds, self.restored_s or 0.0)
        return self.recovery.killed_at, self.recovery.killed_at + longest


def soak(
    minutes: float, say: Callable[[str], None], sampler: MemorySampler | None = None, replay: bool = False
) -> dict[str, Any]:
    """The soak; returns every figure. The home (logs, data) is kept when anything went wrong. `replay`:
    then `ims replay --all`, timed, and `ims verify` must answer as before it."""
    home = Path(tempfile.mkdtemp(prefix="ims-soak-"))
    kept = True
    try:
        up = Up(home)
        say(f"  ims up in {home}: {up.base}; load for {minutes:g} min, a kill -9 every {FAULT_EVERY_S:.0f} s")
        if sampler is not None:
            sampler.watch(SAMPLED, up.process.pid, with_children=True)
        try:
            found = _under_faults(up, minutes * 60, say)
            if replay:
                found["replay"] = _replay(up, say)
        finally:
            if sampler is not None:
                sampler.unwatch(SAMPLED)
            stop_and_check_nothing_left(up.process)
        kept = bool(found["lost"] or found["doubled"] or not found.get("replay", {}).get("identical", True))
        return found | {"home": str(home) if kept else None}
    finally:
        if kept:
            say(f"  kept {home} (up.out, broker.log, the data directory)")
        else:
            shutil.rmtree(home, ignore_errors=True)


def _under_faults(up: Up, seconds: float, say: Callable[[str], None]) -> dict[str, Any]:
    engine = create_engine(sqlalchemy_url(up.env["DATABASE_URL"]), pool_pre_ping=True)
    load = Load(up.base, up.token, seed=23)
    stop = threading.Event()
    worker = threading.Thread(target=load.run, args=(stop,), name="soak-load", daemon=True)
    faults: list[Fault] = []
    try:
        worker.start()
        began = time.monotonic()
        due = began + FAULT_EVERY_S
        for kind in itertools.cycle(KINDS):
            if due - began >= seconds and len(faults) >= len(KINDS):
                break
            time.sleep(max(0.0, due - time.monotonic()))
            if load.failure is not None:
                raise RuntimeError(f"the load met an unexpected answer: {load.failure!r}")
            faults.append(_fault(up, kind))
            say(_describe(faults[-1], faults[-1].recovery.killed_at - began, load))
            due = max(due + FAULT_EVERY_S, time.monotonic() + 1.0)
        time.sleep(max(0.0, began + seconds - time.monotonic()))
        stop.set()
        loaded = time.monotonic() - began
        worker.join(180)
        if worker.is_alive() or load.failure is not None:
            raise RuntimeError(f"the load did not end cleanly: {load.failure!r}")
        say(f"  load stopped after {loaded:.0f} s; waiting until everything logged is relayed and applied ...")
        settled = time.monotonic()
        wait_until(lambda: quiet(engine), timeout=900, interval=0.5, what="everything relayed and applied")
        settle_s = time.monotonic() - settled
        figures = compare(engine, load.ledger)
    finally:
        stop.set()
        engine.dispose()
    on_topic = notifications_on_topic(up)
    lost, doubled = _lost_and_doubled(figures, on_topic)
    return _figures(load, faults, loaded, figures["expected_actions"]) | {
        "settle_s": settle_s,
        "oracle": figures,
        "differences": differences(figures),
        "notifications_on_topic": len(on_topic),
        "lost": lost,
        "doubled": doubled,
    }


def _replay(up: Up, say: Callable[[str], None]) -> dict[str, Any]:
    """`ims replay --all` on what the soak left; a failure is reported, not raised (the soak's figures stand)."""
    say("  ims replay --all, then `ims verify` against its answer before ...")
    before = up.cli("verify")
    started = time.monotonic()
    try:
        up.cli("replay", "--all", timeout=REPLAY_TIMEOUT_S)
    except (AssertionError, subprocess.TimeoutExpired) as exc:
        return {"seconds": time.monotonic() - started, "identical": False, "error": str(exc)[-500:]}
    seconds = time.monotonic() - started
    return {"seconds": seconds, "identical": up.cli("verify") == before}


def _fault(up: Up, kind: str) -> Fault:
    out = up.home / "up.out"
    restores = out.read_text().count("republished")
    recovery = up.kill(kind)
    if kind != "broker":
        return Fault(recovery)
    wait_until(lambda: out.read_text().count("republished") > restores, 300, 0.05, "the log republished")
    return Fault(recovery, time.monotonic() - recovery.killed_at)


def _describe(fault: Fault, at: float, load: Load) -> str:
    recovery = fault.recovery
    restored = f", log republished {fault.restored_s:.1f} s" if fault.restored_s is not None else ""
    return (
        f"  {at:6.0f} s  kill -9 {recovery.kind:<9} healthy {recovery.healthy_s:5.1f} s, running again "
        f"{recovery.running_s:5.1f} s{restored}  ({load.ledger.documents:,} documents so far)"
    )


def _lost_and_doubled(figures: dict[str, int], on_topic: list[tuple[str, str]]) -> tuple[int, int]:
    """Every difference the oracle finds, lost (fewer than promised) apart from doubled (more)."""
    found = [*differences(figures).values(), len(set(on_topic)) - figures["notifications"]]
    return sum(-d for d in found if d < 0), sum(d for d in found if d > 0) + len(on_topic) - len(set(on_topic))


def _figures(load: Load, faults: list[Fault], seconds: float, actions: int) -> dict[str, Any]:
    """`actions`: the action items accepted (answered, less those the projector refused)."""
    ledger = load.ledger
    windows = [fault.window for fault in faults]

    def met_no_fault(answer: Answered) -> bool:
        end = answer.started + answer.seconds
        return answer.retries == 0 and not any(start <= end and answer.started <= stop for start, stop in windows)

    every = [a.seconds * 1000 for a in ledger.answered]
    clean = [a.seconds * 1000 for a in ledger.answered if met_no_fault(a)]
    recovery: dict[str, dict[str, Any]] = {}
    for kind in KINDS:
        mine = [f for f in faults if f.recovery.kind == kind]
        measures = {
            "healthy_s": [f.recovery.healthy_s for f in mine],
            "running_s": [f.recovery.running_s for f in mine],
            "restored_s": [f.restored_s for f in mine if f.restored_s is not None],
        }
        recovery[kind] = {"kills": len(mine)} | {
            name: {"min": min(values), "median": median(values), "max": max(values), "all": values}
            for name, values in measures.items()
            if values
        }
    by_kind: dict[str, list[float]] = {}
    for answer in ledger.answered:
        by_kind.setdefault(answer.what, []).append(answer.seconds * 1000)
    return {
        "seconds": seconds,
        "faults": len(faults),
        "documents": ledger.documents,
        "filings": len(ledger.filings),
        "action_requests": len(ledger.actions),
        "actions": actions,
        "docs_per_s": ledger.documents / seconds,
        "actions_per_s": actions / seconds,
        "requests": len(every),
        "p50_ms": percentile(every, 50),
        "p99_ms": percentile(every, 99),
        "max_ms": max(every, default=float("nan")),
        "no_fault_requests": len(clean),
        "no_fault_p50_ms": percentile(clean, 50),
        "no_fault_p99_ms": percentile(clean, 99),
        "p99_ms_by_request": {what: percentile(values, 99) for what, values in sorted(by_kind.items())},
        "retries": dict(ledger.retries),
        "recovery": recovery,
    }


def show(found: dict[str, Any], say: Callable[[str], None]) -> None:
    say(
        f"  {found['seconds']:.0f} s under {found['faults']} faults: {found['documents']:,} documents in "
        f"{found['filings']:,} filings ({found['docs_per_s']:,.1f}/s), {found['actions']:,} actions in "
        f"{found['action_requests']:,} requests ({found['actions_per_s']:,.1f}/s); all applied "
        f"{found['settle_s']:.1f} s after the load stopped"
    )
    say(
        f"  {found['requests']:,} requests, first try to answer: p50 {found['p50_ms']:.0f} ms, p99 "
        f"{found['p99_ms']:.0f} ms, max {found['max_ms']:.0f} ms; {found['no_fault_requests']:,} that met no fault: "
        f"p50 {found['no_fault_p50_ms']:.0f} ms, p99 {found['no_fault_p99_ms']:.0f} ms"
    )
    say(f"  retries by cause: {found['retries'] or 'none'}")
    say(f"  {'recovery (s)':<12} {'kills':>5}  {'/healthz 200 min/med/max':>25}  {'running again min/med/max':>25}")
    for kind, measured in found["recovery"].items():
        cells = [_spread(measured.get(name)) for name in ("healthy_s", "running_s")]
        restored = measured.get("restored_s")
        extra = f"  log republished {_spread(restored)}" if restored else ""
        say(f"  {kind:<12} {measured['kills']:>5}  {cells[0]:>25}  {cells[1]:>25}{extra}")
    say(f"  oracle: lost {found['lost']}, doubled {found['doubled']} ({found['differences']})")
    replay = found.get("replay")
    if replay:
        same = "yes" if replay["identical"] else f"NO {replay.get('error', '')}"
        say(f"  ims replay --all took {replay['seconds']:.0f} s; `ims verify` answers as before it: {same}")


def _spread(measured: dict[str, Any] | None) -> str:
    if not measured:
        return "-"
    return f"{measured['min']:.1f} / {measured['median']:.1f} / {measured['max']:.1f}"


def figures(found: dict[str, Any]) -> list[Figure]:
    rows: list[Figure] = []

    def add(key: str, name: str, value: float, unit: str, **more: Any) -> None:
        better = "lower" if unit in ("ms", "s", "count") else "higher"
        rows.append(Figure(f"soak_{key}", name, value, unit, better=better, group="soak", **more))

    add(
        "seconds",
        f"soak: load under {found['faults']} kills -9",
        found["seconds"],
        "s",
        details={k: v for k, v in found.items() if k != "recovery"},
    )
    add("docs_per_s", f"  documents accepted ({found['documents']:,})", found["docs_per_s"], "docs/s")
    add("actions_per_s", f"  actions accepted ({found['actions']:,})", found["actions_per_s"], "actions/s")
    add("p50_ms", "  request p50, first try to answer", found["p50_ms"], "ms")
    add(
        "p99_ms",
        "  request p99, first try to answer",
        found["p99_ms"],
        "ms",
        details={"by_request": found["p99_ms_by_request"]},
    )
    add("no_fault_p50_ms", "  request p50 of those meeting no fault", found["no_fault_p50_ms"], "ms")
    add("no_fault_p99_ms", "  request p99 of those meeting no fault", found["no_fault_p99_ms"], "ms")
    add("retries", "  retries", sum(found["retries"].values()), "count", details={"by_cause": found["retries"]})
    labels = {"healthy_s": "/healthz 200", "running_s": "running again", "restored_s": "log republished"}
    for kind, measured in found["recovery"].items():
        for name, label in labels.items():
            if name in measured:
                add(
                    f"recovery_{kind}_{name}",
                    f"  kill {kind} -> {label} (median of {measured['kills']})",
                    measured[name]["median"],
                    "s",
                    details=measured[name],
                )
    for name in ("lost", "doubled"):
        add(
            name,
            f"  documents/actions/notifications {name}",
            found[name],
            "count",
            target=0,
            details={"differences": found["differences"]},
        )
    replay = found.get("replay")
    if replay:
        same = "verify unchanged" if replay["identical"] else "VERIFY CHANGED OR FAILED"
        add("replay_s", f"  ims replay --all afterwards ({same})", replay["seconds"], "s", details=replay)
    return rows


def stage(ctx: Any) -> None:
    """The stage of `bench.run`: 10 minutes, 90 s in quick mode; its own `ims up`, not the bench's servers."""
    found = soak(ctx.sizes.soak_minutes, _say, ctx.sampler)
    show(found, _say)
    for figure in figures(found):
        ctx.results.add(figure)
    if found["home"]:
        raise RuntimeError(f"the soak lost {found['lost']} and doubled {found['doubled']}; kept {found['home']}")


def _say(message: str) -> None:
    print(message, flush=True)


def main(argv: list[str] | None = None) -> int:
    import logging

    from bench import report
    from bench.common import CpuSnapshot, Results, Sizes
    from services.common.log import configure_logging

    parser = argparse.ArgumentParser(prog="python -m bench.soak", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)  # fmt: skip
    parser.add_argument("--quick", action="store_true", help="a short soak (bench.common.Sizes: 1.5 minutes)")
    parser.add_argument("--minutes", type=float, default=None, help="default 10 (bench.common.Sizes)")
    parser.add_argument("--replay", action="store_true", help="then time `ims replay --all`; verify must not change")
    parser.add_argument("--output", type=Path, default=Path(__file__).resolve().parent / "results-soak.json")
    args = parser.parse_args(argv)
    configure_logging("console", "warning")
    logging.getLogger("kafka").setLevel(logging.ERROR)
    sizes = Sizes.for_mode(args.quick)
    minutes = args.minutes or sizes.soak_minutes
    results = Results("quick" if args.quick else "full", sizes)
    before = CpuSnapshot.take([])
    found = soak(minutes, _say, replay=args.replay)
    cpu = results.cpu["soak"] = CpuSnapshot.take([]).since(before)  # `ims up` and its children counted once ended
    show(found, _say)
    _say(
        f"  CPU: the soak {cpu['bench_cpu_s']:.0f} s, other processes on this machine "
        f"{cpu['other_processes_cpu_s']:.0f} s = {cpu['other_processes_cpus']:.2f} of {cpu['cpus']} CPUs "
        f"over {cpu['wall_s']:.0f} s"
    )
    for figure in figures(found):
        results.add(figure)
    print()
    print(report.table(results))
    print(report.summary(results))
    report.write_json(results, args.output)
    print(f"wrote {args.output}")
    return 1 if found["home"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
