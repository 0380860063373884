"""HTTP entry points of ingest: returns in the GSTN GSTR-1 shape and Bills of Entry."""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from services.api import contract, limits
from services.api.auth import actor, forbidden, require, scoped_key
from services.api.bodies import BodyRefused, check_declared_size, spool_body
from services.api.common import iso_date
from services.common.jsonstream import MalformedJson, RecordRefused, TooManyRecords
from services.common.quoting import shown
from services.common.tokens import Principal
from services.ingest.body import BodyTooLarge, RawReturn
from services.ingest.boe_body import read_boes
from services.ingest.domain.gstr1 import ReturnRejected
from services.ingest.handlers import FilingRefused, IngestPorts, file_boes, file_return
from services.ingest.returnstream import probe_header

router = APIRouter(prefix="/v1", tags=["ingest"])
FILER = Depends(require("filer", gstin_param=None))


def _refused(message: str, status: int = 400) -> HTTPException:
    return HTTPException(status_code=status, detail={"error_cd": "RETURN_REFUSED", "error_msg": message})


def _parse_filed_on(raw: str | None) -> date | None:
    if raw is None or raw == "":
        return None
    try:
        return iso_date(raw, "filed_on")
    except HTTPException as exc:
        detail: Any = exc.detail
        raise _refused(detail["error_msg"]) from None


async def _spool(request: Request, limit: int) -> RawReturn:
    """The body to a spool (disk past a few MB), hashed and compressed as it arrives, within the limit."""
    check_declared_size(request, limit)
    body = RawReturn(limit)
    try:
        async for chunk in request.stream():
            body.write(chunk)
    except BodyTooLarge as exc:
        raise BodyRefused(413, str(exc)) from None
    except BaseException:
        body.close()
        raise
    return body.finish()


@router.post(
    "/returns/{form}",
    responses=contract.answers(contract.REQSTS, 400, 403, 404, 413, 503),
    openapi_extra=contract.request_body(contract.RETURN, 512 * limits.MiB),
)
async def post_return(
    request: Request,
    form: str = Path(max_length=16, description="gstr1, iff, gstr1a, gstr5 or gstr6"),
    status: str = Query("filed", max_length=16, description="saved or filed"),
    filed_on: str | None = Query(None, max_length=16, description="YYYY-MM-DD; required when filed"),
    frequency: str = Query(
        "monthly", pattern="^(monthly|quarterly)$", description="gstr1: quarterly for a QRMP filer (13th/14th cut-off)"
    ),
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
    who: Principal = FILER,
) -> Any:
    """File or save a GSTR-1 / IFF / GSTR-1A / GSTR-5 / GSTR-6 return; answers in GSTN's REQSTS shape.
    The body is streamed: a return of any size within the limit (`IMS_MAX_BODY_BYTES`) is read with bounded
    memory."""
    container: IngestPorts = request.app.state.container
    when = _parse_filed_on(filed_on)
    with await _spool(request, container.settings.max_body_bytes) as body:
        try:
            filer = (await run_in_threadpool(probe_header, body.open)).get("gstin")
            if isinstance(filer, str) and not who.may_use(filer):
                raise forbidden(f"gstin: this token may not file for {shown(filer)}")
            answer = await run_in_threadpool(
                file_return,
                container,
                body,
                form,
                status,
                when,
                actor(request),
                scoped_key(request, filer if isinstance(filer, str) else ""),
                frequency == "quarterly",
            )
        except MalformedJson as exc:
            raise BodyRefused(400, str(exc)) from None
        except (FilingRefused, ReturnRejected) as exc:
            raise _refused(str(exc), 404 if str(exc).startswith("form:") else 400) from None
    return JSONResponse(answer)


@router.post(
    "/imports/boe",
    responses=contract.answers(contract.REQSTS, 400, 403, 413, 503),
    openapi_extra=contract.request_body(contract.boe_body(limits.BOE.records or 0), limits.BOE.bytes),
)
async def post_boe(
    request: Request,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),
    who: Principal = FILER,
) -> Any:
    """Bills of Entry (imports); each reaches its importer's IMS under impg / impgsez (or amendments)."""
    container: IngestPorts = request.app.state.container
    spool = await spool_body(request, limits.BOE.within(container.settings))
    try:
        assert limits.BOE.records is not None
        payload = await run_in_threadpool(read_boes, spool, limits.BOE.records)
        spool.seek(0)
        raw = spool.read()  # archived as received (at most the BoE limit)
    except MalformedJson as exc:
        raise BodyRefused(400, str(exc)) from None
    except TooManyRecords as exc:
        raise BodyRefused(413, str(exc)) from None
    except RecordRefused as exc:
        raise _refused(str(exc)) from None
    finally:
        spool.close()
    rows = payload.get("boe") if isinstance(payload, dict) else None
    for row in rows if isinstance(rows, list) else []:
        importer = row.get("rtin") if isinstance(row, dict) else None
        if isinstance(importer, str) and not who.may_use(importer):
            raise forbidden(f"rtin: this token may not file Bills of Entry for {shown(importer)}")
    try:
        answer = await run_in_threadpool(file_boes, container, payload, raw, actor(request), scoped_key(request, "boe"))
    except FilingRefused as exc:
        raise _refused(str(exc)) from None
    return JSONResponse(answer)
