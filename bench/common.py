"""Shared pieces of the bench: sizes per mode, settings, statistics, figures, memory sampling, processes."""

from __future__ import annotations

import contextlib
import json
import os
import resource
import statistics
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

import psutil
from kafka import KafkaConsumer, TopicPartition
from sqlalchemy import Engine, text

from services.common.settings import PROJECT_ROOT, Settings

FP = "092025"  # every generated return is for September 2025 ...
FILED_ON = "2025-10-11"  # ... filed before the 12th, so its documents land in GSTR-2B 092025


@dataclass(frozen=True)
class Sizes:
    """Every size a run uses; quick mode shrinks them (and says so in the output)."""

    quick: bool
    raw_documents: int  # raw-limit pipeline, chunked like the product (1,000 documents per message)
    raw_per_document: int  # raw-limit pipeline, one ~150-byte message per document (reference)
    raw_latency_rounds: int
    ingest_sizes: tuple[tuple[int, int], ...]  # (documents per return, runs) - median over runs
    big: int  # the one-recipient return for counts and GSTR-2B ("1,000,000 documents")
    bulk: int  # the one-recipient return for bulk accept ("100,000 documents")
    gstr2b_runs: int
    bulk_runs: int
    load_rate: int  # documents/s offered by the steady load
    load_seconds: float
    load_warmup_seconds: float
    low_rate: int  # a second, lighter steady load for context (0 = skip)
    low_seconds: float
    soak_minutes: float  # the soak with faults (bench/soak.py)
    counts_calls: int = 50

    @classmethod
    def for_mode(cls, quick: bool) -> Sizes:
        if quick:
            return cls(
                quick=True,
                raw_documents=20_000,
                raw_per_document=10_000,
                raw_latency_rounds=10,
                ingest_sizes=((10_000, 2), (20_000, 1)),
                big=20_000,
                bulk=10_000,
                gstr2b_runs=3,
                bulk_runs=1,
                load_rate=5_000,
                load_seconds=8.0,
                load_warmup_seconds=2.0,
                low_rate=0,
                low_seconds=0.0,
                soak_minutes=1.5,
            )
        return cls(
            quick=False,
            raw_documents=300_000,
            raw_per_document=100_000,
            raw_latency_rounds=40,
            ingest_sizes=((10_000, 3), (100_000, 2), (1_000_000, 1)),
            big=1_000_000,
            bulk=100_000,
            gstr2b_runs=1,
            bulk_runs=1,
            load_rate=5_000,
            load_seconds=40.0,
            load_warmup_seconds=5.0,
            low_rate=1_000,
            low_seconds=15.0,
            soak_minutes=10.0,
        )

    def describe(self) -> str:
        ingest = ", ".join(f"{n:,} x{runs}" for n, runs in self.ingest_sizes)
        text_ = (
            f"raw limit {self.raw_documents:,} documents (per-document reference {self.raw_per_document:,}); "
            f"ingest {ingest}; counts and GSTR-2B on one recipient with {self.big:,} documents; "
            f"bulk accept of {self.bulk:,}; steady load {self.load_rate:,} documents/s "
            f"for {self.load_seconds:.0f} s; a soak with faults of {self.soak_minutes:g} minutes"
        )
        if self.quick:
            text_ += (
                ". QUICK MODE: sizes are smaller than the targets name (counts and GSTR-2B at "
                f"{self.big:,} instead of 1,000,000, bulk accept of {self.bulk:,} instead of 100,000, "
                f"no 100,000 / 1,000,000-document ingest, a soak of {self.soak_minutes:g} instead of 10 minutes) - "
                "run without --quick for the real figures"
            )
        return text_


def bench_settings(database_url: str, kafka_bootstrap: str, home: Path, tag: str) -> Settings:
    """One namespace and schema for the product under test; the product's defaults otherwise."""
    return Settings(
        database_url=database_url,
        kafka_bootstrap=kafka_bootstrap,
        home=home,
        topic_namespace=f"{tag}.",
        db_schema=tag,
        partitions=4,
        log_level="warning",
    )


def child_env(settings: Settings, **extra: str) -> dict[str, str]:
    return {**os.environ, **settings.to_env(), "PYTHONPATH": str(PROJECT_ROOT), **extra}


