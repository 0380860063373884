"""`GET /metrics` in the Prometheus text format: HTTP traffic; per projection and partition the events
applied, the lag behind the log and whether a poison message stopped it; the relay's backlog.

Every figure is read at scrape time from PostgreSQL: checkpoints (written in the projections' own
transactions) and the relay's acknowledged positions (`relay_acks`, the broker's end as far as the log
reached it), so they are true for every consumer process and need no broker.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable, Iterator
from typing import Any

from fastapi import FastAPI, Request, Response
from fastapi.responses import PlainTextResponse
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from sqlalchemy import text

from services.bootstrap import Container

_PROJECTIONS = """
SELECT c.projection, c.topic, c.partition, c.next_offset, c.applied, f."offset",
       CASE WHEN coalesce(c.epoch, e.cur) = e.cur THEN a.next_offset END
FROM projection_checkpoints c
CROSS JOIN (SELECT max(epoch) AS cur FROM broker_epochs) e
LEFT JOIN projection_faults f USING (projection, topic, partition)
LEFT JOIN relay_acks a ON a.epoch = e.cur AND a.topic = c.topic AND a.partition = c.partition
ORDER BY 1, 2, 3
"""
_RELAY = """
SELECT (SELECT count(*) FROM event_relay_queue),
       (SELECT count(*) FROM event_placements p LEFT JOIN relay_acks a USING (epoch, topic, partition)
        WHERE p.epoch = (SELECT max(epoch) FROM broker_epochs) AND p."offset" >= coalesce(a.next_offset, 0)),
       (SELECT max(epoch) FROM broker_epochs)
"""


class ProjectionCollector:
    def __init__(self, container: Container):
        self._container = container

    def collect(self) -> Iterator[GaugeMetricFamily]:
        labels = ["projection", "topic", "partition"]
        applied = GaugeMetricFamily("ims_events_applied", "Events applied by the projection", labels=labels)
        lag = GaugeMetricFamily(
            "ims_consumer_lag", "Offsets between what the relay published and the checkpoint", labels=labels
        )
        poisoned = GaugeMetricFamily(
            "ims_projection_poisoned", "1 while a poison message stops the partition", labels=labels
        )
        with self._container.engine.connect() as conn:
            rows = conn.execute(text(_PROJECTIONS)).all()
            queued, unacknowledged, epoch = conn.execute(text(_RELAY)).one()
        for projection, topic, partition, next_offset, count, fault, end in rows:
            key = [projection, topic, str(partition)]
            applied.add_metric(key, count)
            if end is not None:
                lag.add_metric(key, max(0, end - next_offset))
            poisoned.add_metric(key, 1 if fault is not None and fault >= next_offset else 0)
        yield applied
        yield lag
        yield poisoned
        yield GaugeMetricFamily("ims_relay_queued", "Events logged, not yet placed by the relay", value=queued)
        yield GaugeMetricFamily(
            "ims_relay_unacknowledged", "Events placed, not yet acknowledged by the broker", value=unacknowledged
        )
        yield GaugeMetricFamily("ims_broker_epoch", "Broker epochs so far (one per lost broker log)", value=epoch)


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
