"""IMS rules end to end (docs/rules.md §1-§6, §8): GSTR-1 / BoE in over HTTP, recipient actions over HTTP,
then the dashboard, GETINV, history, REQSTS, supplier view and outbox as the real processes left them.

Every scenario builds its own suppliers and recipients (fresh checksum-valid GSTINs): suppliers in
state 27, recipients in state 29 (IGST only) unless a scenario needs an intra-state supply.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from decimal import Decimal
from typing import Any

import pytest

from tests.support.ims_helpers import (
    act,
    boe,
    counts,
    document,
    documents,
    error_code,
    errors,
    file_return,
    gstin,
    gstr1,
    history,
    invoice,
    money,
    note,
    parsed,
    record_of,
    save,
    section_counts,
    tax_of,
)
from tests.support.live import LiveStack
from tests.support.payloads import example

pytestmark = pytest.mark.e2e

ZERO = {"noaction": 0, "accept": 0, "reject": 0, "pending": 0}


def tally(noaction: int = 0, accept: int = 0, reject: int = 0, pending: int = 0) -> dict[str, int]:
    return {"noaction": noaction, "accept": accept, "reject": reject, "pending": pending}


def answer_of(response: Any) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    return response.json()  # type: ignore[no-any-return]


def file_gstr3b(live: Any, recipient: str, period: str, filed_on: str, actor: str | None = None) -> None:
    headers = {"Authorization": f"Bearer {live.token('admin', subject=actor)}"} if actor else {}
    answer = live.post(f"/v1/ims/{recipient}/gstr3b/{period}", {"filed_on": filed_on}, headers=headers)
    assert answer.status_code == 200, answer.text
    live.wait_projected()


def advance_clock(live: Any, day: str) -> None:
    """POST /v1/clock: every known recipient's "today" becomes `day` (deadlines and cut-offs fire)."""
    answer = live.post("/v1/clock", {"date": day})
    assert answer.status_code == 200, answer.text
    live.wait_projected()


# 1 ----------------------------------------------------------------------------------------------------------
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


# 1b ---------------------------------------------------------------------------------------------------------
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


# 2 ----------------------------------------------------------------------------------------------------------
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
            cdnr=[
                note("CN-OCT", "20-10-2025", "1000.00"),
                note("CN-UP", "21-10-2025", "1000.00"),
                note("CN-REJ", "22-10-2025", "1000.00"),
                note("CN-DN", "23-10-2025", "1000.00"),
            ],
        ),
        "2025-11-11",
    )
    live.wait_projected()

    september, october = document(live, recipient, "CN-SEP"), document(live, recipient, "CN-OCT")
    assert september["section"] == "b2bcn" and september["gstr2bprd"] == "092025"
    assert september["ispendactblocked"] == "Y" and september["pendactdeadline"] is None
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
    assert answer["status_cd"] == "PE" and answer["proc_cnt"] == 2
    assert answer["error_report"]["b2bcn"][0]["doc_id"] == september["doc_id"]
    live.wait_projected()
    assert document(live, recipient, "CN-OCT")["action"] == "P"
    assert document(live, recipient, "CN-SEP")["action"] == "N"

    # amendments in the November return: upward, downward of a rejected original, downward of a plain one
    file_return(
        live,
        gstr1(
            supplier,
            "112025",
            recipient,
            cdnra=[
                note("CN-UP", "21-10-2025", "2000.00", ont_num="CN-UP", ont_dt="21-10-2025"),
                note("CN-REJ", "22-10-2025", "500.00", ont_num="CN-REJ", ont_dt="22-10-2025"),
                note("CN-DN", "23-10-2025", "500.00", ont_num="CN-DN", ont_dt="23-10-2025"),
            ],
        ),
        "2025-12-11",
    )
    live.wait_projected()
    amendments = {d["nt_num"]: d for d in documents(live, recipient, section="b2bcna")}
    assert amendments["CN-UP"]["ispendactblocked"] == "Y"
    assert amendments["CN-REJ"]["ispendactblocked"] == "Y"
    assert amendments["CN-DN"]["ispendactblocked"] == "N"
    assert amendments["CN-UP"]["pendactdeadline"] == "20-01-2026"
    assert all(a["ont_num"] == a["nt_num"] and a["action"] == "N" for a in amendments.values())
    # our rule: each amendment supersedes its live original, which leaves the dashboard
    now = counts(live, recipient)
    assert section_counts(now, "b2bcn") == tally(noaction=1, pending=1)
    assert section_counts(now, "b2bcna") == tally(noaction=3)
    superseded = answer_of(save(live, recipient, [("b2bcn", record_of(rejected, "A"))]))
    assert errors(superseded) == [("b2bcn", "SUPERSEDED")]

    advance_clock(live, "2025-12-21")

    lapsed = document(live, recipient, "CN-OCT")
    assert (lapsed["action"], lapsed["prev_status"], lapsed.get("deemed")) == ("N", "P", "Y")
    assert "deemed_accepted" in [e["what"] for e in history(live, recipient, lapsed["doc_id"])]
    assert section_counts(counts(live, recipient), "b2bcn") == tally(noaction=2)

    late = answer_of(save(live, recipient, [("b2bcn", record_of(lapsed, "P"))]))
    assert errors(late) == [("b2bcn", "PENDING_WINDOW_OVER")] and late["status_cd"] == "ER"
    # the amendment's own window (GSTR-2B 112025 → 20-01-2026) is still open
    act(live, recipient, [("b2bcna", record_of(amendments["CN-UP"], "P"))])
    assert document(live, recipient, "CN-UP")["action"] == "P"


