"""The scene of the hostile-input tests (tests/e2e/hostile/): one supplier's October GSTR-1 to a
recipient A, whose token the hostile requests carry, and a recipient B that must never be touched."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from tests.support.ims_helpers import gstin, invoice
from tests.support.live import LiveStack
from tests.support.security_helpers import (
    NOTHING_PUBLISHED_TABLES,
    fresh_client,
)

JSON = {"Content-Type": "application/json"}
NOTHING_PUBLISHED = NOTHING_PUBLISHED_TABLES  # refused with per-item errors: logged, but nothing published


@dataclass
class Scene:
    stack: LiveStack
    supplier: str
    a: str  # the recipient whose token the hostile requests carry
    b: str  # another recipient of the same supplier: must never be touched
    a_docs: dict[str, dict[str, Any]]  # by inum
    b_docs: dict[str, dict[str, Any]]
    recipient_a: str  # tokens
    recipient_b: str
    filer: str

    def as_a(self) -> httpx.Client:
        return fresh_client(self.stack, self.recipient_a)

    def settle(self) -> None:
        self.stack.wait_projected()
        self.stack.wait_relayed()


def _docs(stack: LiveStack, recipient: str) -> dict[str, dict[str, Any]]:
    answer = stack.http.get(f"/v1/ims/{recipient}/documents")
    assert answer.status_code == 200, answer.text
    return {r["inum"]: r for records in answer.json().values() for r in records}


def make_scene(live_stack: LiveStack) -> Scene:
    """One supplier's October GSTR-1 to recipients A (six invoices) and B (two), filed, projected, and
    the clock moved to 14-11-2025 so both have a generated GSTR-2B for 102025."""
    stack = live_stack
    supplier, a, b = gstin("27", "H"), gstin("29", "H"), gstin("33", "H")
    body = {
        "gstin": supplier,
        "fp": "102025",
        "b2b": [
            {"ctin": a, "inv": [invoice(f"HX/{n}", "05-10-2025", f"{1000 * n}.00", pos="29") for n in range(1, 7)]},
            {"ctin": b, "inv": [invoice(f"HB/{n}", "06-10-2025", f"{700 * n}.00", pos="33") for n in (1, 2)]},
        ],
    }
    filed = stack.post("/v1/returns/gstr1?status=filed&filed_on=2025-11-11", body)
    assert filed.status_code == 200 and filed.json()["status_cd"] == "P", filed.text
    stack.wait_projected()
    clock = stack.post("/v1/clock", {"date": "2025-11-14"})
    assert clock.status_code == 200, clock.text
    stack.wait_projected()
    assert stack.http.get(f"/v1/gstr2b/{a}/102025").status_code == 200
    return Scene(
        stack,
        supplier,
        a,
        b,
        _docs(stack, a),
        _docs(stack, b),
        stack.token("recipient", a, subject="hostile@a"),
        stack.token("recipient", b, subject="victim@b"),
        stack.token("filer", supplier, subject="filer@supplier"),
    )


def json_endpoints(scene: Scene) -> list[tuple[str, str]]:
    """(path, token) of every endpoint that reads a JSON body."""
    a, admin = scene.a, scene.stack.admin_token
    return [
        ("/v1/returns/gstr1?status=saved", scene.filer),
        ("/v1/imports/boe", scene.filer),
        (f"/v1/ims/{a}/actions", scene.recipient_a),
        (f"/v1/ims/{a}/actions/reset", scene.recipient_a),
        (f"/v1/ims/{a}/actions/bulk", scene.recipient_a),
        (f"/v1/ims/{a}/gstr3b/102025", scene.recipient_a),
        (f"/v1/ims/{a}/profile", scene.recipient_a),
        ("/v1/clock", admin),
    ]


def post_raw(scene: Scene, path: str, token: str, content: Any, base_url: str | None = None) -> httpx.Response:
    with fresh_client(scene.stack, token, base_url) as client:
        return client.post(path, content=content, headers=JSON)


def save_body(recipient: str, *records: dict[str, Any], reqtyp: str = "SAVE") -> dict[str, Any]:
    return {"rtin": recipient, "reqtyp": reqtyp, "invdata": {"b2b": list(records)}}
