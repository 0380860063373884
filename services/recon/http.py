"""`POST /v1/ims/{gstin}/purchases` books the recipient's purchases (JSON or CSV); `POST .../purchases/cancel`
cancels vouchers; `GET /v1/ims/{gstin}/recon` reconciles them with IMS on demand. The recipient's own books,
so a recipient token for that GSTIN (or admin)."""

from __future__ import annotations

import io
from typing import IO, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import StreamingResponse

from services.api import contract, limits
from services.api.auth import actor, require, scoped_key
from services.api.bodies import media_of, rows_refused, spool_body
from services.api.common import decode_position, encode_cursor, next_page, path_gstin, refused
from services.api.downloads import file_chunks
from services.common import requests
from services.common.gst.periods import Period
from services.common.gst.sections import SECTION_BY_KEY
from services.common.jsonstream import ARRAY, JsonStream, flat_value
from services.common.money_json import MoneyJSONResponse
from services.common.ports import Ports
from services.common.settings import PURCHASES_TOPIC
from services.recon import door, exports, handlers, listing, template, views, xlsx
from services.recon.body import read_purchases
from services.recon.domain.csvrows import HEADERS, rows_of_csv
from services.recon.domain.purchases import DOC_TYPES, MAX_VOUCHER_ID
from services.recon.domain.register import BodyRefused, Checked, TooManyRows, check_rows
from services.recon.domain.suggest import CATEGORIES
from services.recon.domain.summary import Filter
from services.registry.names import names_of

router = APIRouter(prefix="/v1/ims", tags=["recon"], dependencies=[Depends(require("recipient"))])
CSV, JSON = "text/csv", "application/json"


def _checked(media: str, body: IO[bytes], max_rows: int) -> Checked:
    with rows_refused():
        if media == CSV:
            lines = io.TextIOWrapper(body, encoding="utf-8-sig", newline="")
            try:
                return check_rows(rows_of_csv(lines, max_rows))
            except UnicodeDecodeError as exc:
                raise BodyRefused(f"body: not valid UTF-8 ({exc.reason}); save the CSV as UTF-8") from None
            finally:
                lines.detach()
        if media == xlsx.MEDIA:
            return check_rows(xlsx.rows_of_xlsx(body, max_rows))
        return read_purchases(body, max_rows)


@router.post(
    "/{gstin}/purchases",
    responses=contract.answers(contract.BOOKED, 400, 403, 413, 503),
    openapi_extra=contract.purchases_body(
        limits.PURCHASES.bytes, limits.PURCHASES.records or 0, list(HEADERS.values())
    ),
)
async def post_purchases(
    request: Request,
    gstin: str,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # read by scoped_key; in OpenAPI
) -> Any:
    """Book purchases in the recipient's register: `{"purchases": [{voucher_id, ctin, doc_type, inum, dt, pos,
    rev, txval, igst, cgst, sgst, cess, posting_date, boe, tags}]}`, or CSV or an XLSX workbook with the
    template's human headers. Answered like a
    filing (`status_cd` P/PE/ER, counts, an error row per refused row) plus `vouchers` {new, changed,
    unchanged}: a voucher re-sent unchanged logs nothing, a changed one is its next version."""
    container: Ports = request.app.state.container
    recipient = path_gstin(gstin)
    media = media_of(request, JSON, CSV, xlsx.MEDIA)
    limit = limits.PURCHASES
    body = await spool_body(request, limit.within(container.settings))
    try:
        checked = await run_in_threadpool(_checked, media, body, limit.records or 0)
    finally:
        body.close()
    key = scoped_key(request, f"purchases|{recipient}")
    return await run_in_threadpool(handlers.book, container, recipient, checked, actor(request), key)