# 2b ---------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("original_fp", "original_filed", "gstr3b_filed", "amendment_fp", "amendment_filed", "deadline"),
    [
        ("072025", "2025-08-11", "2025-08-20", "082025", "2025-09-11", None),  # before Oct-2025: no Pending
        ("102025", "2025-11-11", "2025-11-20", "112025", "2025-12-11", "20-01-2026"),  # one period's window
    ],
    ids=["before-oct-2025", "from-oct-2025"],
)
def test_pending_blocked_amendments_cases_2_to_4_before_and_after_oct_2025(
    live_stack: LiveStack,
    original_fp: str,
    original_filed: str,
    gstr3b_filed: str,
    amendment_fp: str,
    amendment_filed: str,
    deadline: str | None,
) -> None:
    """docs/rules.md §3 Pending blocked: (2) an upward credit-note amendment, (3) a downward amendment of a
    rejected credit note, (4) a downward amendment of an accepted invoice whose GSTR-3B is filed. Before
    the Oct-2025 GSTR-2B period Pending is refused for them; from it, allowed until the deadline."""
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    month, year = original_fp[:2], original_fp[2:]
    day = f"-{month}-{year}"
    file_return(
        live,
        gstr1(
            supplier,
            original_fp,
            recipient,
            b2b=[invoice("PB-INV", "05" + day, "1000.00")],
            cdnr=[note("PB-UP", "06" + day, "1000.00"), note("PB-REJ", "07" + day, "1000.00")],
        ),
        original_filed,
    )
    live.wait_projected()
    act(
        live,
        recipient,
        [
            ("b2b", record_of(document(live, recipient, "PB-INV"), "A")),
            ("b2bcn", record_of(document(live, recipient, "PB-REJ"), "R")),
        ],
    )
    file_gstr3b(live, recipient, original_fp, gstr3b_filed)
    file_return(
        live,
        gstr1(
            supplier,
            amendment_fp,
            recipient,
            b2ba=[invoice("PB-INV", "05" + day, "600.00", oinum="PB-INV", oidt="05" + day)],
            cdnra=[
                note("PB-UP", "06" + day, "2000.00", ont_num="PB-UP", ont_dt="06" + day),
                note("PB-REJ", "07" + day, "500.00", ont_num="PB-REJ", ont_dt="07" + day),
            ],
        ),
        amendment_filed,
    )
    live.wait_projected()
    amended = {
        d.get("inum") or d["nt_num"]: d for d in documents(live, recipient) if d["section"] in ("b2ba", "b2bcna")
    }
    assert set(amended) == {"PB-INV", "PB-UP", "PB-REJ"}
    for doc in amended.values():
        assert (doc["ispendactblocked"], doc["pendactdeadline"], doc["action"]) == ("Y", deadline, "N"), doc

    answer = answer_of(save(live, recipient, [(d["section"], record_of(d, "P")) for d in amended.values()]))
    if deadline is None:
        assert answer["status_cd"] == "ER" and answer["proc_cnt"] == 0
        assert sorted(errors(answer)) == [
            ("b2ba", "PENDING_BLOCKED"),
            ("b2bcna", "PENDING_BLOCKED"),
            ("b2bcna", "PENDING_BLOCKED"),
        ]
        expected = "N"
    else:
        assert answer["status_cd"] == "P" and answer["proc_cnt"] == 3, answer
        expected = "P"
    live.wait_projected()
    after = {d.get("inum") or d["nt_num"]: d for d in documents(live, recipient) if d["section"] in ("b2ba", "b2bcna")}
    assert {number: d["action"] for number, d in after.items()} == dict.fromkeys(amended, expected)


