"""Peak memory of the real `ims api` while it files one large return: `python -m bench.return_memory [MIB]`
(default 512, the largest body `IMS_MAX_BODY_BYTES` allows). The requirement: at most 1 GB for 512 MiB.

A generated GSTR-1 of about MIB mebibytes (one supplier, five recipients, valid invoices: the shape whose
documents are all kept and published) is POSTed, streamed from disk, to an `ims api` started as `ims up`
starts it, on the embedded servers (or DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS). The API process's peak
RSS (VmHWM) and that of its ingest worker processes (sampled) are printed with the time taken. Also
`--hostile`: the same size of empty invoice rows (`{}`), refused whole past 100,000 rows in error.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import httpx
import psutil

from bench.common import FILED_ON, FP, spawn_cli, stop_process
from bench.servers import servers
from services.common import tokens
from services.common.db import make_engine
from services.common.embedded.ports import free_port, wait_for_port
from services.common.migrations import upgrade
from services.common.settings import TOPICS, Settings
from services.common.topics import ensure_topics
from services.demo.synthetic import write_large_return

MiB = 1 << 20
SUPPLIER, RECIPIENT = "27AAPFU0939F1ZV", "29AABCR1718E1ZL"


def _valid_return(path: Path, size: int) -> int:
    """Documents in a generated return of about `size` bytes (the generator's bytes per document measured)."""
    probe = path.with_suffix(".probe")
    write_large_return(probe, 7, FP, 2000, recipients=5)
    per_document = probe.stat().st_size / 2000
    probe.unlink()
    documents = max(1, int(size * 0.99 / per_document))  # just under the limit
    write_large_return(path, 7, FP, documents, recipients=5)
    return documents


def _hostile_return(path: Path, size: int) -> int:
    rows = (size - 200) // 3
    with open(path, "w", encoding="ascii") as out:
        out.write(f'{{"gstin":"{SUPPLIER}","fp":"{FP}","b2b":[{{"ctin":"{RECIPIENT}","inv":[{{}}')
        chunk = ",{}" * 100_000
        for _ in range((rows - 1) // 100_000):
            out.write(chunk)
        out.write(",{}" * ((rows - 1) % 100_000) + "]}]}")
    return rows


def _chunks(path: Path) -> Iterator[bytes]:
    with open(path, "rb") as source:
        while block := source.read(1 << 20):
            yield block


def _hwm(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("mib", nargs="?", type=int, default=512)
    parser.add_argument("--hostile", action="store_true", help="empty invoice rows instead of valid ones")
    args = parser.parse_args()
    with servers() as found, tempfile.TemporaryDirectory(prefix="ims-return-memory-") as tmp:
        tag = uuid.uuid4().hex[:8]
        settings = replace(
            Settings.from_env({}),
            database_url=found.database_url,
            kafka_bootstrap=found.kafka_bootstrap,
            home=Path(tmp),
            db_schema=f"mem_{tag}",
            topic_namespace=f"mem{tag}.",
            http_port=free_port(),
        )
        engine = make_engine(found.database_url, settings.db_schema)
        upgrade(engine, settings.db_schema)
        ensure_topics(found.kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
        token = tokens.create(engine, "admin", [], "bench")[1]
        body = Path(tmp) / "return.json"
        started = time.perf_counter()
        rows = (_hostile_return if args.hostile else _valid_return)(body, args.mib * MiB)
        print(f"generated {body.stat().st_size / MiB:.0f} MiB, {rows} rows, in {time.perf_counter() - started:.0f} s")
        api = spawn_cli(settings, Path(tmp) / "api.log", "api")
        try:
            wait_for_port("127.0.0.1", settings.http_port, 60, lambda: api.poll() is None)
            process = psutil.Process(api.pid)
            before = process.memory_info().rss
            workers_peak = [0]
            done = threading.Event()

            def sample() -> None:
                while not done.is_set():
                    total = 0
                    for child in process.children(recursive=True):
                        try:
                            total += child.memory_info().rss
                        except psutil.Error:
                            continue
                    workers_peak[0] = max(workers_peak[0], total)
                    time.sleep(0.05)

            sampler = threading.Thread(target=sample, daemon=True)
            sampler.start()
            started = time.perf_counter()
            answer = httpx.post(
                f"http://127.0.0.1:{settings.http_port}/v1/returns/gstr1?status=filed&filed_on={FILED_ON}",
                content=_chunks(body),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
                timeout=3600,
            )
            took = time.perf_counter() - started
            done.set()
            sampler.join()
            peak = _hwm(api.pid)
            summary = answer.json() if answer.headers.get("content-type", "").startswith("application/json") else {}
            result = {
                "body_mib": round(body.stat().st_size / MiB),
                "rows": rows,
                "status": answer.status_code,
                "proc_cnt": summary.get("proc_cnt"),
                "err_cnt": summary.get("err_cnt"),
                "seconds": round(took, 1),
                "api_rss_before_mib": round(before / MiB),
                "api_peak_rss_mib": round(peak / MiB),
                "workers_peak_rss_mib": round(workers_peak[0] / MiB),
            }
            print(json.dumps(result))
        finally:
            stop_process(api)
            engine.dispose()


if __name__ == "__main__":
    main()