def spawn_cli(settings: Settings, log: Path, *argv: str) -> subprocess.Popen[bytes]:
    """A product process (`ims api`, `ims consume ims`) exactly as `ims up` starts it."""
    return subprocess.Popen(
        [sys.executable, "-m", "services.cli.main", *argv],
        env=child_env(settings),
        cwd=PROJECT_ROOT,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


def stop_process(process: subprocess.Popen[bytes], timeout: float = 20.0) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def run_worker(settings: Settings, log: Path, *argv: str, timeout: float = 1800) -> dict[str, Any]:
    """Run `python -m bench.worker ...` in its own process; its last stdout line is a JSON result."""
    done = subprocess.run(
        [sys.executable, "-m", "bench.worker", *argv],
        env=child_env(settings),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )
    with open(log, "a") as out:
        out.write(f"$ bench.worker {' '.join(argv)}\n{done.stderr}\n{done.stdout}\n")
    if done.returncode != 0 or not done.stdout.strip():
        raise RuntimeError(f"bench.worker {' '.join(argv)} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    answer: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return answer


# --- statistics ------------------------------------------------------------------------------------------


def percentile(values: Sequence[float], q: float) -> float:
    """Nearest-rank percentile (q in 0..100): p99 of 50 samples is the largest but none."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    rank = max(1, int(-(-q * len(ordered) // 100)))  # ceil
    return ordered[min(rank, len(ordered)) - 1]


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


class StageTimer:
    """Accumulates the time spent inside `with timer:` blocks (stages interleaved with untimed work)."""

    def __init__(self) -> None:
        self.seconds = 0.0
        self._started = 0.0

    def __enter__(self) -> StageTimer:
        self._started = time.perf_counter()
        return self

    def __exit__(self, *_: object) -> None:
        self.seconds += time.perf_counter() - self._started


def wait_until(predicate: Callable[[], Any], timeout: float, interval: float = 0.01, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise TimeoutError(f"timed out after {timeout:.0f}s waiting for {what or predicate}")
        time.sleep(interval)


def end_offsets(bootstrap: str, topic: str, partitions: int) -> dict[tuple[str, int], int]:
    client = KafkaConsumer(bootstrap_servers=bootstrap)
    try:
        parts = [TopicPartition(topic, p) for p in range(partitions)]
        return {(tp.topic, tp.partition): offset for tp, offset in client.end_offsets(parts).items()}
    finally:
        client.close()


def checkpoints_reached(engine: Engine, projection: str, ends: dict[tuple[str, int], int]) -> bool:
    with engine.connect() as conn:
        stored = {
            (t, p): o
            for t, p, o in conn.execute(
                text("SELECT topic, partition, next_offset FROM projection_checkpoints WHERE projection = :p"),
                {"p": projection},
            )
        }
    return all(stored.get(key, 0) >= end for key, end in ends.items())


# --- figures -----------------------------------------------------------------------------------------------


@dataclass
class Figure:
    key: str
    name: str
    value: float
    unit: str
    target: float | None = None
    better: str = "higher"  # "higher": value >= target meets it; "lower": value <= target
    ratio: float | None = None  # to the raw limit, 1.0 = as fast as the raw limit (see ratio_basis)
    ratio_basis: str = ""
    group: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    condition: bool | None = None  # a further requirement of the target (e.g. the load was achieved)

    @property
    def met(self) -> bool | None:
        if self.target is None or self.value != self.value:
            return None if self.target is None else False
        ok = self.value >= self.target if self.better == "higher" else self.value <= self.target
        return ok and self.condition is not False

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["met"] = self.met
        data["target_text"] = target_text(self)
        return data


def target_text(figure: Figure) -> str:
    if figure.target is None:
        return ""
    sign = ">=" if figure.better == "higher" else "<="
    return f"{sign} {fmt_value(figure.target, figure.unit)}"


def fmt_value(value: float, unit: str) -> str:
    if value != value:  # NaN
        return "n/a"
    if unit in ("docs/s", "msgs/s", "events/s", "documents", "rows", "MB/s", "count"):
        return f"{value:,.0f}"
    if unit == "MB":
        return f"{value:,.0f}"
    if unit == "ms":
        return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"
    if unit == "s":
        return f"{value:,.2f}" if value < 100 else f"{value:,.0f}"
    return f"{value:,.3g}"


@dataclass
class Results:
    """Figures, raw limits and every detail of one run; written to bench/results.json."""

    mode: str
    sizes: Sizes
    environment: dict[str, Any] = field(default_factory=dict)
    figures: list[Figure] = field(default_factory=list)
    raw: dict[str, Any] = field(default_factory=dict)
    memory: dict[str, float] = field(default_factory=dict)
    stages: dict[str, float] = field(default_factory=dict)  # wall seconds per bench stage
    cpu: dict[str, dict[str, float]] = field(default_factory=dict)  # CPU use per stage, bench vs others
    notes: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def add(self, figure: Figure) -> Figure:
        self.figures.append(figure)
        return figure

    def get(self, key: str) -> Figure | None:
        return next((f for f in self.figures if f.key == key), None)

    def to_json(self) -> dict[str, Any]:
        return {
            "mode": self.mode,
            "sizes": asdict(self.sizes),
            "environment": self.environment,
            "figures": [f.to_json() for f in self.figures],
            "raw_limit": self.raw,
            "peak_rss_mb": self.memory,
            "stage_seconds": self.stages,
            "cpu": self.cpu,
            "notes": self.notes,
            "errors": self.errors,
        }


def hwm_mb(pid: int) -> float:
    """Peak RSS of a live process as the kernel keeps it (VmHWM), in MB; 0 when unknown."""
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return 0.0


def rss_mb(pid: int, with_children: bool = False) -> float:
    try:
        process = psutil.Process(pid)
        total = process.memory_info().rss
        if with_children:
            for child in process.children(recursive=True):
                with contextlib.suppress(psutil.Error):
                    total += child.memory_info().rss
        return total / 2**20
    except psutil.Error:
        return 0.0


class MemorySampler:
    """Samples the RSS of named processes every 0.2 s in a thread and keeps each one's peak."""

    def __init__(self, interval: float = 0.2):
        self.interval = interval
        self.peaks: dict[str, float] = {}
        self._watched: dict[str, tuple[int, bool]] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="memory-sampler", daemon=True)

    def watch(self, name: str, pid: int, with_children: bool = False) -> None:
        with self._lock:
            self._watched[name] = (pid, with_children)

    def unwatch(self, name: str) -> None:
        """Stop sampling; the kernel's own peak (VmHWM) of a single process is taken first."""
        with self._lock:
            found = self._watched.pop(name, None)
        if found is not None and not found[1]:
            self.record(name, hwm_mb(found[0]))

    def record(self, name: str, megabytes: float) -> None:
        with self._lock:
            self.peaks[name] = max(self.peaks.get(name, 0.0), megabytes)

    def start(self) -> None:
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            with self._lock:
                watched = dict(self._watched)
            for name, (pid, with_children) in watched.items():
                value = rss_mb(pid, with_children)
                if value:
                    self.record(name, value)


def fresh(settings: Settings, **changes: Any) -> Settings:
    return replace(settings, **changes)


@dataclass(frozen=True)
class CpuSnapshot:
    """CPU seconds of the whole machine and of the bench's processes (itself, waited children, servers)."""

    at: float
    machine_busy: float
    steal: float
    bench: float

    @classmethod
    def take(cls, server_pids: Sequence[int]) -> CpuSnapshot:
        machine = psutil.cpu_times()
        busy = machine.user + machine.nice + machine.system + machine.irq + machine.softirq
        own = resource.getrusage(resource.RUSAGE_SELF)
        done = resource.getrusage(resource.RUSAGE_CHILDREN)  # workers, api and consumer once stopped
        bench = own.ru_utime + own.ru_stime + done.ru_utime + done.ru_stime
        for pid in server_pids:
            try:
                server = psutil.Process(pid)
                times = server.cpu_times()
                bench += times.user + times.system + times.children_user + times.children_system
                for child in server.children(recursive=True):
                    with contextlib.suppress(psutil.Error):
                        bench += sum(child.cpu_times()[:2])
            except psutil.Error:
                pass
        return cls(time.monotonic(), busy, getattr(machine, "steal", 0.0), bench)

    def since(self, earlier: CpuSnapshot) -> dict[str, float]:
        wall = self.at - earlier.at
        cpus = os.cpu_count() or 1
        other = max(0.0, (self.machine_busy - earlier.machine_busy) - (self.bench - earlier.bench))
        return {
            "wall_s": round(wall, 2),
            "cpus": cpus,
            "bench_cpu_s": round(self.bench - earlier.bench, 2),
            "other_processes_cpu_s": round(other, 2),
            "other_processes_cpus": round(other / wall, 2) if wall > 0 else 0.0,
            "steal_cpu_s": round(self.steal - earlier.steal, 2),
        }
