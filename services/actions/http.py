"""HTTP entry points of the IMS: GETCNT / GETINV / SAVE / RESET / bulk / REQSTS, periods and the clock."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from fastapi import APIRouter, Depends, HTTPException, Path, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse, StreamingResponse
from sqlalchemy import Connection, Engine

from services.actions.commands import handlers, save_body
from services.actions.commands.ports import CommandPorts
from services.actions.views import asof, downloads, history, queries, reqsts, supplier
from services.actions.views.records import getinv_record
from services.api import contract, limits
from services.api.auth import actor, require, scoped_key
from services.api.bodies import BodyRefused, parse_json, read_body, spool_body
from services.api.common import (
    decode_cursor,
    decode_position,
    encode_cursor,
    iso_date,
    next_page,
    path_gstin,
    refused,
)
from services.api.downloads import file_chunks
from services.archive.eventlog import log_event
from services.common import requests
from services.common.commands import CommandRefused, check_period
from services.common.events import Gstr3bFiledV1
from services.common.gst.money import InvalidAmount, to_paise
from services.common.gst.sections import SECTION_BY_KEY
from services.common.jsonstream import MalformedJson, TooManyRecords
from services.common.money_json import MoneyJSONResponse
from services.common.ports import Ports
from services.common.quoting import shown
from services.common.tokens import Principal

router = APIRouter(prefix="/v1", tags=["ims"])
RECIPIENT = Depends(require("recipient"))
ANY_PARTY = Depends(require("recipient", "filer"))
SUPPLIER = Depends(require("supplier", "filer"))
ADMIN = Depends(require(gstin_param=None))
STATUSES = ("N", "A", "R", "P", "noaction", "accept", "reject", "pending")
SECTIONS = sorted(SECTION_BY_KEY)
RTNPRD = Query(None, max_length=16, description="MMYYYY")
AS_OF = Query(None, max_length=64, description="ISO-8601 instant with a zone")
CURSOR = Query(None, max_length=1024, description="the previous page's next cursor (GETINV: its X-Next-Cursor header)")
DECLARED = ("declIgst", "declCgst", "declSgst", "declCess")


def _container(request: Request) -> Ports:
    return request.app.state.container  # type: ignore[no-any-return]


def _commands(request: Request) -> CommandPorts:
    """The command ports services/bootstrap.py wired for this app (services/api/app.py)."""
    return request.app.state.commands  # type: ignore[no-any-return]


def _selection(
    gstin: str, section: str | None, status: str | None, stin: str | None, rtnprd: str | None, q: str | None
) -> queries.Selection:
    for name, value in (("section", section), ("status", status), ("stin", stin), ("rtnprd", rtnprd), ("q", q)):
        if value is not None and not isinstance(value, str):
            raise refused(f"{name}: must be text")
    if section is not None and section not in SECTION_BY_KEY:
        raise refused(f"section: unknown section {shown(section)}")
    if status is not None and status not in STATUSES:
        raise refused(f"status: must be one of {', '.join(STATUSES)}")
    if rtnprd is not None:
        try:
            check_period(rtnprd)
        except CommandRefused as exc:
            raise refused(str(exc)) from None
    return queries.Selection(path_gstin(gstin), section, status, path_gstin(stin, "stin") if stin else None, rtnprd, q)


def _as_of(value: str) -> str:
    try:
        return asof.parse_instant(value)
    except ValueError as exc:
        raise refused(f"as_of: {exc}") from None


@contextlib.contextmanager
def _past(request: Request, recipient: str, as_of: str) -> Iterator[Connection]:
    """The recipient's IMS at the instant, within the process's limit of concurrent as-of views (429 beyond)."""
    instant = _as_of(as_of)
    gate: asof.Gate = request.app.state.asof_gate
    try:
        with gate.enter(), asof.as_of(_container(request), recipient, instant) as conn:
            yield conn
    except asof.Busy as exc:
        raise HTTPException(
            429,
            detail={"error_cd": "TOO_MANY_AS_OF", "error_msg": str(exc)},
            headers={"Retry-After": str(exc.retry_after)},
        ) from None


@router.get("/ims/{gstin}/counts", dependencies=[RECIPIENT], responses=contract.answers(None, 400, 403, 429))
def get_counts(request: Request, gstin: str, rtnprd: str | None = RTNPRD, as_of: str | None = AS_OF) -> Any:
    """GETCNT: documents per section and action, with the portal's groups and `ttl_cnt`.

    `as_of` (ISO-8601 with a zone) answers with the state at that instant: the latest snapshot before it
    plus the events after it from the log. At most `IMS_ASOF_CONCURRENCY` at once (429 and Retry-After beyond).
    """
    if rtnprd is not None:
        _selection(gstin, None, None, None, rtnprd, None)
    container = _container(request)
    if as_of is not None:
        with _past(request, path_gstin(gstin), as_of) as conn:
            return queries.counts(conn, path_gstin(gstin), rtnprd)
    return queries.counts(container.engine, path_gstin(gstin), rtnprd)


@router.get(
    "/ims/{gstin}/documents",
    dependencies=[RECIPIENT],
    responses=contract.answers(None, 400, 403, media={**contract.CSV, **contract.XLSX}, headers=contract.NEXT_PAGE),
)
def get_documents(
    request: Request,
    gstin: str,
    section: str | None = Query(None, max_length=16),
    status: str | None = Query(None, max_length=16),
    stin: str | None = Query(None, max_length=32),
    rtnprd: str | None = RTNPRD,
    q: str | None = Query(None, max_length=16),
    limit: int = Query(500, ge=1, le=5000),
    cursor: str | None = CURSOR,
    format: str = Query("json", pattern="^(json|csv|xlsx)$"),
    as_of: str | None = AS_OF,
) -> Any:
    """GETINV: live documents with a stable cursor; `format=csv|xlsx` downloads the whole selection as the
    documents workbook (human headers, an Action and a Remarks column; POST .../actions/upload reads it back).

    `as_of` returns one page of the documents as they stood at that instant (as `counts` builds it).
    """
    selection = _selection(gstin, section, status, stin, rtnprd, q)
    if as_of is not None:
        with _past(request, selection.recipient, as_of) as conn:
            docs = queries.page(conn, selection, limit, decode_cursor(cursor))
        return _listing(request, docs, limit)
    engine = _container(request).engine
    if format in ("csv", "xlsx"):
        return download(engine, selection, format, f"ims-{gstin}")
    docs = queries.page(engine, selection, limit, decode_cursor(cursor))
    return _listing(request, docs, limit)


def download(engine: Engine, selection: queries.Selection, format: str, name: str) -> StreamingResponse:
    """Every selected document as the documents workbook in CSV or XLSX (services/actions/views/downloads.py),
    streamed (the web dashboard's downloads too)."""
    if format == "csv":
        return StreamingResponse(
            downloads.documents_csv(queries.stream(engine, selection)),
            media_type="text/csv",
            headers={"Content-Disposition": f'attachment; filename="{name}.csv"'},
        )
    path = downloads.documents_xlsx(selection.recipient, queries.stream(engine, selection))
    return StreamingResponse(
        file_chunks(path),
        media_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


def _listing(request: Request, docs: list[Any], limit: int) -> MoneyJSONResponse:
    """GETINV: the body is GSTN's data exactly, its records by section; the page's continuation goes in
    headers (docs/rules.md §8): `X-Next-Cursor` and a `Link: <...>; rel="next"`, absent on the last page."""
    by_section: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        by_section.setdefault(doc.section, []).append(getinv_record(doc))
    headers = {}
    if len(docs) == limit:
        headers = next_page(request, encode_cursor(docs[-1].section, docs[-1].doc_key))
    return MoneyJSONResponse(by_section, headers=headers)


@router.get(
    "/ims/{gstin}/documents/{doc_id:path}/history", dependencies=[RECIPIENT], responses=contract.answers(None, 400, 403)
)
def get_history(request: Request, gstin: str, doc_id: str = Path(max_length=256)) -> Any:
    """Every event that touched the document, in log order, with actor and time."""
    return history.of(_container(request).engine, path_gstin(gstin), doc_id)


async def _command(request: Request, gstin: str, reqtyp: str) -> Any:
    container = _container(request)
    recipient = path_gstin(gstin)
    spool = await spool_body(request, limits.SAVE.within(container.settings))
    try:
        assert limits.SAVE.records is not None
        body = await run_in_threadpool(save_body.read_save, spool, reqtyp == "RESET", limits.SAVE.records)
    except MalformedJson as exc:
        raise BodyRefused(400, str(exc)) from None
    except TooManyRecords as exc:
        raise BodyRefused(413, str(exc)) from None
    except CommandRefused as exc:
        raise refused(str(exc)) from None
    finally:
        spool.close()
    refusal = save_body.refusal(body, recipient, reqtyp)
    if refusal is not None:
        status, message = refusal
        raise refused(message, status, "FORBIDDEN" if status == 403 else "INVALID_REQUEST")
    items = body.items
    try:
        answer = await run_in_threadpool(
            handlers.execute,
            _commands(request),
            recipient,
            reqtyp,
            lambda: items,
            actor(request),
            scoped_key(request, recipient),
        )
    except CommandRefused as exc:
        raise refused(str(exc)) from None
    return JSONResponse(reqsts.gstn_answer(answer))


def _save_route(reqtyp: str) -> dict[str, Any]:
    assert limits.SAVE.records is not None
    schema = contract.save_body(reqtyp, limits.SAVE.records, SECTIONS)
    return {
        "dependencies": [RECIPIENT],
        "responses": contract.answers(contract.IMS_REQSTS, 400, 403, 413, 503),
        "openapi_extra": contract.request_body(schema, limits.SAVE.bytes),
    }


@router.post("/ims/{gstin}/actions", **_save_route("SAVE"))
async def post_actions(request: Request, gstin: str) -> Any:
    """SAVE: accept / reject / keep pending documents, each identified and carrying the hash it was read with.
    At most 50,000 records and 16 MiB per request (services/api/limits.py)."""
    return await _command(request, gstin, "SAVE")


@router.post("/ims/{gstin}/actions/reset", **_save_route("RESET"))
async def post_reset(request: Request, gstin: str) -> Any:
    """RESETIMS: return documents to No Action (the same limits as SAVE)."""
    return await _command(request, gstin, "RESET")


@router.post(
    "/ims/{gstin}/actions/bulk",
    dependencies=[RECIPIENT],
    responses=contract.answers(contract.IMS_REQSTS, 400, 403, 413, 503),
    openapi_extra=contract.request_body(contract.BULK, limits.BULK.bytes),
)
async def post_bulk(request: Request, gstin: str) -> Any:
    """One action on every live document matching a filter (e.g. everything from one supplier)."""
    container = _container(request)
    body = parse_json(await read_body(request, limits.BULK.within(container.settings)))
    if not isinstance(body, dict) or body.get("action") not in ("A", "R", "P", "N"):
        raise refused("action: must be A, R, P or N")
    flt = body.get("filter") or {}
    if not isinstance(flt, dict) or set(flt) - {"section", "status", "stin", "rtnprd"}:
        raise refused("filter: allowed keys are section, status, stin, rtnprd")
    remarks, reduction = body.get("remarks"), body.get("itc_reduction")
    if remarks is not None and not isinstance(remarks, str):
        raise refused("remarks: must be text")
    if reduction is not None and not isinstance(reduction, dict):
        raise refused("itc_reduction: must be an object with itcRedReq and declIgst/declCgst/declSgst/declCess")
    for name in DECLARED:  # one answer for every selected document: refuse a bad amount before selecting any
        if reduction and reduction.get(name) is not None:
            try:
                to_paise(reduction[name], f"itc_reduction.{name}")
            except InvalidAmount as exc:
                raise refused(str(exc)) from None
    selection = _selection(gstin, flt.get("section"), flt.get("status"), flt.get("stin"), flt.get("rtnprd"), None)
    ports = _commands(request)
    try:
        answer = await run_in_threadpool(
            handlers.execute,
            ports,
            selection.recipient,
            "BULK",
            lambda: handlers.bulk_items(ports.documents, selection, body["action"], remarks, reduction),
            actor(request),
            scoped_key(request, selection.recipient),
        )
    except (CommandRefused, InvalidAmount) as exc:
        raise refused(str(exc)) from None
    return JSONResponse(reqsts.gstn_answer(answer))


@router.get(
    "/ims/{gstin}/requests/{reference_id}",
    responses=contract.answers({"oneOf": [contract.IMS_REQSTS, contract.REQSTS]}, 400, 403, 404),
)
def get_request(
    request: Request,
    gstin: str,
    reference_id: str = Path(max_length=64),
    who: Principal = ANY_PARTY,
) -> Any:
    """REQSTS: the answer given, plus anything the projector refused later while applying in log order.

    Read under the request's own GSTIN by the role that makes such requests for it: a filing by the filer
    token, a SAVE / RESET / bulk action or a recompute by the recipient token; a Bill of Entry by the token
    that made it; admin reads every request. Anything else answers 404, as an unknown reference does
    (`services.common.requests.may_read`)."""
    owner = path_gstin(gstin)
    engine = _container(request).engine
    logged = requests.find(engine, reference_id)
    if logged is None or not requests.may_read(logged, who, owner):
        raise refused(f"reference_id: no request {reference_id} readable by this token for {owner}", 404, "NOT_FOUND")
    status = history.request_status(engine, logged)
    return reqsts.gstn_answer(status) if logged.kind == "actions" else status


@router.post(
    "/ims/{gstin}/gstr3b/{rtnprd}",
    dependencies=[RECIPIENT],
    responses=contract.answers(None, 400, 403, 413, 503),
    openapi_extra=contract.request_body(contract.GSTR3B, limits.SMALL.bytes),
)
async def post_gstr3b(request: Request, gstin: str, rtnprd: str) -> Any:
    """Record the recipient's GSTR-3B filing for a GSTR-2B period (freezes that period's decided documents)."""
    container = _container(request)
    body = parse_json(await read_body(request, limits.SMALL.within(container.settings)) or b"{}")
    filed_on = _iso_date(body.get("filed_on") if isinstance(body, dict) else None, "filed_on")
    recipient = path_gstin(gstin)
    try:
        period = check_period(rtnprd)
        await run_in_threadpool(
            log_event,
            container,
            recipient,
            Gstr3bFiledV1(recipient, period, filed_on),
            actor(request),
        )
    except CommandRefused as exc:
        raise refused(str(exc)) from None
    return {"status_cd": "P", "rtin": recipient, "rtnprd": period, "filed_on": filed_on}


@router.post(
    "/clock",
    dependencies=[ADMIN],
    responses=contract.answers(None, 400, 403, 413, 503),
    openapi_extra=contract.request_body(contract.CLOCK, limits.SMALL.bytes),
)
async def post_clock(request: Request) -> Any:
    """Append `ClockAdvanced` for every known recipient: deadlines up to this date take effect."""
    container = _container(request)
    body = parse_json(await read_body(request, limits.SMALL.within(container.settings)))
    today = _iso_date(body.get("date") if isinstance(body, dict) else None, "date")
    count = await run_in_threadpool(supplier.advance_clock, container, today, actor(request))
    return {"date": today, "recipients": count}


@router.get("/suppliers/{gstin}/outward", dependencies=[SUPPLIER], responses=contract.answers(None, 400, 403))
def get_outward(
    request: Request,
    gstin: str,
    rtnprd: str | None = RTNPRD,
    limit: int = Query(supplier.PAGE, ge=1, le=50_000),
    cursor: str | None = CURSOR,
) -> Any:
    """SUPVIEW: what each recipient did with this supplier's documents, and liabilities added back; paged
    by `limit` and the `next_cursor` of the previous page."""
    if rtnprd is not None:
        _selection(gstin, None, None, None, rtnprd, None)
    after = decode_position(cursor, 3)
    return MoneyJSONResponse(supplier.outward(_container(request).engine, path_gstin(gstin), rtnprd, limit, after))


def _iso_date(value: Any, field: str) -> str:
    return iso_date(value, field).isoformat()
