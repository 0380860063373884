"""Request status (REQSTS, `GET /v1/ims/{gstin}/requests/{reference_id}`) is readable for every kind of
request, Bills of Entry included, and only by the role and GSTIN that made it (services/common/requests.py,
`may_read`): a filing by the filer token of its GSTIN, a SAVE by the recipient token of its GSTIN, a Bill of
Entry by the token that made it, admin everything. Anyone else gets the 404 an unknown reference gets.
Also: a token cannot be created to expire in zero time or less.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta

import httpx
import pytest

from services.common import tokens
from tests.support.ims_helpers import gstin, invoice
from tests.support.live import LiveStack, dumps
from tests.support.security_helpers import Tokens, bearer, error_of, fresh_client, ims_many

pytestmark = pytest.mark.e2e


@dataclass
class Requests:
    stack: LiveStack
    tokens: Tokens
    supplier: str
    recipient: str
    other: str  # another recipient, importer of a second Bill of Entry
    filing: str  # reference ids
    save: str
    boe: str
    boe_filer: str  # the token that filed the Bill of Entry

    def status(self, gstin_: str, reference: str, token: str) -> httpx.Response:
        with fresh_client(self.stack, token) as client:
            return client.get(f"/v1/ims/{gstin_}/requests/{reference}")


def _boe(importer: str, number: str) -> dict[str, str]:
    return {
        "rtin": importer,
        "port_code": "INMAA1",
        "boe_num": number,
        "boe_dt": "01-10-2025",
        "refdt": "03-10-2025",
        "txval": "1000.00",
        "iamt": "180.00",
    }


@pytest.fixture(scope="module")
def made(live_stack: LiveStack) -> Iterator[Requests]:
    stack, minted = live_stack, Tokens(live_stack)
    supplier, recipient, other = gstin("27", "Q"), gstin("29", "Q"), gstin("33", "Q")
    body = {
        "gstin": supplier,
        "fp": "102025",
        "b2b": [{"ctin": recipient, "inv": [invoice("RQ/1", "05-10-2025", "100.00")]}],
    }
    filed = stack.post(
        "/v1/returns/gstr1?status=filed&filed_on=2025-11-11", body, headers=bearer(minted.live("filer", supplier))
    )
    assert filed.status_code == 200 and filed.json()["status_cd"] == "P", filed.text
    stack.wait_projected()
    doc = stack.http.get(f"/v1/ims/{recipient}/documents").json()["b2b"][0]
    saved = stack.post(
        f"/v1/ims/{recipient}/actions",
        {"rtin": recipient, "reqtyp": "SAVE", "invdata": {"b2b": [{"doc_id": doc["doc_id"], "action": "A"}]}},
        headers=bearer(minted.live("recipient", recipient)),
    )
    assert saved.status_code == 200, saved.text
    boe_filer = stack.token("filer", recipient, other, subject="customs-broker")
    boe = stack.post(
        "/v1/imports/boe", {"boe": [_boe(recipient, "77001"), _boe(other, "77002")]}, headers=bearer(boe_filer)
    )
    assert boe.status_code == 200 and boe.json()["proc_cnt"] == 2, boe.text
    yield Requests(
        stack,
        minted,
        supplier,
        recipient,
        other,
        filed.json()["reference_id"],
        saved.json()["reference_id"],
        boe.json()["reference_id"],
        boe_filer,
    )


def test_a_filing_is_read_by_the_filer_of_its_gstin_and_admin_only(made: Requests) -> None:
    s, t = made.supplier, made.tokens
    assert made.status(s, made.filing, t.live("filer", s)).json()["status_cd"] == "P"
    assert made.status(s, made.filing, made.stack.admin_token).status_code == 200
    for who, token in {
        "the recipient token of the same GSTIN": t.live("recipient", s),
        "the supplier token of the same GSTIN": t.live("supplier", s),
    }.items():
        answer = made.status(s, made.filing, token)
        assert answer.status_code in (403, 404), f"{who}: {answer.status_code} {answer.text}"
    assert made.status(made.recipient, made.filing, t.live("recipient", made.recipient)).status_code == 404


def test_a_save_is_read_by_the_recipient_of_its_gstin_and_admin_only(made: Requests) -> None:
    r, t = made.recipient, made.tokens
    assert made.status(r, made.save, t.live("recipient", r)).status_code == 200
    assert made.status(r, made.save, made.stack.admin_token).status_code == 200
    refused = made.status(r, made.save, t.live("filer", r))
    assert refused.status_code == 404 and error_of(refused)["error_cd"] == "NOT_FOUND", refused.text
    assert made.status(made.other, made.save, t.live("recipient", made.other)).status_code == 404
    assert made.status(made.other, made.save, made.stack.admin_token).status_code == 404  # not that GSTIN's


def test_a_bill_of_entry_is_read_by_the_token_that_filed_it_and_admin(made: Requests) -> None:
    r, t = made.recipient, made.tokens
    for path_gstin in (r, made.other):
        answer = made.status(path_gstin, made.boe, made.boe_filer)
        assert answer.status_code == 200 and answer.json()["proc_cnt"] == 2, answer.text
    assert made.status(r, made.boe, made.stack.admin_token).status_code == 200
    for who, token in {
        "the importer's recipient token (the request names another importer too)": t.live("recipient", r),
        "another filer token of the same importers": t.live("filer", r, made.other),
    }.items():
        answer = made.status(r, made.boe, token)
        assert answer.status_code == 404, f"{who}: {answer.status_code} {answer.text}"


def test_an_unknown_or_oversized_reference_is_a_clear_4xx(made: Requests) -> None:
    r, token = made.recipient, made.tokens.live("recipient", made.recipient)
    assert made.status(r, "0" * 32, token).status_code == 404
    long = made.status(r, "x" * 5000, token)
    assert long.status_code == 422 and "reference_id" in error_of(long)["error_msg"], long.text


def test_a_token_expiring_in_zero_time_or_less_is_refused_by_the_cli_and_the_library(made: Requests) -> None:
    runs = ims_many(
        made.stack,
        {
            value: ["token", "create", "--role", "recipient", "--gstin", made.recipient, f"--expires={value}"]
            for value in ("0m", "0d", "00h", "-5m", "", "３０d", "٣٠d", "99999999999d")
        },
    )
    for value, (code, out, err) in runs.items():
        assert code == 2 and out == "" and "expires" in err and "Traceback" not in err, (value, code, out, err)
        if value in ("0m", "0d", "00h", "-5m"):
            assert "more than zero" in err, err
    for lifetime in (timedelta(0), timedelta(seconds=-1)):
        with pytest.raises(tokens.TokenError, match="expires: must be more than zero"):
            tokens.create(made.stack.engine, "recipient", [made.recipient], "never", expires=lifetime)
    assert "0m" not in dumps(tokens.list_tokens(made.stack.engine))  # nothing was created