@router.get(
    "/{gstin}/purchases", responses=contract.answers(contract.PURCHASES_PAGE, 400, 403, 503, headers=contract.NEXT_PAGE)
)
def list_purchases(
    request: Request,
    gstin: str,
    ctin: str | None = Query(None, max_length=32, description="only this supplier's vouchers"),
    doc_type: str | None = Query(None, max_length=8, description=" | ".join(DOC_TYPES)),
    cancelled: bool | None = Query(None, description="true: only cancelled vouchers; false: only live ones"),
    limit: int = Query(500, ge=1, le=5000),
    cursor: str | None = Query(None, max_length=1024, description="the previous page's X-Next-Cursor header"),
) -> Any:
    """The register as booked: each voucher as `POST .../purchases` takes it (amounts in rupees, dates
    DD-MM-YYYY), with its `version`, whether it is `cancelled` and the `reference_id` of the request that wrote
    it; every voucher by default, cancelled ones included. Pages in voucher-id order; the next page's cursor is in
    the `X-Next-Cursor` header (and `Link: <...>; rel="next"`), absent on the last page, as for GETINV. Read from
    the register's projection: a booking shows once projected."""
    if doc_type is not None and doc_type not in DOC_TYPES:
        raise refused(f"doc_type: one of {', '.join(DOC_TYPES)}, got {doc_type[:8]!r}")
    wanted = listing.Filter(path_gstin(gstin), path_gstin(ctin, "ctin") if ctin else None, doc_type, cancelled)
    after = decode_position(cursor, 1)
    container: Ports = request.app.state.container
    vouchers = listing.page(container.engine, wanted, limit, after[0] if after else None)
    headers = next_page(request, encode_cursor(vouchers[-1]["voucher_id"])) if len(vouchers) == limit else {}
    return MoneyJSONResponse({"purchases": vouchers}, headers=headers)


@router.get(
    "/{gstin}/purchases/template",
    responses=contract.answers(None, 400, 403, 503, media={**contract.CSV, **contract.XLSX}),
)
async def purchases_template(
    gstin: str, format: str = Query("csv", pattern="^(csv|xlsx)$", description="csv (the default) or xlsx")
) -> Response:
    """The register's template: its header row of human column names (a `Tag: NAME` column per dimension; add
    more as needed), ready to fill and send to `POST .../purchases`. `format=csv` (the default) is the header line;
    `format=xlsx` a workbook whose first sheet holds the header (bold, frozen, dates and amounts formatted, other
    columns as text) and whose "Read me" sheet tells each column and the forms of dates and amounts."""
    recipient = path_gstin(gstin)
    if format == "xlsx":
        path = await run_in_threadpool(template.template_xlsx, recipient)
        disposition = f'attachment; filename="{template.NAME}.xlsx"'
        return StreamingResponse(file_chunks(path), media_type=xlsx.MEDIA, headers={"Content-Disposition": disposition})
    disposition = f'attachment; filename="{template.NAME}.csv"'
    return Response(template.template_csv(), media_type=CSV, headers={"Content-Disposition": disposition})


def _voucher_ids(body: IO[bytes], max_ids: int) -> list[str]:
    with rows_refused():
        stream = JsonStream(body, max_value_chars=1 << 12)
        ids: list[str] | None = None
        if stream.peek() != "{":
            raise BodyRefused('body: expected an object {"voucher_ids": [...]}')
        for key in stream.members():
            if key != "voucher_ids" or stream.peek() != "[":
                raise BodyRefused("body: the only key is voucher_ids, a list of voucher ids")
            ids = []
            for index, _ in enumerate(stream.elements(), start=1):
                if index > max_ids:
                    raise TooManyRows(f"voucher_ids: more than {max_ids}; one request cancels at most {max_ids}")
                value = flat_value(stream, "voucher_ids")
                if not isinstance(value, str) or not value.strip() or len(value.strip()) > MAX_VOUCHER_ID:
                    shown = "a list" if value is ARRAY else type(value).__name__
                    raise BodyRefused(
                        f"voucher_ids: item {index} must be a voucher id (1-{MAX_VOUCHER_ID} characters), got {shown}"
                    )
                ids.append(value.strip())
        stream.end()
    if not ids:
        raise refused("voucher_ids: name at least one voucher")
    return ids


@router.post(
    "/{gstin}/purchases/cancel",
    responses=contract.answers(contract.CANCELLED, 400, 403, 413, 503),
    openapi_extra=contract.request_body(contract.cancels_body(limits.CANCELS.records or 0), limits.CANCELS.bytes),
)
async def cancel_purchases(
    request: Request,
    gstin: str,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # read by scoped_key; in OpenAPI
) -> Any:
    """Cancel vouchers of the register (`{"voucher_ids": [...]}`): each stays, marked cancelled, until booked
    again. An id never booked is an error row; one cancelled already counts as `unchanged`."""
    container: Ports = request.app.state.container
    recipient = path_gstin(gstin)
    body = await spool_body(request, limits.CANCELS.within(container.settings))
    try:
        ids = await run_in_threadpool(_voucher_ids, body, limits.CANCELS.records or 0)
    finally:
        body.close()
    key = scoped_key(request, f"purchases|{recipient}")
    return await run_in_threadpool(handlers.cancel, container, recipient, ids, actor(request), key)


