"""The accountant's day on the web dashboard, in headless Chromium against the real processes of `ims up`.

One recipient's story, in order (the tests share the browser and the stack): sign in through a one-time
link, read the counts, open a section, accept everything a filter shows, reject with remarks and see the
refusals, answer "Is ITC to be reduced?", watch a count change live when a supplier files, download the
workbook, read a document's history, sign out. Every page is screenshotted (tests/artifacts/web/) and
checked by axe-core for serious or critical violations.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as ready
from selenium.webdriver.support.ui import WebDriverWait

from services.common import tokens
from services.web import sessions
from tests.support.ims_helpers import document, file_return, gstin, gstr1, invoice, note
from tests.support.live import LiveStack
from tests.support.web.browser import axe_violations, downloaded, screenshot

pytestmark = pytest.mark.e2e
RECIPIENT = gstin("29", "W")
SUPPLIER = gstin("27", "S")
LATE_SUPPLIER = gstin("33", "L")
WAIT_S = 45
INVOICES = {1: "1234567.50", 2: "86500.00", 3: "10450000.00"}  # taxable values: 12,34,567.50 and 1,04,50,000.00


@pytest.fixture(scope="module")
def scene(live_stack: LiveStack) -> dict[str, Any]:
    """October 2025: three invoices and a credit note from one supplier; September 2025: one invoice from
    another (remarks are allowed from the October 2025 period only, docs/rules.md §3)."""
    october = gstr1(
        SUPPLIER,
        "102025",
        RECIPIENT,
        b2b=[invoice(f"WEB/{n}", f"0{n}-10-2025", taxable, pos="29") for n, taxable in INVOICES.items()],
        cdnr=[note("WEB/CN1", "20-10-2025", "5000")],
    )
    file_return(live_stack, october, "2025-11-11")
    file_return(
        live_stack, gstr1(LATE_SUPPLIER, "092025", RECIPIENT, b2b=[invoice("SEP/9", "05-09-2025", "700")]), "2025-10-10"
    )
    names = {"taxpayers": [{"gstin": SUPPLIER, "legal_name": "Sahyadri Weaves Private Limited", "trade_name": ""}]}
    assert live_stack.post("/v1/admin/taxpayers", names).json()["status_cd"] == "P"
    live_stack.wait_projected()
    live_stack.wait_projected("registry")
    token_id, token = tokens.create(live_stack.engine, "recipient", [RECIPIENT], "accounts@buyer")
    return {"token_id": token_id, "token": token}


def wait(browser: Any, timeout: float = WAIT_S) -> WebDriverWait:  # type: ignore[type-arg]
    return WebDriverWait(browser, timeout)


def cell(browser: Any, key: str) -> str:
    """A count's text, read in one step inside the page (the live stream may swap the table at any moment)."""
    return str(
        browser.execute_script(
            "const c = document.querySelector(`td[data-cell='${arguments[0]}']`); return c ? c.textContent.trim() : ''",
            key,
        )
    )


def no_serious_violations(browser: Any, page: str) -> None:
    found = axe_violations(browser)
    assert found == [], f"{page}: axe-core found serious or critical violations:\n" + "\n".join(found)


def test_the_one_time_link_signs_in_once_and_the_dashboard_shows_the_portal_counts(
    browser: Any, live_stack: LiveStack, scene: dict[str, Any]
) -> None:
    link = sessions.signin_link(live_stack.engine, scene["token_id"], live_stack.base_url)
    browser.get(link)
    assert "accounts@buyer" in browser.find_element(By.ID, "continue").text
    screenshot(browser, "signin")
    no_serious_violations(browser, "sign-in")
    browser.find_element(By.ID, "continue").click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "counts-table")))
    assert browser.current_url.endswith(f"/web/ims/{RECIPIENT}")
    cookie = browser.get_cookie("__Host-ims_session")
    assert cookie and cookie["httpOnly"] and cookie["secure"] and cookie["sameSite"] == "Lax"
    assert cell(browser, "b2b:0") == "4" and cell(browser, "b2bcn:0") == "1", "No Action: 4 invoices, 1 credit note"
    assert cell(browser, "total:total") == "5"
    tabs = [t.text for t in browser.find_elements(By.CSS_SELECTOR, ".tabs a")]
    assert tabs == ["All Other ITC", "Inward Supplies from ISD", "Import of Goods"]
    assert "Due soon" in browser.page_source and "No Action yet, October 2025" in browser.page_source
    screenshot(browser, "dashboard")
    no_serious_violations(browser, "dashboard")

    browser.get(link)  # the same link again: spent
    assert "used already or has expired" in browser.page_source
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}")
    assert browser.find_element(By.ID, "counts-table"), "the session is still there"


