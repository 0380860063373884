"""The recipient command handlers (services/actions/commands/handlers.py) on in-memory ports
(tests/support/command_fakes.py): what a SAVE, RESET or bulk request answers, which events it writes to the
log, and which day the checks run on (docs/rules.md §3). The same handlers run over PostgreSQL and the
durable log in the end-to-end tier (tests/e2e/ims/)."""

from __future__ import annotations

from typing import Any

from services.actions.commands import handlers
from services.actions.commands.ports import CommandPorts
from services.actions.views.queries import Selection
from tests.support.command_fakes import InMemoryActionLog, in_memory_ports
from tests.support.ims_documents import RECIPIENT, SUPPLIER, credit_note, ims_document

INVOICE = ims_document("b2b|x|2025|INV-1")
NOTE = credit_note("b2bcn|x|2025|CN-1")


def save(ports: CommandPorts, *records: dict[str, Any], key: str | None = None, reset: bool = False) -> dict[str, Any]:
    items = [handlers.parse_item(r.pop("section", "b2b"), r, reset) for r in records]
    kind = "RESET" if reset else "SAVE"
    return handlers.execute(ports, RECIPIENT, kind, lambda: items, "alice@buyer.example", key)


def logged(ports: CommandPorts) -> list[tuple[str, str, str | None]]:
    assert isinstance(ports.log, InMemoryActionLog)
    return [(i["doc_key"], i["action"], i["itc_red_req"]) for *_, event in ports.log.events for i in event.items]


def record(doc_key: str, action: str, **fields: Any) -> dict[str, Any]:
    return {"section": doc_key.split("|")[0], "doc_id": doc_key, "stin": SUPPLIER, "action": action} | fields


def test_an_allowed_action_is_answered_p_and_written_to_the_log_as_one_event() -> None:
    ports = in_memory_ports(INVOICE)
    answer = save(ports, record(INVOICE.doc_key, "A", hash=INVOICE.version_hash))
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("P", 1, 0)
    assert logged(ports) == [(INVOICE.doc_key, "A", None)]
    assert isinstance(ports.log, InMemoryActionLog)
    (_, reference, actor, event) = ports.log.events[0]
    assert (reference, actor, event.request_type, event.chunk, event.chunks) == (
        answer["reference_id"], "alice@buyer.example", "SAVE", 0, 1)  # fmt: skip


def test_a_refused_item_is_reported_by_its_locator_and_writes_nothing() -> None:
    ports = in_memory_ports(INVOICE)
    answer = save(ports, record(INVOICE.doc_key, "A", hash="f" * 64), record("b2b|x|2025|NOPE", "R"))
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("ER", 0, 2)
    codes = [(row["doc_id"], row["error_cd"]) for row in answer["error_report"]["b2b"]]
    assert codes == [(INVOICE.doc_key, "STALE_HASH"), ("b2b|x|2025|NOPE", "NOT_FOUND")]
    assert logged(ports) == []


def test_some_allowed_and_some_refused_is_pe_with_only_the_allowed_in_the_log() -> None:
    ports = in_memory_ports(INVOICE, NOTE)
    answer = save(
        ports, record(INVOICE.doc_key, "R", remarks="rate wrong"), record(NOTE.doc_key, "R", remarks="x" * 300)
    )
    assert (answer["status_cd"], answer["proc_cnt"], answer["err_cnt"]) == ("PE", 1, 1)
    assert answer["error_report"]["b2bcn"][0]["error_cd"] == "REMARKS_TOO_LONG"
    assert logged(ports) == [(INVOICE.doc_key, "R", None)]


def test_a_credit_note_accepted_without_itcredreq_is_logged_as_y_and_the_answer_says_so() -> None:
    ports = in_memory_ports(NOTE)
    answer = save(ports, record(NOTE.doc_key, "A"))
    assert answer["defaulted"] == {
        "itcRedReq": "Y",
        "documents": {"b2bcn": [{"stin": SUPPLIER, "doc_id": NOTE.doc_key}]},
    }
    assert logged(ports) == [(NOTE.doc_key, "A", None)]  # the projector reads a missing answer as Y


def test_the_pending_window_is_judged_on_the_day_the_clock_port_says() -> None:
    note = credit_note(NOTE.doc_key, pending_blocked=True, pending_deadline="2025-12-20")  # as filing leaves it
    within, after = in_memory_ports(note, today="2025-12-20"), in_memory_ports(note, today="2025-12-21")
    assert save(within, record(NOTE.doc_key, "P"))["status_cd"] == "P"
    refused = save(after, record(NOTE.doc_key, "P"))
    assert refused["error_report"]["b2bcn"][0]["error_cd"] == "PENDING_WINDOW_OVER"


def test_a_retry_under_the_same_key_gets_the_first_answer_and_writes_nothing_more() -> None:
    ports = in_memory_ports(INVOICE)
    first = save(ports, record(INVOICE.doc_key, "A"), key="retry-1")
    again = save(ports, record(INVOICE.doc_key, "R"), key="retry-1")
    assert again == first and logged(ports) == [(INVOICE.doc_key, "A", None)]


def test_reset_logs_n_whatever_the_record_says() -> None:
    ports = in_memory_ports(INVOICE)
    assert save(ports, record(INVOICE.doc_key, "A"), reset=True)["status_cd"] == "P"
    assert logged(ports) == [(INVOICE.doc_key, "N", None)]


def test_a_bulk_accept_checks_every_selected_document_and_skips_what_it_may_not_touch() -> None:
    frozen = ims_document("b2b|x|2025|INV-2", number="INV-2", frozen=True)
    other = ims_document("b2b|y|2025|INV-3", number="INV-3", supplier="27AAACR5055K1Z5")
    ports = in_memory_ports(INVOICE, NOTE, frozen, other)
    selection = Selection(RECIPIENT, stin=SUPPLIER)
    answer = handlers.execute(
        ports, RECIPIENT, "BULK", lambda: handlers.bulk_items(ports.documents, selection, "A", None, None), "bob", None
    )
    assert (answer["status_cd"], answer["proc_cnt"]) == ("P", 2)
    assert set(logged(ports)) == {(INVOICE.doc_key, "A", None), (NOTE.doc_key, "A", None)}


def test_a_bulk_itc_reduction_answer_applies_to_credit_notes_only() -> None:
    ports = in_memory_ports(INVOICE, NOTE)
    reduction = {"itcRedReq": "N"}
    items = handlers.bulk_items(ports.documents, Selection(RECIPIENT), "A", None, reduction)
    answer = handlers.execute(ports, RECIPIENT, "BULK", lambda: items, "bob", None)
    assert answer["proc_cnt"] == 2 and "defaulted" not in answer
    assert set(logged(ports)) == {(INVOICE.doc_key, "A", None), (NOTE.doc_key, "A", "N")}


def test_an_unfinished_old_bulk_request_is_completed_not_repeated() -> None:
    ports = in_memory_ports(INVOICE)
    assert isinstance(ports.log, InMemoryActionLog)
    reference = handlers.new_reference("bulk-7")
    old: dict[str, Any] = {"reference_id": reference, "status_cd": "P", "proc_cnt": 9}
    ports.log.unfinished[reference] = old
    answer = handlers.execute(ports, RECIPIENT, "BULK", lambda: [], "bob", "bulk-7")
    assert answer == old and logged(ports) == []
