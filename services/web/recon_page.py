"""The reconciliation page: the recipient's books against its IMS documents for a financial year, computed on
demand by the API's own read (services/recon/views.py `reconciled`, the same reconciliation
`GET /v1/ims/{gstin}/recon` answers), summarised per category and per supplier and listed row by row.

The summary is read with the filter but its category (every category's count stays in view); the rows are
the category's among them, selected as the API selects (`selected`)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from services.common.gst.periods import Period, gst_today
from services.common.gst.sections import SECTIONS
from services.recon import views
from services.recon.domain.summary import selected, summary
from services.registry.names import names_of
from services.web import auth, reads, recon_filters, recon_view, render
from services.web.pages import engine_of, page_context
from services.web.sessions import Session

router = APIRouter(prefix="/web", include_in_schema=False)
SESSION = Depends(auth.recipient_session)
PAGE_SIZE = 100


def _years(periods: list[str], shown: int) -> list[int]:
    """Financial years with IMS documents, and the one shown, latest first."""
    return sorted({Period.parse(p).financial_year for p in periods} | {shown}, reverse=True)


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
        )

    return render.html("recon.html", **await run_in_threadpool(build))
