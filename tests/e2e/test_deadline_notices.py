"""Deadline notices through the real processes (docs/rules.md §4.6): the clock moving toward a Pending credit
note's window end sends exactly one `DeadlineApproaching`, a later tick repeats nothing, and `ims replay --all`
rebuilds the same announced set and sends nothing again."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from services.bootstrap import build_container, projection_factories
from services.replay import replay
from tests.support.gstr2b_flow import clock
from tests.support.ims_helpers import act, document, file_return, gstin, gstr1, note, record_of
from tests.support.live import LiveStack
from tests.support.notifications import deadline_notices_on_topic

pytestmark = pytest.mark.e2e


def _announced(live: LiveStack, recipient: str) -> list[tuple[str, str, str]]:
    with live.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT doc_key, kind, deadline::text FROM ims_deadlines_announced WHERE recipient = :r ORDER BY 1"),
            {"r": recipient},
        ).all()
    return [tuple(row) for row in rows]


def test_a_pending_credit_notes_window_end_is_announced_once_and_a_replay_sends_it_no_more(
    live_stack: LiveStack,
) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(live, gstr1(supplier, "102025", recipient, cdnr=[note("DCN-1", "10-10-2025", "100.00")]),
                "2025-11-11")  # fmt: skip
    live.wait_projected()
    credit_note = document(live, recipient, "DCN-1")
    assert credit_note["pendactdeadline"] == "20-12-2025"
    act(live, recipient, [("b2bcn", record_of(credit_note, "P"))])

    def notices() -> list[tuple[str, str, str, str, list[str]]]:
        return [
            (event_id, n.kind, n.deadline, n.clock_date, [d["number"] for d in n.documents])
            for event_id, n in deadline_notices_on_topic(live)
            if n.recipient == recipient
        ]

    clock(live, "2025-12-16")  # four days before: not yet
    assert notices() == []
    clock(live, "2025-12-17")
    (first,) = notices()
    assert first[1:] == ("pending_window", "2025-12-20", "2025-12-17", ["DCN-1"])
    clock(live, "2025-12-18")
    assert notices() == [first], "a later tick announces nothing again"
    announced = _announced(live, recipient)
    assert announced == [(credit_note["doc_id"], "pending_window", "2025-12-20")]

    container = build_container(live.settings)
    try:
        applied = replay(container, list(projection_factories(live.settings)))
    finally:
        container.close()
    assert applied["ims"] >= 5
    live.wait_projected()
    assert _announced(live, recipient) == announced, "the replay rebuilt the same announced set"
    assert notices() == [first], "the replay sent nothing again"
    clock(live, "2025-12-19")
    assert notices() == [first]


def test_a_tick_the_live_consumer_had_not_applied_is_announced_once_after_a_replay_and_older_ones_not_again(
    live_stack: LiveStack,
) -> None:
    """The replay carries into the live outbox only the notices of clock events the live consumer had not
    applied: a rebuild also announces for every earlier clock event, which were due before (or, for a history
    older than deadline notices, never)."""
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    file_return(live, gstr1(supplier, "102025", recipient, cdnr=[note("LCN-A", "10-10-2025", "100.00")]),
                "2025-11-11")  # fmt: skip
    file_return(live, gstr1(supplier, "112025", recipient, cdnr=[note("LCN-B", "10-11-2025", "100.00")]),
                "2025-12-11")  # fmt: skip
    live.wait_projected()
    for number in ("LCN-A", "LCN-B"):
        act(live, recipient, [("b2bcn", record_of(document(live, recipient, number), "P"))])

    def notices() -> list[tuple[str, str, list[str]]]:
        return [
            (n.deadline, n.clock_date, [d["number"] for d in n.documents])
            for _, n in deadline_notices_on_topic(live)
            if n.recipient == recipient
        ]

    clock(live, "2025-12-17")
    assert notices() == [("2025-12-20", "2025-12-17", ["LCN-A"])]
    with live.engine.begin() as conn:  # as if LCN-A's tick had been applied by code before deadline notices
        conn.execute(text("DELETE FROM deadline_outbox WHERE recipient = :r"), {"r": recipient})

    live.stop_process("consumer:ims")  # the next tick is only in the log
    assert live.post("/v1/clock", {"date": "2026-01-18"}).status_code == 200
    live.wait_relayed()
    container = build_container(live.settings)
    try:
        replay(container, ["ims"])
    finally:
        container.close()
    live.start_consumer("ims")
    live.wait_projected()

    assert notices() == [("2025-12-20", "2025-12-17", ["LCN-A"]), ("2026-01-20", "2026-01-18", ["LCN-B"])]
    assert live.scalar("SELECT count(*) FROM deadline_outbox WHERE recipient = :r", r=recipient) == 1
