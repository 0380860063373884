"""The world of tests/e2e/test_access_control.py, and its matrix of every /v1 operation with the roles it
admits: the example GSTR-1 filed by the supplier's filer, one refused SAVE per recipient."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from services.actions.domain.workbook import HEADERS
from tests.support.live import LiveStack, dumps
from tests.support.payloads import example
from tests.support.security_helpers import (
    Tokens,
    bearer,
    fresh_client,
)

SUPPLIER = "27AAPFK4821M1ZT"
R1 = "29AABCM7710Q1ZX"
PURCHASE = {  # a voucher of R1's purchase register
    "voucher_id": "PV-ACCESS-1",
    "ctin": SUPPLIER,
    "doc_type": "INV",
    "inum": "MH/25-26/0001",
    "dt": "03-10-2025",
    "pos": "29",
    "rev": "N",
    "txval": 1000,
    "igst": 180,
    "posting_date": "05-10-2025",
}
R2 = "33AAGCN3302H1ZX"
OTHER = {SUPPLIER: R2, R1: R2, R2: R1}
STALE = "0" * 64
ROLES = ("admin", "filer", "recipient", "supplier")
HTTP_METHODS = {"get", "put", "post", "delete", "patch", "head", "options", "trace"}


@dataclass
class World:
    stack: LiveStack
    tokens: Tokens
    anon: httpx.Client
    filing_ref: str
    r1_ref: str
    r2_ref: str
    r1_doc: dict[str, Any]
    r2_doc: dict[str, Any]


def _first_b2b(stack: LiveStack, recipient: str) -> dict[str, Any]:
    answer = stack.http.get(f"/v1/ims/{recipient}/documents", params={"section": "b2b"})
    assert answer.status_code == 200, answer.text
    return answer.json()["b2b"][0]  # type: ignore[no-any-return]


def save_body(rtin: str, reqtyp: str, doc: dict[str, Any], **fields: Any) -> dict[str, Any]:
    record = {"doc_id": doc["doc_id"], "hash": STALE, **fields}
    if reqtyp == "SAVE":
        record.setdefault("action", "A")
    return {"rtin": rtin, "reqtyp": reqtyp, "invdata": {"b2b": [record]}}


@contextlib.contextmanager
def world_on(live_stack: LiveStack) -> Iterator[World]:
    """The example GSTR-1 filed by the supplier's filer token; one (refused) SAVE per recipient, so each
    has a request reference; everything projected before the matrix runs."""
    stack, minted = live_stack, Tokens(live_stack)
    filer = stack.token("filer", SUPPLIER, subject="kumar@supplier")
    filed = stack.post(
        "/v1/returns/gstr1?status=filed&filed_on=2025-11-11",
        example("gstr1-supplier.json"),
        headers=bearer(filer),
    )
    assert filed.status_code == 200 and filed.json()["status_cd"] == "P", filed.text
    stack.wait_projected()
    r1_doc, r2_doc = _first_b2b(stack, R1), _first_b2b(stack, R2)
    refs = {}
    for recipient, doc in ((R1, r1_doc), (R2, r2_doc)):
        answer = stack.post(
            f"/v1/ims/{recipient}/actions",
            save_body(recipient, "SAVE", doc),
            headers=bearer(minted.live("recipient", recipient)),
        )
        assert answer.status_code == 200 and answer.json()["err_cnt"] == "1", answer.text
        refs[recipient] = answer.json()["reference_id"]
    stack.wait_projected()
    stack.wait_relayed()
    with fresh_client(stack) as anon:
        yield World(stack, minted, anon, filed.json()["reference_id"], refs[R1], refs[R2], r1_doc, r2_doc)


# The matrix -------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Endpoint:
    method: str
    template: str  # as the OpenAPI document spells it
    roles: tuple[str, ...]  # roles allowed besides admin; () means admin only
    owner: str | None  # the GSTIN the caller must hold: path GSTIN, the return's `gstin`, a BoE's `rtin`
    url: Callable[[World], str]
    body: Callable[[World], Any] | None = None
    denied: frozenset[int] = frozenset({403})  # what a live token outside its scope gets
    media: str = "application/json"  # a body of bytes is sent as it is, as this type

    @property
    def name(self) -> str:
        return f"{self.method} {self.template}"


def _endpoint(
    method: str,
    template: str,
    roles: tuple[str, ...],
    owner: str | None,
    url: Callable[[World], str],
    body: Callable[[World], Any] | None = None,
    denied: frozenset[int] = frozenset({403}),
    media: str = "application/json",
) -> Any:
    endpoint = Endpoint(method, template, roles, owner, url, body, denied, media)
    return pytest.param(endpoint, id=endpoint.name)


RECIPIENT = ("recipient",)
MATRIX = [
    _endpoint(
        "POST",
        "/v1/returns/{form}",
        ("filer",),
        SUPPLIER,
        lambda w: "/v1/returns/gstr1?status=saved",
        lambda w: {"gstin": SUPPLIER, "fp": "112025"},
    ),
    _endpoint(
        "POST",
        "/v1/imports/boe",
        ("filer",),
        R1,
        lambda w: "/v1/imports/boe",
        lambda w: {"boe": [{"rtin": R1, "boe_num": "1"}]},
    ),
    _endpoint("GET", "/v1/ims/{gstin}/counts", RECIPIENT, R1, lambda w: f"/v1/ims/{R1}/counts"),
    _endpoint("GET", "/v1/ims/{gstin}/documents", RECIPIENT, R1, lambda w: f"/v1/ims/{R1}/documents?section=b2b"),
    _endpoint(
        "GET",
        "/v1/ims/{gstin}/documents/{doc_id}/history",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/documents/{w.r1_doc['doc_id']}/history",
    ),
    _endpoint(
        "POST",
        "/v1/ims/{gstin}/actions",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/actions",
        lambda w: save_body(R1, "SAVE", w.r1_doc),
    ),
    _endpoint(
        "POST",
        "/v1/ims/{gstin}/actions/reset",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/actions/reset",
        lambda w: save_body(R1, "RESET", w.r1_doc),
    ),
    _endpoint(
        "POST",
        "/v1/ims/{gstin}/actions/bulk",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/actions/bulk",
        lambda w: {"action": "A", "filter": {"rtnprd": "012020"}},
    ),
    _endpoint(
        "POST",
        "/v1/ims/{gstin}/actions/upload",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/actions/upload",
        lambda w: ",".join(HEADERS).encode() + b"\n",  # the documents header and no row: nothing to send
        media="text/csv",
    ),
    _endpoint(
        "GET",
        "/v1/ims/{gstin}/actions/upload/{reference_id}/errors.xlsx",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/actions/upload/{w.r1_ref}/errors.xlsx",
    ),
    _endpoint(
        "GET",
        "/v1/ims/{gstin}/requests/{reference_id}",
        ("recipient", "filer"),
        R1,
        lambda w: f"/v1/ims/{R1}/requests/{w.r1_ref}",
        denied=frozenset({403, 404}),
    ),
    _endpoint(
        "POST",
        "/v1/ims/{gstin}/gstr3b/{rtnprd}",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/gstr3b/012020",
        lambda w: {"filed_on": "2020-02-20"},
    ),
    _endpoint("POST", "/v1/clock", (), None, lambda w: "/v1/clock", lambda w: {"date": "2025-11-11"}),
    _endpoint(
        "POST",
        "/v1/suppliers/{gstin}/rule37a",
        (),
        None,
        lambda w: f"/v1/suppliers/{SUPPLIER}/rule37a",
        lambda w: {"periods": ["032025"], "reported_on": "2025-10-01"},
    ),
    _endpoint(
        "POST",
        "/v1/admin/taxpayers",
        (),
        None,
        lambda w: "/v1/admin/taxpayers",
        lambda w: {"taxpayers": [{"gstin": SUPPLIER, "legal_name": "KAVERI TEXTILES", "trade_name": ""}]},
    ),
    _endpoint("GET", "/v1/admin/taxpayers/{gstin}", (), None, lambda w: f"/v1/admin/taxpayers/{SUPPLIER}"),
    _endpoint(
        "GET",
        "/v1/suppliers/{gstin}/outward",
        ("supplier", "filer"),
        SUPPLIER,
        lambda w: f"/v1/suppliers/{SUPPLIER}/outward",
    ),
    _endpoint("GET", "/v1/gstr2b/{gstin}/{rtnprd}", RECIPIENT, R1, lambda w: f"/v1/gstr2b/{R1}/102025"),
    _endpoint(
        "GET", "/v1/gstr2b/{gstin}/{rtnprd}/versions", RECIPIENT, R1, lambda w: f"/v1/gstr2b/{R1}/102025/versions"
    ),
    _endpoint(
        "GET", "/v1/gstr2b/{gstin}/{rtnprd}/diff", RECIPIENT, R1, lambda w: f"/v1/gstr2b/{R1}/102025/diff?from=1&to=2"
    ),
    _endpoint(
        "POST", "/v1/gstr2b/{gstin}/{rtnprd}/recompute", RECIPIENT, R1, lambda w: f"/v1/gstr2b/{R1}/102025/recompute"
    ),
    _endpoint(
        "POST",
        "/v1/ims/{gstin}/purchases",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/purchases",
        lambda w: {"purchases": [PURCHASE]},
    ),
    _endpoint("GET", "/v1/ims/{gstin}/purchases/template", RECIPIENT, R1, lambda w: f"/v1/ims/{R1}/purchases/template"),
    _endpoint(
        "POST",
        "/v1/ims/{gstin}/purchases/cancel",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/purchases/cancel",
        lambda w: {"voucher_ids": ["PV-ACCESS-1"]},
    ),
    _endpoint("GET", "/v1/ims/{gstin}/purchases", RECIPIENT, R1, lambda w: f"/v1/ims/{R1}/purchases"),
    _endpoint("GET", "/v1/ims/{gstin}/recon", RECIPIENT, R1, lambda w: f"/v1/ims/{R1}/recon?fy=2025-26"),
    _endpoint(
        "PUT",
        "/v1/ims/{gstin}/recon/policy",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/recon/policy",
        lambda w: {},  # the default policy: the one in force, so nothing is logged
    ),
    _endpoint("GET", "/v1/ims/{gstin}/recon/policy", RECIPIENT, R1, lambda w: f"/v1/ims/{R1}/recon/policy"),
    _endpoint(
        "POST",
        "/v1/ims/{gstin}/recon/links",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/recon/links",
        lambda w: {"unlink": [{"voucher_id": "PV-ACCESS-1"}]},
    ),
    _endpoint(
        "POST",
        "/v1/ims/{gstin}/recon/apply",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/recon/apply?fy=2025-26&category=exact",  # selects nothing: no action changes
    ),
    _endpoint(
        "GET",
        "/v1/ims/{gstin}/purchases/kafka/{partition}/{offset}",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/purchases/kafka/0/0",
    ),
    _endpoint(
        "POST",
        "/v1/ims/{gstin}/profile",
        RECIPIENT,
        R1,
        lambda w: f"/v1/ims/{R1}/profile",
        lambda w: {"frequency": "monthly"},
    ),
]


def call(w: World, endpoint: Endpoint, headers: dict[str, str]) -> httpx.Response:
    body = endpoint.body(w) if endpoint.body else None
    return w.anon.request(
        endpoint.method,
        endpoint.url(w),
        content=body if isinstance(body, bytes) else dumps(body) if body is not None else None,
        headers={"Content-Type": endpoint.media, **headers},
    )


def denied_cases(w: World, endpoint: Endpoint) -> list[tuple[str, dict[str, str], frozenset[int]]]:
    """(what is tried, headers, statuses that count as refused)."""
    unauthorized = frozenset({401})
    role = endpoint.roles[0] if endpoint.roles else "admin"
    scope = (endpoint.owner,) if endpoint.owner else ()
    right = w.tokens.live(role, *scope) if endpoint.roles else w.stack.admin_token
    cases = [
        ("no Authorization header", {}, unauthorized),
        ("Basic instead of Bearer", {"Authorization": "Basic YWRtaW46YWRtaW4="}, unauthorized),
        ("Bearer without a token", {"Authorization": "Bearer"}, unauthorized),
        ("unknown token", bearer("ims_" + "A" * 43), unauthorized),
        ("the stored hash of a live token", bearer(hashlib.sha256(right.encode()).hexdigest()), unauthorized),
        ("the id of a live token", bearer(hashlib.sha256(right.encode()).hexdigest()[:16]), unauthorized),
        (f"revoked {role} token", bearer(w.tokens.revoked(role, *scope)), unauthorized),
        (f"expired {role} token", bearer(w.tokens.expired(role, *scope)), unauthorized),
    ]
    if endpoint.owner is None:  # admin only: every other role is refused, whatever its GSTIN
        for other in ROLES[1:]:
            cases.append((f"{other} token", bearer(w.tokens.live(other, R1)), endpoint.denied))
        return cases
    other_gstin = OTHER[endpoint.owner]
    cases.append(
        (f"{role} token for another GSTIN ({other_gstin})", bearer(w.tokens.live(role, other_gstin)), endpoint.denied)
    )
    for other in ROLES[1:]:
        if other not in endpoint.roles:
            cases.append(
                (f"{other} token for {endpoint.owner}", bearer(w.tokens.live(other, endpoint.owner)), endpoint.denied)
            )
    return cases
