"""`PUT` / `GET /v1/ims/{gstin}/recon/policy` and `POST /v1/ims/{gstin}/recon/links`: the recipient's reconciliation
policy and manual links, each change an event on its stream (services/recon/policy_links.py, docs/rules.md §10.2).
The recipient's own books, so a recipient token for that GSTIN (or admin)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Header, Request
from fastapi.concurrency import run_in_threadpool

from services.api import contract, limits
from services.api.auth import actor, require, scoped_key
from services.api.bodies import BodyRefused, parse_json, read_body
from services.api.common import path_gstin, refused
from services.common.ports import Ports
from services.recon import policy_links, sources
from services.recon.domain.links import LinksRefused, TooManyLinks, rows_of
from services.recon.domain.policy import ABSOLUTE, PERCENT
from services.recon.domain.policy_body import ALL_HEADS, FLAGS, RANGES, PolicyRefused, fields_of, policy_of

router = APIRouter(prefix="/v1/ims", tags=["recon"], dependencies=[Depends(require("recipient"))])
_HEADS = contract.array({"type": "string", "enum": list(ALL_HEADS)}) | {"uniqueItems": True}
_COUNT = {"type": "integer", "minimum": 0}
POLICY = contract.obj(  # spelt from the checks of services/recon/domain/policy_body.py
    {"tolerance": {"type": "string", "enum": [ABSOLUTE, PERCENT]}}
    | {name: {"type": "integer", "minimum": low, "maximum": high, "description": unit}
       for name, (low, high, unit) in RANGES.items()}
    | {name: _HEADS for name in ("heads", "pan_heads")}
    | {name: {"type": "boolean"} for name in FLAGS}
) | {"additionalProperties": False}  # fmt: skip
POLICY_ANSWER = contract.obj(
    {"gstin": contract.TEXT, "version": {"type": "integer"}, "policy": POLICY}
    | {"reference_id": contract.TEXT, "changed": {"type": "boolean"}},
    ("gstin", "version", "policy"),
)
_ID = contract.TEXT | {"minLength": 1}
LINKS = contract.obj(
    {
        "link": contract.array(contract.obj({"voucher_id": _ID, "doc_id": _ID}, ("voucher_id", "doc_id"))),
        "unlink": contract.array(contract.obj({"voucher_id": _ID}, ("voucher_id",))),
    }
) | {"additionalProperties": False}
LINKED = {
    **contract.REQSTS,
    "properties": {
        **contract.REQSTS["properties"],
        "links": contract.obj({k: _COUNT for k in ("linked", "unlinked", "unchanged")}) | {"description": "ours"},
    },
}


@router.put(
    "/{gstin}/recon/policy",
    responses=contract.answers(POLICY_ANSWER, 400, 403, 413, 503),
    openapi_extra=contract.request_body(POLICY, limits.SMALL.bytes),
)
async def put_policy(
    request: Request,
    gstin: str,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # read by scoped_key; in OpenAPI
) -> Any:
    """Set the recipient's reconciliation policy: the `Policy`'s fields (tolerances in paise, `percent_bp` in
    basis points); a field left out takes the default's value. A policy other than the one in force becomes its
    next version (`ReconPolicySet`); the same one again is `changed: false` and logs nothing. Results name the
    version that produced them."""
    container: Ports = request.app.state.container
    recipient = path_gstin(gstin)
    body = parse_json(await read_body(request, limits.SMALL.within(container.settings)))
    try:
        policy = policy_of(body, 1)
    except PolicyRefused as exc:
        raise refused(str(exc)) from None
    key = scoped_key(request, f"recon-policy|{recipient}")
    return await run_in_threadpool(policy_links.set_policy, container, recipient, policy, actor(request), key)


@router.get("/{gstin}/recon/policy", responses=contract.answers(POLICY_ANSWER, 400, 403, 503))
def get_policy(request: Request, gstin: str) -> Any:
    """The recipient's policy in force and its version: 1, the default, until one is set. Read from the recon
    projection: a policy just set shows once projected."""
    container: Ports = request.app.state.container
    recipient = path_gstin(gstin)
    with container.engine.connect() as conn:
        policy = sources.policy(conn, recipient)
    return {"gstin": recipient, "version": policy.version, "policy": fields_of(policy)}


@router.post(
    "/{gstin}/recon/links",
    responses=contract.answers(LINKED, 400, 403, 413, 503),
    openapi_extra=contract.request_body(LINKS, limits.RECON_LINKS.bytes),
)
async def post_links(
    request: Request,
    gstin: str,
    idempotency_key: str | None = Header(None, alias="Idempotency-Key"),  # read by scoped_key; in OpenAPI
) -> Any:
    """Link vouchers of the books to IMS documents by hand (`doc_id` as GETINV gives it), or unlink them: a
    manual link wins over every rule. Unlinks are taken first, then links in order; answered like the register
    (`status_cd`, counts, an error row per refused row under `link` or `unlink`) plus `links` {linked,
    unlinked, unchanged}."""
    container: Ports = request.app.state.container
    recipient = path_gstin(gstin)
    body = parse_json(await read_body(request, limits.RECON_LINKS.within(container.settings)))
    try:
        rows = rows_of(body, limits.RECON_LINKS.records or 0)
    except TooManyLinks as exc:
        raise BodyRefused(413, str(exc)) from None
    except LinksRefused as exc:
        raise refused(str(exc)) from None
    key = scoped_key(request, f"recon-links|{recipient}")
    return await run_in_threadpool(policy_links.change_links, container, recipient, rows, actor(request), key)