# 3 ----------------------------------------------------------------------------------------------------------
def test_a_credit_note_is_accepted_with_a_partial_itc_reduction_and_bad_declarations_are_refused(
    live_stack: LiveStack,
) -> None:
    live = live_stack
    inter, intra, recipient = gstin("27"), gstin("29"), gstin("29")
    credit = note("RCN-1", "10-10-2025", "1000.00")
    file_return(
        live,
        gstr1(inter, "102025", recipient, cdnr=[credit], b2b=[invoice("RINV-1", "11-10-2025", "1000.00")]),
        "2025-11-11",
    )
    local = note("RCN-3", "12-10-2025", "1000.00", intra=True)
    file_return(live, gstr1(intra, "102025", recipient, cdnr=[local]), "2025-11-11")
    live.wait_projected()

    cn, cn_local, inv = (document(live, recipient, n) for n in ("RCN-1", "RCN-3", "RINV-1"))
    assert cn["iamt"] == tax_of(credit) == money("180.00")
    assert cn_local["camt"] == cn_local["samt"] == money("90.00") and cn_local["iamt"] == money(0)
    refused = answer_of(
        save(
            live,
            recipient,
            [
                ("b2bcn", record_of(cn, "A", itcRedReq="Y", declIgst=money("180.01"))),
                (
                    "b2bcn",
                    record_of(cn_local, "A", itcRedReq="Y", declCgst=money("50.00"), declSgst=money("40.00")),
                ),
                ("b2b", record_of(inv, "A", itcRedReq="Y", declIgst=money("10.00"))),
            ],
        )
    )
    assert errors(refused) == [
        ("b2b", "REDUCTION_NOT_ALLOWED"),
        ("b2bcn", "INVALID_REDUCTION"),
        ("b2bcn", "INVALID_REDUCTION"),
    ]
    assert (refused["status_cd"], refused["proc_cnt"], refused["err_cnt"]) == ("ER", 0, 3)

    act(
        live,
        recipient,
        [
            ("b2bcn", record_of(cn, "A", itcRedReq="Y", declIgst=money("90.50"))),
            (
                "b2bcn",
                record_of(cn_local, "A", itcRedReq="Y", declCgst=money("45.00"), declSgst=money("45.00")),
            ),
        ],
    )
    accepted = document(live, recipient, "RCN-1")
    assert (accepted["action"], accepted["itcRedReq"], accepted["declIgst"]) == ("A", "Y", money("90.50"))
    assert accepted["declCgst"] == accepted["declSgst"] == accepted["declCess"] == money(0)
    local_accepted = document(live, recipient, "RCN-3")
    assert (local_accepted["itcRedReq"], local_accepted["declCgst"], local_accepted["declSgst"]) == (
        "Y",
        money("45.00"),
        money("45.00"),
    )
    assert local_accepted["declIgst"] == money(0)
    assert '"declIgst":90.50' in live.http.get(f"/v1/ims/{recipient}/documents", params={"section": "b2bcn"}).text
    assert section_counts(counts(live, recipient), "b2bcn") == tally(accept=2)
    assert document(live, recipient, "RINV-1")["itcRedReq"] is None


# 4 ----------------------------------------------------------------------------------------------------------
def test_a_supplier_edit_of_a_saved_invoice_drops_the_recipients_action(live_stack: LiveStack) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(live, gstr1(supplier, "112025", recipient, b2b=[invoice("SV-1", "05-11-2025", "1000.00")]))
    live.wait_projected()
    first = document(live, recipient, "SV-1")
    assert (first["srcfilstatus"], first["gstr2bprd"], first["action"]) == ("Not Filed", None, "N")
    act(live, recipient, [("b2b", record_of(first, "A"))])
    assert document(live, recipient, "SV-1")["action"] == "A"

    edited = invoice("SV-1", "05-11-2025", "1500.00")
    file_return(live, gstr1(supplier, "112025", recipient, b2b=[edited]))
    live.wait_projected()
    second = document(live, recipient, "SV-1")
    assert (second["action"], second["prev_status"]) == ("N", "A")
    assert second["hash"] != first["hash"] and second["val"] == money("1770.00") == edited["val"]
    assert second["doc_id"] == first["doc_id"]
    assert section_counts(counts(live, recipient), "b2b") == tally(noaction=1)
    assert [e["what"] for e in history(live, recipient, first["doc_id"])] == ["saved", "action_A", "replaced"]

    # accepted again, then filed unchanged: the action stays, the document becomes Filed
    act(live, recipient, [("b2b", record_of(second, "A"))])
    file_return(live, gstr1(supplier, "112025", recipient, b2b=[edited]), "2025-12-11")
    live.wait_projected()
    filed = document(live, recipient, "SV-1")
    assert (filed["srcfilstatus"], filed["gstr2bprd"], filed["action"]) == ("Filed", "112025", "A")
    assert filed["hash"] == second["hash"]


