"""Amendment chains on the live stack (docs/rules.md §5; services/actions/domain/chains.py): a supplier amends
the same original again in a later return, keeping the amended number or giving another. Each link is a
document of the "(Amendments)" row, the recipient names it by number, and GSTR-2B counts it as the
difference from the link a filed GSTR-3B took. How each filing links, supersedes and refuses is unit-tested
(tests/unit/test_amendment_chains.py); what is proved here is what GSTR-2B counts (the builder's SQL).

Figures are IGST in rupees, hand-computed:
- C/0901: 1,800.00 (Sep, accepted) -> 2,700.00 (Oct, accepted: +900.00) -> 2,160.00 (Nov, same number,
  accepted: -540.00 against October's link, not +360.00 against the original).
- F/0901: the same values, the November link numbered F/0901-N: -540.00 as well.
- E/0901: 1,800.00 (Sep, accepted) -> 2,700.00 (Oct, rejected: +900.00 in ITC rejected) -> 2,160.00 (Nov,
  numbered E/0901-N, accepted): +360.00 against the original, the last link the GSTR-3B took.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest

from services.common.gst.gstin import check_character
from tests.support import gstr2b_workbook as book
from tests.support.gstr2b_flow import clock, gstr3b, statement
from tests.support.gstr2b_oracle import fresh_gstin, paise, rupees
from tests.support.gstr2b_returns import act, file, gstr1, heads, inv, lines, money, note

pytestmark = pytest.mark.e2e

SUPPLIER = "27AAFCT7007A1ZP"
RECIPIENT = "29AAGCH2025B1Z2"
for _gstin in (SUPPLIER, RECIPIENT):
    assert check_character(_gstin[:14]) == _gstin[14], _gstin

DATES = {"C/0901": "05-09-2025", "E/0901": "06-09-2025", "F/0901": "07-09-2025"}


def _invoice(number: str, igst: str, original: str | None = None) -> dict:
    taxable = f"{float(igst) / 0.18:.2f}"
    day = DATES[original or number]
    extra = {"oinum": original, "oidt": day} if original else {}
    return inv(number, day, taxable, 18, iamt=igst, **extra)


def _accept(number: str, section: str = "b2b", action: str = "A") -> dict:
    return {"stin": SUPPLIER, "inum": number, "idt": DATES[number.removesuffix("-N")], "action": action}


def _month(live: Any, fp: str, filed_on: str, generated_on: str, gstr3b_on: str, tables: dict, invdata: dict) -> None:
    file(live, gstr1(SUPPLIER, fp, RECIPIENT, **tables), filed_on)
    live.wait_projected()
    act(live, RECIPIENT, invdata)
    live.wait_projected()
    clock(live, generated_on)
    gstr3b(live, RECIPIENT, fp, gstr3b_on)


@pytest.fixture(scope="module")
def chains(live_stack) -> dict[str, dict]:  # type: ignore[no-untyped-def]
    live = live_stack
    _month(
        live, "092025", "2025-10-11", "2025-10-14", "2025-10-20",
        {"b2b": [_invoice(n, "1800.00") for n in DATES]},
        {"b2b": [_accept(n) for n in DATES]},
    )  # fmt: skip
    _month(
        live, "102025", "2025-11-11", "2025-11-14", "2025-11-20",
        {"b2ba": [_invoice(n, "2700.00", original=n) for n in DATES]},
        {"b2ba": [_accept("C/0901"), _accept("F/0901"), _accept("E/0901", action="R") | {"remarks": "rate"}]},
    )  # fmt: skip
    file(
        live,
        gstr1(
            SUPPLIER,
            "112025",
            RECIPIENT,
            b2ba=[
                _invoice("C/0901", "2160.00", original="C/0901"),
                _invoice("F/0901-N", "2160.00", original="F/0901"),
                _invoice("E/0901-N", "2160.00", original="E/0901"),
            ],
        ),
        "2025-12-11",
        count=3,
    )
    live.wait_projected()
    documents = live.http.get(f"/v1/ims/{RECIPIENT}/documents", params={"section": "b2ba"}).json()
    act(live, RECIPIENT, {"b2ba": [_accept("C/0901"), _accept("F/0901-N"), _accept("E/0901-N")]})
    live.wait_projected()
    clock(live, "2025-12-14")
    return {
        "october": statement(live, RECIPIENT, "102025")[1],
        "november": statement(live, RECIPIENT, "112025")[1],
        "november_xlsx": live.http.get(f"/v1/gstr2b/{RECIPIENT}/112025", params={"format": "xlsx"}),
        "listed": documents,
        "counts": live.http.get(f"/v1/ims/{RECIPIENT}/counts").json(),
    }


def test_a_later_amendment_counts_against_the_link_the_gstr3b_took(chains: dict[str, Any]) -> None:
    october = lines(chains["october"]["data"]["docdata"])
    assert {n: heads(d) for (_, n), d in october.items()} == {
        "C/0901": money("900.00", 0, 0, 0),
        "F/0901": money("900.00", 0, 0, 0),
    }
    rejected = lines(chains["october"]["data"]["docRejdata"])
    assert {n: heads(d) for (_, n), d in rejected.items()} == {"E/0901": money("900.00", 0, 0, 0)}
    november = lines(chains["november"]["data"]["docdata"])
    assert {n: heads(d) for (_, n), d in november.items()} == {
        "C/0901": money("-540.00", 0, 0, 0),  # 2,160.00 - 2,700.00 (October's link)
        "F/0901-N": money("-540.00", 0, 0, 0),
        "E/0901-N": money("360.00", 0, 0, 0),  # 2,160.00 - 1,800.00: October's link was rejected
    }
    assert heads(chains["november"]["data"]["itcsumm"]["itcavl"]["nonrevsup"]["b2ba"]) == money("-720.00", 0, 0, 0)
    assert {(d["oinum"], d["inum"]) for d in november.values()} == {
        ("C/0901", "C/0901"),
        ("F/0901", "F/0901-N"),
        ("E/0901", "E/0901-N"),
    }


def test_the_excel_download_shows_each_links_difference(chains: dict[str, Any]) -> None:
    assert chains["november_xlsx"].status_code == 200
    rows = book.by_label(book.load(chains["november_xlsx"].content)["B2BA"])
    shown = {
        row["Invoice details: Invoice number"]: (
            row["Original details: Invoice number"],
            Decimal(str(row["Tax Amount: Integrated Tax (₹)"])),
        )
        for row in rows
    }
    assert shown == {
        "C/0901": ("C/0901", Decimal("-540")),
        "F/0901-N": ("F/0901", Decimal("-540")),
        "E/0901-N": ("E/0901", Decimal("360")),
    }


def test_the_recipient_sees_and_names_only_the_live_link(chains: dict[str, Any]) -> None:
    listed = chains["listed"]["b2ba"]
    assert sorted((d["inum"], d["rtnprd"], d["action"]) for d in listed) == [
        ("C/0901", "112025", "N"),
        ("E/0901-N", "112025", "N"),
        ("F/0901-N", "112025", "N"),
    ]
    same_number = next(d for d in listed if d["inum"] == "C/0901")
    assert (same_number["doc_id"], same_number["oinum"], same_number["iamt"]) == (
        f"b2ba|{SUPPLIER}|2025|C/0901@112025",
        "C/0901",
        2160.0,
    )
    assert chains["counts"]["all_oth"]["b2ba"] == {"noaction": 0, "accept": 3, "reject": 0, "pending": 0}


LATE = "29AAGCK2025B1ZZ"  # a recipient whose documents change after its October GSTR-2B is generated


def test_an_original_its_gstr3b_took_after_a_later_amendment_superseded_it_is_the_base(live_stack) -> None:  # type: ignore[no-untyped-def]
    """H/1001 is in October's GSTR-2B (No Action, deemed accepted); a GSTR-1A amendment filed on 15-Nov
    (GSTR-2B period November) supersedes it; October's GSTR-3B is filed without a recompute, so it took
    H/1001's 900.00. November counts the amendment as 1,080.00 - 900.00, not 1,080.00 again."""
    live = live_stack
    file(live, gstr1(SUPPLIER, "102025", LATE, b2b=[inv("H/1001", "10-10-2025", "5000.00", 18, iamt="900.00")]),
         "2025-11-11")  # fmt: skip
    live.wait_projected()
    clock(live, "2025-11-14")
    amended = inv("H/1001", "10-10-2025", "6000.00", 18, iamt="1080.00", oinum="H/1001", oidt="10-10-2025")
    file(live, gstr1(SUPPLIER, "102025", LATE, b2ba=[amended]), "2025-11-15", form="gstr1a")
    live.wait_projected()
    gstr3b(live, LATE, "102025", "2025-11-20")
    clock(live, "2025-12-14")
    november = lines(statement(live, LATE, "112025")[1]["data"]["docdata"])
    assert {key: heads(doc) for key, doc in november.items()} == {("b2ba", "H/1001"): money("180.00", 0, 0, 0)}


