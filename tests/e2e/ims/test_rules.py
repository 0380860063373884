"""IMS rules end to end, one case per rule family that proves the wiring (docs/rules.md §3-§5): GSTR-1 / BoE
in over HTTP, recipient actions over HTTP, then what the real processes left. The rules themselves are
proved against the pure domain in tests/unit (test_actions, test_pending_windows, test_itc_reduction,
test_period_freezing, test_amendment_chains, test_supplier_reports); what stays here is what only the
running system decides: the GSTR-3B freeze and the clock's lapse (set-based SQL), GSTR-2B carry-forward,
the SAVE / bulk answers, and the projector as the authority over a race.

Every scenario builds its own suppliers and recipients (fresh checksum-valid GSTINs): suppliers in
state 27, recipients in state 29 (IGST only) unless a scenario needs an intra-state supply.
"""

from __future__ import annotations

import pytest

from tests.support.ims_helpers import (
    act,
    advance_clock,
    answer_of,
    boe,
    counts,
    document,
    documents,
    errors,
    file_gstr3b,
    file_return,
    gstin,
    gstr1,
    history,
    invoice,
    money,
    note,
    record_of,
    save,
    section_counts,
    tally,
    tax_of,
)
from tests.support.live import LiveStack

pytestmark = pytest.mark.e2e


def test_a_no_action_document_is_frozen_by_gstr3b_while_a_pending_one_is_carried_forward(
    live_stack: LiveStack,
) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    body = gstr1(
        supplier,
        "102025",
        recipient,
        b2b=[invoice("DA-1", "03-10-2025", "1000.00"), invoice("DA-2", "04-10-2025", "2000.00")],
    )
    file_return(live, body, "2025-11-11")
    live.wait_projected()
    assert section_counts(counts(live, recipient), "b2b") == tally(noaction=2)

    kept = document(live, recipient, "DA-2")
    deemed = document(live, recipient, "DA-1")
    assert deemed["action"] == "N" and deemed["gstr2bprd"] == "102025"
    act(live, recipient, [("b2b", record_of(kept, "P"))])
    assert section_counts(counts(live, recipient), "b2b") == tally(noaction=1, pending=1)

    advance_clock(live, "2025-11-14")  # draft GSTR-2B 102025 is generated
    file_gstr3b(live, recipient, "102025", "2025-11-20")

    after = counts(live, recipient)
    assert section_counts(after, "b2b") == tally(pending=1)
    assert after["all_oth"]["ttl_cnt"] == 1
    listed = documents(live, recipient)
    assert [(d["inum"], d["action"]) for d in listed] == [("DA-2", "P")]
    assert [e["what"] for e in history(live, recipient, deemed["doc_id"])] == ["filed", "frozen"]
    assert "frozen" not in [e["what"] for e in history(live, recipient, kept["doc_id"])]
    # the no-action document is kept (deemed accepted) but left IMS: frozen with its No Action
    assert (
        live.scalar(
            "SELECT action || ':' || frozen::text FROM ims_documents WHERE recipient = :r AND doc_key = :k",
            r=recipient,
            k=deemed["doc_id"],
        )
        == "N:true"
    )
    refused = answer_of(save(live, recipient, [("b2b", record_of(deemed, "R"))]))
    assert errors(refused) == [("b2b", "FROZEN")]

    # carried forward: accepted in December, it belongs to the next GSTR-2B (112025), and the GSTR-3B
    # of that period freezes it like any other decided document
    act(live, recipient, [("b2b", record_of(document(live, recipient, "DA-2"), "A"))])
    assert section_counts(counts(live, recipient), "b2b") == tally(accept=1)
    advance_clock(live, "2025-12-14")  # draft GSTR-2B 112025 is generated
    file_gstr3b(live, recipient, "112025", "2025-12-20")
    state = live.scalar(
        "SELECT action || ' itc_period=' || coalesce(i.period, 'none') || ' frozen=' || frozen::text "
        "FROM ims_documents d LEFT JOIN ims_itc_periods i USING (recipient, doc_key) "
        "WHERE d.recipient = :r AND d.doc_key = :k",
        r=recipient,
        k=kept["doc_id"],
    )
    assert counts(live, recipient)["all_oth"]["ttl_cnt"] == 0, f"carried-forward document not frozen: {state}"
    assert documents(live, recipient) == []
    assert history(live, recipient, kept["doc_id"])[-1]["what"] == "frozen"


