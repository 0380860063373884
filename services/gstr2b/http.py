"""HTTP entry points of GSTR-2B: the latest or a given version, versions, diff, recompute, profile."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse
from sqlalchemy import Engine

from services.api import contract, limits
from services.api.auth import actor, require
from services.api.bodies import parse_json, read_body
from services.api.common import path_gstin, refused
from services.api.downloads import file_chunks
from services.archive.eventlog import log_event
from services.common.commands import CommandRefused, check_period
from services.common.events import Gstr2bRecomputeRequestedV1, RecipientProfileSetV1
from services.common.money_json import MoneyJSONResponse
from services.common.ports import Ports
from services.gstr2b import output, queries, sheets
from services.gstr2b.generation import recompute_refusal

router = APIRouter(prefix="/v1", tags=["gstr2b"], dependencies=[Depends(require("recipient"))])
VERSION = 2**31 - 1  # versions are numbered from 1 in an integer column
DOWNLOADS = {**contract.CSV, **contract.XLSX}


def _container(request: Request) -> Ports:
    return request.app.state.container  # type: ignore[no-any-return]


def _period(rtnprd: str) -> str:
    try:
        return check_period(rtnprd)
    except CommandRefused as exc:
        raise refused(str(exc)) from None


def _version(container: Ports, gstin: str, rtnprd: str, number: int | None) -> queries.Version:
    found = queries.version(container.engine, path_gstin(gstin), _period(rtnprd), number)
    if found is None:
        what = f"version {number}" if number else "no generated GSTR-2B"
        raise refused(f"rtnprd: {what} for {rtnprd}", 404, "NOT_FOUND")
    return found


@router.get("/gstr2b/{gstin}/{rtnprd}", responses=contract.answers(None, 400, 403, 404, media=DOWNLOADS))
def get_gstr2b(
    request: Request,
    gstin: str,
    rtnprd: str,
    version: int | None = Query(None, ge=1, le=VERSION),
    format: str = Query("json", pattern="^(json|csv|xlsx)$"),
    file_num: int | None = Query(
        None, ge=1, le=VERSION, description="one of GSTN's file pieces (from 1); `fc` counts them"
    ),
) -> Any:
    """The GSTR-2B in GSTN's shape, with our `statement_version`, GSTR-3B table 4 and `fc` (its count of file
    pieces) beside `data`; `file_num=N` answers piece N alone (docs/rules.md §7.6); `format=xlsx` the portal's
    GSTR-2B workbook, `format=csv` its document rows (§7.5)."""
    container = _container(request)
    if file_num is not None and format != "json":
        raise refused(f"file_num: a {format} download is one file; file pieces are of the JSON answer")
    v = _version(container, gstin, rtnprd, version)
    if format == "json":
        pieces = output.pieces_of(container.engine, v, container.settings.gstr2b_piece_documents)
        if file_num is not None and file_num > pieces.count:
            raise refused(
                f"file_num: {file_num} is past the {pieces.count} file pieces of this statement", 404, "NOT_FOUND"
            )
        body = output.json_stream(container.engine, v, pieces, file_num)
        return StreamingResponse(body, media_type="application/json")
    return download(container.engine, v, format)


def download(engine: Engine, v: queries.Version, format: str) -> StreamingResponse:
    """A GSTR-2B version as its document rows in CSV, or as the portal's workbook (docs/rules.md §7.5); the
    web dashboard's download is this one."""
    name = f"gstr2b-{v.recipient}-{v.period}-v{v.version}"
    if format == "csv":
        return StreamingResponse(
            sheets.csv_chunks(engine, v),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    path = sheets.workbook(engine, v)
    return StreamingResponse(
        file_chunks(path),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@router.get("/gstr2b/{gstin}/{rtnprd}/versions", responses=contract.answers(None, 400, 403))
def get_versions(request: Request, gstin: str, rtnprd: str) -> Any:
    found = queries.versions(_container(request).engine, path_gstin(gstin), _period(rtnprd))
    return {
        "gstin": gstin,
        "rtnprd": rtnprd,
        "versions": [
            {
                "version": v.version,
                "gendt": v.gendt.strftime("%d-%m-%Y"),
                "trigger": v.trigger,
                "documents": v.documents,
            }
            for v in found
        ],
    }


@router.get("/gstr2b/{gstin}/{rtnprd}/diff", responses=contract.answers(None, 400, 403, 404))
def get_diff(
    request: Request,
    gstin: str,
    rtnprd: str,
    older: int = Query(..., alias="from", ge=1, le=VERSION),
    newer: int = Query(..., alias="to", ge=1, le=VERSION),
) -> Any:
    """What changed between two versions: documents added, removed, or moved between parts / amounts."""
    container = _container(request)
    for number in (older, newer):
        _version(container, gstin, rtnprd, number)
    changes = queries.diff(container.engine, path_gstin(gstin), _period(rtnprd), older, newer)
    return MoneyJSONResponse(
        {
            "gstin": gstin,
            "rtnprd": rtnprd,
            "from": older,
            "to": newer,
            "changes": [
                {
                    **c,
                    "from_tax": output.Paise(c["from_tax"]) if c["from_tax"] is not None else None,
                    "to_tax": output.Paise(c["to_tax"]) if c["to_tax"] is not None else None,
                }
                for c in changes
            ],
        }
    )


@router.post("/gstr2b/{gstin}/{rtnprd}/recompute", responses=contract.answers(contract.REQSTS, 400, 403, 409, 503))
async def post_recompute(request: Request, gstin: str, rtnprd: str) -> Any:
    """Recompute GSTR-2B after new actions: refused before the cut-off and after the period's GSTR-3B."""
    container = _container(request)
    recipient, period = path_gstin(gstin), _period(rtnprd)
    with container.engine.connect() as conn:
        refusal = recompute_refusal(conn, recipient, period)
    if refusal is not None:
        raise refused(refusal[1], 409, refusal[0])
    reference = uuid.uuid4().hex
    answer = {"reference_id": reference, "status_cd": "P", "proc_cnt": 1, "err_cnt": 0, "error_report": {}}
    await run_in_threadpool(
        log_event,
        container,
        recipient,
        Gstr2bRecomputeRequestedV1(recipient, period, reference),
        actor(request),
        (reference, "recompute", answer),
    )
    return answer


@router.post(
    "/ims/{gstin}/profile",
    responses=contract.answers(None, 400, 403, 413, 503),
    openapi_extra=contract.request_body(contract.PROFILE, limits.SMALL.bytes),
)
async def post_profile(request: Request, gstin: str) -> Any:
    """Set the recipient's filing frequency (`{"frequency": "monthly"|"quarterly"}`)."""
    container = _container(request)
    body = parse_json(await read_body(request, limits.SMALL.within(container.settings)))
    frequency = body.get("frequency") if isinstance(body, dict) else None
    if frequency not in ("monthly", "quarterly"):
        raise refused("frequency: must be monthly or quarterly")
    recipient = path_gstin(gstin)
    await run_in_threadpool(
        log_event,
        container,
        recipient,
        RecipientProfileSetV1(recipient, frequency == "quarterly"),
        actor(request),
    )
    return {"rtin": recipient, "frequency": frequency}