def test_gstr3b_freezes_documents_as_the_gstr2b_counted_them_when_actions_changed_without_a_recompute(
    live_stack,
) -> None:  # type: ignore[no-untyped-def]
    """After October's GSTR-2B: the deemed-accepted credit note J/CN/01 is rejected and the accepted K/1001
    set Pending, with no recompute before the GSTR-3B. The filed return took both as generated: J/CN/01
    reduced ITC (no liability comes back to the supplier) and K/1001 was availed (it leaves IMS)."""
    live, rtin = live_stack, "29AAGCL2025B1ZY"
    credit_note = note("C", "J/CN/01", "12-10-2025", "1000.00", 18, iamt="180.00")
    invoice = inv("K/1001", "11-10-2025", "2000.00", 18, iamt="360.00")
    file(live, gstr1(SUPPLIER, "102025", rtin, b2b=[invoice], cdnr=[credit_note]), "2025-11-11")
    live.wait_projected()
    act(live, rtin, {"b2b": [{"stin": SUPPLIER, "inum": "K/1001", "idt": "11-10-2025", "action": "A"}]})
    live.wait_projected()
    clock(live, "2025-11-14")
    act(live, rtin, {
        "b2b": [{"stin": SUPPLIER, "inum": "K/1001", "idt": "11-10-2025", "action": "P"}],
        "b2bcn": [{"stin": SUPPLIER, "nt_num": "J/CN/01", "nt_dt": "12-10-2025", "action": "R", "remarks": "late"}],
    })  # fmt: skip
    live.wait_projected()
    gstr3b(live, rtin, "102025", "2025-11-20")
    counts = live.http.get(f"/v1/ims/{rtin}/counts").json()["all_oth"]
    assert (counts["b2b"], counts["b2bcn"]) == ({"noaction": 0, "accept": 0, "reject": 0, "pending": 0},) * 2
    outward = live.http.get(f"/v1/suppliers/{SUPPLIER}/outward", params={"rtnprd": "102025"}).json()
    assert outward["addbacklblty"] == []
    seen = {d.get("inum") or d.get("nt_num"): d["imsactn"] for r in outward["recipients"] if r["ctin"] == rtin
            for d in r["docs"]}  # fmt: skip
    assert seen == {"K/1001": "A", "J/CN/01": ""}
    history = live.http.get(f"/v1/ims/{rtin}/documents/b2bcn|{SUPPLIER}|2025|J/CN/01/history").json()["events"]
    assert [(e["what"], e["detail"].get("counted_as")) for e in history][-2:] == [("action_R", None), ("frozen", "N")]


