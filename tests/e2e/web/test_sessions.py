"""Web dashboard sessions over plain HTTP against the real API process: cookie flags, CSRF, one-time codes,
revocation, roles and scope. (The browser journey is test_dashboard.py.)"""

from __future__ import annotations

import re
from collections.abc import Iterator

import httpx
import pytest

from services.common import tokens
from services.web import sessions
from tests.support.ims_helpers import file_return, gstin, gstr1, invoice
from tests.support.live import LiveStack
from tests.support.security_helpers import ims

pytestmark = pytest.mark.e2e
RECIPIENT = gstin("29", "V")
OTHER = gstin("29", "O")
SUPPLIER = gstin("27", "U")


@pytest.fixture(scope="module")
def web(live_stack: LiveStack) -> Iterator[httpx.Client]:
    file_return(
        live_stack, gstr1(SUPPLIER, "102025", RECIPIENT, b2b=[invoice("S/1", "03-10-2025", "100")]), "2025-11-11"
    )
    file_return(live_stack, gstr1(SUPPLIER, "102025", OTHER, b2b=[invoice("S/2", "03-10-2025", "100")]), "2025-11-11")
    live_stack.wait_projected()
    with httpx.Client(base_url=live_stack.base_url, follow_redirects=False, timeout=60) as client:
        yield client


def cookie(response: httpx.Response, name: str) -> tuple[str, str]:
    """(value, attributes) of a Set-Cookie header (httpx keeps Secure cookies off plain http, so by hand)."""
    for header in response.headers.get_list("set-cookie"):
        key, _, rest = header.partition("=")
        if key == name:
            value, _, attributes = rest.partition(";")
            return value, attributes.lower()
    raise AssertionError(f"no {name} cookie in {response.headers.get_list('set-cookie')}")


def sign_in(web: httpx.Client, token: str) -> tuple[str, str]:
    """(session cookie, CSRF token) after signing in with the token through the form."""
    form = web.get("/web/signin")
    nonce, _ = cookie(form, "__Host-ims_signin")
    answer = web.post(
        "/web/signin",
        data={"csrf": nonce, "token": token, "next": "/web/"},
        headers={"Cookie": f"__Host-ims_signin={nonce}"},
    )
    assert answer.status_code == 303, answer.text
    key, _ = cookie(answer, "__Host-ims_session")
    page = web.get(f"/web/ims/{RECIPIENT}", headers={"Cookie": f"__Host-ims_session={key}"})
    found = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert found, page.text[:500]
    return key, found[1]


def as_session(key: str) -> dict[str, str]:
    return {"Cookie": f"__Host-ims_session={key}"}


def test_the_session_cookie_is_secure_http_only_same_site_and_host_only(
    web: httpx.Client, live_stack: LiveStack
) -> None:
    token = live_stack.token("recipient", RECIPIENT, subject="flags")
    form = web.get("/web/signin")
    nonce, _ = cookie(form, "__Host-ims_signin")
    answer = web.post(
        "/web/signin", data={"csrf": nonce, "token": token}, headers={"Cookie": f"__Host-ims_signin={nonce}"}
    )
    _, attributes = cookie(answer, "__Host-ims_session")
    assert {"secure", "httponly", "samesite=lax", "path=/"} <= {a.strip() for a in attributes.split(";")}
    assert "domain" not in attributes
    assert answer.headers["location"] == "/web/"


def test_pages_carry_a_strict_content_security_policy_and_are_not_cached(
    web: httpx.Client, live_stack: LiveStack
) -> None:
    key, _ = sign_in(web, live_stack.token("recipient", RECIPIENT))
    page = web.get(f"/web/ims/{RECIPIENT}", headers=as_session(key))
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["cache-control"] == "no-store" and page.headers["x-frame-options"] == "DENY"
    assert "<script>" not in page.text, "no inline script: the policy would refuse it"


def test_a_post_without_the_sessions_csrf_token_changes_nothing(web: httpx.Client, live_stack: LiveStack) -> None:
    key, csrf = sign_in(web, live_stack.token("recipient", RECIPIENT))
    form = {"action": "A", "scope": "all", "once": "x1"}
    refused = web.post(f"/web/ims/{RECIPIENT}/act", data=form, headers=as_session(key))
    assert refused.status_code == 403 and "Expired form" in refused.text
    forged = web.post(f"/web/ims/{RECIPIENT}/act", data=form | {"csrf": "guess"}, headers=as_session(key))
    assert forged.status_code == 403
    assert (
        live_stack.scalar("SELECT count(*) FROM ims_documents WHERE recipient = :r AND action = 'A'", r=RECIPIENT) == 0
    )
    signed_out = web.post("/web/signout", data={}, headers=as_session(key))
    assert signed_out.status_code == 403, "signing out needs the token too (no forced sign-out from another site)"
    review = web.post(f"/web/ims/{RECIPIENT}/review", data=form | {"csrf": csrf}, headers=as_session(key))
    assert review.status_code == 200 and "Accept 1 document?" in review.text