def test_a_count_opens_its_documents_and_accepting_every_match_changes_the_counts(
    browser: Any, live_stack: LiveStack, scene: dict[str, Any]
) -> None:
    browser.find_element(By.CSS_SELECTOR, 'td[data-cell="b2b:0"] a').click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "documents-table")))
    rows = browser.find_elements(By.CSS_SELECTOR, "#documents-table tbody tr")
    assert len(rows) == 4
    first = rows[0].text
    assert "WEB/1" in first and "01-10-2025" in first and "12,34,567.50" in first and "GSTR-1" in first, first
    assert "Sahyadri Weaves Private Limited" in first, "the supplier's name from the registry (docs/rules.md §8.5)"
    screenshot(browser, "documents")
    no_serious_violations(browser, "documents")

    browser.find_element(By.ID, "f-rtnprd").send_keys("October 2025")
    browser.find_element(By.CSS_SELECTOR, ".filters button[type=submit]").click()
    wait(browser).until(lambda b: "rtnprd=102025" in b.current_url)
    assert len(browser.find_elements(By.CSS_SELECTOR, "#documents-table tbody tr")) == 3
    browser.find_element(By.ID, "scope-all").click()
    browser.find_element(By.CSS_SELECTOR, 'button[name="action"][value="A"]').click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "confirm")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Accept 3 documents?"
    screenshot(browser, "review")
    no_serious_violations(browser, "review")
    browser.find_element(By.ID, "confirm").click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "back")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Accept: 3 done"

    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}")
    wait(browser).until(lambda b: cell(b, "b2b:1") == "3")
    assert cell(browser, "b2b:0") == "1"


def test_rejecting_with_remarks_shows_the_refused_row_and_its_reason(browser: Any, live_stack: LiveStack) -> None:
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}/documents?section=b2b")
    for number in ("WEB/2", "SEP/9"):
        browser.find_element(By.XPATH, f'//label[text()="{number}"]/ancestor::tr//input[@name="doc"]').click()
    browser.find_element(By.ID, "remarks").send_keys("Rate charged is wrong")
    browser.find_element(By.CSS_SELECTOR, 'button[name="action"][value="R"]').click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "confirm")))
    assert "Rate charged is wrong" in browser.page_source
    browser.find_element(By.ID, "confirm").click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "refusals")))
    assert browser.find_element(By.TAG_NAME, "h1").text == "Reject: 1 done, 1 refused"
    refused = browser.find_element(By.ID, "refusals").text
    assert "SEP/9" in refused and "REMARKS_NOT_ALLOWED" in refused and LATE_SUPPLIER in refused, refused
    screenshot(browser, "refusals")
    no_serious_violations(browser, "result")
    live_stack.wait_projected()
    rejected = document(live_stack, RECIPIENT, "WEB/2")
    assert rejected["action"] == "R" and rejected["remarks"] == "Rate charged is wrong"


def test_accepting_a_credit_note_asks_whether_itc_is_to_be_reduced(browser: Any, live_stack: LiveStack) -> None:
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}/documents?section=b2bcn")
    browser.find_element(By.ID, "select-page").click()
    assert all(box.is_selected() for box in browser.find_elements(By.NAME, "doc"))
    browser.find_element(By.CSS_SELECTOR, 'button[name="action"][value="A"]').click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "confirm")))
    assert "Is ITC to be reduced?" in browser.page_source
    browser.find_element(By.CSS_SELECTOR, 'input[name="itcRedReq"][value="N"]').click()
    browser.find_element(By.ID, "confirm").click()
    wait(browser).until(ready.presence_of_element_located((By.ID, "back")))
    live_stack.wait_projected()
    credit_note = document(live_stack, RECIPIENT, "WEB/CN1")
    assert credit_note["action"] == "A" and credit_note["itcRedReq"] == "N"


def test_a_count_changes_live_when_a_supplier_files_through_the_api(browser: Any, live_stack: LiveStack) -> None:
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}")
    wait(browser).until(ready.presence_of_element_located((By.ID, "counts-table")))
    assert cell(browser, "b2b:0") == "1", "SEP/9 is still at No Action"
    browser.execute_script("window.sameLoad = 'yes'")
    late = gstr1(
        LATE_SUPPLIER,
        "102025",
        RECIPIENT,
        b2b=[invoice("OCT/1", "10-10-2025", "900"), invoice("OCT/2", "11-10-2025", "950")],
    )
    file_return(live_stack, late, "2025-11-11")
    wait(browser).until(lambda b: cell(b, "b2b:0") == "3")
    assert browser.execute_script("return window.sameLoad") == "yes", "the counts changed without a reload"
    screenshot(browser, "dashboard-live")


