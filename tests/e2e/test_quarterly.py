"""Quarterly (QRMP) filers and recipients: the 13th/14th GSTR-2B cut-off and a quarter-long Pending window."""

from __future__ import annotations

from decimal import Decimal

import pytest

from services.common.gst.gstin import check_character

pytestmark = pytest.mark.e2e


def gstin(prefix: str) -> str:
    return prefix + check_character(prefix)


SUPPLIER, RECIPIENT = gstin("27AAQCS1234A1Z"), gstin("29AAQCR5678B1Z")


def credit_note_return(number: str) -> dict:
    return {
        "gstin": SUPPLIER,
        "fp": "102025",
        "cdnr": [
            {
                "ctin": RECIPIENT,
                "nt": [
                    {
                        "ntty": "C",
                        "nt_num": number,
                        "nt_dt": "20-10-2025",
                        "val": Decimal("1180.00"),
                        "pos": "29",
                        "rchrg": "N",
                        "inv_typ": "R",
                        "itms": [
                            {
                                "num": 1,
                                "itm_det": {
                                    "rt": 18,
                                    "txval": Decimal("1000.00"),
                                    "iamt": Decimal("180.00"),
                                    "camt": 0,
                                    "samt": 0,
                                    "csamt": 0,
                                },
                            }
                        ],
                    }
                ],
            }
        ],
    }


def note(live_stack, number: str) -> dict:  # type: ignore[no-untyped-def]
    records = live_stack.http.get(f"/v1/ims/{RECIPIENT}/documents", params={"section": "b2bcn"}).json()
    return next(r for r in records["b2bcn"] if r["nt_num"] == number)


def test_a_quarterly_filers_gstr1_uses_the_13th_cutoff_and_a_quarterly_recipient_gets_a_quarter_long_window(
    live_stack,
) -> None:  # type: ignore[no-untyped-def]
    assert live_stack.post(f"/v1/ims/{RECIPIENT}/profile", {"frequency": "quarterly"}).status_code == 200
    live_stack.wait_projected()
    monthly = live_stack.post("/v1/returns/gstr1?filed_on=2025-11-13", credit_note_return("QCN-1"))
    quarterly = live_stack.post(
        "/v1/returns/gstr1?filed_on=2025-11-13&frequency=quarterly", credit_note_return("QCN-2")
    )
    assert monthly.json()["status_cd"] == quarterly.json()["status_cd"] == "P"
    live_stack.wait_projected()
    first, second = note(live_stack, "QCN-1"), note(live_stack, "QCN-2")
    assert first["gstr2bprd"] == "112025", "a monthly GSTR-1 filed on the 13th belongs to that month"
    assert second["gstr2bprd"] == "102025", "a quarterly filer's GSTR-1 filed on the 13th belongs to the month before"
    assert second["ispendactblocked"] == "Y"
    assert second["pendactdeadline"] == "22-04-2026", "one tax period of a quarterly recipient is a quarter"
    refused = live_stack.post("/v1/returns/iff?filed_on=2025-11-13&frequency=quarterly", credit_note_return("QCN-3"))
    assert refused.status_code == 400 and "frequency" in refused.json()["detail"]["error_msg"]