@router.get(
    "/{gstin}/purchases/kafka/{partition}/{offset}",
    responses=contract.answers({"anyOf": [contract.BOOKED, contract.CANCELLED]}, 400, 403, 404, 503),
)
async def door_answer(
    request: Request,
    gstin: str,
    partition: int = Path(ge=0, le=1 << 20),
    offset: int = Path(ge=0, le=(1 << 63) - 1),
) -> Any:
    """The answer to the run of messages on `ims.purchases.v1` (the Kafka door: services/recon/door.py) that
    took the recipient's message at this partition and offset: as `POST .../purchases` answers (or `.../cancel`),
    `row` being each refused message's offset. 404 until the door has taken the message."""
    container: Ports = request.app.state.container
    recipient = path_gstin(gstin)
    topic = container.settings.topic(PURCHASES_TOPIC)

    def find() -> dict[str, Any] | None:
        with container.engine.connect() as conn:
            reference = door.find_run(conn, recipient, topic, partition, offset)
        logged = requests.find(container.engine, reference) if reference else None
        return logged.response if logged else None

    answer = await run_in_threadpool(find)
    if answer is None:
        raise refused(f"offset: no message of {recipient} at partition {partition}, offset {offset} was taken yet", 404)
    return answer


@router.get("/{gstin}/recon", responses=contract.answers(None, 400, 403, 503, media={**contract.CSV, **contract.XLSX}))
def get_recon(
    request: Request,
    gstin: str,
    fy: str | None = Query(None, max_length=7, description="financial year, e.g. 2025-26"),
    period: str | None = Query(
        None, max_length=6, description="MMYYYY: rows dated in it; later dates are later_period"
    ),
    supplier: str | None = Query(None, max_length=15, description="the supplier's GSTIN (either side)"),
    category: str | None = Query(None, max_length=20, description=", ".join(CATEGORIES)),
    section: str | None = Query(None, max_length=10, description="the IMS document's section"),
    limit: int = Query(1000, ge=0, le=100_000, description="detail rows at most; the summary counts them all"),
    format: str = Query("json", pattern="^(json|csv|xlsx)$", description="csv / xlsx: every selected row"),
) -> Response:
    """The recipient's books against its IMS documents for one financial year (`fy`, or the `period`'s),
    computed on demand from the purchase register and IMS (not yet a continuous projection): a summary per
    category and per supplier, and detail rows (category, rule, the IMS number and `ctin`, `voucher_id`,
    differences, nearest candidates, current and suggested action) (docs/rules.md §10.2-§10.4). `format=xlsx`
    downloads every selected row as a workbook (Summary, Suppliers to send to vendors, Detail), `csv` the
    detail (services/recon/exports.py); `limit` is for JSON pages only."""
    container: Ports = request.app.state.container
    recipient = path_gstin(gstin)
    start_year, chosen = chosen_of(fy, period, supplier, category, section)
    if format == "json":
        return MoneyJSONResponse(views.recon(container.engine, recipient, start_year, chosen, limit))
    result = views.recon(container.engine, recipient, start_year, chosen, None)
    with container.engine.connect() as conn:
        names = {g: n.trade_or_legal for g, n in names_of(conn, {r["ctin"] for r in result["rows"]}).items()}
    name = f"recon-{recipient}-{result['fy']}"
    if format == "csv":
        content: Any = exports.detail_csv(result, names)
        media = "text/csv"
    else:
        content, media = file_chunks(exports.workbook(result, names)), xlsx.MEDIA
    disposition = {"Content-Disposition": f'attachment; filename="{name}.{format}"'}
    return StreamingResponse(content, media_type=media, headers=disposition)


def chosen_of(
    fy: str | None, period: str | None, supplier: str | None, category: str | None, section: str | None
) -> tuple[int, Filter]:
    """The financial year and filter of GET .../recon's parameters (POST .../recon/apply takes the same); 400
    naming the parameter."""
    try:
        ctin = path_gstin(supplier, "supplier") if supplier else None
        chosen = Filter(Period.parse(period) if period else None, ctin, category, section)
        if category is not None and category not in CATEGORIES:
            raise ValueError(f"category: one of {', '.join(CATEGORIES)}, got {category!r}")
        if section is not None and section not in SECTION_BY_KEY:
            raise ValueError(f"section: an IMS section ({', '.join(SECTION_BY_KEY)}), got {section!r}")
        return views.start_year_of(fy, chosen.period), chosen
    except ValueError as exc:
        raise refused(str(exc)) from None