# 5 ----------------------------------------------------------------------------------------------------------
def test_an_action_read_with_an_old_hash_is_refused_as_stale_and_changes_nothing(
    live_stack: LiveStack,
) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(live, gstr1(supplier, "112025", recipient, b2b=[invoice("ST-1", "06-11-2025", "1000.00")]))
    live.wait_projected()
    old = document(live, recipient, "ST-1")
    file_return(live, gstr1(supplier, "112025", recipient, b2b=[invoice("ST-1", "06-11-2025", "1100.00")]))
    live.wait_projected()
    before = counts(live, recipient)

    answer = answer_of(save(live, recipient, [("b2b", record_of(old, "A"))]))
    assert errors(answer) == [("b2b", "STALE_HASH")]
    assert (answer["status_cd"], answer["proc_cnt"]) == ("ER", 0)
    live.wait_projected()
    assert counts(live, recipient) == before
    assert section_counts(before, "b2b") == tally(noaction=1)
    assert document(live, recipient, "ST-1")["action"] == "N"


# 6 ----------------------------------------------------------------------------------------------------------
def test_documents_of_a_period_whose_gstr3b_is_filed_can_no_longer_be_actioned(live_stack: LiveStack) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(supplier, "102025", recipient, b2b=[invoice("FZ-1", "07-10-2025", "1000.00")]),
        "2025-11-11",
    )
    file_return(
        live,
        gstr1(supplier, "112025", recipient, b2b=[invoice("FZ-2", "07-11-2025", "1000.00")]),
        "2025-12-11",
    )
    live.wait_projected()
    october, november = document(live, recipient, "FZ-1"), document(live, recipient, "FZ-2")
    act(live, recipient, [("b2b", record_of(october, "A"))])
    october = document(live, recipient, "FZ-1")

    file_gstr3b(live, recipient, "102025", "2025-11-20")

    refused = answer_of(save(live, recipient, [("b2b", record_of(october, "R", remarks="changed my mind"))]))
    assert errors(refused) == [("b2b", "FROZEN")] and refused["status_cd"] == "ER"
    reset = answer_of(save(live, recipient, [("b2b", record_of(october, None))], reqtyp="RESET"))
    assert errors(reset) == [("b2b", "FROZEN")]
    # the supplier's October return posted again unchanged (a retry without an Idempotency-Key) is a no-op;
    # with other content it is refused: a frozen document changes only by amendment
    for amount, refusals in (("1000.00", []), ("1100.00", ["FROZEN"])):
        body = gstr1(supplier, "102025", recipient, b2b=[invoice("FZ-1", "07-10-2025", amount)])
        again = file_return(live, body, "2025-11-11")
        live.wait_projected()
        status = live.http.get(f"/v1/ims/{supplier}/requests/{again['reference_id']}").json()
        assert [row["error_cd"] for rows in status["error_report"].values() for row in rows] == refusals, status
    # another period's document stays actionable
    act(live, recipient, [("b2b", record_of(november, "R", remarks="not received"))])
    assert section_counts(counts(live, recipient), "b2b") == tally(reject=1)
    assert (
        live.scalar(
            "SELECT action FROM ims_documents WHERE recipient = :r AND doc_key = :k",
            r=recipient,
            k=october["doc_id"],
        )
        == "A"
    )

    # the supplier amends the frozen, accepted invoice downward: accepting it reduces ITC, so Pending is
    # blocked (one period's window) and the ITC-reduction declaration applies
    file_return(
        live,
        gstr1(
            supplier,
            "122025",
            recipient,
            b2ba=[invoice("FZ-1", "07-10-2025", "600.00", oinum="FZ-1", oidt="07-10-2025")],
        ),
        "2026-01-11",
    )
    live.wait_projected()
    amendment = document(live, recipient, "FZ-1")
    assert (amendment["section"], amendment["oinum"], amendment["action"]) == ("b2ba", "FZ-1", "N")
    assert (amendment["ispendactblocked"], amendment["pendactdeadline"]) == ("Y", "20-02-2026")
    act(live, recipient, [("b2ba", record_of(amendment, "A", itcRedReq="Y", declIgst=money("50.00")))])
    accepted = document(live, recipient, "FZ-1")
    assert (accepted["action"], accepted["itcRedReq"], accepted["declIgst"]) == ("A", "Y", money("50.00"))


