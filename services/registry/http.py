"""`POST /v1/admin/taxpayers` loads taxpayer names (JSON or CSV); `GET /v1/admin/taxpayers/{gstin}` reads one.

Admin only: the registry is the operator's, and the names it holds reach every recipient's GSTR-2B.
"""

from __future__ import annotations

from typing import IO, Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool

from services.api import contract, limits
from services.api.auth import actor, require, scoped_key
from services.api.bodies import media_of, rows_refused, spool_body
from services.api.common import path_gstin, refused
from services.common.ports import Ports
from services.registry import handlers
from services.registry.body import read_taxpayers
from services.registry.domain.csvrows import rows_of_csv
from services.registry.domain.taxpayers import MAX_NAME, BodyRefused, Row, check_rows, rows_of_json
from services.registry.names import entry_of

router = APIRouter(prefix="/v1/admin", tags=["registry"], dependencies=[Depends(require(gstin_param=None))])
CSV, JSON = "text/csv", "application/json"


def _rows(media: str, body: IO[bytes], max_rows: int) -> list[Row]:
    with rows_refused():
        if media == CSV:
            raw = body.read()
            try:
                text = raw.decode("utf-8")
            except UnicodeDecodeError as exc:
                raise BodyRefused(f"body: not valid UTF-8 at byte {exc.start} (save the CSV as UTF-8)") from None
            return rows_of_csv(text, max_rows)
        return rows_of_json(read_taxpayers(body, max_rows), max_rows)


@router.post(
    "/taxpayers",
    responses=contract.answers(contract.REQSTS, 400, 403, 413, 503),
    openapi_extra=contract.taxpayers_body(limits.TAXPAYERS.bytes, limits.TAXPAYERS.records or 0, MAX_NAME),
)
async def post_taxpayers(
    request: Request,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # read by scoped_key; in OpenAPI
) -> Any:
    """Load legal and trade names of taxpayers into the registry; a later load replaces a GSTIN's names.
    JSON `{"taxpayers": [{"gstin", "legal_name", "trade_name"}]}` or CSV (`Content-Type: text/csv`) with a
    header row. Answered like a filing: `status_cd` P, PE or ER, counts, and one error row per refused row
    naming its row and field."""
    container: Ports = request.app.state.container
    media = media_of(request, JSON, CSV)
    limit = limits.TAXPAYERS
    body = await spool_body(request, limit.within(container.settings))
    try:
        rows = await run_in_threadpool(_rows, media, body, limit.records or 0)
    finally:
        body.close()
    checked = await run_in_threadpool(check_rows, rows)
    key = scoped_key(request, handlers.REGISTRY_KEY)
    return await run_in_threadpool(handlers.load, container, checked, actor(request), key)


@router.get("/taxpayers/{gstin}", responses=contract.answers(contract.TAXPAYER, 400, 403, 404, 503))
async def get_taxpayer(request: Request, gstin: str) -> Any:
    """The names the registry holds for a GSTIN, and the load that last set them (404 when it holds none)."""
    container: Ports = request.app.state.container
    wanted = path_gstin(gstin)

    def read() -> Any:
        with container.engine.connect() as conn:
            return entry_of(conn, wanted)

    entry = await run_in_threadpool(read)
    if entry is None:
        raise refused(f"gstin: {wanted} is not in the registry of taxpayer names", 404, "NOT_FOUND")
    return {
        "gstin": entry.gstin,
        "legal_name": entry.legal_name,
        "trade_name": entry.trade_name,
        "reference_id": entry.reference_id,
        "updated_at": entry.updated_at,
    }