def test_the_workbook_of_the_filter_downloads_and_opens(browser: Any, live_stack: LiveStack, downloads: Path) -> None:
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}/documents?group=all_oth")
    wait(browser).until(ready.presence_of_element_located((By.ID, "documents-table")))
    shown = len(browser.find_elements(By.CSS_SELECTOR, "#documents-table tbody tr"))
    browser.find_element(By.ID, "download-xlsx").click()
    deadline = time.monotonic() + WAIT_S
    while not [p for p in downloaded(downloads, ".xlsx") if p.name.startswith("ims-")] and time.monotonic() < deadline:
        time.sleep(0.2)
    [workbook_path] = [p for p in downloaded(downloads, ".xlsx") if p.name.startswith("ims-")]
    sheet = openpyxl.load_workbook(workbook_path, read_only=True)["IMS"]
    rows = list(sheet.iter_rows(values_only=True))
    header = rows[0]  # the documents workbook (docs/rules.md §8.4): human headers
    assert header[:3] == ("GSTIN of supplier", "Document type", "Document number") and len(rows) - 1 == shown == 7
    assert {r[2] for r in rows[1:] if r[2]} >= {"WEB/1", "WEB/2", "WEB/3", "SEP/9", "OCT/1", "OCT/2"}


def test_the_periods_gstr2b_shows_table_4_and_its_workbook_opens(
    browser: Any, live_stack: LiveStack, downloads: Path
) -> None:
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}/gstr2b")
    assert "No GSTR-2B has been generated" in browser.page_source
    answer = live_stack.post("/v1/clock", {"date": "2025-11-14"})
    assert answer.status_code == 200, answer.text
    live_stack.wait_projected()
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}/gstr2b")
    lead = browser.find_element(By.ID, "gstr2b-version").text
    # September's statement comes first; October's waits for September's GSTR-3B (docs/rules.md §7)
    assert lead.startswith("September 2025, version 1: generated on 14-11-2025"), lead
    all_other = browser.find_element(By.XPATH, '//th[text()="4A(5) All other ITC"]/parent::tr').text
    assert all_other.split()[-4:] == ["126.00", "0.00", "0.00", "0.00"], "SEP/9, at No Action, counts as accepted"
    screenshot(browser, "gstr2b")
    no_serious_violations(browser, "GSTR-2B")
    browser.find_element(By.ID, "gstr2b-xlsx").click()
    deadline = time.monotonic() + WAIT_S
    while (
        not [p for p in downloaded(downloads, ".xlsx") if p.name.startswith("gstr2b")] and time.monotonic() < deadline
    ):
        time.sleep(0.2)
    [workbook] = [p for p in downloaded(downloads, ".xlsx") if p.name.startswith("gstr2b")]
    assert openpyxl.load_workbook(workbook, read_only=True).sheetnames[:2] == ["Read me", "ITC Available"]


def test_a_documents_history_opens_in_the_side_panel(browser: Any, live_stack: LiveStack) -> None:
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}/documents?q=WEB/2")
    browser.find_element(By.CSS_SELECTOR, "a.history-link").click()
    panel = wait(browser).until(ready.visibility_of_element_located((By.CSS_SELECTOR, "#panel .history")))
    assert "accounts@buyer" in panel.text and "Rate charged is wrong" in panel.text
    screenshot(browser, "history")
    no_serious_violations(browser, "history panel")


def test_the_keyboard_alone_opens_a_sections_documents(browser: Any, live_stack: LiveStack) -> None:
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}")
    body = browser.find_element(By.TAG_NAME, "body")
    body.send_keys(Keys.TAB)
    assert browser.switch_to.active_element.text == "Skip to the content"
    for _ in range(40):  # Tab through the page until the B2B row's No Action count has the focus
        if browser.switch_to.active_element.get_attribute("title") == "I B2B - Invoices: No Action":
            break
        browser.switch_to.active_element.send_keys(Keys.TAB)
    else:
        raise AssertionError("Tab never reached the B2B No Action count")
    browser.switch_to.active_element.send_keys(Keys.ENTER)
    wait(browser).until(lambda b: "section=b2b&status=N" in b.current_url)


def test_a_token_reaches_only_its_own_gstin(browser: Any, live_stack: LiveStack) -> None:
    other = gstin("29", "X")
    browser.get(f"{live_stack.base_url}/web/ims/{other}")
    assert "Not yours to open" in browser.page_source
    browser.get(f"{live_stack.base_url}/web/ims/{other}/documents")
    assert "Not yours to open" in browser.page_source


def test_signing_out_ends_the_session(browser: Any, live_stack: LiveStack) -> None:
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}")
    browser.find_element(By.CSS_SELECTOR, ".signout button").click()
    wait(browser).until(lambda b: "/web/signin" in b.current_url)
    assert "You are signed out" in browser.page_source
    browser.get(f"{live_stack.base_url}/web/ims/{RECIPIENT}")
    assert "/web/signin?next=" in browser.current_url
