"""The reconciliation page: the recipient's books against its IMS documents for a financial year, computed on
demand by the API's own read (services/recon/views.py `reconciled`, the same reconciliation
`GET /v1/ims/{gstin}/recon` answers), summarised per category and per supplier and listed row by row.

The summary is read with the filter but its category (every category's count stays in view); the rows are
the category's among them, selected as the API selects (`selected`). The page's actions (link, unlink, apply
suggestions) are services/web/recon_acting.py's; a link's answer comes back here as `?answer=<reference_id>`,
read from the request log under the API's reader rule."""

from __future__ import annotations

import secrets
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from services.actions.commands.reconciled import to_send
from services.common import requests
from services.common.gst.periods import Period, gst_today
from services.common.gst.sections import SECTIONS
from services.recon import sources, views
from services.recon.domain.summary import selected, summary
from services.registry.names import names_of
from services.web import auth, reads, recon_answers, recon_filters, recon_view, render
from services.web.pages import engine_of, page_context
from services.web.sessions import Session

router = APIRouter(prefix="/web", include_in_schema=False)
SESSION = Depends(auth.recipient_session)
PAGE_SIZE = 100


def _years(periods: list[str], shown: int) -> list[int]:
    """Financial years with IMS documents, and the one shown, latest first."""
    return sorted({Period.parse(p).financial_year for p in periods} | {shown}, reverse=True)


def links_answer(engine: Any, session: Session, gstin: str, reference_id: str) -> recon_answers.LinksAnswer | None:
    """The answer of a links request this sign-in may read (None for any other reference), and whether the
    projection still lacks the change."""
    logged = requests.find(engine, reference_id[:64]) if reference_id else None
    if logged is None or logged.kind != "recon" or not requests.may_read(logged, session.principal, gstin):
        return None
    with engine.connect() as conn:
        behind = sources.links_behind(conn, gstin)
    return recon_answers.links_answer(logged.response, behind)


@router.get("/ims/{gstin}/recon")
async def reconciliation(request: Request, gstin: str, session: Session = SESSION) -> Response:
    gstin = auth.reach(session, gstin)

    def build() -> dict[str, Any]:
        engine = engine_of(request)
        periods = reads.periods(engine, gstin)
        latest = Period.parse(periods[0]).financial_year if periods else Period.of(gst_today()).financial_year
        chosen = recon_filters.read(request.query_params, latest)
        found = views.reconciled(engine, gstin, chosen.start_year, chosen.overview)
        overview = found.outcomes
        rows = selected(overview, chosen.chosen)
        first = (chosen.page - 1) * PAGE_SIZE
        shown = rows[first : first + PAGE_SIZE]
        summed = summary(overview)
        answered = links_answer(engine, session, gstin, request.query_params.get("answer", ""))
        with engine.connect() as conn:
            names = {
                ctin: n.trade_or_legal
                for ctin, n in names_of(conn, recon_view.suppliers_of(overview)).items()
                if n.trade_or_legal
            }

        def link(**changes: str) -> str:
            return f"/web/ims/{gstin}/recon?" + chosen.query(page="", **changes)

        months = [Period(chosen.start_year + (m < 4), m) for m in (*range(4, 13), 1, 2, 3)]
        return page_context(
            request,
            session,
            gstin,
            filters=chosen,
            years=_years(periods, chosen.start_year),
            months=[p.mmyyyy for p in months],
            categories=recon_view.CATEGORY_LABELS,
            sections=SECTIONS,
            by_category=recon_view.category_lines(summed["by_category"], link),  # type: ignore[arg-type]
            by_supplier=recon_view.supplier_lines(summed["by_supplier"], names, link),  # type: ignore[arg-type]
            rows=recon_view.detail_rows(shown, names, first),
            total=len(rows),
            overview_total=len(overview),
            first=first,
            previous_href=f"?{chosen.query(page=str(chosen.page - 1))}" if chosen.page > 1 else "",
            next_href=f"?{chosen.query(page=str(chosen.page + 1))}" if first + PAGE_SIZE < len(rows) else "",
            policy=found.policy,
            links_answer=answered,
            to_apply=len(to_send(rows)),
            once=secrets.token_urlsafe(18),
        )

    return render.html("recon.html", **await run_in_threadpool(build))
