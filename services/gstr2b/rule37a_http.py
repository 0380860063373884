"""`POST /v1/suppliers/{gstin}/rule37a`: GSTN's report that a supplier's GSTR-3B is missing (Rule 37A).

Admin only (it stands for GSTN's own data feed). Fanned out as one `Rule37aReversalReported` per recipient
that ever received a document from the supplier (the ingest's number claims, committed with every filing,
so no acknowledged filing is missed); the reversals enter each recipient's GSTR-2B (domain: rule37a).
"""

from __future__ import annotations

from datetime import date
from typing import Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool
from sqlalchemy import text

from services.api import contract, limits
from services.api.auth import actor, require, scoped_key
from services.api.bodies import parse_json, read_body
from services.api.common import iso_date, path_gstin, refused
from services.archive import eventlog
from services.common import requests
from services.common.envelope import Envelope
from services.common.events import Rule37aReversalReportedV1
from services.common.gst.periods import Period
from services.common.gst.references import new_reference
from services.common.ports import Ports
from services.common.settings import EVENTS_TOPIC
from services.gstr2b.domain.rule37a import report_problems

router = APIRouter(prefix="/v1", tags=["gstr2b"], dependencies=[Depends(require(gstin_param=None))])


def _periods(value: Any) -> list[Period]:
    if not isinstance(value, list) or not all(isinstance(p, str) for p in value):
        raise refused("periods: expected a list of the supplier's tax periods, MMYYYY")
    try:
        return sorted({Period.parse(p) for p in value})
    except ValueError as exc:
        raise refused(f"periods: {exc}") from None


def _reported_on(value: Any) -> date:
    return iso_date(value, "reported_on")


def report(
    container: Ports, supplier: str, periods: list[Period], reported_on: date, actor_name: str, key: str | None
) -> dict[str, Any]:
    with requests.idempotent(container.engine, key) as earlier:
        if earlier is not None:
            return earlier
        reference = new_reference(key)
        with container.engine.connect() as conn:
            recipients = [
                r
                for (r,) in conn.execute(
                    text("SELECT DISTINCT recipient FROM document_numbers WHERE key LIKE :claims ORDER BY 1"),
                    {"claims": f"{supplier}|%"},  # the supplier's range of the key (services/ingest/numbers.py)
                )
            ]
        topic = container.settings.topic(EVENTS_TOPIC)
        record = {
            "reference_id": reference,
            "supplier": supplier,
            "periods": [p.mmyyyy for p in periods],
            "reported_on": reported_on.isoformat(),
        }
        answer = {"reference_id": reference, "status_cd": "P", **record, "recipients": len(recipients)}
        reports = (
            Rule37aReversalReportedV1(reference, r, supplier, [p.mmyyyy for p in periods], reported_on.isoformat())
            for r in recipients
        )
        with container.engine.begin() as conn:
            eventlog.append_events(
                conn,
                container.codec,
                topic,
                ((e.recipient, Envelope.of(Rule37aReversalReportedV1, actor=actor_name), e) for e in reports),
            )
            requests.record(conn, reference, "rule37a", supplier, answer, key)
        return answer


@router.post(
    "/suppliers/{gstin}/rule37a",
    responses=contract.answers(None, 400, 403, 413, 503),
    openapi_extra=contract.request_body(contract.RULE37A, limits.RULE37A.bytes),
)
async def post_rule37a(
    request: Request,
    gstin: str,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # read by scoped_key; in OpenAPI
) -> Any:
    """Record that the supplier had not filed GSTR-3B for `periods` by 30 September after their financial
    year (`{"periods": ["MMYYYY", ...], "reported_on": "YYYY-MM-DD"}`); each recipient's next GSTR-2B
    reverses the ITC availed on that supplier's invoices and debit notes of those periods."""
    container: Ports = request.app.state.container
    supplier = path_gstin(gstin)
    body = parse_json(await read_body(request, limits.RULE37A.within(container.settings)))
    if not isinstance(body, dict):
        raise refused("body: expected an object with periods and reported_on")
    periods, reported_on = _periods(body.get("periods")), _reported_on(body.get("reported_on"))
    problems = report_problems(periods, reported_on)
    if problems:
        raise refused("; ".join(problems))
    key = scoped_key(request, supplier)
    return await run_in_threadpool(report, container, supplier, periods, reported_on, actor(request), key)
