"""The web dashboard, served by the API's own app (services/api/app.py calls `install`): `/` and `/web/...`.

No route is under /v1 and none is in the OpenAPI document (`include_in_schema=False`): the pages are not
the API, and the access matrix of tests/e2e/test_access_control.py stays the API's. Static files (htmx, its
sse extension, the stylesheet and the page's script) are committed under static/ and served from here: no CDN.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from services.api import availability
from services.web import acting, auth, live, pages, recon_acting, recon_page, render, signin


def install(app: FastAPI) -> None:
    for router in (signin.router, pages.router, recon_page.router, recon_acting.router, acting.router, live.router):
        app.include_router(router)
    app.mount("/web/static", StaticFiles(directory=render.STATIC), name="web-static")

    @app.get("/", include_in_schema=False)
    async def root() -> Response:
        return RedirectResponse("/web/", 303)

    async def sign_in_first(request: Request, _error: Exception) -> Response:
        target = auth.signin_url(request)
        if request.headers.get("hx-request"):
            return Response(status_code=401, headers={"HX-Redirect": target})
        if request.url.path.endswith("/live"):
            return Response(status_code=401)
        return RedirectResponse(target, 303)

    async def refused(request: Request, error: Exception) -> Response:
        assert isinstance(error, auth.PageRefused)
        signed_in = getattr(request.state, "principal", None) is not None
        return render.html(
            "error.html", status=error.status, title=error.title, message=error.message, signed_in=signed_in
        )

    async def database_away(request: Request, error: Exception) -> Response:
        """A page meeting a PostgreSQL outage says so in HTML; the API keeps its JSON 503 (availability.py)."""
        if not request.url.path.startswith("/web/"):
            return availability.unavailable(availability.describe(error))
        return render.html(
            "error.html",
            status=503,
            headers={"Retry-After": "1"},
            title="The database is not answering",
            message="PostgreSQL is unavailable right now; nothing was changed. Reload the page in a moment.",
            signed_in=False,
        )

    app.add_exception_handler(auth.SignInRequired, sign_in_first)
    app.add_exception_handler(auth.PageRefused, refused)
    for error in availability.DATABASE_ERRORS:  # replaces the API's handlers, which it still calls for /v1
        app.add_exception_handler(error, database_away)
