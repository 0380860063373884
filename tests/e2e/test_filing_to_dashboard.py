"""A supplier's GSTR-1 reaches the recipient's dashboard: HTTP → Kafka → projector → HTTP."""

from __future__ import annotations

import pytest

from tests.support.payloads import example

pytestmark = pytest.mark.e2e

SUPPLIER = "27AAPFK4821M1ZT"
RECIPIENT = "29AABCM7710Q1ZX"


def test_filed_gstr1_appears_in_recipient_counts_and_documents(live_stack) -> None:  # type: ignore[no-untyped-def]
    answer = live_stack.post("/v1/returns/gstr1?status=filed&filed_on=2025-11-11", example("gstr1-supplier.json"))
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["status_cd"] == "P" and body["proc_cnt"] == 7 and body["err_cnt"] == 0

    live_stack.wait_projected()
    counts = live_stack.http.get(f"/v1/ims/{RECIPIENT}/counts").json()
    assert counts["all_oth"]["b2b"] == {"noaction": 2, "accept": 0, "reject": 0, "pending": 0}
    assert counts["all_oth"]["b2ba"]["noaction"] == 1
    assert counts["all_oth"]["b2bcn"]["noaction"] == 1
    assert counts["all_oth"]["b2bdna"]["noaction"] == 1
    assert counts["all_oth"]["ttl_cnt"] == 5

    listing = live_stack.http.get(f"/v1/ims/{RECIPIENT}/documents", params={"section": "b2b"}).json()
    numbers = sorted(r["inum"] for r in listing["invdata"]["b2b"])
    assert numbers == ["MH/25-26/0001", "MH/25-26/0002"]
    first = next(r for r in listing["invdata"]["b2b"] if r["inum"] == "MH/25-26/0002")
    assert first["val"] == 26250.53 and first["iamt"] == 1250.03
    assert first["srcfilstatus"] == "Filed" and first["rtnprd"] == "102025" and len(first["hash"]) == 64
    assert '"val":26250.53' in live_stack.http.get(f"/v1/ims/{RECIPIENT}/documents").text
