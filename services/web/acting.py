"""Bulk Accept / Reject / Pending / Reset from the documents table, through the API's own command path.

Two steps, so nothing changes that the user has not seen:
1. `POST .../review` states what the action will touch (the ticked rows, or every document the filter
   matches, with the count and the first rows), any problem that would refuse it whole, and asks "Is ITC to
   be reduced?" when an accepted document asks it. Nothing is written.
2. `POST .../act` runs it with `handlers.execute` and the ports `services/bootstrap.py` wired for the API
   (`request.app.state.commands`): ticked rows as a SAVE / RESET of records naming each document by its id
   and the hash it was shown with (a document changed since is refused `STALE_HASH`), a whole filter as the
   API's bulk action (`handlers.bulk_items`), refused whole if the documents it matches are no longer the
   ones the review counted. The answer is GSTN's REQSTS (`reqsts.gstn_answer`); refused rows are listed with
   their reasons. The form's one-time key is the request's Idempotency-Key, so a double submit acts once.
"""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from services.actions.commands import handlers
from services.actions.commands.ports import CommandPorts
from services.actions.domain.pending import reduction_applies
from services.actions.views import history, queries, reqsts
from services.common import requests
from services.common.commands import CommandRefused
from services.web import auth, filters, reads, render, viewmodels
from services.web.pages import PAGE_SIZE, engine_of, page_context
from services.web.sessions import Session

router = APIRouter(prefix="/web", include_in_schema=False)
SESSION = Depends(auth.recipient_session)
MAX_TICKED = 500
CHANGED = (
    "The documents matching the filter changed after the review (a filing or another action arrived); "
    "nothing was done. Review the action again."
)


def _ports(request: Request) -> CommandPorts:
    return request.app.state.commands  # type: ignore[no-any-return]


def _ticked(fields: dict[str, list[str]]) -> list[tuple[str, str]]:
    found = [viewmodels.split_choice(v) for v in fields.get("doc", [])[:MAX_TICKED]]
    return list(dict.fromkeys(c for c in found if c is not None))


def _asked(fields: dict[str, list[str]]) -> tuple[str, str, str]:
    action = auth.first(fields, "action")
    if action not in viewmodels.ACTION_VERBS:
        raise auth.PageRefused(400, "No such action", "Choose Accept, Reject, Keep pending or Reset.")
    scope = "all" if auth.first(fields, "scope") == "all" else "selected"
    return action, scope, auth.first(fields, "remarks").strip()


@router.post("/ims/{gstin}/review")
async def review(request: Request, gstin: str, session: Session = SESSION) -> Response:
    gstin = auth.reach(session, gstin)
    fields = await auth.form(request)
    auth.check_csrf(request, session, fields)
    action, scope, remarks = _asked(fields)
    chosen = filters.read(gstin, {k: auth.first(fields, k) for k in filters.FIELDS})
    ports, ticked = _ports(request), _ticked(fields)

    def build() -> dict[str, Any]:
        fingerprint = ""
        if scope == "all":
            if chosen.selection is None:
                raise auth.PageRefused(400, "The filter is not valid", " ".join(chosen.problems))
            rows = ports.documents.select(chosen.selection, action, remarks or None)
            fingerprint = reads.fingerprint((r.doc_key, r.version_hash) for r in rows)
            shown = queries.page(engine_of(request), chosen.selection, PAGE_SIZE, None)
            asks = sum(1 for r in rows if r.defaulted) if action == "A" else 0
            total = len(rows)
        else:
            loaded = ports.documents.load({(gstin, doc_id) for _, doc_id in ticked})
            shown = [loaded[(gstin, d)] for _, d in ticked if (gstin, d) in loaded]
            asks = sum(1 for d in shown if reduction_applies(d)) if action == "A" else 0
            total = len(ticked)
        return page_context(
            request,
            session,
            gstin,
            review=viewmodels.review(action, shown, total, remarks, asks),
            scope=scope,
            ticked=[f"{h}:{d}" for h, d in ticked],
            filters=chosen,
            fingerprint=fingerprint,
            once=secrets.token_urlsafe(18),
        )

    return render.html("review.html", **await run_in_threadpool(build))


