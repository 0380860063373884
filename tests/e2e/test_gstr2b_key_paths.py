"""Golden key paths: our GSTR-2B JSON, key for key, as GSTN's GSTR-2B API returns it (docs/rules.md §7.2).

One recipient G (Karnataka) through the live stack, with a document of every section in its October 2025
statement: b2b (one POS-barred), b2ba, cdnr (a debit note, credit notes, one under reverse charge), cdnra, ecom,
ecoma (an operator's table 15), isd and isda (its distributor's GSTR-6), impg and impgsez with amended Bills of
Entry, a Rule 37A reversal of a supplier's March and April documents (reported 1 October 2025), and a rejected
document of each kind that can be rejected (imports cannot). Every statement G gets, February to October, must
hold to the key-path specification written from GSTN's format (tests/golden-spec/gstr2b.keys): every path we
send is GSTN's, with GSTN's JSON type, every record has every key GSTN defines for it, and a key of ours
outside `data` is named in README's "Keys of ours".
"""

from __future__ import annotations

import re
from decimal import Decimal
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from services.common.gst.periods import Period
from tests.support import gstn_keys
from tests.support.gstr2b_flow import clock, gstr3b, statement
from tests.support.gstr2b_oracle import fresh_gstin, sibling_gstin
from tests.support.gstr2b_returns import D, act, file, gstr1, heads, inv, money, note

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


