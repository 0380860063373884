"""The recipient's pages: the dashboard (counts per tab, due soon), the documents table with its filter,
paging and downloads, and a document's history. Every read is the API's own query (GETCNT `counts`, GETINV
`page` / `stream`, history `of`), so a page and the API never disagree."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter, Depends, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, Response

from services.actions.http import download
from services.actions.views import history, queries
from services.api.common import decode_cursor, encode_cursor
from services.common.gst.periods import InvalidPeriod, Period
from services.common.gst.sections import SECTIONS
from services.gstr2b import queries as gstr2b_queries
from services.gstr2b.http import download as gstr2b_download
from services.registry.names import names_of
from services.web import auth, filters, gstr2b_view, reads, render, viewmodels
from services.web.sessions import Session

router = APIRouter(prefix="/web", include_in_schema=False)
SESSION = Depends(auth.recipient_session)
PAGE_SIZE = 50


def engine_of(request: Request) -> Any:
    return request.app.state.container.engine


def documents_link(gstin: str, rtnprd: str | None) -> viewmodels.Link:
    """Links from the counts and due-soon lists to the documents they count (the period picked kept)."""

    def link(**params: str) -> str:
        wanted = {"rtnprd": rtnprd or ""} | params
        return f"/web/ims/{gstin}/documents?" + urlencode({k: v for k, v in wanted.items() if v})

    return link


def period_param(request: Request) -> tuple[str | None, str]:
    """The period picked (None: every period) and, for a value that is not one, what is wrong with it."""
    raw = request.query_params.get("rtnprd", "").strip()
    if not raw:
        return None, ""
    try:
        return Period.parse(raw).mmyyyy, ""
    except InvalidPeriod as exc:
        return None, f"Period: {exc}; showing every period."


def page_context(request: Request, session: Session, gstin: str, **more: Any) -> dict[str, Any]:
    """What every signed-in page's frame shows: who is signed in, the GSTIN picker, the CSRF token."""
    return {
        "who": session.principal,
        "csrf": session.csrf,
        "gstin": gstin,
        "gstins": more.pop("gstins", None) or reads.recipients(engine_of(request), session.principal),
        "path": request.url.path,
    } | more


@router.get("/")
async def home(request: Request, session: Session = SESSION) -> Response:
    found = await run_in_threadpool(reads.recipients, engine_of(request), session.principal)
    if found:
        return RedirectResponse(f"/web/ims/{found[0]}", 303)
    return render.html("empty.html", **page_context(request, session, "", gstins=[]))


def counts_view(request: Request, gstin: str, rtnprd: str | None, tab: str) -> viewmodels.CountsTable:
    counts = queries.counts(engine_of(request), gstin, rtnprd)
    return viewmodels.counts_table(counts, tab, documents_link(gstin, rtnprd))


def tab_of(request: Request) -> str:
    tab = request.query_params.get("tab", "all_oth")
    return tab if tab in viewmodels.TABS else "all_oth"


@router.get("/ims/{gstin}")
async def dashboard(request: Request, gstin: str, session: Session = SESSION) -> Response:
    gstin = auth.reach(session, gstin)
    rtnprd, problem = period_param(request)
    tab = tab_of(request)

    def build() -> dict[str, Any]:
        engine = engine_of(request)
        table = counts_view(request, gstin, rtnprd, tab)
        quarterly, due = reads.due_rows(engine, gstin)
        seen = render.digest(render.fragment("_counts.html", table=table))
        return page_context(
            request,
            session,
            gstin,
            table=table,
            tabs=viewmodels.TABS,
            tab=tab,
            rtnprd=rtnprd or "",
            periods=reads.periods(engine, gstin),
            due=viewmodels.due_soon(due, documents_link(gstin, None)),
            quarterly=quarterly,
            problem=problem,
            live_url=f"/web/ims/{gstin}/live?" + urlencode({"tab": tab, "rtnprd": rtnprd or "", "seen": seen}),
        )

    return render.html("dashboard.html", **await run_in_threadpool(build))


@router.get("/ims/{gstin}/documents")
async def documents(request: Request, gstin: str, session: Session = SESSION) -> Response:
    gstin = auth.reach(session, gstin)
    chosen = filters.read(gstin, request.query_params)
    cursor_text = request.query_params.get("cursor", "")

    def build() -> dict[str, Any]:
        engine = engine_of(request)
        rows: list[viewmodels.DocumentRow] = []
        total, next_cursor, problems = 0, "", list(chosen.problems)
        if chosen.selection is not None:
            try:
                cursor = decode_cursor(cursor_text or None)
            except HTTPException:
                cursor, problems = None, [*problems, "That page link is not one of ours; showing the first page."]
            docs = queries.page(engine, chosen.selection, PAGE_SIZE, cursor)
            with engine.connect() as conn:
                names = names_of(conn, {d.supplier for d in docs})
            rows = [viewmodels.document_row(d, names[d.supplier].trade_or_legal) for d in docs]
            total = reads.selected_count(engine, chosen.selection)
            if len(docs) == PAGE_SIZE:
                next_cursor = encode_cursor(docs[-1].section, docs[-1].doc_key)
        return page_context(
            request,
            session,
            gstin,
            filters=chosen,
            rows=rows,
            total=total,
            problems=problems,
            first_page=bool(cursor_text),
            next_href=f"?{chosen.query(cursor=next_cursor)}" if next_cursor else "",
            sections=SECTIONS,
            tabs=viewmodels.TABS,
            statuses=viewmodels.STATUS_LABELS,
            periods=reads.periods(engine, gstin),
            verbs=viewmodels.ACTION_VERBS,
        )

    return render.html("documents.html", **await run_in_threadpool(build))