def test_a_document_decided_after_generation_without_recompute_is_carried_into_the_next_gstr2b(
    live_stack: LiveStack,
) -> None:
    """Our rule: GSTR-3B freezes what the period's GSTR-2B holds; a Pending document accepted after the
    statement was generated, and not recomputed, stays in IMS and the next statement takes its ITC. A
    repeated GSTR-3B filing (a client's retry) changes nothing."""
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    body = gstr1(
        supplier,
        "102025",
        recipient,
        b2b=[invoice("DB-1", "03-10-2025", "1000.00"), invoice("DB-2", "04-10-2025", "2000.00")],
    )
    file_return(live, body, "2025-11-11")
    live.wait_projected()
    act(live, recipient, [("b2b", record_of(document(live, recipient, "DB-2"), "P"))])
    advance_clock(live, "2025-11-14")  # GSTR-2B 102025 v1 holds DB-1 only
    late = document(live, recipient, "DB-2")
    act(live, recipient, [("b2b", record_of(late, "A"))])  # decided after generation, no recompute

    file_gstr3b(live, recipient, "102025", "2025-11-20")
    file_gstr3b(live, recipient, "102025", "2025-11-21")  # a retry
    assert section_counts(counts(live, recipient), "b2b") == tally(accept=1)
    assert [d["inum"] for d in documents(live, recipient)] == ["DB-2"]
    assert "frozen" not in [e["what"] for e in history(live, recipient, late["doc_id"])]
    frozen_once = live.scalar("SELECT count(*) FROM ims_history WHERE recipient = :r AND what = 'frozen'", r=recipient)
    assert frozen_once == 1, "the retry froze nothing more"

    advance_clock(live, "2025-12-14")  # GSTR-2B 112025 takes the carried document
    october = live.http.get(f"/v1/gstr2b/{recipient}/102025").json()["data"]
    november = live.http.get(f"/v1/gstr2b/{recipient}/112025").json()["data"]
    assert october["itcsumm"]["itcavl"]["nonrevsup"]["b2b"]["igst"] == 180.00  # DB-1's tax
    assert november["itcsumm"]["itcavl"]["nonrevsup"]["b2b"]["igst"] == 360.00  # DB-2's tax
    file_gstr3b(live, recipient, "112025", "2025-12-20")
    assert counts(live, recipient)["all_oth"]["ttl_cnt"] == 0
    assert history(live, recipient, late["doc_id"])[-1]["what"] == "frozen"


def test_pending_is_blocked_for_credit_notes_before_oct_2025_and_limited_to_one_period_after(
    live_stack: LiveStack,
) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(supplier, "092025", recipient, cdnr=[note("CN-SEP", "20-09-2025", "1000.00")]),
        "2025-10-11",
    )
    file_return(
        live,
        gstr1(
            supplier,
            "102025",
            recipient,
            cdnr=[note("CN-OCT", "20-10-2025", "1000.00"), note("CN-REJ", "22-10-2025", "1000.00")],
        ),
        "2025-11-11",
    )
    live.wait_projected()

    september, october = document(live, recipient, "CN-SEP"), document(live, recipient, "CN-OCT")
    assert september["section"] == "b2bcn" and september["gstr2bprd"] == "092025"
    assert september["ispendactblocked"] == "Y" and september.get("pendactdeadline") is None
    assert october["ispendactblocked"] == "Y" and october["pendactdeadline"] == "20-12-2025"

    rejected = document(live, recipient, "CN-REJ")
    answer = answer_of(
        save(
            live,
            recipient,
            [
                ("b2bcn", record_of(september, "P")),
                ("b2bcn", record_of(october, "P")),
                ("b2bcn", record_of(rejected, "R")),
            ],
        )
    )
    assert errors(answer) == [("b2bcn", "PENDING_BLOCKED")]
    assert answer["status_cd"] == "PE" and answer["proc_cnt"] == "2"
    assert answer["error_report"]["b2bcn"][0]["inv"][0]["doc_id"] == september["doc_id"]
    live.wait_projected()
    assert document(live, recipient, "CN-OCT")["action"] == "P"
    assert document(live, recipient, "CN-SEP")["action"] == "N"

    advance_clock(live, "2025-12-21")

    lapsed = document(live, recipient, "CN-OCT")
    assert (lapsed["action"], lapsed["prev_status"], lapsed.get("deemed")) == ("N", "P", "Y")
    assert "deemed_accepted" in [e["what"] for e in history(live, recipient, lapsed["doc_id"])]
    assert section_counts(counts(live, recipient), "b2bcn") == tally(noaction=2, reject=1)

    late = answer_of(save(live, recipient, [("b2bcn", record_of(lapsed, "P"))]))
    assert errors(late) == [("b2bcn", "PENDING_WINDOW_OVER")] and late["status_cd"] == "ER"


