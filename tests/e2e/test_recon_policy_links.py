"""The reconciliation's policy, manual links and apply on the live stack (docs/rules.md §10.2-§10.5): a wider
tolerance set by `PUT .../recon/policy` turns a mismatch into a suggested pair and every result names the new
version; a manual link makes a pair `manual` and unlinking undoes it; `POST .../recon/apply` sends the suggested
actions through the ordinary action path, visible in GETINV; `ims replay --all` rebuilds identical read models."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from decimal import Decimal
from typing import Any

import pytest

from services.cli.replay import read_model_digests
from services.common.settings import PROJECT_ROOT
from tests.support.ims_helpers import file_return, gstr1, invoice, note, parsed
from tests.support.live import LiveStack, dumps

pytestmark = pytest.mark.e2e
BUYER, SUPPLIER = "29AABCR1718E1ZL", "27AAPFU0939F1ZV"


def _voucher(voucher_id: str, inum: str, txval: str, igst: str | None = None, doc_type: str = "INV") -> dict[str, Any]:
    amount = Decimal(txval)
    return {"voucher_id": voucher_id, "ctin": SUPPLIER, "doc_type": doc_type, "inum": inum, "dt": "05-10-2025",
            "pos": "29", "rev": "N", "txval": amount, "igst": Decimal(igst) if igst else amount * Decimal("0.18"),
            "cgst": 0, "sgst": 0, "cess": 0, "posting_date": "05-10-2025"}  # fmt: skip


class Recipient:
    def __init__(self, stack: LiveStack):
        self.stack, self.headers = stack, {"Authorization": f"Bearer {stack.token('recipient', BUYER)}"}

    def send(self, method: str, path: str, body: Any = None, **params: str) -> Any:
        answer = self.stack.http.request(
            method, f"/v1/ims/{BUYER}{path}", params=params, headers=self.headers,
            content=dumps(body) if body is not None else None,
        )  # fmt: skip
        assert answer.status_code == 200, answer.text
        return parsed(answer)

    def recon(self) -> tuple[int, dict[str, tuple[str, str, str]]]:
        self.stack.wait_projected("ims")
        self.stack.wait_projected("recon")
        found = self.send("GET", "/recon", fy="2025-26")
        rows = {r["voucher_id"] or r.get("inum") or r.get("nt_num"): r for r in found["rows"]}
        return found["policy_version"], {k: (r["category"], r["rule"], r["suggested_action"]) for k, r in rows.items()}

    def documents(self) -> dict[str, dict[str, Any]]:
        self.stack.wait_projected("ims")
        found = self.send("GET", "/documents")
        return {r.get("inum") or r["nt_num"]: r for records in found.values() for r in records}


def test_a_policy_links_and_apply_change_the_reconciliation_and_the_actions(live_stack: LiveStack) -> None:
    stack, me = live_stack, Recipient(live_stack)
    filing = gstr1(
        SUPPLIER, "102025", BUYER,
        b2b=[invoice(f"INV/000{n}/2025-26", "05-10-2025", f"{n}000.00") for n in range(1, 6)],
        cdnr=[note("CN/0001", "06-10-2025", "500.00")],
    )  # fmt: skip
    file_return(stack, filing, filed_on="2025-11-11")
    booked = [
        _voucher("PV-1", "INV/0001/2025-26", "1000.00"),
        _voucher("PV-3", "INV/0003/2025-26", "3500.00"),  # ₹500.00 and ₹90.00 of IGST more than the supplier's
        _voucher("PV-5", "INV/0099", "9999.00"),
        _voucher("PV-7", "INV/0005/2025-26", "7000.00"),
        _voucher("PV-8", "CN/0001", "500.00", igst="80.00", doc_type="CN"),  # ₹10.00 less IGST than the note
    ]
    assert me.send("POST", "/purchases", {"purchases": booked})["status_cd"] == "P"
    version, rows = me.recon()
    assert (version, rows["PV-3"], rows["PV-8"]) == (1, ("mismatch", "mismatch", "R"), ("mismatch", "mismatch", "R"))
    default = me.send("GET", "/recon/policy")
    assert (default["version"], default["policy"]["taxable_tolerance"], default["policy"]["heads"][0]) == (
        1,
        100,
        "txval",
    )

    wider = {"taxable_tolerance": 50_000, "head_tolerance": 9_000}
    answer = me.send("PUT", "/recon/policy", wider)
    assert (answer["version"], answer["changed"], answer["policy"]["taxable_tolerance"]) == (2, True, 50_000)
    assert me.send("PUT", "/recon/policy", wider)["changed"] is False
    version, rows = me.recon()
    assert version == 2
    assert rows["PV-3"] == ("suggested", "suggested_amounts", "A") and rows["PV-8"][0] == "suggested"
    assert rows["PV-7"] == ("mismatch", "mismatch", "R")
    current = me.send("GET", "/recon/policy")
    assert (current["version"], current["policy"]["head_tolerance"], current["policy"]["fuzzy_threshold"]) == (
        2,
        9_000,
        90,
    )

    docs = me.documents()
    second, fourth = docs["INV/0002/2025-26"]["doc_id"], docs["INV/0004/2025-26"]["doc_id"]
    answer = me.send(
        "POST", "/recon/links",
        {"link": [{"voucher_id": "PV-5", "doc_id": fourth}, {"voucher_id": "PV-404", "doc_id": second},
                  {"voucher_id": "PV-1", "doc_id": fourth.replace("INV/0004", "NOPE")}]},
    )  # fmt: skip
    assert (answer["status_cd"], answer["proc_cnt"], answer["links"]) == (
        "PE",
        1,
        {"linked": 1, "unlinked": 0, "unchanged": 0},
    )
    refused = {(e["row"], e["field"], e["error_cd"]) for e in answer["error_report"]["link"]}
    assert refused == {(2, "voucher_id", "NOT_FOUND"), (3, "doc_id", "NOT_FOUND")}
    assert me.recon()[1]["PV-5"] == ("manual", "manual", "A")
    answer = me.send("POST", "/recon/links", {"unlink": [{"voucher_id": "PV-5"}]})
    assert answer["links"] == {"linked": 0, "unlinked": 1, "unchanged": 0}
    rows = me.recon()[1]
    assert (rows["PV-5"][0], rows["INV/0004/2025-26"][0]) == ("only_in_books", "only_in_ims")
    assert me.send("POST", "/recon/links", {"link": [{"voucher_id": "PV-5", "doc_id": fourth}]})["links"]["linked"] == 1
    assert me.recon()[1]["PV-5"][0] == "manual"

    applied = me.send("POST", "/recon/apply", fy="2025-26")
    assert (applied["status_cd"], applied["proc_cnt"], applied["transTypCd"]) == ("P", "6", "SAV")
    assert applied["recon"] == {"fy": "2025-26", "policy_version": 2, "suggested": 6, "sent": 6}
    docs = me.documents()
    actions = {number: doc["action"] for number, doc in docs.items()}
    assert actions == {
        "INV/0001/2025-26": "A",  # exact
        "INV/0002/2025-26": "P",  # not in the books
        "INV/0003/2025-26": "A",  # suggested under policy 2
        "INV/0004/2025-26": "A",  # linked by hand
        "INV/0005/2025-26": "R",  # a mismatch
        "CN/0001": "A",  # suggested, declaring the books' reduction
    }
    assert docs["INV/0005/2025-26"]["remarks"].startswith(
        "Reconciliation (policy v2, mismatch): Differs from our books: taxable value Rs.7000.00 in our books"
    )
    assert docs["INV/0002/2025-26"]["remarks"] == "Reconciliation (policy v2, only_in_ims): not in the books"
    assert (docs["CN/0001"]["itcRedReq"], docs["CN/0001"]["declIgst"]) == ("Y", Decimal("80.00"))
    again = me.send("POST", "/recon/apply", fy="2025-26")
    assert (again["status_cd"], again["proc_cnt"], again["recon"]["suggested"]) == ("P", "0", 0)


def test_bad_policies_and_link_bodies_are_refused_naming_the_field(live_stack: LiveStack) -> None:
    headers = {"Authorization": f"Bearer {live_stack.token('recipient', BUYER)}"}
    for body, field in (
        ({"fuzzy_threshold": 101}, "fuzzy_threshold"),
        ({"version": 9}, "version"),
        ({"date_window": 3}, "date_window"),
        ({"heads": ["igst"]}, "heads"),
    ):
        answer = live_stack.http.put(f"/v1/ims/{BUYER}/recon/policy", content=json.dumps(body), headers=headers)
        assert answer.status_code == 400 and answer.json()["detail"]["error_msg"].startswith(f"{field}: "), answer.text
    answer = live_stack.http.post(f"/v1/ims/{BUYER}/recon/links", content='{"links": []}', headers=headers)
    assert answer.status_code == 400 and answer.json()["detail"]["error_cd"] == "INVALID_REQUEST"
    stranger = {"Authorization": f"Bearer {live_stack.token('recipient', '24AANFA2641L1ZF')}"}
    assert live_stack.http.get(f"/v1/ims/{BUYER}/recon/policy", headers=stranger).status_code == 403


def test_replay_rebuilds_the_policies_links_and_every_read_model_identically(live_stack: LiveStack) -> None:
    for consumer in ("ims", "recon", "registry"):
        live_stack.wait_projected(consumer)
    live = read_model_digests(live_stack.settings)
    assert int(str(live["recon_policies"][0])) >= 1 and int(str(live["recon_links"][0])) >= 1
    env = {**os.environ, **live_stack.settings.to_env(), "PYTHONPATH": str(PROJECT_ROOT)}
    done = subprocess.run(
        [sys.executable, "-m", "services.cli.main", "replay", "--all"],
        env=env, cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr[-2000:]
    assert read_model_digests(live_stack.settings) == live