def test_the_sign_in_form_needs_its_own_double_submit_token(web: httpx.Client, live_stack: LiveStack) -> None:
    token = live_stack.token("recipient", RECIPIENT)
    answer = web.post("/web/signin", data={"csrf": "x", "token": token}, headers={"Cookie": "__Host-ims_signin=y"})
    assert answer.status_code == 403 and "__Host-ims_session" not in answer.headers.get("set-cookie", "")


def test_a_sign_in_code_opens_one_session_only(web: httpx.Client, live_stack: LiveStack) -> None:
    token_id = tokens.token_id_of(live_stack.token("recipient", RECIPIENT, subject="once"))
    code = sessions.new_code(live_stack.engine, token_id)
    assert "Sign in as once" in web.get(f"/web/signin/{code}").text, "showing the link spends nothing"
    outcomes = []
    for _ in range(2):
        nonce, _ = cookie(web.get("/web/signin"), "__Host-ims_signin")
        answer = web.post(
            "/web/signin", data={"csrf": nonce, "code": code}, headers={"Cookie": f"__Host-ims_signin={nonce}"}
        )
        outcomes.append(answer.status_code)
    assert outcomes == [303, 401]
    assert web.get(f"/web/signin/{code}").status_code == 410


def test_revoking_the_token_ends_its_sessions_and_signing_out_ends_the_session(
    web: httpx.Client, live_stack: LiveStack
) -> None:
    token = live_stack.token("recipient", RECIPIENT)
    key, csrf = sign_in(web, token)
    other_key, _ = sign_in(web, token)
    assert web.get(f"/web/ims/{RECIPIENT}", headers=as_session(key)).status_code == 200
    signed_out = web.post("/web/signout", data={"csrf": csrf}, headers=as_session(key))
    assert signed_out.status_code == 303
    assert web.get(f"/web/ims/{RECIPIENT}", headers=as_session(key)).headers["location"].startswith("/web/signin")
    assert web.get(f"/web/ims/{RECIPIENT}", headers=as_session(other_key)).status_code == 200
    assert tokens.revoke(live_stack.engine, token)
    gone = web.get(f"/web/ims/{RECIPIENT}", headers=as_session(other_key))
    assert gone.status_code == 303 and gone.headers["location"] == f"/web/signin?next=%2Fweb%2Fims%2F{RECIPIENT}"


def test_a_session_reaches_what_its_token_reaches(web: httpx.Client, live_stack: LiveStack) -> None:
    key, _ = sign_in(web, live_stack.token("recipient", RECIPIENT))
    assert web.get(f"/web/ims/{OTHER}", headers=as_session(key)).status_code == 403
    assert web.get(f"/web/ims/{OTHER}/documents.csv", headers=as_session(key)).status_code == 403
    admin, _ = sign_in(web, live_stack.admin_token)
    page = web.get(f"/web/ims/{OTHER}", headers=as_session(admin))
    assert page.status_code == 200 and f'<option value="{RECIPIENT}"' in page.text, "admin picks any recipient"
    filer, _ = sign_in_any(web, live_stack.token("filer", SUPPLIER))
    refused = web.get(f"/web/ims/{RECIPIENT}", headers=as_session(filer))
    assert refused.status_code == 403 and "recipient token" in refused.text


def sign_in_any(web: httpx.Client, token: str) -> tuple[str, str]:
    nonce, _ = cookie(web.get("/web/signin"), "__Host-ims_signin")
    answer = web.post(
        "/web/signin", data={"csrf": nonce, "token": token}, headers={"Cookie": f"__Host-ims_signin={nonce}"}
    )
    return cookie(answer, "__Host-ims_session")


def test_the_csv_download_is_the_apis_for_the_same_filter(web: httpx.Client, live_stack: LiveStack) -> None:
    key, _ = sign_in(web, live_stack.token("recipient", RECIPIENT))
    page = web.get(f"/web/ims/{RECIPIENT}/documents.csv?section=b2b", headers=as_session(key))
    api = live_stack.http.get(f"/v1/ims/{RECIPIENT}/documents", params={"section": "b2b", "format": "csv"})
    assert page.status_code == 200 and page.text == api.text and "S/1" in page.text


def test_the_root_leads_to_the_dashboard_and_no_web_route_is_in_the_openapi_document(web: httpx.Client) -> None:
    assert web.get("/").headers["location"] == "/web/"
    assert web.get("/web/").headers["location"].startswith("/web/signin")
    paths = web.get("/openapi.json").json()["paths"]
    assert not [p for p in paths if p == "/" or p.startswith("/web")]
    assert web.get("/web/static/htmx.min.js").status_code == 200


def test_ims_token_link_prints_a_one_time_link_for_a_live_token_only(web: httpx.Client, live_stack: LiveStack) -> None:
    token = live_stack.token("recipient", RECIPIENT, subject="linked")
    done = ims(live_stack, "token", "link", tokens.token_id_of(token))
    assert done.returncode == 0, done.stderr
    link = done.stdout.strip()
    assert link.startswith(f"{live_stack.base_url}/web/signin/"), link
    assert "Sign in as linked" in web.get(link.removeprefix(live_stack.base_url)).text
    tokens.revoke(live_stack.engine, token)
    refused = ims(live_stack, "token", "link", token)
    assert refused.returncode == 1 and "no such live token" in refused.stderr
