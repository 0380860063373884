"""The reconciliation page in headless Chromium against the real processes of `ims up`: a supplier files its
GSTR-1, the recipient books its purchase register through the API, and the page shows the match summary, the
mismatch row books beside supplier with its differences flagged, and why an unmatched row found no partner; then
the voucher only in the books is linked by hand to its nearest candidate and unlinked, a doc_id that is no
document is refused with its reason, and the filter's suggestions are applied after a confirmation (GETINV shows
the new actions). Every view is screenshotted (tests/artifacts/web/) and checked by axe-core for serious or
critical violations.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest
from selenium.common.exceptions import StaleElementReferenceException
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from services.common import tokens
from services.web import sessions
from services.web.recon_acting import CHANGED
from tests.support.ims_helpers import file_return, gstin, gstr1, invoice
from tests.support.live import LiveStack
from tests.support.web.browser import axe_violations, screenshot

pytestmark = pytest.mark.e2e
RECIPIENT = gstin("29", "R")
SUPPLIER = gstin("27", "Q")
WAIT_S = 45


def voucher(voucher_id: str, inum: str, txval: str, dt: str = "05-10-2025") -> dict[str, Any]:
    amount = Decimal(txval)
    return {"voucher_id": voucher_id, "ctin": SUPPLIER, "doc_type": "INV", "inum": inum, "dt": dt, "pos": "29",
            "rev": "N", "txval": amount, "igst": amount * Decimal("0.18"), "cgst": 0, "sgst": 0, "cess": 0,
            "posting_date": dt}  # fmt: skip


@pytest.fixture(scope="module")
def books(live_stack: LiveStack) -> dict[str, Any]:
    """October 2025: five invoices filed by one supplier; the books hold one exactly, one under another way of
    writing its number, one at a larger value, and a voucher the supplier never filed."""
    filing = gstr1(
        SUPPLIER,
        "102025",
        RECIPIENT,
        b2b=[invoice(f"KV/{n:04d}/2025-26", "05-10-2025", f"{n}2345678.00", pos="29") for n in range(1, 5)]
        + [invoice("KV/0009/2025-26", "09-10-2025", "900.00", pos="29")],
    )
    file_return(live_stack, filing, "2025-11-11")
    names = {"taxpayers": [{"gstin": SUPPLIER, "legal_name": "Kaveri Textiles LLP", "trade_name": "Kaveri Looms"}]}
    assert live_stack.post("/v1/admin/taxpayers", names).json()["status_cd"] == "P"
    token = live_stack.token("recipient", RECIPIENT)
    booked = [
        voucher("PV-1", "KV/0001/2025-26", "12345678.00"),
        voucher("PV-2", "kv-2", "22345678.00"),
        voucher("PV-3", "KV/0003/2025-26", "32346178.00"),
        voucher("PV-7", "KV/0777", "7000.00", dt="20-10-2025"),
    ]
    answer = live_stack.post(
        f"/v1/ims/{RECIPIENT}/purchases", {"purchases": booked}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200 and answer.json()["status_cd"] == "P", answer.text
    live_stack.wait_projected("ims")
    live_stack.wait_projected("recon")
    live_stack.wait_projected("registry")
    token_id, _ = tokens.create(live_stack.engine, "recipient", [RECIPIENT], "books@buyer")
    return {"token_id": token_id}


def wait(browser: Any) -> WebDriverWait:  # type: ignore[type-arg]
    """Waits across a page load: an element of the page being left goes stale, and is looked for again."""
    return WebDriverWait(browser, WAIT_S, ignored_exceptions=(StaleElementReferenceException,))


def count(browser: Any, category: str) -> str:
    return str(browser.find_element(By.CSS_SELECTOR, f'td[data-category="{category}"]').text)


def no_serious_violations(browser: Any, page: str) -> None:
    found = axe_violations(browser)
    assert found == [], f"{page}: axe-core found serious or critical violations:\n" + "\n".join(found)


def test_the_reconciliation_page_summarises_the_books_against_ims(
    browser: Any, live_stack: LiveStack, books: dict[str, Any]
) -> None:
    browser.get(sessions.signin_link(live_stack.engine, books["token_id"], live_stack.base_url))
    browser.find_element(By.ID, "continue").click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "counts-table")))
    browser.find_element(By.LINK_TEXT, "Reconciliation").click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "recon-categories")))
    assert "financial year 2025-26" in browser.find_element(By.ID, "recon-lead").text
    got = {c: count(browser, c) for c in ("exact", "suggested", "mismatch", "only_in_ims", "only_in_books")}
    assert got == {"exact": "1", "suggested": "1", "mismatch": "1", "only_in_ims": "2", "only_in_books": "1"}, got
    token = live_stack.token("recipient", RECIPIENT)
    api = live_stack.http.get(
        f"/v1/ims/{RECIPIENT}/recon", params={"fy": "2025-26"}, headers={"Authorization": f"Bearer {token}"}
    ).json()
    assert {c: str(api["summary"]["by_category"][c]["count"]) for c in got} == got, "the page is the API's answer"
    mismatch_line = browser.find_element(By.XPATH, '//th[text()="Mismatch"]/parent::tr').text
    assert "₹500.00" in mismatch_line and "₹90.00" in mismatch_line, mismatch_line
    supplier = browser.find_element(By.ID, "recon-suppliers").text
    assert SUPPLIER in supplier and "Kaveri Looms" in supplier, "the trade name, as the documents page shows it"
    assert "1,23,45,678.00" in browser.find_element(By.ID, "recon-rows").text, "amounts in Indian grouping"
    screenshot(browser, "recon")
    no_serious_violations(browser, "reconciliation")


def test_a_mismatch_count_opens_the_row_with_its_differences_flagged(browser: Any, live_stack: LiveStack) -> None:
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}/recon")
    browser.find_element(By.CSS_SELECTOR, 'td[data-category="mismatch"] a').click()
    wait(browser).until(lambda b: "category=mismatch" in b.current_url)
    rows = browser.find_elements(By.CSS_SELECTOR, "#recon-rows tbody.recon-row")
    assert len(rows) == 1
    row = rows[0].text
    assert "PV-3" in row and "3,23,46,178.00" in row and "3,23,45,678.00" in row and "05-10-2025" in row, row
    flagged = rows[0].find_elements(By.CSS_SELECTOR, "td.differs")
    assert len(flagged) == 4, "taxable value and tax, on both sides"
    assert all("(differs)" in f.get_attribute("textContent") for f in flagged), "said, not only coloured"
    assert "Reject" in row, "the suggested action"
    rows[0].find_element(By.TAG_NAME, "summary").click()
    remark = rows[0].find_element(By.CSS_SELECTOR, ".remark").text
    assert remark.startswith("Suggested remark: Differs from our books: taxable value Rs.32346178.00"), remark
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "recon-mismatch")
    no_serious_violations(browser, "reconciliation, mismatch")


def test_an_unmatched_row_tells_why_not_matched(browser: Any, live_stack: LiveStack) -> None:
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}/recon")
    browser.find_element(By.ID, "r-category").send_keys("Only in books")
    browser.find_element(By.CSS_SELECTOR, ".filters button[type=submit]").click()
    wait(browser).until(lambda b: "category=only_in_books" in b.current_url)
    (row,) = browser.find_elements(By.CSS_SELECTOR, "#recon-rows tbody.recon-row")
    assert "PV-7" in row.text and "Not in IMS" in row.text
    summary = row.find_element(By.TAG_NAME, "summary")
    assert summary.text.startswith("Why not matched"), summary.text
    summary.click()
    reasons = wait(browser).until(lambda b: row.find_element(By.CSS_SELECTOR, ".nearest"))
    assert "KV/0009/2025-26" in reasons.text and "taxable value differs by ₹6,100.00" in reasons.text, reasons.text
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "recon-why")
    no_serious_violations(browser, "reconciliation, why not matched")


def recon_url(live_stack: LiveStack, query: str = "") -> str:
    return f"{live_stack.base_url}/web/ims/{RECIPIENT}/recon?fy=2025-26{query}"


def api(live_stack: LiveStack, path: str, **params: str) -> Any:
    token = live_stack.token("recipient", RECIPIENT)
    answer = live_stack.http.get(
        f"/v1/ims/{RECIPIENT}{path}", params=params, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 200, answer.text
    return answer.json()


def links_answered(browser: Any) -> str:
    """The links answer once the page shows the change applied (it reloads itself while it is being applied)."""
    wait(browser).until(
        lambda b: b.find_elements(By.ID, "links-answer") and not b.find_elements(By.ID, "links-applying")
    )
    return str(browser.find_element(By.ID, "links-answer").text)


def test_a_voucher_only_in_the_books_is_linked_by_hand_to_its_candidate_and_unlinked(
    browser: Any, live_stack: LiveStack
) -> None:
    browser.get(recon_url(live_stack, "&category=only_in_books"))
    (row,) = browser.find_elements(By.CSS_SELECTOR, "#recon-rows tbody.recon-row")
    row.find_element(By.CSS_SELECTOR, "a.link-open").click()
    form = wait(browser).until(lambda b: row.find_element(By.CSS_SELECTOR, "form.link-form"))
    assert form.is_displayed() and "Link voucher PV-7 by hand" in form.text
    choice = form.find_element(By.XPATH, './/label[contains(., "KV/0009/2025-26")]/input[@type="radio"]')
    choice.click()
    assert choice.is_selected()
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "recon-link")
    no_serious_violations(browser, "reconciliation, link by hand")
    form.find_element(By.CSS_SELECTOR, "button[type=submit]").click()
    said = links_answered(browser)
    assert said.startswith("Manual links: 1 linked by hand."), said
    assert count(browser, "manual") == "1" and count(browser, "only_in_books") == "0"
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "recon-link-answer")
    browser.find_element(By.ID, "show-manual").click()
    wait(browser).until(lambda b: "category=manual" in b.current_url)
    (row,) = browser.find_elements(By.CSS_SELECTOR, "#recon-rows tbody.recon-row")
    assert "Linked by hand" in row.find_element(By.CSS_SELECTOR, ".badge").text
    assert "PV-7" in row.text and "KV/0009/2025-26" in row.text, row.text
    rows = {r["voucher_id"]: r for r in api(live_stack, "/recon", fy="2025-26")["rows"] if r["voucher_id"]}
    assert (rows["PV-7"]["category"], rows["PV-7"]["inum"]) == ("manual", "KV/0009/2025-26"), "the API agrees"
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "recon-linked")
    no_serious_violations(browser, "reconciliation, linked by hand")

    row.find_element(By.CSS_SELECTOR, "button.unlink").click()
    said = links_answered(browser)
    assert said.startswith("Manual links: 1 unlinked."), said
    assert count(browser, "manual") == "0" and count(browser, "only_in_books") == "1"
    assert browser.find_elements(By.CSS_SELECTOR, "#recon-rows tbody.recon-row") == [], "none left linked by hand"
    no_serious_violations(browser, "reconciliation, unlinked")


def test_a_doc_id_that_is_no_document_is_refused_with_its_reason(browser: Any, live_stack: LiveStack) -> None:
    browser.get(recon_url(live_stack, "&category=only_in_books"))
    browser.find_element(By.CSS_SELECTOR, "a.link-open").click()
    typed = wait(browser).until(lambda b: b.find_element(By.CSS_SELECTOR, "form.link-form input[name=typed]"))
    typed.send_keys(f"b2b|{SUPPLIER}|2025-26|KV/0404")
    assert browser.find_element(By.CSS_SELECTOR, "form.link-form input[value=typed]").is_selected(), "typing chooses it"
    typed.submit()
    said = links_answered(browser)
    assert said.startswith("Manual links: 1 refused."), said
    assert "PV-7 to KV/0404" in said and "NOT_FOUND: doc_id: no such document in this recipient's IMS" in said, said
    assert count(browser, "only_in_books") == "1"
    browser.execute_script("window.scrollTo(0, 0)")
    screenshot(browser, "recon-link-refused")
    no_serious_violations(browser, "reconciliation, a link refused")


def test_applying_the_suggestions_changes_the_current_actions_and_getinv_agrees(
    browser: Any, live_stack: LiveStack
) -> None:
    browser.get(recon_url(live_stack))
    assert browser.find_element(By.ID, "to-apply").text.startswith("5 documents under this filter")
    browser.find_element(By.ID, "apply-suggestions").click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "apply-review")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Apply the suggested actions to 5 documents?"
    assert "(Accept 2, Reject 1, Keep pending 2)" in browser.find_element(By.ID, "apply-lead").text
    listed = browser.find_element(By.ID, "apply-review").text
    assert "KV/0003/2025-26" in listed and "PV-3" in listed and "Reject" in listed, listed
    screenshot(browser, "recon-apply-review")
    no_serious_violations(browser, "apply suggestions, confirmation")

    token = live_stack.token("recipient", RECIPIENT)
    doc = next(d for d in api(live_stack, "/documents")["b2b"] if d["inum"] == "KV/0004/2025-26")
    record = {"doc_id": doc["doc_id"], "hash": doc["hash"], "action": "A"}
    save = {"rtin": RECIPIENT, "reqtyp": "SAVE", "invdata": {"b2b": [record]}}
    answer = live_stack.post(f"/v1/ims/{RECIPIENT}/actions", save, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 200 and answer.json()["status_cd"] == "P", answer.text
    live_stack.wait_projected("ims")
    browser.find_element(By.ID, "confirm").click()
    wait(browser).until(lambda b: CHANGED in b.find_element(By.TAG_NAME, "main").text)
    screenshot(browser, "recon-apply-changed")
    browser.get(recon_url(live_stack))
    browser.find_element(By.ID, "apply-suggestions").click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "apply-review")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Apply the suggested actions to 5 documents?", (
        "KV/0004 accepted by the API, its suggestion (Keep pending) differs still"
    )
    browser.find_element(By.ID, "confirm").click()
    wait(browser).until(lambda b: b.find_element(By.TAG_NAME, "h1").text.startswith("Apply suggestions:"))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Apply suggestions: 5 done"
    tally = browser.find_element(By.ID, "recon-tally").text
    assert "2025-26 under policy version 1: 5 suggested actions differed from the current one, 5 sent" in tally, tally
    screenshot(browser, "recon-applied")
    no_serious_violations(browser, "apply suggestions, result")

    live_stack.wait_projected("ims")
    documents = {d["inum"]: d for d in api(live_stack, "/documents")["b2b"]}
    actions = {number: d["action"] for number, d in documents.items()}
    assert actions == {
        "KV/0001/2025-26": "A",  # exact
        "KV/0002/2025-26": "A",  # suggested
        "KV/0003/2025-26": "R",  # mismatch, with its remark
        "KV/0004/2025-26": "P",  # only in IMS
        "KV/0009/2025-26": "P",
    }, actions
    assert documents["KV/0003/2025-26"]["remarks"].startswith("Reconciliation (policy v1, mismatch): Differs from")
    browser.find_element(By.ID, "back").click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "recon-rows")))
    assert browser.find_element(By.ID, "to-apply").text.startswith("Every suggested action under this filter")
    now = [e.text for e in browser.find_elements(By.CSS_SELECTOR, "#recon-rows td.action .now")]
    assert sorted(now) == sorted(
        ["Now: Accepted"] * 2 + ["Now: Rejected"] + ["Now: Pending"] * 2 + ["Now: none (not in IMS)"]
    ), now