# ---- randomized chains against a reference computation -------------------------------------------------------
MONTHS = (  # return period, filed on, the clock's day for its GSTR-2B, its GSTR-3B filed on
    ("092025", "2025-10-11", "2025-10-14", "2025-10-20"),
    ("102025", "2025-11-11", "2025-11-14", "2025-11-20"),
    ("112025", "2025-12-11", "2025-12-14", "2025-12-20"),
)


@dataclass(frozen=True)
class Link:
    number: str
    taxable: int  # paise
    igst: int
    action: str  # A, R, or N (left alone: deemed accepted)


def _random_chains(rng: random.Random, prefix: str) -> list[list[Link]]:
    chains = []
    for index in range(rng.randint(4, 7)):
        original = f"{prefix}/{index:03d}"
        numbers = [original]
        for _ in range(rng.randint(1, 2)):  # one or two amendments, in the two following months
            numbers.append(rng.choice([original, numbers[-1], f"{original}-{len(numbers)}"]))
        chain = []
        for number in numbers:
            taxable = rng.randint(10_000, 50_000_000)
            chain.append(Link(number, taxable, round(taxable * 18 / 100), rng.choice("ARN")))
        chains.append(chain)
    return chains


def _expected(chains: list[list[Link]]) -> dict[int, dict[str, tuple[str, int]]]:
    """Per month, each amendment's block and IGST: its value less what the last GSTR-3B took of its chain."""
    out: dict[int, dict[str, tuple[str, int]]] = {1: {}, 2: {}}
    for chain in chains:
        taken = chain[0].igst if chain[0].action != "R" else 0
        for month, link in enumerate(chain[1:], start=1):
            out[month][link.number] = ("itcRejected" if link.action == "R" else "itcavl", link.igst - taken)
            if link.action != "R":
                taken = link.igst
    return out


