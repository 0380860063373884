"""The reconciliation page's actions, as values and as HTML (services/web/recon_answers.py, templates/recon.html):
a voucher only in the books offers its nearest candidates to link by hand (or a doc_id typed), a pair linked by
hand an Unlink button, a links answer says what was linked or refused and why, and "apply suggestions" counts
what it would change before anything is sent."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

from services.actions.commands.reconciled import to_send
from services.common.requests import reqsts
from services.recon.domain.documents import Amounts, BookDoc, ImsDoc, Link
from services.recon.domain.policy import Policy
from services.recon.domain.reconcile import reconcile
from services.web import reads, recon_answers, recon_view
from tests.unit.test_web_recon_view import page

SUPPLIER = "27AAPFU0939F1ZV"
OCT = date(2025, 10, 6)
KEY = f"b2b|{SUPPLIER}|2025-26|"


def book(voucher: str, number: str, txval: int) -> BookDoc:
    return BookDoc(voucher, SUPPLIER, "INV", number, OCT, OCT, "29", False, Amounts(txval, txval * 18 // 100, 0, 0, 0))


def doc(number: str, txval: int, action: str = "N") -> ImsDoc:
    amounts = Amounts(txval, txval * 18 // 100, 0, 0, 0)
    return ImsDoc(KEY + number, "b2b", SUPPLIER, number, OCT, "29", False, amounts, action=action, version_hash="h1")


def outcomes(actions: dict[str, str] | None = None) -> list:
    """A-1 exact; A-2 linked by hand to V2; V4 only in the books, B-7 (only in IMS) its nearest candidate."""
    books = [book("V1", "A-1", 100_000), book("V2", "Q-2", 150_000), book("V4", "A-9", 45_000)]
    ims = [doc(n, t, (actions or {}).get(n, "N")) for n, t in (("A-1", 100_000), ("A-2", 150_000), ("B-7", 40_000))]
    return list(reconcile(books, ims, Policy(), [Link("V2", KEY + "A-2")]).outcomes)


def test_a_voucher_only_in_the_books_offers_its_nearest_candidates_to_link_and_a_manual_pair_an_unlink() -> None:
    rows = {r.books.ident or r.supplier.number: r for r in recon_view.detail_rows(outcomes(), {})}
    assert (rows["V4"].linkable, rows["V2"].linked_by_hand, rows["B-7"].linkable) == (True, True, False)
    keys = [n.key for n in rows["V4"].nearest]
    assert KEY + "B-7" in keys, "a candidate names its GETINV doc_id"
    html = page(outcomes())
    lone = html[html.index('id="r3-link"') :]
    assert 'action="/web/ims/29AABCR1718E1ZL/recon/links"' in html[html.index('id="r3-link"') - 120 :]
    assert (
        f'name="doc_id" value="{keys[0]}" checked' in lone
        and f'value="{KEY}B-7"' in lone
        and 'name="voucher_id" value="V4"' in lone
    )
    assert 'name="typed"' in lone and 'name="csrf" value="x"' in lone and 'name="once" value="o"' in lone
    assert html.count('class="link-form"') == 1, "only the voucher left alone; a document only in IMS has none"
    assert html.count("Unlink<span") == 1 and 'name="unlink" value="1"' in html
    assert 'href="#r3-link" data-opens="r3-why">Link…' in html


def test_a_links_answer_says_what_was_linked_and_each_refusal_with_its_reason() -> None:
    why = "voucher_id: never booked for this recipient"
    row = {"row": 1, "voucher_id": "V9", "doc_id": KEY + "B-7", "field": "voucher_id", "error_cd": "NOT_FOUND"}
    refused = {"link": [row | {"error_msg": why}]}
    answer = reqsts("R1", 0, refused) | {"links": {"linked": 0, "unlinked": 0, "unchanged": 0}}
    found = recon_answers.links_answer(answer, applying=True)
    assert found is not None and found.headline == "1 refused" and not found.applying, "nothing to wait for"
    assert found.refused == (
        recon_answers.LinkRefusal(
            "V9", f"B-7 ({SUPPLIER})", "NOT_FOUND", "voucher_id: never booked for this recipient"
        ),
    )
    linked = reqsts("R2", 1, {}) | {"links": {"linked": 1, "unlinked": 0, "unchanged": 0}}
    found = recon_answers.links_answer(linked, applying=True)
    assert found is not None and (found.headline, found.applying) == ("1 linked by hand", True)
    html = page(outcomes(), links_answer=found)
    assert 'id="links-applying" data-reload-after="1000">Being applied' in html
    assert recon_answers.links_answer({"reference_id": "R3", "version": 2}, False) is None, "a policy's answer"


def test_apply_review_counts_the_documents_whose_suggestion_differs_from_the_current_action() -> None:
    sent = to_send(outcomes())
    review = recon_answers.apply_review(sent, {SUPPLIER: "Acme"})
    assert review.total == 3 and review.per_action == (("Accept", 2), ("Keep pending", 1)), review.per_action
    assert [(c.number, c.now, c.after, c.voucher_id) for c in review.shown] == [
        ("A-1", "No Action", "Accept", "V1"),
        ("A-2", "No Action", "Accept", "V2"),
        ("B-7", "No Action", "Keep pending", ""),
    ]
    assert review.shown[0].supplier_name == "Acme" and review.more == 0
    assert recon_answers.apply_review(to_send(outcomes({"A-1": "A", "A-2": "A", "B-7": "P"})), {}).total == 0
    before = reads.fingerprint(recon_answers.sent_fingerprint(sent))

    def changed(number: str, version_hash: str = "h1", action: str = "N") -> str:
        found = [
            replace(o, ims=replace(o.ims, version_hash=version_hash, action=action))
            if o.ims and o.ims.number == number
            else o
            for o in sent
        ]
        return reads.fingerprint(recon_answers.sent_fingerprint(found))

    assert changed("A-2") == before
    assert changed("A-2", version_hash="h2") != before, "a new version is another apply"
    assert changed("B-7", action="R") != before, "so is an action taken meanwhile"
    assert 'id="apply-suggestions">Apply suggestions…' in page(outcomes(), to_apply=3)
    assert 'id="apply-suggestions"' not in page(outcomes(), to_apply=0)
