"""Recipient actions over HTTP end to end (docs/rules.md §3, §6): who may act on what, the supplier's view of
the actions and the liability a rejected credit note adds back, one outbox row per action event and
supplier, and bulk actions with one ITC-reduction answer for the selection.
"""

from __future__ import annotations

import pytest

from tests.support.ims_helpers import (
    act,
    answer_of,
    counts,
    document,
    error_code,
    errors,
    file_gstr3b,
    file_return,
    gstin,
    gstr1,
    history,
    invoice,
    money,
    note,
    outbox,
    parsed,
    record_of,
    save,
    section_counts,
    tally,
)
from tests.support.live import LiveStack

pytestmark = pytest.mark.e2e


def test_the_supplier_sees_each_action_with_its_remark_and_a_rejected_credit_notes_tax_added_back(
    live_stack: LiveStack,
) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(supplier, "092025", recipient, b2b=[invoice("RJ-0", "08-09-2025", "1000.00")]),
        "2025-10-11",
    )
    file_return(
        live,
        gstr1(
            supplier,
            "102025",
            recipient,
            b2b=[
                invoice("RJ-1", "08-10-2025", "1000.00"),
                invoice("RJ-2", "09-10-2025", "1000.00"),
                invoice("RJ-3", "10-10-2025", "1000.00"),
                invoice("RJ-RC", "11-10-2025", "1000.00", rchrg="Y"),  # reverse charge: skips IMS
            ],
            cdnr=[note("RJC-1", "10-10-2025", "100.00")],
        ),
        "2025-11-11",
    )
    live.wait_projected()
    zero, one, two, three, credit = (document(live, recipient, n) for n in ("RJ-0", "RJ-1", "RJ-2", "RJ-3", "RJC-1"))
    assert (zero["isRemarksBlocked"], one["isRemarksBlocked"]) == ("Y", "N")

    longest = "y" * 250
    act(
        live,
        recipient,
        [
            ("b2b", record_of(one, "R", remarks="Rate does not match the purchase order")),
            ("b2b", record_of(two, "P", remarks=longest)),
            ("b2b", record_of(three, "A")),
            ("b2bcn", record_of(credit, "R", remarks="goods were never returned")),
        ],
    )
    outward = parsed(live.http.get(f"/v1/suppliers/{supplier}/outward"))
    assert outward["stin"] == supplier and [r["ctin"] for r in outward["recipients"]] == [recipient]
    seen = {d.get("inum") or d.get("nt_num"): d for d in outward["recipients"][0]["docs"]}
    assert (seen["RJ-0"]["imsactn"], seen["RJ-0"].get("remarks")) == ("", None)
    assert (seen["RJ-1"]["imsactn"], seen["RJ-1"].get("remarks")) == (
        "R",
        "Rate does not match the purchase order",
    )
    assert (seen["RJ-2"]["imsactn"], seen["RJ-2"].get("remarks")) == ("P", longest)
    assert (seen["RJ-3"]["imsactn"], seen["RJ-3"].get("remarks")) == ("A", None)
    assert (seen["RJC-1"]["imsactn"], seen["RJC-1"].get("remarks")) == ("R", "goods were never returned")
    assert {n: d["actionable"] for n, d in seen.items()} == {n: "N" if n == "RJ-RC" else "Y" for n in seen}
    assert outward["addbacklblty"] == [] and outward["next_cursor"] is None

    # once the recipient files GSTR-3B for the period, the rejected credit note's tax is added back to the
    # supplier's liability (our rule: in the supplier's next GSTR-3B period)
    file_gstr3b(live, recipient, "102025", "2025-11-20")
    later = parsed(live.http.get(f"/v1/suppliers/{supplier}/outward"))
    assert later["addbacklblty"] == [
        {
            "ctin": recipient,
            "nt_num": "RJC-1",
            "nt_dt": "10-10-2025",
            "rtnprd": "112025",
            "iamt": money("18.00"),
            "camt": money(0),
            "samt": money(0),
            "cess": money(0),
        }
    ]
    # paged: every document exactly once across pages, the added-back liability on each page
    pages, cursor = [], None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = parsed(live.http.get(f"/v1/suppliers/{supplier}/outward", params=params))
        pages.append(page)
        assert page["addbacklblty"] == later["addbacklblty"]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    paged = [d.get("inum") or d.get("nt_num") for page in pages for r in page["recipients"] for d in r["docs"]]
    assert sorted(paged) == sorted(seen) and len(pages) == 4
    bad = live.http.get(f"/v1/suppliers/{supplier}/outward", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 400 and "cursor" in bad.text


def test_a_recipient_may_act_only_on_documents_addressed_to_it(live_stack: LiveStack) -> None:
    live, supplier, mine, theirs = live_stack, gstin("27"), gstin("29"), gstin("29")
    file_return(live, gstr1(supplier, "102025", theirs, b2b=[invoice("AD-1", "11-10-2025", "1000.00")]), "2025-11-11")
    file_return(live, gstr1(supplier, "102025", mine, b2b=[invoice("AD-2", "11-10-2025", "1000.00")]), "2025-11-11")
    live.wait_projected()
    other = document(live, theirs, "AD-1")

    by_number = {"stin": supplier, "inum": "AD-1", "idt": "11-10-2025", "action": "A"}
    answer = answer_of(save(live, mine, [("b2b", by_number), ("b2b", record_of(other, "R"))]))
    assert errors(answer) == [("b2b", "NOT_FOUND"), ("b2b", "NOT_FOUND")]
    assert (answer["status_cd"], answer["proc_cnt"]) == ("ER", "0")

    forged = live.post(
        f"/v1/ims/{mine}/actions",
        {"rtin": theirs, "reqtyp": "SAVE", "invdata": {"b2b": [record_of(other, "A")]}},
    )
    assert forged.status_code == 403, forged.text
    assert error_code(forged) == "FORBIDDEN"
    forged_reset = live.post(
        f"/v1/ims/{mine}/actions/reset",
        {"rtin": theirs, "reqtyp": "RESET", "invdata": {"b2b": [record_of(other, None)]}},
    )
    assert forged_reset.status_code == 403, forged_reset.text
    live.wait_projected()
    assert document(live, theirs, "AD-1")["action"] == "N"
    assert counts(live, mine)["all_oth"]["b2b"] == tally(noaction=1)
    assert live.scalar("SELECT count(*) FROM notification_outbox WHERE recipient IN (:a, :b)", a=mine, b=theirs) == 0


def test_each_applied_action_event_leaves_one_outbox_row_per_supplier(live_stack: LiveStack) -> None:
    live, first, second, recipient = live_stack, gstin("27"), gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(
            first,
            "102025",
            recipient,
            b2b=[invoice("NT-1", "12-10-2025", "1000.00"), invoice("NT-2", "13-10-2025", "2000.00")],
        ),
        "2025-11-11",
    )
    file_return(live, gstr1(second, "102025", recipient, cdnr=[note("NCN-1", "14-10-2025", "1000.00")]), "2025-11-11")
    live.wait_projected()
    nt1, nt2, ncn = (document(live, recipient, n) for n in ("NT-1", "NT-2", "NCN-1"))

    act(
        live,
        recipient,
        [
            ("b2b", record_of(nt1, "A")),
            ("b2b", record_of(nt2, "R", remarks="duplicate")),
            ("b2bcn", record_of(ncn, "R", remarks="no such return")),
        ],
    )
    rows = outbox(live, recipient)
    assert sorted(r["supplier"] for r in rows) == sorted([first, second])
    assert len({r["cause_event_id"] for r in rows}) == 1
    action_event = next(e for e in history(live, recipient, nt1["doc_id"]) if e["what"] == "action_A")
    assert rows[0]["cause_event_id"] == action_event["event_id"]

    by_supplier = {r["supplier"]: r["record"] for r in rows}
    invoices = sorted(by_supplier[first]["documents"], key=lambda d: d["number"])
    assert [(d["number"], d["action"], d["remarks"]) for d in invoices] == [
        ("NT-1", "A", None),
        ("NT-2", "R", "duplicate"),
    ]
    assert all(d["liability_addback_igst"] == 0 for d in invoices)
    (credit,) = by_supplier[second]["documents"]
    assert (credit["number"], credit["action"], credit["section"]) == ("NCN-1", "R", "b2bcn")
    assert credit["liability_addback_igst"] == 18000  # paise: the credit note's IGST 180.00
    assert credit["liability_addback_cgst"] == credit["liability_addback_sgst"] == credit["liability_addback_cess"] == 0
    assert by_supplier[second]["recipient"] == recipient

    # a second action event (a reset of the credit note) adds one row, for its one supplier
    act(live, recipient, [("b2bcn", record_of(document(live, recipient, "NCN-1"), None))], reqtyp="RESET")
    rows = outbox(live, recipient)
    assert len(rows) == 3 and len({r["cause_event_id"] for r in rows}) == 2
    assert [r["supplier"] for r in rows].count(second) == 2
    (reset,) = rows[-1]["record"]["documents"]
    assert (reset["action"], reset["liability_addback_igst"]) == ("N", 0)


