"""Time rules through the clock (docs/rules.md §3, §4): the section 16(4) limit takes a Pending invoice out of IMS
into "ITC not available" (reason C, our rule), and a GSTR-2B waits for the previous period's GSTR-3B."""

from __future__ import annotations

import pytest

from tests.support.gstr2b_flow import clock, gstr3b, statement
from tests.support.ims_helpers import (
    act,
    counts,
    document,
    documents,
    file_return,
    gstin,
    gstr1,
    history,
    invoice,
    note,
    record_of,
    section_counts,
)
from tests.support.live import LiveStack

pytestmark = pytest.mark.e2e


def _lines(data: dict, block: str) -> dict[str, dict]:
    return {doc["inum"]: doc for group in data[block].get("b2b", []) for doc in group["inv"]}


def test_a_pending_invoice_past_the_16_4_limit_leaves_ims_and_the_next_gstr2b_waits_for_gstr3b(
    live_stack: LiveStack,
) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    old = invoice("OLD-1", "15-03-2025", "1000.00")  # FY 2024-25: section 16(4) limit 30-11-2025
    file_return(live, gstr1(supplier, "102025", recipient, b2b=[old, invoice("NEW-1", "05-10-2025", "500.00")]),
                "2025-11-11")  # fmt: skip
    live.wait_projected()
    pending = document(live, recipient, "OLD-1")
    act(live, recipient, [("b2b", record_of(pending, "P"))])
    clock(live, "2025-11-14")  # GSTR-2B 102025: NEW-1 only; OLD-1 is Pending
    october = statement(live, recipient, "102025")[1]["data"]
    assert set(_lines(october, "docdata")) == {"NEW-1"}

    clock(live, "2025-11-30")
    assert sorted(d["inum"] for d in documents(live, recipient)) == ["NEW-1", "OLD-1"], "not past the limit yet"
    clock(live, "2025-12-01")
    assert [d["inum"] for d in documents(live, recipient)] == ["NEW-1"], "OLD-1 left IMS at the 16(4) limit"
    assert section_counts(counts(live, recipient), "b2b")["pending"] == 0
    assert history(live, recipient, pending["doc_id"])[-1]["what"] == "time_barred"

    file_return(live, gstr1(supplier, "112025", recipient, b2b=[invoice("NOV-1", "05-11-2025", "700.00")]),
                "2025-12-11")  # fmt: skip
    clock(live, "2025-12-14")
    waiting = live.http.get(f"/v1/gstr2b/{recipient}/112025")
    assert waiting.status_code == 404, "GSTR-2B 112025 waits for the GSTR-3B of 102025"

    clock(live, "2025-12-15")
    assert live.http.get(f"/v1/gstr2b/{recipient}/112025").status_code == 404, "still waiting"
    gstr3b(live, recipient, "102025", "2025-12-15")  # the filing lets the due statement be generated
    november = statement(live, recipient, "112025")[1]["data"]
    assert november["gendt"] == "15-12-2025"
    available = _lines(november, "docdata")
    # an available document's reason is an empty string: GSTN sends every key of a record (docs/rules.md §7.2)
    assert {n: (d["itcavl"], d["rsn"]) for n, d in available.items()} == {"NOV-1": ("Y", ""), "OLD-1": ("N", "C")}
    unavailable = november["itcsumm"]["itcunavl"]["nonrevsup"]["b2b"]
    assert unavailable["igst"] == available["OLD-1"]["igst"] > 0


def test_a_credit_note_rejected_after_its_period_adds_back_liability_after_the_statement_that_took_it(
    live_stack: LiveStack,
) -> None:
    """docs/rules.md §6, our rule: the liability comes back after the recipient's GSTR-3B of the period whose
    GSTR-2B carried the rejection, not that of the note's own period while it was still Pending."""
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(live, gstr1(supplier, "102025", recipient, cdnr=[note("LCN-1", "10-10-2025", "100.00")]),
                "2025-11-11")  # fmt: skip
    live.wait_projected()
    act(live, recipient, [("b2bcn", record_of(document(live, recipient, "LCN-1"), "P"))])
    clock(live, "2025-11-14")
    gstr3b(live, recipient, "102025", "2025-11-20")  # LCN-1 is Pending: carried forward
    act(live, recipient, [("b2bcn", record_of(document(live, recipient, "LCN-1"), "R"))])

    def added_back() -> list[dict]:
        answer = live.http.get(f"/v1/suppliers/{supplier}/outward")
        assert answer.status_code == 200, answer.text
        return answer.json()["addbacklblty"]

    assert added_back() == [], "October's GSTR-3B did not carry the rejection"
    clock(live, "2025-12-14")  # GSTR-2B 112025 takes the rejected note in
    assert added_back() == []
    gstr3b(live, recipient, "112025", "2025-12-20")
    assert [(a["nt_num"], a["rtnprd"]) for a in added_back()] == [("LCN-1", "122025")]