# 7 ----------------------------------------------------------------------------------------------------------
def test_a_bill_of_entry_can_be_accepted_but_never_rejected(live_stack: LiveStack) -> None:
    live, importer = live_stack, gstin("29")
    answer = live.post("/v1/imports/boe", {"boe": [boe(importer, "4512001", "10-10-2025", "15-10-2025", "10000.00")]})
    assert answer.status_code == 200, answer.text
    assert answer.json()["status_cd"] == "P"
    live.wait_projected()

    dashboard = counts(live, importer)
    assert dashboard["imp_gds"]["impg"] == tally(noaction=1) and dashboard["imp_gds"]["ttl_cnt"] == 1
    bill = document(live, importer, "4512001")
    assert bill["section"] == "impg" and bill["stin"] == importer
    assert (bill["boedt"], bill["portcode"], bill["iamt"], bill["val"]) == (
        "10-10-2025",
        "INMAA1",
        money("1800.00"),
        money("11800.00"),
    )

    refused = answer_of(save(live, importer, [("impg", record_of(bill, "R", remarks="short shipped"))]))
    assert errors(refused) == [("impg", "REJECT_NOT_ALLOWED")]
    bulk = answer_of(live.post(f"/v1/ims/{importer}/actions/bulk", {"action": "R", "filter": {"section": "impg"}}))
    assert errors(bulk) == [("impg", "REJECT_NOT_ALLOWED")] and bulk["status_cd"] == "ER"
    live.wait_projected()
    assert counts(live, importer)["imp_gds"]["impg"] == tally(noaction=1)

    act(live, importer, [("impg", record_of(bill, "P"))])
    assert counts(live, importer)["imp_gds"]["impg"] == tally(pending=1)
    act(live, importer, [("impg", record_of(bill, "A"))])
    assert counts(live, importer)["imp_gds"]["impg"] == tally(accept=1)
    assert document(live, importer, "4512001")["action"] == "A"


# 8 ---------------------------------------------------------------------------------------------------------
def test_the_supplier_sees_a_rejection_with_its_remark_and_bad_remarks_are_refused(
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

    refused = answer_of(
        save(
            live,
            recipient,
            [
                ("b2b", record_of(two, "R", remarks="x" * 251)),
                ("b2b", record_of(two, "A", remarks="looks fine")),
                ("b2b", record_of(zero, "R", remarks="remarks start with the Oct-2025 period")),
            ],
        )
    )
    assert errors(refused) == [
        ("b2b", "REMARKS_NOT_ALLOWED"),
        ("b2b", "REMARKS_NOT_ALLOWED"),
        ("b2b", "REMARKS_TOO_LONG"),
    ]
    assert refused["status_cd"] == "ER"

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
    assert (seen["RJ-0"]["imsactn"], seen["RJ-0"]["remarks"]) == ("", None)
    assert (seen["RJ-1"]["imsactn"], seen["RJ-1"]["remarks"]) == (
        "R",
        "Rate does not match the purchase order",
    )
    assert (seen["RJ-2"]["imsactn"], seen["RJ-2"]["remarks"]) == ("P", longest)
    assert (seen["RJ-3"]["imsactn"], seen["RJ-3"]["remarks"]) == ("A", None)
    assert (seen["RJC-1"]["imsactn"], seen["RJC-1"]["remarks"]) == ("R", "goods were never returned")
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


# 9 ----------------------------------------------------------------------------------------------------------
def test_a_recipient_may_act_only_on_documents_addressed_to_it(live_stack: LiveStack) -> None:
    live, supplier, mine, theirs = live_stack, gstin("27"), gstin("29"), gstin("29")
    file_return(live, gstr1(supplier, "102025", theirs, b2b=[invoice("AD-1", "11-10-2025", "1000.00")]), "2025-11-11")
    file_return(live, gstr1(supplier, "102025", mine, b2b=[invoice("AD-2", "11-10-2025", "1000.00")]), "2025-11-11")
    live.wait_projected()
    other = document(live, theirs, "AD-1")

    by_number = {"stin": supplier, "inum": "AD-1", "idt": "11-10-2025", "action": "A"}
    answer = answer_of(save(live, mine, [("b2b", by_number), ("b2b", record_of(other, "R"))]))
    assert errors(answer) == [("b2b", "NOT_FOUND"), ("b2b", "NOT_FOUND")]
    assert (answer["status_cd"], answer["proc_cnt"]) == ("ER", 0)

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


# 10 ---------------------------------------------------------------------------------------------------------
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


def outbox(live: Any, recipient: str) -> list[dict[str, Any]]:
    rows = live.scalar(
        "SELECT coalesce(json_agg(json_build_object('cause_event_id', cause_event_id, 'supplier', supplier, "
        "'record', record) ORDER BY seq), '[]') FROM notification_outbox WHERE recipient = :r",
        r=recipient,
    )
    return json.loads(rows) if isinstance(rows, str) else rows  # type: ignore[no-any-return]


# 11 ---------------------------------------------------------------------------------------------------------
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
        3,
        0,
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


# 11b --------------------------------------------------------------------------------------------------------
def test_one_itc_reduction_answer_in_a_bulk_accept_applies_to_its_credit_notes_and_invoices_are_accepted(
    live_stack: LiveStack,
) -> None:
    # docs/rules.md §3, one answer for a selection: the answer to "Whether ITC needs to be reduced?" is given
    # once for the selection; documents the question does not concern (plain invoices) are simply accepted
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
    assert errors(answer) == [] and (answer["status_cd"], answer["proc_cnt"]) == ("P", 3), answer
    live.wait_projected()
    dashboard = counts(live, recipient)
    assert section_counts(dashboard, "b2b") == tally(accept=1)
    assert section_counts(dashboard, "b2bcn") == tally(accept=2)
    for number in ("BRC-1", "BRC-2"):
        credit = document(live, recipient, number)
        assert (credit["itcRedReq"], credit["declIgst"]) == ("N", money(0)), number
    assert document(live, recipient, "BR-1")["itcRedReq"] is None


# 12 ---------------------------------------------------------------------------------------------------------
def test_reset_returns_a_rejected_document_to_no_action_and_clears_its_remarks(live_stack: LiveStack) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(supplier, "102025", recipient, b2b=[invoice("RS-1", "18-10-2025", "1000.00")]),
        "2025-11-11",
    )
    live.wait_projected()
    act(live, recipient, [("b2b", record_of(document(live, recipient, "RS-1"), "R", remarks="wrong rate"))])
    rejected = document(live, recipient, "RS-1")
    assert (rejected["action"], rejected["remarks"]) == ("R", "wrong rate")
    assert section_counts(counts(live, recipient), "b2b") == tally(reject=1)

    answer = act(live, recipient, [("b2b", {"stin": supplier, "inum": "RS-1", "idt": "18-10-2025"})], reqtyp="RESET")
    assert answer["proc_cnt"] == 1
    reset = document(live, recipient, "RS-1")
    assert (reset["action"], reset["prev_status"], reset["remarks"]) == ("N", "R", None)
    assert section_counts(counts(live, recipient), "b2b") == tally(noaction=1)
    assert [e["what"] for e in history(live, recipient, reset["doc_id"])] == ["filed", "action_R", "action_N"]


