"""The ITC-reduction declaration on accepting (docs/rules.md §3, from the Oct-2025 period;
services/actions/domain/actions.py, pending.reduction_applies): which accepts ask "Whether ITC needs to be
reduced?", which answers are refused, and what an accepted answer records for GSTR-2B to count."""

from __future__ import annotations

from typing import TypedDict

import pytest

from services.actions.domain.actions import apply_action, check_action
from services.actions.domain.model import ActionRequest, ImsDocument
from tests.support.ims_documents import amendment, credit_note, ims_document

TODAY = "2025-11-20"


class Heads(TypedDict):
    igst: int
    cgst: int
    sgst: int


INTRA: Heads = {"igst": 0, "cgst": 9_000, "sgst": 9_000}  # a credit note within Karnataka: CGST = SGST


def refusal_of(doc: ImsDocument, action: str = "A", **answer: object) -> str | None:
    refusal = check_action(doc, ActionRequest(doc.doc_key, action, None, **answer), TODAY)  # type: ignore[arg-type]
    return refusal.code if refusal else None


def accepted(doc: ImsDocument, **answer: object) -> ImsDocument:
    request = ActionRequest(doc.doc_key, "A", None, **answer)  # type: ignore[arg-type]
    assert check_action(doc, request, TODAY) is None, check_action(doc, request, TODAY)
    return apply_action(doc, request, "alice", "2025-11-20T10:00:00+00:00")


def declaration(doc: ImsDocument) -> tuple[object, ...]:
    return (doc.itc_red_req, doc.decl_igst, doc.decl_cgst, doc.decl_sgst, doc.decl_cess)


def _declaration_documents() -> dict[str, ImsDocument]:
    invoice, note = ims_document(), credit_note()
    return {
        "credit note": note,
        "isd credit note": credit_note("isdcn|x", section="isdcn"),
        "upward credit-note amendment": amendment(note, 236_000),
        "downward invoice amendment": amendment(invoice, 70_800),
        "downward debit-note amendment": amendment(ims_document("b2bdn|x", section="b2bdn", note_type="D"), 70_800),
        "downward eco amendment": amendment(ims_document("ecom|x", section="ecom"), 70_800),
        "downward isd amendment": amendment(ims_document("isd|x", section="isd"), 70_800),
    }


def _plain_documents() -> dict[str, ImsDocument]:
    invoice, note = ims_document(), credit_note()
    return {
        "invoice": invoice,
        "debit note": ims_document("b2bdn|x", section="b2bdn", note_type="D"),
        "upward invoice amendment": amendment(invoice, 236_000),
        "downward credit-note amendment": amendment(note, 70_800),
        "credit note of Sep-2025": credit_note(return_period="092025", gstr2b_period="092025"),
        "bill of entry": ims_document("impg|1", section="impg"),
    }


@pytest.mark.parametrize("name", sorted(_declaration_documents()))
def test_accepting_a_document_that_reduces_itc_takes_a_declaration(name: str) -> None:
    doc = _declaration_documents()[name]
    assert refusal_of(doc, itc_red_req="Y") is None
    assert refusal_of(doc, itc_red_req="N") is None
    assert refusal_of(doc, itc_red_req="Y", decl_igst=1_000) is None


@pytest.mark.parametrize("name", sorted(_plain_documents()))
def test_a_declaration_on_a_document_that_reduces_nothing_is_refused(name: str) -> None:
    doc = _plain_documents()[name]
    assert refusal_of(doc, itc_red_req="Y", decl_igst=1_000) == "REDUCTION_NOT_ALLOWED"
    assert refusal_of(doc, itc_red_req="N") == "REDUCTION_NOT_ALLOWED"
    assert refusal_of(doc) is None  # accepted without one
    assert declaration(accepted(doc)) == (None,) * 5


def test_a_declaration_goes_only_with_accept() -> None:
    note = credit_note()
    assert refusal_of(note, "R", itc_red_req="N") == "REDUCTION_NOT_ALLOWED"
    assert refusal_of(note, "P", decl_igst=1_000) == "REDUCTION_NOT_ALLOWED"


