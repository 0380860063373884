"""The GSTR-2B summary: buckets add their leaves, a block nets its credit notes off (as GSTR-3B table 4)."""

from __future__ import annotations

from services.gstr2b.domain.layout import gstr3b_table4, itcsumm


def heads(igst: int, cgst: int = 0, sgst: int = 0, cess: int = 0) -> dict[str, int]:
    return {"igst": igst, "cgst": cgst, "sgst": sgst, "cess": cess}


def test_a_block_is_its_net_itc_and_a_bucket_the_sum_of_its_leaves() -> None:
    summary = itcsumm(
        {
            ("itcavl", "nonrevsup", "b2b"): heads(10_000, 0, 0, 100),
            ("itcavl", "nonrevsup", "cdnr"): heads(500),  # a debit note adds
            ("itcavl", "revsup", "b2b"): heads(0, 700, 700),
            ("itcavl", "imports", "impg"): heads(3_000),
            ("itcavl", "othersup", "cdnr"): heads(1_200, 0, 0, 10),  # a credit note reduces
            ("itcavl", "othersup", "cdnrrev"): heads(0, 50, 50),
        }
    )
    avl = summary["itcavl"]
    assert avl["nonrevsup"]["igst"] == 10_500 and avl["othersup"]["igst"] == 1_200
    assert {h: avl[h] for h in ("igst", "cgst", "sgst", "cess")} == heads(12_300, 650, 650, 90)
    table4 = gstr3b_table4(summary)
    for head in ("igst", "cgst", "sgst", "cess"):
        assert avl[head] == sum(table4[row][head] for row in ("4A1", "4A3", "4A4", "4A5"))
    assert summary["itcRejected"]["igst"] == 0 and summary["itcRejected"]["othersup"]["cdnr"] == heads(0)
