"""The HTTP API: one FastAPI app, routers per service, OpenAPI at /docs."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from services.api import availability
from services.api.dbprobe import DatabaseProbe
from services.bootstrap import Container, command_ports


def create_app(container: Container) -> FastAPI:
    from services.actions.views.asof import Gate

    app = FastAPI(title="IMS backend", version="0.1.0")
    app.state.container = container
    app.state.commands = command_ports(container)
    assert container.settings.database_url, "DATABASE_URL is not set"
    probe = DatabaseProbe(container.settings.database_url, container.settings.db_probe_timeout_ms / 1000)
    availability.install(app, probe)
    app.state.asof_gate = Gate(container.settings.asof_concurrency)

    @app.middleware("http")
    async def refuse_nul(request: Request, call_next: Callable[[Request], Awaitable[Response]]) -> Response:
        """A NUL in a path or query value can never name anything; refuse it before it reaches SQL."""
        if "\x00" in request.url.path or "%00" in request.url.query or "\x00" in request.url.query:
            return JSONResponse(
                {
                    "detail": {
                        "error_cd": "INVALID_REQUEST",
                        "error_msg": "path or query: NUL characters are not allowed",
                    }
                },
                400,
            )
        return await call_next(request)

    @app.get("/healthz", tags=["operations"])
    async def healthz() -> JSONResponse:
        """200 when both PostgreSQL and the broker answer, 503 naming the one that does not, within about
        the probe's timeout even while PostgreSQL is frozen (no pooled connection, no worker thread)."""
        problem, broker_ok = await asyncio.gather(
            probe.problem(), availability.broker_reachable(container.settings.kafka_bootstrap)
        )
        database = "ok" if problem is None else f"unavailable: {problem}"
        broker = "ok" if broker_ok else "unreachable"
        healthy = database == "ok" and broker == "ok"
        return JSONResponse(
            {"status": "ok" if healthy else "degraded", "database": database, "broker": broker},
            status_code=200 if healthy else 503,
        )

    from services.actions.http import router as ims_router
    from services.actions.recon_apply_http import router as recon_apply_router
    from services.actions.upload_http import router as upload_router
    from services.gstr2b.http import router as gstr2b_router
    from services.gstr2b.rule37a_http import router as rule37a_router
    from services.ingest.http import router as ingest_router
    from services.recon.http import router as recon_router
    from services.recon.policy_links_http import router as recon_policy_router
    from services.registry.http import router as registry_router

    app.include_router(ingest_router)
    app.include_router(ims_router)
    app.include_router(upload_router)
    app.include_router(gstr2b_router)
    app.include_router(rule37a_router)
    app.include_router(registry_router)
    app.include_router(recon_router)
    app.include_router(recon_policy_router)
    app.include_router(recon_apply_router)
    from services.web.http import install as install_web

    install_web(app)
    from services.api import contract, errors, metrics

    metrics.install(app, container)
    errors.install(app)
    contract.declare_bearer(app)
    return app