def test_a_bulk_accept_of_one_suppliers_documents_moves_them_to_accept_and_reqsts_answers(
    live_stack: LiveStack,
) -> None:
    live, first, second, recipient = live_stack, gstin("27"), gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(
            first,
            "102025",
            recipient,
            b2b=[invoice("BK-1", "15-10-2025", "1000.00"), invoice("BK-2", "16-10-2025", "500.00")],
            cdnr=[note("BKC-1", "17-10-2025", "200.00")],
        ),
        "2025-11-11",
    )
    file_return(live, gstr1(second, "102025", recipient, b2b=[invoice("BK-3", "15-10-2025", "1000.00")]), "2025-11-11")
    live.wait_projected()

    answer = answer_of(
        live.post(
            f"/v1/ims/{recipient}/actions/bulk",
            {"action": "A", "filter": {"stin": first}},
            headers={"Authorization": f"Bearer {live.token('recipient', recipient, subject='bulk-user')}"},
        )
    )
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"], answer["error_report"]) == (
        "P",
        "3",
        "0",
        {},
    )
    live.wait_projected()

    dashboard = counts(live, recipient)
    assert section_counts(dashboard, "b2b") == tally(accept=2, noaction=1)
    assert section_counts(dashboard, "b2bcn") == tally(accept=1)
    assert document(live, recipient, "BK-3")["action"] == "N"
    credit = document(live, recipient, "BKC-1")
    # "Whether ITC needs to be reduced?" defaults to Yes, full reduction
    assert (credit["itcRedReq"], credit["declIgst"]) == ("Y", credit["iamt"]) and credit["iamt"] == money("36.00")

    status = answer_of(live.http.get(f"/v1/ims/{recipient}/requests/{answer['reference_id']}"))
    assert status == answer
    assert live.http.get(f"/v1/ims/{second}/requests/{answer['reference_id']}").status_code == 404
    assert live.http.get(f"/v1/ims/{recipient}/requests/{'0' * 32}").status_code == 404
    actors = {e["actor"] for e in history(live, recipient, credit["doc_id"]) if e["what"] == "action_A"}
    assert actors == {"bulk-user"}