def _row(link: Link, day: str, original: str | None) -> dict:
    extra = {"oinum": original, "oidt": day} if original else {}
    return inv(link.number, day, str(rupees(link.taxable)), 18, iamt=str(rupees(link.igst)), **extra)


def _counted(body: dict) -> dict[str, tuple[str, int]]:
    found = {}
    for block, key in (("itcavl", "docdata"), ("itcRejected", "docRejdata")):
        for (section, number), doc in lines(body["data"][key]).items():
            if section == "b2ba":
                found[number] = (block, paise(doc["igst"]))
    return found


@pytest.mark.parametrize("seed", (5, 17, 29))
def test_random_amendment_chains_count_what_a_reference_computation_expects(live_stack, seed: int) -> None:  # type: ignore[no-untyped-def]
    live, rng = live_stack, random.Random(seed)
    supplier, recipient = fresh_gstin("27"), fresh_gstin("29")
    chains = _random_chains(rng, f"R{seed}")
    days = {chain[0].number: f"{rng.randint(1, 30):02d}-09-2025" for chain in chains}
    counted = {}
    for month, (fp, filed_on, generated_on, gstr3b_on) in enumerate(MONTHS):
        links = [(chain[0].number, chain[month]) for chain in chains if len(chain) > month]
        table = "b2b" if month == 0 else "b2ba"
        rows = [_row(link, days[root], None if month == 0 else root) for root, link in links]
        file(live, gstr1(supplier, fp, recipient, **{table: rows}), filed_on, count=len(rows))
        live.wait_projected()
        decided = [
            {"stin": supplier, "inum": link.number, "idt": days[root], "action": link.action}
            for root, link in links
            if link.action != "N"
        ]
        if decided:
            act(live, recipient, {table: decided})
            live.wait_projected()
        clock(live, generated_on)
        if month:
            counted[month] = _counted(statement(live, recipient, fp)[1])
        gstr3b(live, recipient, fp, gstr3b_on)
    assert counted == _expected(chains), chains
