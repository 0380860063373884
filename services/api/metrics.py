"""`GET /metrics` in the Prometheus text format: HTTP traffic, and per projection and partition the
events applied, the lag behind the broker and whether a poison message stopped it.

Projection figures are read at scrape time from the checkpoints (written in the projections' own
transactions) and the broker's end offsets, so they are true for every consumer process, not just this one.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from kafka import KafkaConsumer, TopicPartition
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text

from services.bootstrap import Container


class ProjectionCollector:
    def __init__(self, container: Container):
        self._container = container
        self._consumer: KafkaConsumer | None = None
        self._lock = threading.Lock()

    def _end_offsets(self, partitions: list[TopicPartition]) -> dict[TopicPartition, int]:
        with self._lock:
            if self._consumer is None:
                self._consumer = KafkaConsumer(
                    bootstrap_servers=self._container.settings.kafka_bootstrap, request_timeout_ms=5000
                )
            return dict(self._consumer.end_offsets(partitions))

    def collect(self) -> Iterator[GaugeMetricFamily]:
        labels = ["projection", "topic", "partition"]
        applied = GaugeMetricFamily("ims_events_applied", "Events applied by the projection", labels=labels)
        lag = GaugeMetricFamily(
            "ims_consumer_lag", "Offsets between the broker's end and the checkpoint", labels=labels
        )
        poisoned = GaugeMetricFamily(
            "ims_projection_poisoned", "1 while a poison message stops the partition", labels=labels
        )
        with self._container.engine.connect() as conn:
            rows = conn.execute(
                text(
                    'SELECT c.projection, c.topic, c.partition, c.next_offset, c.applied, f."offset" '
                    "FROM projection_checkpoints c LEFT JOIN projection_faults f USING (projection, topic, partition) "
                    "ORDER BY 1, 2, 3"
                )
            ).all()
        try:
            ends = self._end_offsets(sorted({TopicPartition(r[1], r[2]) for r in rows}))
        except Exception:  # the broker may be away; the other figures still help
            ends = {}
        for projection, topic, partition, next_offset, count, fault in rows:
            key = [projection, topic, str(partition)]
            applied.add_metric(key, count)
            end = ends.get(TopicPartition(topic, partition))
            if end is not None:
                lag.add_metric(key, max(0, end - next_offset))
            poisoned.add_metric(key, 1 if fault is not None and fault >= next_offset else 0)
        yield applied
        yield lag
        yield poisoned


def install(app: FastAPI, container: Container) -> None:
    registry = CollectorRegistry()
    requests_total = Counter("ims_http_requests", "HTTP requests", ["method", "route", "status"], registry=registry)
    latency = Histogram(
        "ims_http_request_seconds",
        "HTTP request latency",
        ["method", "route"],
        registry=registry,
        buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
    )
    registry.register(ProjectionCollector(container))  # type: ignore[arg-type]

    @app.middleware("http")
    async def measure(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        started = time.perf_counter()
        response = await call_next(request)
        route: Any = request.scope.get("route")
        path = getattr(route, "path", "unmatched")
        latency.labels(request.method, path).observe(time.perf_counter() - started)
        requests_total.labels(request.method, path, str(response.status_code)).inc()
        return response

    @app.get(
        "/metrics",
        tags=["operations"],
        response_class=PlainTextResponse,
        responses={
            200: {"description": "Prometheus text format", "content": {"text/plain": {"schema": {"type": "string"}}}}
        },
    )
    def metrics() -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)
