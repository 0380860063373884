"""Golden key paths: our GSTR-2B JSON, key for key, as GSTN's GSTR-2B API returns it (docs/rules.md §7.2).

One recipient G (Karnataka) through the live stack, with a document of every section in its October 2025
statement (tests/support/gstr2b_every_section.py): b2b (one POS-barred), b2ba, cdnr (a debit note, credit notes,
one under reverse charge), cdnra, ecom, ecoma (an operator's table 15), isd and isda (its distributor's GSTR-6),
impg and impgsez with amended Bills of Entry, a Rule 37A reversal of a supplier's February and March documents
(reported 1 October 2025), and a rejected document of each kind that can be rejected (imports cannot). Every
statement G gets, February to October, must
hold to the key-path specification written from GSTN's format (tests/golden-spec/gstr2b.keys): every path we
send is GSTN's, with GSTN's JSON type, every record has every key GSTN defines for it, and a key of ours
outside `data` is named in README's "Keys of ours".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterator
from dataclasses import replace
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from services.common.embedded.ports import free_port, wait_for_port
from tests.support import gstn_keys
from tests.support.gstr2b_every_section import walk_every_section
from tests.support.gstr2b_flow import data_text
from tests.support.gstr2b_returns import D, heads, money
from tests.support.live import spawn_cli
from tests.support.processes import stop

pytestmark = pytest.mark.e2e
README = Path(__file__).parents[2] / "README.md"
SECTION_MAPS = {  # objects keyed by section: a section is sent only when it has documents
    "data.docdata",
    "data.docRejdata",
    "data.cpsumm",
    "data.cpSummRej",
    "data.docdata.itcrev[]",
    "data.docRejdata.itcrev[]",
    "data.cpsumm.itcrev[]",
}
REJECTABLE = ("b2b", "b2ba", "cdnr", "cdnra", "ecom", "ecoma", "isd", "isda")


@pytest.fixture(scope="module")
def walk(live_stack) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    return walk_every_section(live_stack)


def _ours_in_readme() -> str:
    text = README.read_text()
    start = text.index("**Keys of ours**")
    return text[start : text.index("\n\n", start)]


def test_every_statement_is_gstns_gstr2b_key_for_key_and_our_keys_beside_data_are_named_in_readme(
    walk: SimpleNamespace,
) -> None:
    spec = gstn_keys.load("gstr2b.keys")
    readme = _ours_in_readme()
    found = []
    for period, body in walk.statements.items():
        ours = set(body) - spec.children[""]
        assert ours == {"statement_version", "gstr3b_table4", "fc"}, period
        found += [f"{period} {p}" for p in gstn_keys.problems(spec, body, ours, SECTION_MAPS)]
        found += [f"{period} {key}: not named in README's Keys of ours" for key in ours if f"`{key}`" not in readme]
        assert body["data"]["version"] == "4.0", "GSTN's schema version, not our regeneration counter"
    assert not found, "\n".join(found)


def test_the_october_statement_has_a_document_of_every_section_and_a_rejected_one_of_each_kind(
    walk: SimpleNamespace,
) -> None:
    """What the key-path test above saw: every section GSTN has, so every record shape was checked."""
    data = walk.statements["102025"]["data"]
    assert set(data["docdata"]) == {
        "b2b", "b2ba", "cdnr", "cdnra", "ecom", "ecoma", "isd", "isda", "impg", "impgsez", "itcrev"
    }  # fmt: skip
    assert set(data["docRejdata"]) == set(REJECTABLE)
    assert set(data["cpSummRej"]) == set(REJECTABLE)
    assert set(data["cpsumm"]) == {"b2b", "b2ba", "cdnr", "cdnra", "ecom", "ecoma", "isd", "isda", "impgsez", "itcrev"}
    assert not {"cdnrrev", "cdnrarev", "impga", "impgasez"} & (set(data["docdata"]) | set(data["cpsumm"]))


def _records(data: dict[str, Any], listed: str, rows: str) -> dict[str, dict[str, Any]]:
    return {
        record.get("inum") or record.get("ntnum") or record.get("docnum"): record | {"ctin": group["ctin"]}
        for group in data[listed]
        for record in group[rows]
    }


def test_reverse_charge_notes_amended_bills_of_entry_and_isd_documents_sit_where_gstn_puts_them(
    walk: SimpleNamespace,
) -> None:
    data = walk.statements["102025"]["data"]
    notes = _records(data["docdata"], "cdnr", "nt")
    assert (notes["S1/RCN/1001"]["rev"], notes["S1/RCN/1001"]["typ"]) == ("Y", "C")
    assert data["itcsumm"]["itcavl"]["othersup"]["cdnrrev"]["igst"] == Decimal("180.00")  # still its own leaf
    impg = {(row["boenum"], row["isamd"]): row for row in data["docdata"]["impg"]}
    assert set(impg) == {("7100001", "N"), ("7000001", "Y")}
    assert impg[("7000001", "Y")]["refdt"] == impg[("7000001", "Y")]["recdt"] == "20-10-2025"
    (sez,) = data["docdata"]["impgsez"]
    assert sez["ctin"] == walk.SEZ and {(b["boenum"], b["isamd"]) for b in sez["boe"]} == {
        ("7100002", "N"),
        ("7000002", "Y"),
    }
    assert [(row["ctin"], row["portcode"], row["ttldocs"]) for row in data["cpsumm"]["impgsez"]] == [
        (walk.SEZ, "INBLR4", 2)
    ]
    isd = _records(data["docdata"], "isd", "doclist")
    assert {n: (d["doctyp"], d["itcelg"]) for n, d in isd.items()} == {
        "ISD/1001": ("ISDI", "Y"),
        "ISD/CN/1001": ("ISDC", "Y"),
    }
    (amended,) = _records(data["docdata"], "isda", "doclist").values()
    assert (amended["odoctyp"], amended["odocnum"], amended["odocdt"]) == ("ISDI", "ISD/0901", "10-09-2025")
    assert {(row["doctyp"], row["ttldocs"]) for row in data["cpsumm"]["isd"]} == {("ISDI", 1), ("ISDC", 1)}


def test_rule_37a_reversals_list_their_documents_per_reversed_supplier_return(walk: SimpleNamespace) -> None:
    data = walk.statements["102025"]["data"]
    february, march = data["docdata"]["itcrev"]
    assert (set(february), set(march)) == ({"b2b", "cdnr"}, {"b2ba", "cdnra"})
    assert [r["inum"] for g in february["b2b"] for r in g["inv"]] == ["D/1"]
    assert [r["ntnum"] for g in february["cdnr"] for r in g["nt"]] == ["D/DN1"]
    assert [(r["inum"], r["oinum"]) for g in march["b2ba"] for r in g["inv"]] == [("D/1", "D/1")]
    assert [(r["ntnum"], r["ontnum"]) for g in march["cdnra"] for r in g["nt"]] == [("D/DN1", "D/DN1")]
    assert [(e["b2b"]["ctin"], e["b2b"]["supprd"]) for e in data["cpsumm"]["itcrev"] if "b2b" in e] == [
        (walk.D, "022025")
    ]
    reversed_igst = Decimal("18000.00") + Decimal("1800.00") + Decimal("3600.00") + Decimal("360.00")
    assert walk.statements["102025"]["gstr3b_table4"]["4B2"]["igst"] == reversed_igst


def test_a_credit_note_accepted_with_a_declared_reduction_keeps_the_suppliers_amounts_beside_the_answer(
    walk: SimpleNamespace,
) -> None:
    body = walk.statements["102025"]
    data = body["data"]
    notes = _records(data["docdata"], "cdnr", "nt")
    declared = notes["S1/CN/1001"]
    assert (heads(declared), declared["itcRedReq"], declared["declIgst"]) == (
        money("1800.00", 0, 0, 0),
        "Y",
        D("1000.00"),
    )
    amended = _records(data["docdata"], "cdnra", "nt")["S1/CN/0901"]
    assert (heads(amended), amended["itcRedReq"]) == (money("900.00", 0, 0, 0), "N")  # 1,800.00 -> 2,700.00
    assert "declIgst" not in amended
    # what they count: the declared 1,000.00 of S1/CN/1001 and nothing of S1/CN/0901 ("No")
    assert heads(data["itcsumm"]["itcavl"]["othersup"]["cdnr"]) == money("1000.00", 0, 0, 0)
    assert heads(data["itcsumm"]["itcavl"]["othersup"]["cdnra"]) == money(0, 0, 0, 0)
    invoice_amendment = _records(data["docdata"], "b2ba", "inv")["S1/0901"]
    assert (heads(invoice_amendment), invoice_amendment["itcRedReq"]) == (money("-3600.00", 0, 0, 0), "Y")
    assert heads(data["itcsumm"]["itcavl"]["nonrevsup"]["b2ba"]) == money("-1000.00", 0, 0, 0)
    table4 = body["gstr3b_table4"]["4A5"]
    # 36,000.00 + 900.00 (debit note) + 100.00 (ECO) - 20.00 (ECO amendment) - 1,000.00 (b2ba, declared)
    # - 1,000.00 (credit note, declared)
    assert Decimal(str(table4["igst"])) == Decimal("34980.00")


def test_eco_documents_are_listed_under_the_operator_who_reported_them_not_the_seller(walk: SimpleNamespace) -> None:
    """docs/rules.md §7: an ECO 9(5) document's `ctin` is the e-commerce operator's GSTIN ("GSTIN of ECO"), whose
    GSTR-1 table 15 reported it and whose filing date and period `supfildt` / `supprd` are."""
    data = walk.statements["102025"]["data"]
    listed = {
        (part, listed, group["ctin"], group["supprd"])
        for part in ("docdata", "docRejdata", "cpsumm", "cpSummRej")
        for listed, groups in data[part].items()
        if listed in ("ecom", "ecoma")
        for group in groups
    }
    assert {(part, listed) for part, listed, _, _ in listed} == {
        (part, listed) for part in ("docdata", "docRejdata", "cpsumm", "cpSummRej") for listed in ("ecom", "ecoma")
    }
    assert {(ctin, supprd) for _, _, ctin, supprd in listed} == {(walk.OP, "102025")}


def test_trade_names_come_from_the_registry_and_are_empty_only_when_unknown(walk: SimpleNamespace) -> None:
    """docs/rules.md §8.5: `trdnm` is the trade name, else the legal name, else empty, in lists and summaries."""
    data = walk.statements["102025"]["data"]
    shown = {
        group["ctin"]: group["trdnm"]
        for part in ("docdata", "cpsumm")
        for listed, groups in data[part].items()
        if listed not in ("impg", "itcrev")
        for group in groups
    }
    assert shown[walk.S1] == "Kumar Fabrics" and shown[walk.SEZ] == "Coastal SEZ Exports LLP"
    assert {name for gstin, name in shown.items() if gstin not in (walk.S1, walk.SEZ)} == {""}


PIECE = 4  # documents in a file piece, for the API process started below


@pytest.fixture(scope="module")
def small_pieces(live_stack) -> Iterator[httpx.Client]:  # type: ignore[no-untyped-def]
    """A second API process on the same stack whose file pieces hold PIECE documents."""
    settings = replace(live_stack.settings, http_port=free_port(), gstr2b_piece_documents=PIECE)
    process = spawn_cli(settings, settings.home / "api-pieces.log", "api")
    try:
        wait_for_port("127.0.0.1", settings.http_port, 60, lambda: process.poll() is None)
        base = f"http://127.0.0.1:{settings.http_port}"
        with httpx.Client(base_url=base, timeout=120, headers=live_stack.http.headers) as client:
            yield client
    finally:
        stop(process)


def _documents(data: dict[str, Any]) -> list[tuple[str, str, dict[str, Any]]]:
    """(part, list, document with its supplier group's keys) of every document, in the body's order."""
    found = []
    parts = [("docdata", {k: v for k, v in data["docdata"].items() if k != "itcrev"})]
    parts += [("itcrev", element) for element in data["docdata"].get("itcrev", [])]
    parts += [("docRejdata", data["docRejdata"])]
    for part, lists in parts:
        for listed, entries in lists.items():
            for entry in entries:
                records = next((v for v in entry.values() if isinstance(v, list)), None)
                party = {k: v for k, v in entry.items() if not isinstance(v, list)}
                found += (
                    [(part, listed, party | r) for r in records] if records is not None else [(part, listed, entry)]
                )
    return found


def test_a_statement_in_file_pieces_is_its_one_body_cut_in_order_and_each_piece_is_gstns_shape(
    walk: SimpleNamespace, small_pieces: httpx.Client
) -> None:
    """docs/rules.md §7.6: `fc` counts the pieces; piece N holds the Nth run of PIECE documents, summaries in
    piece 1; a piece past the last is refused naming `file_num`, and so is a piece of a download."""
    whole = walk.statements["102025"]
    path = f"/v1/gstr2b/{walk.G}/102025"
    documents = _documents(whole["data"])
    assert whole["fc"] == 1, "10,000 documents a piece by default"
    plain = json.loads(small_pieces.get(path).text, parse_float=Decimal)
    assert plain["fc"] == -(-len(documents) // PIECE) > 2 and plain["data"] == whole["data"]
    spec, found = gstn_keys.load("gstr2b.keys"), []
    for number in range(1, plain["fc"] + 1):
        answer = small_pieces.get(path, params={"file_num": number})
        assert answer.status_code == 200, answer.text
        body = json.loads(answer.text, parse_float=Decimal)
        assert hashlib.sha256(data_text(answer.text).encode()).hexdigest() == body["chksum"]
        assert gstn_keys.problems(spec, body, {"statement_version", "gstr3b_table4", "fc"}, SECTION_MAPS) == []
        data = body["data"]
        assert {k: data[k] for k in ("gstin", "rtnprd", "version", "gendt", "itcsumm")} == {
            k: whole["data"][k] for k in ("gstin", "rtnprd", "version", "gendt", "itcsumm")
        }
        assert (body["fc"], body["statement_version"]) == (plain["fc"], whole["statement_version"])
        summaries = (whole["data"]["cpsumm"], whole["data"]["cpSummRej"]) if number == 1 else ({}, {})
        assert (data["cpsumm"], data["cpSummRej"]) == summaries, number
        piece = _documents(data)
        assert 0 < len(piece) <= PIECE, (number, len(piece))
        found += piece
    assert found == documents, "the pieces, one after the other, are the one body's documents"
    past = small_pieces.get(path, params={"file_num": plain["fc"] + 1})
    assert past.status_code == 404 and past.json()["detail"]["error_msg"].startswith("file_num:"), past.text
    download = small_pieces.get(path, params={"file_num": 1, "format": "xlsx"})
    assert download.status_code == 400 and download.json()["detail"]["error_msg"].startswith("file_num:")
