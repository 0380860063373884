"""docs/rules.md §3 (our rule): an accept that asks "Whether ITC needs to be reduced?" without `itcRedReq`
is taken as Yes, the portal's default, and the SAVE answer says so beside GSTN's REQSTS keys (`defaulted`);
the request status read back later says the same."""

from __future__ import annotations

from typing import Any

import pytest

from tests.support.ims_helpers import document, file_return, gstin, gstr1, invoice, note, record_of, save
from tests.support.live import LiveStack

pytestmark = pytest.mark.e2e


def _answer(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_a_credit_note_accepted_without_itc_red_req_is_taken_as_yes_and_the_answer_says_so(
    live_stack: LiveStack,
) -> None:
    live = live_stack
    supplier, recipient = gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(
            supplier,
            "102025",
            recipient,
            cdnr=[note("DCN-1", "10-10-2025", "1000.00"), note("DCN-2", "11-10-2025", "500.00")],
            b2b=[invoice("DINV-1", "11-10-2025", "1000.00")],
        ),
        "2025-11-11",
    )
    live.wait_projected()
    cn, answered, inv = (document(live, recipient, n) for n in ("DCN-1", "DCN-2", "DINV-1"))

    answer = _answer(
        save(
            live,
            recipient,
            [
                ("b2bcn", record_of(cn, "A")),
                ("b2bcn", record_of(answered, "A", itcRedReq="N")),
                ("b2b", record_of(inv, "A")),
            ],
        )
    )

    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("P", "3", "0")
    assert answer["defaulted"] == {
        "itcRedReq": "Y",
        "documents": {"b2bcn": [{"stin": supplier, "doc_id": cn["doc_id"]}]},
    }
    status = _answer(live.http.get(f"/v1/ims/{recipient}/requests/{answer['reference_id']}"))
    assert status == answer
    live.wait_projected()
    taken = document(live, recipient, "DCN-1")
    assert (taken["action"], taken["itcRedReq"], taken["declIgst"]) == ("A", "Y", taken["iamt"])
    assert document(live, recipient, "DCN-2")["itcRedReq"] == "N"

    again = _answer(save(live, recipient, [("b2b", record_of(document(live, recipient, "DINV-1"), "R"))]))
    assert "defaulted" not in again, "nothing defaulted: GSTN's keys only"


def test_a_bulk_accept_without_itc_reduction_lists_the_credit_notes_it_took_as_yes(live_stack: LiveStack) -> None:
    live = live_stack
    supplier, recipient = gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(
            supplier,
            "102025",
            recipient,
            cdnr=[note("BDCN-1", "10-10-2025", "1000.00")],
            b2b=[invoice("BDINV-1", "11-10-2025", "1000.00")],
        ),
        "2025-11-11",
    )
    live.wait_projected()
    cn = document(live, recipient, "BDCN-1")

    response = live.post(
        f"/v1/ims/{recipient}/actions/bulk",
        {"action": "A", "filter": {"stin": supplier}},
        headers={"Authorization": f"Bearer {live.token('recipient', recipient)}"},
    )
    answer = _answer(response)

    assert (answer["status_cd"], answer["proc_cnt"]) == ("P", "2")
    assert answer["defaulted"] == {
        "itcRedReq": "Y",
        "documents": {"b2bcn": [{"stin": supplier, "doc_id": cn["doc_id"]}]},
    }
    live.wait_projected()
    assert document(live, recipient, "BDCN-1")["itcRedReq"] == "Y"