# 13 ---------------------------------------------------------------------------------------------------------
def test_counts_have_the_getcnt_shape_and_filter_by_return_period(live_stack: LiveStack) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(
            supplier,
            "092025",
            recipient,
            b2b=[invoice("CT-1", "10-09-2025", "1000.00"), invoice("CT-2", "11-09-2025", "1000.00")],
        ),
        "2025-10-11",
    )
    file_return(
        live,
        gstr1(
            supplier,
            "102025",
            recipient,
            b2b=[invoice("CT-3", "10-10-2025", "1000.00")],
            cdnr=[note("CTC-1", "11-10-2025", "100.00")],
        ),
        "2025-11-11",
    )
    bill = live.post("/v1/imports/boe", {"boe": [boe(recipient, "4512002", "12-10-2025", "15-10-2025", "100.00")]})
    assert bill.status_code == 200, bill.text
    live.wait_projected()

    everything = counts(live, recipient)
    reference = example("ims-counts-response.json")
    assert set(everything) == set(reference) == {"all_oth", "inv_supp_isd", "imp_gds"}
    for group, rows in reference.items():
        assert set(everything[group]) - {"ttl_cnt"} == set(rows) - {"ttl_cnt"}, group
        assert isinstance(everything[group]["ttl_cnt"], int)
        for key, value in rows.items():
            if key != "ttl_cnt":
                assert set(everything[group][key]) == set(value) == set(ZERO)
    assert set(everything["all_oth"]) == {
        "b2b",
        "b2ba",
        "b2bdn",
        "b2bdna",
        "b2bcn",
        "b2bcna",
        "ecom",
        "ecoma",
        "ttl_cnt",
    }
    assert set(everything["inv_supp_isd"]) == {"isd", "isda", "isdcn", "isdcna", "ttl_cnt"}
    assert set(everything["imp_gds"]) == {"impg", "impga", "impgsez", "impgseza", "ttl_cnt"}
    assert everything["all_oth"]["b2b"] == tally(noaction=3)
    assert everything["all_oth"]["b2bcn"] == tally(noaction=1)
    assert everything["all_oth"]["b2ba"] == ZERO and everything["all_oth"]["ecoma"] == ZERO
    assert everything["inv_supp_isd"] == {
        "isd": ZERO,
        "isda": ZERO,
        "isdcn": ZERO,
        "isdcna": ZERO,
        "ttl_cnt": 0,
    }
    assert everything["imp_gds"]["impg"] == tally(noaction=1)
    assert (everything["all_oth"]["ttl_cnt"], everything["imp_gds"]["ttl_cnt"]) == (4, 1)

    september = counts(live, recipient, rtnprd="092025")
    assert september["all_oth"]["b2b"] == tally(noaction=2) and september["all_oth"]["b2bcn"] == ZERO
    assert (september["all_oth"]["ttl_cnt"], september["imp_gds"]["ttl_cnt"]) == (2, 0)
    october = counts(live, recipient, rtnprd="102025")
    assert october["all_oth"]["b2b"] == tally(noaction=1) and october["all_oth"]["b2bcn"] == tally(noaction=1)
    assert (october["all_oth"]["ttl_cnt"], october["imp_gds"]["ttl_cnt"]) == (2, 1)
    assert counts(live, recipient, rtnprd="122025")["all_oth"]["ttl_cnt"] == 0

    bad = live.http.get(f"/v1/ims/{recipient}/counts", params={"rtnprd": "132025"})
    assert bad.status_code == 400 and error_code(bad) == "INVALID_REQUEST"