def test_a_credit_note_is_accepted_with_a_partial_itc_reduction_and_bad_declarations_are_refused(
    live_stack: LiveStack,
) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    credit = note("RCN-1", "10-10-2025", "1000.00")
    file_return(live, gstr1(supplier, "102025", recipient, cdnr=[credit]), "2025-11-11")
    live.wait_projected()

    cn = document(live, recipient, "RCN-1")
    assert cn["iamt"] == tax_of(credit) == money("180.00")
    refused = answer_of(save(live, recipient, [("b2bcn", record_of(cn, "A", itcRedReq="Y", declIgst=money("180.01")))]))
    assert errors(refused) == [("b2bcn", "INVALID_REDUCTION")]
    assert (refused["status_cd"], refused["proc_cnt"], refused["err_cnt"]) == ("ER", "0", "1")

    act(live, recipient, [("b2bcn", record_of(cn, "A", itcRedReq="Y", declIgst=money("90.50")))])
    accepted = document(live, recipient, "RCN-1")
    assert (accepted["action"], accepted["itcRedReq"], accepted["declIgst"]) == ("A", "Y", money("90.50"))
    assert accepted["declCgst"] == accepted["declSgst"] == accepted["declCess"] == money(0)
    assert '"declIgst":90.50' in live.http.get(f"/v1/ims/{recipient}/documents", params={"section": "b2bcn"}).text
    assert section_counts(counts(live, recipient), "b2bcn") == tally(accept=1)


def test_a_bulk_rejection_of_bills_of_entry_is_refused_and_changes_nothing(live_stack: LiveStack) -> None:
    """A SAVE rejecting a Bill of Entry is refused in tests/e2e/ingest/test_sources.py; the bulk path decides
    through its own SQL selection and must refuse it too."""
    live, importer = live_stack, gstin("29")
    answer = live.post("/v1/imports/boe", {"boe": [boe(importer, "4512001", "10-10-2025", "15-10-2025", "10000.00")]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status_cd"] == "P"
    live.wait_projected()
    dashboard = counts(live, importer)
    assert dashboard["imp_gds"]["impg"] == tally(noaction=1) and dashboard["imp_gds"]["ttl_cnt"] == 1

    bulk = answer_of(live.post(f"/v1/ims/{importer}/actions/bulk", {"action": "R", "filter": {"section": "impg"}}))
    assert errors(bulk) == [("impg", "REJECT_NOT_ALLOWED")] and bulk["status_cd"] == "ER"
    live.wait_projected()
    assert counts(live, importer)["imp_gds"]["impg"] == tally(noaction=1)
    assert document(live, importer, "4512001")["action"] == "N"


# last: it restarts the projector ---------------------------------------------------------------------
def test_a_hash_that_goes_stale_in_the_log_is_refused_by_the_projector_and_reported_by_reqsts(
    live_stack: LiveStack,
) -> None:
    # the projector is the authority: a hash that was current when the API answered but went stale in
    # the log before the action was applied is refused there, and REQSTS reports it
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(live, gstr1(supplier, "112025", recipient, b2b=[invoice("ST-1", "06-11-2025", "1100.00")]))
    live.wait_projected()
    live.stop_process("consumer:ims")
    try:
        current = document(live, recipient, "ST-1")
        file_return(live, gstr1(supplier, "112025", recipient, b2b=[invoice("ST-1", "06-11-2025", "1200.00")]))
        raced = answer_of(save(live, recipient, [("b2b", record_of(current, "A"))]))
        assert raced["status_cd"] == "P"
    finally:
        live.start_consumer("ims")
    try:
        live.wait_projected()
    except AssertionError as exc:
        log = (live.settings.home / "consumer-ims.log").read_text(errors="replace")[-4000:]
        raise AssertionError(f"{exc}; restarted projector log:\n{log}") from None
    late = answer_of(live.http.get(f"/v1/ims/{recipient}/requests/{raced['reference_id']}"))
    assert errors(late) == [("b2b", "STALE_HASH")]
    assert (late["status_cd"], late["proc_cnt"], late["err_cnt"]) == ("ER", "0", "1")
    assert section_counts(counts(live, recipient), "b2b") == tally(noaction=1)
    assert document(live, recipient, "ST-1")["val"] == money("1416.00")
