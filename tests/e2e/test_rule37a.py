"""Rule 37A: a supplier's missing GSTR-3B reverses the ITC its recipient availed, in the recipient's GSTR-2B
(itcrev, GSTR-3B 4(B)(2)), once, for invoices and debit notes only (docs/rules.md §2, §7)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from services.common.gst.periods import Period
from tests.support.gstr2b_flow import clock, file_gstr1, gstr3b, gstr3b_each_month, save, statement
from tests.support.gstr2b_oracle import Action, fresh_gstin, rupees, supply

pytestmark = pytest.mark.e2e
MARCH = "032025"


def _heads(node: dict) -> tuple[Decimal, ...]:  # type: ignore[type-arg]
    return tuple(Decimal(str(node[h])) for h in ("igst", "cgst", "sgst", "cess"))


def _report(live, supplier: str, periods: list[str], reported_on: str):  # type: ignore[no-untyped-def]
    return live.post(f"/v1/suppliers/{supplier}/rule37a", {"periods": periods, "reported_on": reported_on})


def test_a_missing_supplier_gstr3b_reverses_the_itc_availed_on_its_invoices_and_debit_notes_once(
    live_stack,
) -> None:  # type: ignore[no-untyped-def]
    recipient, defaulter, good = fresh_gstin("29"), fresh_gstin("27"), fresh_gstin("29")
    kept: dict[str, Any] = dict(supfildt="11-04-2025", supprd=MARCH)
    invoice = supply("inv", defaulter, recipient, "D/1", "10-03-2025", 100_000_00, **kept)  # IGST 18,000
    debit = supply("dn", defaulter, recipient, "D/DN1", "12-03-2025", 10_000_00, **kept)  # IGST 1,800
    credit = supply("cn", defaulter, recipient, "D/CN1", "13-03-2025", 5_000_00, **kept)  # reduces, not reversed
    rejected = supply("inv", defaulter, recipient, "D/2", "14-03-2025", 7_000_00, **kept)  # never availed
    reverse = supply("inv", defaulter, recipient, "D/R1", "15-03-2025", 3_000_00, rchrg=True, **kept)  # RCM
    other = supply("inv", good, recipient, "G/1", "10-03-2025", 50_000_00, **kept)  # CGST = SGST 4,500
    file_gstr1(live_stack, defaulter, MARCH, [invoice, debit, credit, rejected, reverse], "2025-04-11")
    file_gstr1(live_stack, good, MARCH, [other], "2025-04-11")
    live_stack.wait_projected()
    save(live_stack, recipient, [(invoice, Action("A")), (credit, Action("A")), (rejected, Action("R"))])

    early = _report(live_stack, defaulter, [MARCH], "2025-09-30")
    assert early.status_code == 400
    assert early.json()["detail"]["error_msg"] == (
        "periods: 032025: Rule 37A applies only after 30-09-2025 (30 September after its financial year); "
        "reported_on 2025-09-30 is not later"
    )

    gstr3b_each_month(live_stack, recipient, Period(2025, 3), Period(2025, 9))
    _, march = statement(live_stack, recipient, MARCH)
    assert _heads(march["gstr3b_table4"]["4B2"]) == (0, 0, 0, 0)

    answer = _report(live_stack, defaulter, [MARCH], "2025-10-01")
    assert answer.status_code == 200, answer.text
    assert (answer.json()["status_cd"], answer.json()["recipients"]) == ("P", 1)
    again = _report(live_stack, defaulter, [MARCH], "2025-10-02")  # a repeated report changes nothing
    assert again.status_code == 200, again.text
    clock(live_stack, "2025-11-14")
    _, october = statement(live_stack, recipient, "102025")
    itcrev = october["data"]["itcsumm"]["itcrev"]
    reversed_igst = rupees(invoice.igst + debit.igst)
    assert _heads(itcrev["nonrevsup"]) == (reversed_igst, 0, 0, 0)
    assert _heads(itcrev["nonrevsup"]["b2b"]) == (rupees(invoice.igst), 0, 0, 0)
    assert _heads(itcrev["nonrevsup"]["cdnr"]) == (rupees(debit.igst), 0, 0, 0)
    assert _heads(october["gstr3b_table4"]["4B2"]) == (reversed_igst, 0, 0, 0)
    table4 = october["gstr3b_table4"]
    assert all(_heads(table4[row]) == (0, 0, 0, 0) for row in ("4A1", "4A3", "4A4", "4A5"))  # nothing new filed
    # the reversal lists what it reverses, per reversed supplier return, without amounts (docs/rules.md §7.2)
    (element,) = october["data"]["docdata"]["itcrev"]
    assert set(october["data"]["docdata"]) == {"itcrev"}
    assert [(g["ctin"], g["supprd"], [d["inum"] for d in g["inv"]]) for g in element["b2b"]] == [
        (defaulter, MARCH, ["D/1"])
    ]
    assert [d["ntnum"] for g in element["cdnr"] for d in g["nt"]] == ["D/DN1"]
    assert set(element) == {"b2b", "cdnr"} and "igst" not in element["b2b"][0]["inv"][0]
    (summary,) = october["data"]["cpsumm"]["itcrev"]
    assert (summary["b2b"]["ctin"], summary["b2b"]["ttldocs"], summary["cdnr"]["nttyp"]) == (defaulter, 1, "D")

    gstr3b(live_stack, recipient, "102025", "2025-11-20")
    clock(live_stack, "2025-12-14")
    _, november = statement(live_stack, recipient, "112025")
    assert _heads(november["gstr3b_table4"]["4B2"]) == (0, 0, 0, 0)  # reversed once, not again
    assert "itcrev" not in november["data"]["docdata"]


def test_a_report_names_the_field_and_reason_for_bad_input(live_stack) -> None:  # type: ignore[no-untyped-def]
    supplier = fresh_gstin("27")
    cases = {
        "not-a-list": ({"periods": "032025", "reported_on": "2025-10-01"}, "periods: expected a list"),
        "bad period": ({"periods": ["132025"], "reported_on": "2025-10-01"}, "periods: return period 132025"),
        "no periods": ({"periods": [], "reported_on": "2025-10-01"}, "periods: at least one"),
        "no date": ({"periods": ["032025"]}, "reported_on: required, YYYY-MM-DD"),
    }
    for name, (body, reason) in cases.items():
        answer = live_stack.post(f"/v1/suppliers/{supplier}/rule37a", body)
        assert answer.status_code == 400, name
        assert answer.json()["detail"]["error_msg"].startswith(reason), (name, answer.text)
    wrong = live_stack.post(
        "/v1/suppliers/27AAPFK4821M1ZX/rule37a", {"periods": ["032025"], "reported_on": "2025-10-01"}
    )
    assert wrong.status_code == 400 and "gstin" in wrong.text.lower()
