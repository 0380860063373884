"""Manual link / unlink and "apply suggestions" from the reconciliation page, through the functions the API's
endpoints call, with the signed-in session's GSTIN and role (`auth.reach`, `auth.recipient_session`), its CSRF
token, and its token's subject as the actor, as the documents page's bulk actions do (services/web/acting.py).

- `POST .../recon/links` links one voucher to an IMS document (one of its nearest candidates, or a doc_id typed)
  or unlinks it: the rows `rows_of` reads from the API's body, then `policy_links.change_links`. The answer comes
  at once; the reconciliation reads the `recon` projection's links, so the route waits up to `SETTLE_S` for the
  projection to have the change, then sends the browser back to the page (303), which shows the logged answer
  (`?answer=<reference_id>`) and, if the projection is still behind, says "being applied" and reloads itself.
- `POST .../recon/review` states what applying the filter's suggestions would change (the documents
  `reconciled.to_send` selects, counted per action); nothing is written.
- `POST .../recon/apply` sends them with `reconciled.apply` (one SAVE through `handlers.execute`, every IMS rule
  checked), refused whole if what it would send is no longer what the review showed. The answer is GSTN's REQSTS
  with each refused document and its reason. Each form's one-time key is the request's Idempotency-Key, so a
  double submit acts once.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import secrets
import time
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from services.actions.commands import reconciled
from services.actions.views import reqsts
from services.common.commands import CommandRefused
from services.common.gst.periods import Period, gst_today
from services.recon import policy_links, sources, views
from services.recon.domain.links import rows_of
from services.recon.domain.reconcile import Outcome
from services.registry.names import names_of
from services.web import auth, reads, recon_answers, recon_filters, recon_view, render, viewmodels
from services.web.pages import engine_of, page_context
from services.web.recon_filters import ReconFilters
from services.web.sessions import Session

router = APIRouter(prefix="/web", include_in_schema=False)
SESSION = Depends(auth.recipient_session)
SETTLE_S, SETTLE_POLL_S = 3.0, 0.1
CHANGED = (
    "The suggestions to apply changed after the review (a filing, a booking, a link or another action arrived); "
    "nothing was sent. Review them again."
)


def _filters(fields: dict[str, list[str]]) -> ReconFilters:
    values = {k: auth.first(fields, k) for k in (*recon_filters.FIELDS, "page")}
    return recon_filters.read(values, Period.of(gst_today()).financial_year)


async def _posted(request: Request, session: Session, gstin: str) -> tuple[str, dict[str, list[str]], ReconFilters]:
    """A form sent from the reconciliation page: its GSTIN within the session's reach, its CSRF token checked and
    its filter read; a filter that is not valid refuses the whole request."""
    gstin = auth.reach(session, gstin)
    fields = await auth.form(request)
    auth.check_csrf(request, session, fields)
    chosen = _filters(fields)
    if chosen.problems:
        raise auth.PageRefused(400, "The filter is not valid", " ".join(chosen.problems))
    return gstin, fields, chosen


def recon_href(gstin: str, chosen: ReconFilters, **changes: str) -> str:
    """The reconciliation page under the filter (and page of rows) the form was sent from."""
    return f"/web/ims/{gstin}/recon?" + chosen.query(page=str(chosen.page) if chosen.page > 1 else "", **changes)


def _once_key(
    scope: str, gstin: str, session: Session, fields: dict[str, list[str]], body: object = None
) -> str | None:
    """The form's one-time key as the request's Idempotency-Key; the reconciliation page holds one key for all
    its link forms, so a links request's key also names its body (another voucher is another request)."""
    once = auth.first(fields, "once")[:64]
    if not once:
        return None
    named = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()[:16] if body is not None else ""
    return f"{scope}|{gstin}|{session.principal.token_id}|web:{once}{'|' + named if named else ''}"