# 14 ---------------------------------------------------------------------------------------------------------
def test_history_lists_the_filing_the_acceptance_with_its_actor_and_the_freeze_in_order(
    live_stack: LiveStack,
) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(supplier, "102025", recipient, b2b=[invoice("HI-1", "19-10-2025", "1000.00")]),
        "2025-11-11",
    )
    live.wait_projected()
    doc = document(live, recipient, "HI-1")
    answer = act(live, recipient, [("b2b", record_of(doc, "A"))], actor="alice@buyer.example")
    file_gstr3b(live, recipient, "102025", "2025-12-18", actor="gstr3b-filer")

    events = history(live, recipient, doc["doc_id"])
    assert [e["what"] for e in events] == ["filed", "action_A", "frozen"]
    assert [e["event_type"] for e in events] == ["DocumentsFiled", "ActionsTaken", "Gstr3bFiled"]
    filed, accepted, frozen = events
    assert filed["detail"] == {"hash": doc["hash"], "status": "filed"}
    assert accepted["actor"] == "alice@buyer.example"
    assert accepted["detail"]["reference_id"] == answer["reference_id"] and accepted["detail"]["prev"] == "N"
    assert (frozen["actor"], frozen["detail"]) == ("gstr3b-filer", {"period": "102025"})
    assert filed["occurred_at"] <= accepted["occurred_at"] <= frozen["occurred_at"]
    unknown = answer_of(live.http.get(f"/v1/ims/{recipient}/documents/b2b|{supplier}|2025|NOPE/history"))
    assert unknown["events"] == []


# 15 ---------------------------------------------------------------------------------------------------------
def test_documents_download_as_csv_and_xlsx_with_formula_like_text_neutralised(live_stack: LiveStack) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(
            supplier,
            "102025",
            recipient,
            b2b=[invoice("DL-1", "20-10-2025", "1000.00"), invoice("DL-2", "21-10-2025", "2500.50")],
        ),
        "2025-11-11",
    )
    live.wait_projected()
    act(live, recipient, [("b2b", record_of(document(live, recipient, "DL-2"), "R", remarks="=HYPERLINK(1)"))])
    listed = {d["doc_id"]: d for d in documents(live, recipient)}

    download = live.http.get(f"/v1/ims/{recipient}/documents", params={"format": "csv"})
    assert download.status_code == 200, download.text
    assert download.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(download.text)))
    assert {r["doc_id"] for r in rows} == set(listed) and len(rows) == 2
    for row in rows:
        record = listed[row["doc_id"]]
        for column, text in row.items():
            expected = record.get(column)
            if expected is None:
                assert text == "", (column, text)
            elif isinstance(expected, Decimal):
                assert Decimal(text) == expected and text == f"{expected:.2f}", (column, text)
            elif column == "remarks" and expected.startswith("="):
                assert text == "'" + expected, (column, text)
            else:
                assert text == str(expected), (column, text, expected)
    rejected = next(r for r in rows if r["inum"] == "DL-2")
    assert (rejected["action"], rejected["remarks"], rejected["val"]) == ("R", "'=HYPERLINK(1)", "2950.59")

    workbook = live.http.get(f"/v1/ims/{recipient}/documents", params={"format": "xlsx"})
    assert workbook.status_code == 200
    assert workbook.content[:2] == b"PK"
    with zipfile.ZipFile(io.BytesIO(workbook.content)) as archive:
        assert "xl/worksheets/sheet1.xml" in archive.namelist()
        strings = [archive.read(n).decode() for n in archive.namelist() if n.endswith(".xml")]
    sheet = "".join(strings)
    assert "'=HYPERLINK(1)" in sheet or "&apos;=HYPERLINK(1)" in sheet
    assert "<f>" not in sheet and "DL-1" in sheet and "DL-2" in sheet


