"""`python -m bench.bulk [DOCUMENTS] [--runs N]`: the bulk-accept figure alone, as `bench.live` measures it.

Embedded servers (or DATABASE_URL / KAFKA_BOOTSTRAP_SERVERS), one generated GSTR-1 for one recipient
filed through the product, a real `ims api`, `ims relay` and `ims consume ims`; then, per run, POST
/v1/ims/{gstin}/actions/bulk {"action": "A", "filter": {}} until `ims_counts` shows every document
accepted, and a bulk reset back to No Action (timed too) between runs.
"""

from __future__ import annotations

import argparse
import logging
import time
from dataclasses import replace

import httpx

from bench.common import bench_settings, run_worker, spawn_cli, stop_process
from bench.data import write_return
from bench.live import wait_visible
from bench.servers import servers
from services.bootstrap import build_container
from services.common.embedded.ports import free_port, wait_for_port
from services.common.log import configure_logging
from services.common.migrations import upgrade
from services.common.settings import TOPICS
from services.common.topics import ensure_topics


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("documents", type=int, nargs="?", default=100_000)
    parser.add_argument("--runs", type=int, default=2)
    args = parser.parse_args()
    configure_logging("console", "warning")
    logging.getLogger("kafka").setLevel(logging.ERROR)
    with servers() as srv:
        settings = bench_settings(srv.database_url, srv.kafka_bootstrap, srv.workdir, "bulk1")
        settings = replace(settings, http_port=free_port())
        container = build_container(settings)
        upgrade(container.engine, settings.db_schema)
        ensure_topics(srv.kafka_bootstrap, [settings.topic(t) for t in TOPICS], settings.partitions)
        generated = write_return(srv.workdir, args.documents, 0)
        run_worker(settings, srv.workdir / "worker.log", "ingest", str(generated.path))
        api = spawn_cli(settings, srv.workdir / "api.log", "api")
        relay = spawn_cli(settings, srv.workdir / "relay.log", "relay")
        consumer = spawn_cli(settings, srv.workdir / "consumer.log", "consume", "ims")
        from services.common import tokens

        token = tokens.create(container.engine, "admin", [], "bench")[1]
        http = httpx.Client(
            base_url=f"http://127.0.0.1:{settings.http_port}",
            timeout=600,
            headers={"Authorization": f"Bearer {token}", "X-Actor": "bench"},
        )
        try:
            wait_for_port("127.0.0.1", settings.http_port, 60, lambda: api.poll() is None)
            wait_visible(container.engine, generated.recipient, "N", args.documents)
            for run in range(args.runs):
                for action in ("A", "N"):
                    started = time.perf_counter()
                    answer = http.post(f"/v1/ims/{generated.recipient}/actions/bulk", json={"action": action})
                    answered = time.perf_counter()
                    assert answer.status_code == 200 and int(answer.json()["proc_cnt"]) == args.documents, answer.text[
                        :300
                    ]
                    visible = wait_visible(container.engine, generated.recipient, action, args.documents)
                    print(
                        f"run {run + 1} bulk {action} of {args.documents:,}: answered {answered - started:.2f} s, "
                        f"visible {visible - started:.2f} s",
                        flush=True,
                    )
        finally:
            http.close()
            for process in (api, relay, consumer):
                stop_process(process)
            container.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