def test_one_itc_reduction_answer_in_a_bulk_accept_applies_to_its_credit_notes_and_invoices_are_accepted(
    live_stack: LiveStack,
) -> None:
    # docs/rules.md §3: "With several documents selected, one answer applies to all of them": the answer to
    # "Whether ITC needs to be reduced?" is given once for the selection; documents the question does not
    # concern (plain invoices) are simply accepted
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(
            supplier,
            "102025",
            recipient,
            b2b=[invoice("BR-1", "15-10-2025", "1000.00")],
            cdnr=[note("BRC-1", "16-10-2025", "300.00"), note("BRC-2", "17-10-2025", "400.00")],
        ),
        "2025-11-11",
    )
    live.wait_projected()

    answer = answer_of(
        live.post(
            f"/v1/ims/{recipient}/actions/bulk",
            {"action": "A", "filter": {"stin": supplier}, "itc_reduction": {"itcRedReq": "N"}},
        )
    )
    assert errors(answer) == [] and (answer["status_cd"], answer["proc_cnt"]) == ("P", "3"), answer
    live.wait_projected()
    dashboard = counts(live, recipient)
    assert section_counts(dashboard, "b2b") == tally(accept=1)
    assert section_counts(dashboard, "b2bcn") == tally(accept=2)
    for number in ("BRC-1", "BRC-2"):
        credit = document(live, recipient, number)
        assert (credit["itcRedReq"], credit["declIgst"]) == ("N", money(0)), number
    assert "itcRedReq" not in document(live, recipient, "BR-1")