@router.post("/ims/{gstin}/act")
async def act(request: Request, gstin: str, session: Session = SESSION) -> Response:
    gstin = auth.reach(session, gstin)
    fields = await auth.form(request)
    auth.check_csrf(request, session, fields)
    action, scope, remarks = _asked(fields)
    reduce = auth.first(fields, "itcRedReq")
    problems = viewmodels.review(action, [], 1, remarks, 0).problems
    if problems:
        raise auth.PageRefused(400, "Not sent", " ".join(problems))
    chosen = filters.read(gstin, {k: auth.first(fields, k) for k in filters.FIELDS})
    ports, ticked, once = _ports(request), _ticked(fields), auth.first(fields, "once")[:64]
    key = f"{gstin}|{session.principal.token_id}|web:{once}" if once else None

    def ticked_items() -> list[handlers.Item]:
        loaded = ports.documents.load({(gstin, doc_id) for _, doc_id in ticked})
        items = []
        for hash_, doc_id in ticked:
            record: dict[str, Any] = {"doc_id": doc_id, "hash": hash_, "action": action}
            if remarks and action in ("R", "P"):
                record["remarks"] = remarks
            doc = loaded.get((gstin, doc_id))
            if action == "A" and reduce in ("Y", "N") and doc is not None and reduction_applies(doc):
                record["itcRedReq"] = reduce
            items.append(handlers.parse_item(doc_id.split("|")[0], record, action == "N"))
        return items

    def matching_items() -> list[handlers.Item]:
        assert chosen.selection is not None
        reduction = {"itcRedReq": reduce} if action == "A" and reduce in ("Y", "N") else None
        items = handlers.bulk_items(ports.documents, chosen.selection, action, remarks or None, reduction)
        seen = reads.fingerprint((i.request.doc_key, i.request.version_hash) for i in items if i.request)
        if seen != auth.first(fields, "fingerprint"):
            raise CommandRefused(CHANGED)
        return items

    if scope == "all" and chosen.selection is None:
        raise auth.PageRefused(400, "The filter is not valid", " ".join(chosen.problems))
    if scope == "selected" and not ticked:
        raise auth.PageRefused(400, "Nothing selected", "Tick the documents to act on, then review again.")
    request_type = "BULK" if scope == "all" else ("RESET" if action == "N" else "SAVE")
    try:
        answer = await run_in_threadpool(
            handlers.execute,
            ports,
            gstin,
            request_type,
            matching_items if scope == "all" else ticked_items,
            session.principal.subject,
            key,
        )
    except CommandRefused as exc:
        raise auth.PageRefused(409, "Not sent", str(exc)) from None
    return render.html(
        "result.html",
        **page_context(
            request,
            session,
            gstin,
            outcome=viewmodels.outcome(reqsts.gstn_answer(answer)),
            verb=viewmodels.ACTION_VERBS[action],
            back=f"/web/ims/{gstin}/documents?{chosen.query()}",
        ),
    )


@router.get("/ims/{gstin}/requests/{reference_id}")
async def request_status(request: Request, gstin: str, reference_id: str, session: Session = SESSION) -> Response:
    """A request's answer with whatever the projector refused later (the API's REQSTS, same reader rule)."""
    gstin = auth.reach(session, gstin)
    engine = engine_of(request)
    logged = await run_in_threadpool(requests.find, engine, reference_id[:64])
    if logged is None or logged.kind != "actions" or not requests.may_read(logged, session.principal, gstin):
        raise auth.PageRefused(404, "No such request", f"No action request {reference_id[:64]} of {gstin}.")
    status = await run_in_threadpool(history.request_status, engine, logged)
    return render.html(
        "result.html",
        **page_context(
            request,
            session,
            gstin,
            outcome=viewmodels.outcome(reqsts.gstn_answer(status)),
            verb="Request",
            back=f"/web/ims/{gstin}/documents",
        ),
    )