@router.get("/ims/{gstin}/documents.{format}")
async def documents_file(request: Request, gstin: str, format: str, session: Session = SESSION) -> Response:
    """The API's CSV / XLSX download of GETINV records, for what the filter shows (every page of it)."""
    gstin = auth.reach(session, gstin)
    if format not in ("csv", "xlsx"):
        raise auth.PageRefused(404, "No such download", "Downloads are .csv or .xlsx.")
    chosen = filters.read(gstin, request.query_params)
    if chosen.selection is None:
        raise auth.PageRefused(400, "The filter is not valid", " ".join(chosen.problems))
    selection = chosen.selection
    return await run_in_threadpool(download, engine_of(request), selection, format, f"ims-{gstin}")


@router.get("/ims/{gstin}/history")
async def document_history(request: Request, gstin: str, session: Session = SESSION) -> Response:
    gstin = auth.reach(session, gstin)
    doc_id = request.query_params.get("doc_id", "")[:256]
    found = await run_in_threadpool(history.of, engine_of(request), gstin, doc_id)
    number = doc_id.split("|")[3] if doc_id.count("|") >= 3 else doc_id
    context: dict[str, Any] = {"doc_id": doc_id, "number": number, "gstin": gstin}
    context["events"] = viewmodels.history_rows(found["events"])
    if request.headers.get("hx-request"):
        return render.html("_history.html", in_panel=True, **context)
    return render.html("history.html", **page_context(request, session, gstin, in_panel=False, **context))


@router.get("/go")
async def go(request: Request, session: Session = SESSION) -> Response:
    """The GSTIN picker's form: open the dashboard of the GSTIN chosen (if this sign-in may)."""
    gstin = auth.reach(session, request.query_params.get("gstin", "")[:32])
    return RedirectResponse(f"/web/ims/{gstin}", 303)


def _gstr2b_version(request: Request, gstin: str) -> tuple[list[str], str, list[Any], Any]:
    """(periods with a GSTR-2B, the period shown, its versions, the version shown or None)."""
    engine = engine_of(request)
    periods = reads.gstr2b_periods(engine, gstin)
    rtnprd, _ = period_param(request)
    rtnprd = rtnprd if rtnprd in periods else (periods[0] if periods else "")
    found = gstr2b_queries.versions(engine, gstin, rtnprd) if rtnprd else []
    wanted = request.query_params.get("version", "")
    chosen = next((v for v in found if str(v.version) == wanted), found[-1] if found else None)
    return periods, rtnprd, found, chosen


@router.get("/ims/{gstin}/gstr2b")
async def gstr2b(request: Request, gstin: str, session: Session = SESSION) -> Response:
    """The generated GSTR-2B of a period (latest version, or one picked): summary, GSTR-3B table 4, downloads."""
    gstin = auth.reach(session, gstin)

    def build() -> dict[str, Any]:
        periods, rtnprd, found, chosen = _gstr2b_version(request, gstin)
        return page_context(
            request,
            session,
            gstin,
            periods=periods,
            rtnprd=rtnprd,
            versions=found,
            version=chosen,
            blocks=gstr2b_view.blocks(chosen.summary) if chosen else (),
            table4=gstr2b_view.table4(chosen.summary) if chosen else (),
            query=urlencode({"rtnprd": rtnprd, "version": chosen.version}) if chosen else "",
        )

    return render.html("gstr2b.html", **await run_in_threadpool(build))


@router.get("/ims/{gstin}/gstr2b.{format}")
async def gstr2b_file(request: Request, gstin: str, format: str, session: Session = SESSION) -> Response:
    """The API's GSTR-2B download (CSV, or the workbook with its summary sheet) of the version shown."""
    gstin = auth.reach(session, gstin)
    if format not in ("csv", "xlsx"):
        raise auth.PageRefused(404, "No such download", "Downloads are .csv or .xlsx.")
    _, _, _, chosen = await run_in_threadpool(_gstr2b_version, request, gstin)
    if chosen is None:
        raise auth.PageRefused(404, "No GSTR-2B yet", "No GSTR-2B has been generated for this GSTIN yet.")
    return await run_in_threadpool(gstr2b_download, engine_of(request), chosen, format)