# 15b --------------------------------------------------------------------------------------------------------
def test_documents_filter_by_status_supplier_period_and_number_and_downloads_follow_the_filter(
    live_stack: LiveStack,
) -> None:
    live, first, second, recipient = live_stack, gstin("27"), gstin("27"), gstin("29")
    file_return(live, gstr1(first, "092025", recipient, b2b=[invoice("FL-SEP", "10-09-2025", "100.00")]), "2025-10-11")
    file_return(
        live,
        gstr1(first, "102025", recipient, b2b=[invoice("FL-1", "10-10-2025", "100.00"),
                                               invoice("XY-2", "11-10-2025", "100.00")]),
        "2025-11-11",
    )  # fmt: skip
    file_return(live, gstr1(second, "102025", recipient, b2b=[invoice("FL-3", "12-10-2025", "100.00")]), "2025-11-11")
    live.wait_projected()
    act(live, recipient, [("b2b", record_of(document(live, recipient, "FL-1"), "A"))])

    def numbers(**params: str) -> list[str]:
        return sorted(d["inum"] for d in documents(live, recipient, **params))

    assert numbers() == ["FL-1", "FL-3", "FL-SEP", "XY-2"]
    assert numbers(status="A") == ["FL-1"] and numbers(status="N") == ["FL-3", "FL-SEP", "XY-2"]
    assert numbers(stin=second) == ["FL-3"]
    assert numbers(rtnprd="092025") == ["FL-SEP"]
    assert numbers(q="fl-") == ["FL-1", "FL-3", "FL-SEP"], "a number prefix, case-insensitive"
    assert numbers(stin=first, rtnprd="102025", status="N") == ["XY-2"]
    download = live.http.get(
        f"/v1/ims/{recipient}/documents", params={"format": "csv", "stin": first, "rtnprd": "102025"}
    )
    assert sorted(r["inum"] for r in csv.DictReader(io.StringIO(download.text))) == ["FL-1", "XY-2"]
    row = next(r for r in csv.DictReader(io.StringIO(download.text)) if r["inum"] == "FL-1")
    assert (row["gstr2bprd"], row["prev_status"], row["action"]) == ("102025", "N", "A")
    for bad in ({"status": "X"}, {"stin": "27AAAAA0000A1Z0"}, {"rtnprd": "132025"}):
        answer = live.http.get(f"/v1/ims/{recipient}/documents", params=bad)
        assert answer.status_code == 400 and next(iter(bad)) in answer.text, (bad, answer.text)


# 16 ---------------------------------------------------------------------------------------------------------
def test_getinv_pages_with_a_cursor_through_every_document_exactly_once(live_stack: LiveStack) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(
        live,
        gstr1(
            supplier,
            "102025",
            recipient,
            b2b=[invoice(f"PG-{n}", "22-10-2025", "100.00") for n in range(1, 4)],
            cdnr=[note("PGC-1", "23-10-2025", "10.00"), note("PGD-1", "24-10-2025", "10.00", "D")],
        ),
        "2025-11-11",
    )
    live.wait_projected()
    everything = {d["doc_id"] for d in documents(live, recipient)}
    assert len(everything) == 5

    seen: list[str] = []
    sizes: list[int] = []
    params: dict[str, Any] = {"limit": 2}
    for _ in range(10):  # bounded: a cursor that never ends fails the test instead of hanging it
        page = parsed(live.http.get(f"/v1/ims/{recipient}/documents", params=params))
        ids = [r["doc_id"] for records in page["invdata"].values() for r in records]
        seen.extend(ids)
        sizes.append(len(ids))
        if page["next_cursor"] is None:
            break
        params["cursor"] = page["next_cursor"]
    assert sorted(seen) == sorted(everything) and len(seen) == len(set(seen)) == 5
    assert sizes == [2, 2, 1]
    sections = [d["section"] for d in documents(live, recipient, limit=2)]
    assert sections == ["b2b", "b2b"]
    bad = live.http.get(f"/v1/ims/{recipient}/documents", params={"cursor": "not-a-cursor!"})
    assert bad.status_code == 400


# 5b (last: it restarts the projector) ---------------------------------------------------------------------
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
    assert (late["status_cd"], late["proc_cnt"], late["err_cnt"]) == ("ER", 0, 1)
    assert section_counts(counts(live, recipient), "b2b") == tally(noaction=1)
    assert document(live, recipient, "ST-1")["val"] == money("1416.00")