def _links_body(fields: dict[str, list[str]]) -> dict[str, list[dict[str, str]]]:
    voucher = auth.first(fields, "voucher_id")
    if auth.first(fields, "unlink"):
        return {"unlink": [{"voucher_id": voucher}]}
    choice = auth.first(fields, "doc_id")
    doc_id = auth.first(fields, "typed").strip() if choice in ("", "typed") else choice
    return {"link": [{"voucher_id": voucher, "doc_id": doc_id}]}


async def settled(engine: Any, gstin: str) -> None:
    """Wait (at most SETTLE_S) until the `recon` projection has the recipient's latest links change."""

    def behind() -> bool:
        with engine.connect() as conn:
            return sources.links_behind(conn, gstin)

    deadline = time.monotonic() + SETTLE_S
    while await run_in_threadpool(behind) and time.monotonic() < deadline:
        await asyncio.sleep(SETTLE_POLL_S)


@router.post("/ims/{gstin}/recon/links")
async def change_links(request: Request, gstin: str, session: Session = SESSION) -> Response:
    gstin = auth.reach(session, gstin)
    fields = await auth.form(request)
    auth.check_csrf(request, session, fields)
    chosen = _filters(fields)
    body = _links_body(fields)
    rows = rows_of(body, 1)  # the API's reading of a body: a bad id is a refused row, with why
    key = _once_key("recon-links", gstin, session, fields, body)
    container = request.app.state.container
    answer = await run_in_threadpool(policy_links.change_links, container, gstin, rows, session.principal.subject, key)
    await settled(container.engine, gstin)
    return RedirectResponse(recon_href(gstin, chosen, answer=answer["reference_id"]) + "#links-answer", 303)


@router.post("/ims/{gstin}/recon/review")
async def review_apply(request: Request, gstin: str, session: Session = SESSION) -> Response:
    gstin, _, chosen = await _posted(request, session, gstin)

    def build() -> dict[str, Any]:
        engine = engine_of(request)
        found = views.reconciled(engine, gstin, chosen.start_year, chosen.chosen)
        sent = reconciled.to_send(found.outcomes)
        with engine.connect() as conn:
            names = {c: n.trade_or_legal for c, n in names_of(conn, recon_view.suppliers_of(sent)).items()}
        return page_context(
            request,
            session,
            gstin,
            filters=chosen,
            categories=recon_view.CATEGORY_LABELS,
            review=recon_answers.apply_review(sent, names),
            policy=found.policy,
            fingerprint=reads.fingerprint(recon_answers.sent_fingerprint(sent)),
            once=secrets.token_urlsafe(18),
            back=recon_href(gstin, chosen),
        )

    return render.html("recon_review.html", **await run_in_threadpool(build))


@router.post("/ims/{gstin}/recon/apply")
async def apply_suggestions(request: Request, gstin: str, session: Session = SESSION) -> Response:
    gstin, fields, chosen = await _posted(request, session, gstin)
    expected = auth.first(fields, "fingerprint")

    def confirmed(sent: Sequence[Outcome]) -> None:
        if reads.fingerprint(recon_answers.sent_fingerprint(sent)) != expected:
            raise CommandRefused(CHANGED)

    try:
        answer = await run_in_threadpool(
            reconciled.apply,
            request.app.state.commands,
            engine_of(request),
            gstin,
            chosen.start_year,
            chosen.chosen,
            session.principal.subject,
            _once_key("recon-apply", gstin, session, fields),
            confirmed,
        )
    except CommandRefused as exc:
        raise auth.PageRefused(409, "Not sent", str(exc)) from None
    found = reqsts.gstn_answer(answer)
    return render.html(
        "result.html",
        **page_context(
            request,
            session,
            gstin,
            outcome=viewmodels.outcome(found),
            verb="Apply suggestions",
            recon=found.get("recon"),
            back=recon_href(gstin, chosen),
            back_label="Back to the reconciliation",
            where="The reconciliation shows the new actions",
        ),
    )
