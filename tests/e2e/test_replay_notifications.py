"""A replay that gets ahead of a lagging live consumer still notifies suppliers exactly once (issue 4 #8)."""

from __future__ import annotations

from collections import Counter

import pytest

from services.bootstrap import build_container
from services.replay import replay
from tests.support.ims_helpers import act, document, file_return, gstin, gstr1, invoice, record_of
from tests.support.live import LiveStack
from tests.support.notifications import notifications_on_topic
from tests.support.processes import wait_until

pytestmark = pytest.mark.e2e


def test_actions_the_live_consumer_had_not_applied_are_notified_once_after_a_replay(live_stack: LiveStack) -> None:
    live, supplier, recipient = live_stack, gstin("27"), gstin("29")
    body = gstr1(supplier, "102025", recipient, b2b=[invoice("RN-1", "03-10-2025", "100.00"),
                                                     invoice("RN-2", "04-10-2025", "200.00")])  # fmt: skip
    file_return(live, body, "2025-11-11")
    live.wait_projected()
    act(live, recipient, [("b2b", record_of(document(live, recipient, "RN-1"), "A"))])  # applied live
    wait_until(lambda: len(notifications_on_topic(live)) == 1, what="the first notification sent")

    live.stop_process("consumer:ims")  # the live consumer lags: the next action is only in the log
    lagging = live.post(
        f"/v1/ims/{recipient}/actions",
        {"rtin": recipient, "reqtyp": "SAVE",
         "invdata": {"b2b": [record_of(document(live, recipient, "RN-2"), "R", remarks="not ordered")]}},
    )  # fmt: skip
    assert lagging.status_code == 200 and lagging.json()["status_cd"] == "P", lagging.text
    assert live.scalar("SELECT count(*) FROM notification_outbox") == 1
    live.wait_relayed()  # the replay reads Kafka: the action must have reached it

    container = build_container(live.settings)
    try:
        assert replay(container, ["ims"])["ims"] >= 3  # the filing and both actions, the second one new
    finally:
        container.close()
    live.start_consumer("ims")
    live.wait_projected()

    wait_until(lambda: len(notifications_on_topic(live)) == 2, what="the lagging action notified")
    sent = notifications_on_topic(live)
    assert Counter(sent).most_common(1)[0][1] == 1, f"a notification was sent twice: {sent}"
    assert live.scalar("SELECT count(*) FROM notification_outbox WHERE sent") == 2
    assert live.scalar("SELECT action FROM ims_documents WHERE number = 'RN-2'") == "R"
