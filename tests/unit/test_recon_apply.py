"""Applying a reconciliation (docs/rules.md §10.5): the suggested actions that change something become SAVE items
the ordinary action path checks, Reject and Pending with a remark naming the policy version and the reason, an
accepted credit note declaring the books' ITC reduction, every item carrying the hash reconciled."""

from __future__ import annotations

from datetime import date

from services.actions.commands import handlers
from services.actions.commands.reconciled import items_of, remark, to_send
from services.actions.domain.model import ImsDocument
from services.recon.domain.documents import Amounts, BookDoc, ImsDoc
from services.recon.domain.policy import Policy
from services.recon.domain.reconcile import reconcile
from tests.support.command_fakes import in_memory_ports
from tests.support.ims_documents import RECIPIENT, SUPPLIER, credit_note, ims_document

DAY = date(2025, 10, 10)


def _ims(doc: ImsDocument, action: str = "N") -> ImsDoc:
    amounts = Amounts(doc.taxable, doc.igst, doc.cgst, doc.sgst, doc.cess)
    return ImsDoc(doc.doc_key, doc.section, doc.supplier, doc.number, DAY, doc.pos, False, amounts,
                  action=action, version_hash=doc.version_hash)  # fmt: skip


def _book(voucher: str, kind: str, number: str, txval: int, igst: int) -> BookDoc:
    return BookDoc(voucher, SUPPLIER, kind, number, DAY, DAY, "29", False, Amounts(txval, igst, 0, 0, 0))


def test_suggestions_that_change_an_action_become_save_items_the_ims_rules_accept() -> None:
    invoice = ims_document("b2b|x|2025|INV-1", version_hash="1" * 64)
    differing = ims_document("b2b|x|2025|INV-2", number="INV-2", version_hash="2" * 64)
    decided = ims_document("b2b|x|2025|INV-3", number="INV-3", action="A")
    note = credit_note(taxable=10_000, igst=1_800, value=11_800)
    books = [
        _book("PV-1", "INV", "INV-1", 100_000, 18_000),
        _book("PV-2", "INV", "INV-2", 150_000, 27_000),
        _book("PV-3", "INV", "INV-3", 100_000, 18_000),
        _book("PV-4", "CN", "CN-1", 10_000, 1_500),
    ]
    ims = [_ims(invoice), _ims(differing), _ims(decided, "A"), _ims(note)]
    found = reconcile(books, ims, Policy(version=2, head_tolerance=500))  # the note's ₹3.00 of IGST within it
    wanted = to_send(found.outcomes)
    assert {o.ims.doc_key: o.suggestion.action for o in wanted if o.ims} == {
        "b2b|x|2025|INV-1": "A",
        "b2b|x|2025|INV-2": "R",
        "b2bcn|x|2025|CN-1": "A",
    }
    ports = in_memory_ports(invoice, differing, decided, note)
    items = items_of(ports.documents, RECIPIENT, wanted, 2)
    requests = {i.request.doc_key: i.request for i in items if i.request}
    accepted, rejected, cn = (
        requests[f"{k}|x|2025|{n}"] for k, n in (("b2b", "INV-1"), ("b2b", "INV-2"), ("b2bcn", "CN-1"))
    )
    assert (accepted.action, accepted.version_hash, accepted.remarks) == ("A", "1" * 64, None)
    assert rejected.action == "R" and rejected.version_hash == "2" * 64
    assert rejected.remarks and rejected.remarks.startswith(
        "Reconciliation (policy v2, mismatch): Differs from our books: taxable value Rs.1500.00 in our books"
    )
    assert (cn.action, cn.itc_red_req, cn.decl_igst, cn.decl_cgst) == ("A", "Y", 1_500, 0)
    checked = handlers.check_items(ports.documents, ports.clock, RECIPIENT, items)
    assert [i.refusal for i in checked] == [None, None, None]


def test_a_remark_names_the_policy_version_and_is_cut_at_a_clause_within_250_characters() -> None:
    invoice = ims_document("b2b|x|2025|INV-1", pos="27")
    book = BookDoc("PV-1", SUPPLIER, "INV", "INV-1", DAY, date(2025, 10, 30), "29", True,
                   Amounts(123_456_789_01, 22_222_222_22, 1, 1, 1))  # fmt: skip
    (outcome,) = [o for o in reconcile([book], [_ims(invoice)], Policy(version=12)).outcomes if o.ims]
    text = remark(outcome, 12)
    assert text.startswith("Reconciliation (policy v12, mismatch): Differs from our books:")
    assert len(text) <= 250 and not text.endswith(";")


def test_a_document_changed_since_it_was_reconciled_is_refused_for_its_row_and_the_rest_are_sent() -> None:
    first = ims_document("b2b|x|2025|INV-1", version_hash="1" * 64)
    second = ims_document("b2b|x|2025|INV-2", number="INV-2", version_hash="2" * 64)
    books = [_book("PV-1", "INV", "INV-1", 100_000, 18_000), _book("PV-2", "INV", "INV-2", 100_000, 18_000)]
    found = reconcile(books, [_ims(first), _ims(second)], Policy())
    amended = ims_document("b2b|x|2025|INV-2", number="INV-2", version_hash="3" * 64)  # the supplier's new version
    ports = in_memory_ports(first, amended)
    sent = items_of(ports.documents, RECIPIENT, to_send(found.outcomes), 1)
    items = handlers.check_items(ports.documents, ports.clock, RECIPIENT, sent)
    answer = handlers.submit(ports.log, RECIPIENT, "SAVE", items, "test", None)
    assert (answer["status_cd"], answer["proc_cnt"]) == ("PE", 1)
    assert [(e["doc_id"], e["error_cd"]) for e in answer["error_report"]["b2b"]] == [("b2b|x|2025|INV-2", "STALE_HASH")]