def _isd_return(isd: str, fp: str, recipient: str, table: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    zero = {"camt": 0, "samt": 0, "csamt": 0}
    return {"gstin": isd, "fp": fp, table: [{"ctin": recipient, "doclst": [zero | row for row in rows]}]}


def _isd(kind: str, number: str, day: str, igst: str, **original: str) -> dict[str, Any]:
    return {"isd_docty": kind, "docnum": number, "docdt": day, "iamt": D(igst), **original}


def _eco(operator: str, fp: str, seller: str, recipient: str, **tables: list[dict[str, Any]]) -> dict[str, Any]:
    return {"gstin": operator, "fp": fp} | {
        table: {key: [{"stin": seller, "rtin": recipient, "inv": rows}]}
        for table, (key, rows) in (("ecom", ("b2b", tables.get("ecom"))), ("ecoma", ("b2ba", tables.get("ecoma"))))
        if rows
    }


def _boe(recipient: str, number: str, day: str, refdt: str, txval: str, igst: str, **more: str) -> dict[str, Any]:
    row = {"rtin": recipient, "port_code": "INBLR4", "boe_num": number, "boe_dt": day, "refdt": refdt}
    return row | {"txval": D(txval), "iamt": D(igst), "csamt": 0, "is_sez": "N", "amd": "N"} | more


def _walk(live: Any) -> SimpleNamespace:
    """Every step; returns the parties and G's statements by period."""
    g = SimpleNamespace(
        G=fresh_gstin("29"),
        D=fresh_gstin("27"),  # the supplier whose GSTR-3B is missing: Rule 37A
        S1=fresh_gstin("27"),
        OP=fresh_gstin("07"),
        SELLER=fresh_gstin("33"),
        SEZ=fresh_gstin("27"),
    )
    g.ISD = sibling_gstin(g.G, "33")
    G, S1, ISD, SEZ = g.G, g.S1, g.ISD, g.SEZ

    # February and March (FY 2024-25): the defaulter's invoice and debit note, then their amendments
    february = gstr1(
        g.D,
        "022025",
        G,
        b2b=[inv("D/1", "10-02-2025", "100000.00", 18, iamt="18000.00")],
        cdnr=[note("D", "D/DN1", "12-02-2025", "10000.00", 18, iamt="1800.00")],
    )
    file(live, february, "2025-03-11")
    live.wait_projected()
    clock(live, "2025-03-14")
    gstr3b(live, G, "022025", "2025-03-20")
    march = gstr1(
        g.D,
        "032025",
        G,
        b2ba=[inv("D/1", "10-02-2025", "120000.00", 18, iamt="21600.00", oinum="D/1", oidt="10-02-2025")],
        cdnra=[note("D", "D/DN1", "12-02-2025", "12000.00", 18, iamt="2160.00", ont_num="D/DN1", ont_dt="12-02-2025")],
    )
    file(live, march, "2025-04-11")
    live.wait_projected()
    period = Period(2025, 3)
    while period <= Period(2025, 8):  # a GSTR-2B and a GSTR-3B for every month up to August
        following = period.next()
        clock(live, f"{following.year}-{following.month:02d}-14")
        gstr3b(live, G, period.mmyyyy, f"{following.year}-{following.month:02d}-20")
        period = following

    # September: the originals October amends
    file(
        live,
        gstr1(
            S1,
            "092025",
            G,
            b2b=[
                inv("S1/0901", "05-09-2025", "100000.00", 18, iamt="18000.00"),
                inv("S1/0902", "06-09-2025", "50000.00", 18, iamt="9000.00"),
            ],
            cdnr=[
                note("C", "S1/CN/0901", "20-09-2025", "10000.00", 18, iamt="1800.00"),
                note("C", "S1/CN/0902", "21-09-2025", "5000.00", 18, iamt="900.00"),
            ],
        ),
        "2025-10-11",
    )
    september_eco = [inv(f"EC/090{n}", "08-09-2025", "2000.00", 5, iamt="100.00") for n in (1, 2)]
    file(live, _eco(g.OP, "092025", g.SELLER, G, ecom=september_eco), "2025-10-11")
    september_isd = [_isd("ISD", f"ISD/090{n}", "10-09-2025", "5000.00") for n in (1, 2)]
    file(live, _isd_return(ISD, "092025", G, "isd", september_isd), "2025-10-13", form="gstr6")
    sez = {"is_sez": "Y", "sez_gstin": SEZ}
    september_boes = [
        _boe(G, "7000001", "15-09-2025", "20-09-2025", "100000.00", "18000.00"),
        _boe(G, "7000002", "15-09-2025", "20-09-2025", "50000.00", "9000.00", **sez),
    ]
    file(live, {"boe": september_boes}, form="boe")
    live.wait_projected()
    clock(live, "2025-10-14")
    gstr3b(live, G, "092025", "2025-10-20")
    report = live.post(f"/v1/suppliers/{g.D}/rule37a", {"periods": ["022025", "032025"], "reported_on": "2025-10-01"})
    assert report.status_code == 200, report.text

    # October: every section
    file(
        live,
        gstr1(
            S1,
            "102025",
            G,
            b2b=[
                inv("S1/1001", "03-10-2025", "200000.00", 18, iamt="36000.00"),
                inv("S1/1002", "04-10-2025", "40000.00", 5, iamt="2000.00"),
                inv("S1/1003", "05-10-2025", "10000.00", 18, pos="27", camt="900.00", samt="900.00"),
            ],
            b2ba=[
                inv("S1/0901", "05-09-2025", "80000.00", 18, iamt="14400.00", oinum="S1/0901", oidt="05-09-2025"),
                inv("S1/0902", "06-09-2025", "60000.00", 18, iamt="10800.00", oinum="S1/0902", oidt="06-09-2025"),
            ],
            cdnr=[
                note("C", "S1/CN/1001", "25-10-2025", "10000.00", 18, iamt="1800.00"),
                note("D", "S1/DN/1001", "22-10-2025", "5000.00", 18, iamt="900.00"),
                note("C", "S1/CN/1002", "26-10-2025", "2000.00", 18, iamt="360.00"),
                note("C", "S1/RCN/1001", "27-10-2025", "1000.00", 18, rchrg="Y", iamt="180.00"),
            ],
            cdnra=[
                note(
                    "C",
                    "S1/CN/0901",
                    "20-09-2025",
                    "15000.00",
                    18,
                    iamt="2700.00",
                    ont_num="S1/CN/0901",
                    ont_dt="20-09-2025",
                ),
                note(
                    "C",
                    "S1/CN/0902",
                    "21-09-2025",
                    "6000.00",
                    18,
                    iamt="1080.00",
                    ont_num="S1/CN/0902",
                    ont_dt="21-09-2025",
                ),
            ],
        ),
        "2025-11-11",
    )
    eco_amendments = [
        inv(f"EC/090{n}", "08-09-2025", "1600.00", 5, iamt="80.00", oinum=f"EC/090{n}", oidt="08-09-2025")
        for n in (1, 2)
    ]
    october_eco = [inv(f"EC/100{n}", "18-10-2025", "2000.00", 5, iamt="100.00") for n in (1, 2)]
    file(live, _eco(g.OP, "102025", g.SELLER, G, ecom=october_eco, ecoma=eco_amendments), "2025-11-11")
    october_isd = [
        _isd("ISD", "ISD/1001", "10-10-2025", "5000.00"),
        _isd("ISDCN", "ISD/CN/1001", "12-10-2025", "500.00"),
        _isd("ISD", "ISD/1002", "13-10-2025", "700.00"),
    ]
    file(live, _isd_return(ISD, "102025", G, "isd", october_isd), "2025-11-13", form="gstr6")
    isd_amendments = [
        _isd("ISD", f"ISD/090{n}", "10-09-2025", "6000.00", odocnum=f"ISD/090{n}", odocdt="10-09-2025") for n in (1, 2)
    ]
    file(live, _isd_return(ISD, "102025", G, "isda", isd_amendments), "2025-11-13", form="gstr6")
    amended = {"amd": "Y", "oboe_dt": "15-09-2025"}
    october_boes = [
        _boe(G, "7100001", "15-10-2025", "20-10-2025", "100000.00", "18000.00"),
        _boe(G, "7100002", "15-10-2025", "20-10-2025", "50000.00", "9000.00", **sez),
        _boe(G, "7000001", "15-09-2025", "20-10-2025", "110000.00", "20000.00", oboe_num="7000001", **amended),
        _boe(G, "7000002", "15-09-2025", "20-10-2025", "45000.00", "8000.00", oboe_num="7000002", **amended, **sez),
    ]
    file(live, {"boe": october_boes}, form="boe")
    live.wait_projected()
    assert live.post(f"/v1/ims/{G}/actions/bulk", {"action": "A", "filter": {}}).status_code == 200
    live.wait_projected()
    reject = {"action": "R"}
    act(
        live,
        G,
        {
            "b2b": [{"stin": S1, "inum": "S1/1002", "idt": "04-10-2025"} | reject],
            "b2ba": [
                {
                    "stin": S1,
                    "inum": "S1/0901",
                    "idt": "05-09-2025",
                    "action": "A",
                    "itcRedReq": "Y",
                    "declIgst": D("1000.00"),
                },
                {"stin": S1, "inum": "S1/0902", "idt": "06-09-2025"} | reject,
            ],
            "b2bcn": [
                {"stin": S1, "nt_num": "S1/CN/1001", "nt_dt": "25-10-2025", "action": "A", "itcRedReq": "Y"}
                | {"declIgst": D("1000.00")},
                {"stin": S1, "nt_num": "S1/CN/1002", "nt_dt": "26-10-2025"} | reject,
            ],
            "b2bcna": [
                {"stin": S1, "nt_num": "S1/CN/0901", "nt_dt": "20-09-2025", "action": "A", "itcRedReq": "N"},
                {"stin": S1, "nt_num": "S1/CN/0902", "nt_dt": "21-09-2025"} | reject,
            ],
            "ecom": [{"stin": g.SELLER, "inum": "EC/1002", "idt": "18-10-2025"} | reject],
            "ecoma": [{"stin": g.SELLER, "inum": "EC/0902", "idt": "08-09-2025"} | reject],
            "isd": [{"stin": ISD, "inum": "ISD/1002", "idt": "13-10-2025"} | reject],
            "isda": [{"stin": ISD, "inum": "ISD/0902", "idt": "10-09-2025"} | reject],
        },
    )
    live.wait_projected()
    clock(live, "2025-11-14")
    names = [
        {"gstin": S1, "legal_name": "Kumar Textiles Private Limited", "trade_name": "Kumar Fabrics"},
        {"gstin": SEZ, "legal_name": "Coastal SEZ Exports LLP", "trade_name": ""},
    ]  # the defaulter D stays unknown
    assert live.post("/v1/admin/taxpayers", {"taxpayers": names}).json()["status_cd"] == "P"
    live.wait_projected("registry")
    g.statements = {
        p: statement(live, G, p)[1]
        for p in ("022025", "032025", "042025", "052025", "062025", "072025", "082025", "092025", "102025")
    }
    g.csv = live.http.get(f"/v1/gstr2b/{G}/102025", params={"format": "csv"})
    g.xlsx = live.http.get(f"/v1/gstr2b/{G}/102025", params={"format": "xlsx"})
    return g


@pytest.fixture(scope="module")
def walk(live_stack) -> SimpleNamespace:  # type: ignore[no-untyped-def]
    return _walk(live_stack)


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
        assert ours == {"statement_version", "gstr3b_table4"}, period
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


def test_the_downloads_of_the_new_shape_still_answer(walk: SimpleNamespace) -> None:
    assert walk.csv.status_code == 200 and walk.xlsx.status_code == 200 and walk.xlsx.content[:2] == b"PK"
    header, *rows = walk.csv.text.splitlines()
    assert header.endswith(",itcRedReq,declIgst,declCgst,declSgst,declCess")
    sheets = {row.split(",", 1)[0] for row in rows}
    assert {"B2B-CDNR-RCM", "IMPGA", "IMPGSEZA", "ISDA (Rejected)"} <= sheets
    assert re.search(f"^IMPGSEZ,{walk.SEZ},", walk.csv.text, re.MULTILINE), "an SEZ BoE row names its supplier"


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