def test_bad_declarations_are_refused_naming_the_field() -> None:
    note, local = credit_note(), credit_note(**INTRA)
    for answer, field in (
        ({"itc_red_req": "Q"}, "itcRedReq"),
        ({"itc_red_req": "N", "decl_igst": 0}, "declIgst"),  # No means no amounts at all
        ({"itc_red_req": "Y", "decl_igst": 18_001}, "declIgst"),  # 180.01 against a tax of 180.00
        ({"itc_red_req": "Y", "decl_igst": -1}, "declIgst"),
        ({"itc_red_req": "Y", "decl_cess": 1}, "declCess"),  # the note has no cess
    ):
        refusal = check_action(note, ActionRequest(note.doc_key, "A", None, **answer), TODAY)  # type: ignore[arg-type]
        assert refusal is not None and refusal.code == "INVALID_REDUCTION", answer
        assert refusal.message.startswith(field), (answer, refusal.message)
    assert refusal_of(local, itc_red_req="Y", decl_cgst=5_000, decl_sgst=4_000) == "INVALID_REDUCTION"
    assert refusal_of(local, itc_red_req="Y", decl_cgst=4_500) == "INVALID_REDUCTION"  # SGST left out: 0


def test_the_whole_tax_may_be_declared_on_every_head() -> None:
    note = credit_note(igst=18_000, cess=500)
    assert refusal_of(note, itc_red_req="Y", decl_igst=18_000, decl_cess=500) is None
    local = credit_note(**INTRA)
    assert refusal_of(local, itc_red_req="Y", decl_cgst=9_000, decl_sgst=9_000) is None


def test_a_partial_reduction_records_the_declared_heads_and_zero_for_the_rest() -> None:
    assert declaration(accepted(credit_note(), itc_red_req="Y", decl_igst=9_050)) == ("Y", 9_050, 0, 0, 0)
    local = accepted(credit_note(**INTRA), itc_red_req="Y", decl_cgst=4_500, decl_sgst=4_500)
    assert declaration(local) == ("Y", 0, 4_500, 4_500, 0)


def test_yes_without_amounts_or_no_answer_reduces_a_credit_notes_whole_tax() -> None:
    note = credit_note(igst=3_600)
    assert declaration(accepted(note, itc_red_req="Y")) == ("Y", 3_600, 0, 0, 0)
    assert declaration(accepted(note)) == ("Y", 3_600, 0, 0, 0)  # our rule: a missing answer means Yes


def test_yes_without_amounts_on_an_amendment_leaves_the_difference_to_gstr2b() -> None:
    downward = amendment(ims_document(action="A", frozen=True), 70_800)
    assert declaration(accepted(downward, itc_red_req="Y")) == ("Y", None, None, None, None)
    assert declaration(accepted(downward, itc_red_req="Y", decl_igst=5_000)) == ("Y", 5_000, 0, 0, 0)
    upward_note = amendment(credit_note(action="A", frozen=True), 177_000)
    assert declaration(accepted(upward_note)) == ("Y", None, None, None, None)  # GSTR-2B counts the increase


def test_no_records_no_reduction() -> None:
    assert declaration(accepted(credit_note(), itc_red_req="N")) == ("N", 0, 0, 0, 0)
    assert declaration(accepted(amendment(credit_note(), 236_000), itc_red_req="N")) == ("N", 0, 0, 0, 0)


def test_the_period_that_decides_is_the_gstr2b_period_and_a_saved_note_its_return_period() -> None:
    september_return_filed_in_october_period = credit_note(return_period="092025", gstr2b_period="102025")
    assert refusal_of(september_return_filed_in_october_period, itc_red_req="N") is None
    saved = credit_note(filing_status="saved", filed_on=None, gstr2b_period=None)
    assert refusal_of(saved, itc_red_req="N") is None
    assert refusal_of(credit_note(filing_status="saved", filed_on=None, gstr2b_period=None, return_period="092025"),
                      itc_red_req="N") == "REDUCTION_NOT_ALLOWED"  # fmt: skip
