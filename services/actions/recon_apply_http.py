"""`POST /v1/ims/{gstin}/recon/apply`: the reconciliation's suggested actions, sent as one SAVE (services/actions/
commands/reconciled.py, docs/rules.md §10.5). Here, in `actions`, because it is an action: `actions` sits above
`recon` and reads its results; `recon` knows nothing of the action path."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse

from services.actions.commands import reconciled
from services.actions.views import reqsts
from services.api import contract
from services.api.auth import actor, require, scoped_key
from services.api.common import path_gstin, refused
from services.common.commands import CommandRefused
from services.recon.domain.suggest import CATEGORIES
from services.recon.http import chosen_of

router = APIRouter(prefix="/v1", tags=["recon"], dependencies=[Depends(require("recipient"))])
APPLIED = {
    **contract.IMS_REQSTS,
    "properties": {
        **contract.IMS_REQSTS["properties"],
        "recon": contract.obj(
            {k: {"type": "integer"} for k in ("policy_version", "suggested", "sent")} | {"fy": contract.TEXT}
        )
        | {"description": "ours, beside GSTN's keys: the reconciliation the actions came from"},
    },
}


@router.post("/ims/{gstin}/recon/apply", responses=contract.answers(APPLIED, 400, 403, 503))
async def post_apply(
    request: Request,
    gstin: str,
    fy: str | None = Query(None, max_length=7, description="financial year, e.g. 2025-26"),
    period: str | None = Query(None, max_length=6, description="MMYYYY, as GET .../recon"),
    supplier: str | None = Query(None, max_length=15, description="the supplier's GSTIN (either side)"),
    category: str | None = Query(None, max_length=20, description=", ".join(CATEGORIES)),
    section: str | None = Query(None, max_length=10, description="the IMS document's section"),
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # read by scoped_key; in OpenAPI
) -> Any:
    """Reconcile as `GET .../recon` does with the same filters, then send, as one SAVE through the ordinary action
    path, every suggested Accept, Reject or Pending that differs from the document's current action: Reject and
    Pending with a remark naming the policy version and the reason, an accepted credit note with the ITC
    reduction the books show. GSTN's REQSTS answer (a refusal per document the IMS rules refuse) plus `recon`
    {fy, policy_version, suggested, sent}."""
    recipient = path_gstin(gstin)
    start_year, chosen = chosen_of(fy, period, supplier, category, section)
    engine = request.app.state.container.engine
    key = scoped_key(request, f"recon-apply|{recipient}")
    try:
        answer = await run_in_threadpool(
            reconciled.apply, request.app.state.commands, engine, recipient, start_year, chosen, actor(request), key
        )
    except CommandRefused as exc:
        raise refused(str(exc)) from None
    return JSONResponse(reqsts.gstn_answer(answer))
