"""GSTR-2B bucketing (docs/rules.md §7; services/gstr2b/domain/layout.py): where each IMS section lands, the
summary's full shape, buckets adding their leaves, a block netting its credit notes off, and the mapping to
GSTR-3B table 4. The figures of the walk in tests/e2e/gstr2b/test_scenario.py are checked here from its
leaves; which leaves the documents make is the builder's SQL, checked there."""

from __future__ import annotations

import pytest

from services.gstr2b.domain.layout import BLOCKS, BUCKETS, CREDIT_NOTES, gstr3b_table4, itcsumm, placement

HEADS = ("igst", "cgst", "sgst", "cess")


def heads(igst: int, cgst: int = 0, sgst: int = 0, cess: int = 0) -> dict[str, int]:
    return {"igst": igst, "cgst": cgst, "sgst": sgst, "cess": cess}


def of(node: object) -> dict[str, int]:
    assert isinstance(node, dict)
    return {h: node[h] for h in HEADS}


@pytest.mark.parametrize(
    ("section", "ordinary", "reverse_charge"),
    [
        ("b2b", ("nonrevsup", "b2b"), ("revsup", "b2b")),
        ("b2ba", ("nonrevsup", "b2ba"), ("revsup", "b2ba")),
        ("b2bdn", ("nonrevsup", "cdnr"), ("revsup", "cdnr")),
        ("b2bdna", ("nonrevsup", "cdnra"), ("revsup", "cdnra")),
        ("b2bcn", ("othersup", "cdnr"), ("othersup", "cdnrrev")),
        ("b2bcna", ("othersup", "cdnra"), ("othersup", "cdnrarev")),
        ("ecom", ("nonrevsup", "ecom"), ("revsup", "b2b")),
        ("ecoma", ("nonrevsup", "ecoma"), ("revsup", "b2ba")),
        ("isd", ("isdsup", "isd"), ("isdsup", "isd")),
        ("isda", ("isdsup", "isda"), ("isdsup", "isda")),
        ("isdcn", ("othersup", "isd"), ("othersup", "isd")),
        ("isdcna", ("othersup", "isda"), ("othersup", "isda")),
        ("impg", ("imports", "impg"), ("imports", "impg")),
        ("impga", ("imports", "impga"), ("imports", "impga")),
        ("impgsez", ("imports", "impgsez"), ("imports", "impgsez")),
        ("impgseza", ("imports", "impgasez"), ("imports", "impgasez")),
    ],
)
def test_each_ims_section_lands_in_its_bucket_and_reverse_charge_in_its_own(
    section: str, ordinary: tuple[str, str], reverse_charge: tuple[str, str]
) -> None:
    assert placement(section, False) == ordinary
    assert placement(section, True) == reverse_charge
    assert ordinary[1] in BUCKETS[ordinary[0]] and reverse_charge[1] in BUCKETS[reverse_charge[0]]
    assert (ordinary[0] == "othersup") == (section in CREDIT_NOTES)  # credit notes reduce ITC


def test_the_summary_holds_every_block_bucket_and_leaf_with_four_heads_even_when_empty() -> None:
    summary = itcsumm({})
    assert tuple(summary) == BLOCKS == ("itcavl", "itcunavl", "itcrev", "itcRejected")
    for block in BLOCKS:
        node = summary[block]
        assert set(node) == set(HEADS) | set(BUCKETS)
        assert of(node) == heads(0)
        for bucket, leaves in BUCKETS.items():
            child = node[bucket]
            assert isinstance(child, dict)
            assert set(child) == set(HEADS) | set(leaves)
            assert all(child[leaf] == heads(0) for leaf in leaves)
    assert set(BUCKETS["imports"]) == {"impg", "impga", "impgsez", "impgasez"}
    assert set(BUCKETS["othersup"]) == {"cdnr", "cdnra", "cdnrrev", "cdnrarev", "isd", "isda"}


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
    assert avl["nonrevsup"]["igst"] == 10_500 and avl["othersup"]["igst"] == 1_200  # type: ignore[index]
    assert of(avl) == heads(12_300, 650, 650, 90)
    table4 = gstr3b_table4(summary)
    for head in HEADS:
        assert avl[head] == sum(table4[row][head] for row in ("4A1", "4A3", "4A4", "4A5"))
    assert summary["itcRejected"]["igst"] == 0 and summary["itcRejected"]["othersup"]["cdnr"] == heads(0)  # type: ignore[index]


def rupees(*values: str | int) -> dict[str, int]:
    return dict(zip(HEADS, (round(float(v) * 100) for v in values), strict=True))


# the leaves of October version 1 in tests/e2e/gstr2b/test_scenario.py (rupees: igst, cgst, sgst, cess)
WALK_LEAVES = {
    ("itcavl", "nonrevsup", "b2b"): rupees("36000.00", "9000.00", "9000.00", "1000.00"),
    ("itcavl", "nonrevsup", "b2ba"): rupees("7200.00", 0, 0, 0),
    ("itcavl", "nonrevsup", "cdnr"): rupees("900.00", 0, 0, 0),
    ("itcavl", "nonrevsup", "ecom"): rupees("100.00", 0, 0, 0),
    ("itcavl", "isdsup", "isd"): rupees("5000.00", 0, 0, 0),
    ("itcavl", "revsup", "b2b"): rupees(0, "1800.00", "1800.00", 0),
    ("itcavl", "imports", "impg"): rupees("18000.00", 0, 0, 0),
    ("itcavl", "imports", "impgsez"): rupees("9000.00", 0, 0, 0),
    ("itcavl", "othersup", "cdnr"): rupees("1000.00", 0, 0, 0),
    ("itcavl", "othersup", "cdnra"): rupees("900.00", 0, 0, 0),
    ("itcavl", "othersup", "cdnrrev"): rupees(0, "250.00", "250.00", 0),
    ("itcavl", "othersup", "isd"): rupees("500.00", 0, 0, 0),
    ("itcunavl", "nonrevsup", "b2b"): rupees(0, "900.00", "900.00", 0),
    ("itcRejected", "nonrevsup", "b2b"): rupees("2000.00", 0, 0, 0),
}


def test_the_walks_buckets_and_gstr3b_table_4_follow_from_its_leaves() -> None:
    summary = itcsumm(WALK_LEAVES)
    avl = summary["itcavl"]
    assert {b: of(avl[b]) for b in BUCKETS} == {
        "nonrevsup": rupees("44200.00", "9000.00", "9000.00", "1000.00"),
        "isdsup": rupees("5000.00", 0, 0, 0),
        "revsup": rupees(0, "1800.00", "1800.00", 0),
        "imports": rupees("27000.00", 0, 0, 0),
        "othersup": rupees("2400.00", "250.00", "250.00", 0),
    }
    assert of(summary["itcunavl"]) == rupees(0, "900.00", "900.00", 0)
    assert of(summary["itcRejected"]) == rupees("2000.00", 0, 0, 0)
    assert gstr3b_table4(summary) == {
        "4A1": rupees("27000.00", 0, 0, 0),
        "4A3": rupees(0, "1550.00", "1550.00", 0),  # 1,800.00 - 250.00 of reverse-charge credit notes
        "4A4": rupees("4500.00", 0, 0, 0),  # 5,000.00 - 500.00 of ISD credit notes
        "4A5": rupees("42300.00", "9000.00", "9000.00", "1000.00"),  # 44,200.00 - 1,000.00 - 900.00
        "4B2": rupees(0, 0, 0, 0),
        "4D2": rupees(0, "900.00", "900.00", 0),  # not available: 4(D)(2), not auto-filled
    }


def test_amendment_differences_may_be_negative_and_net_through_buckets_blocks_and_table_4() -> None:
    summary = itcsumm(
        {
            ("itcavl", "nonrevsup", "cdnra"): rupees("360.00", 0, 0, 0),
            ("itcavl", "nonrevsup", "ecoma"): rupees("-20.00", 0, 0, 0),
            ("itcavl", "revsup", "b2ba"): rupees("360.00", 0, 0, 0),
            ("itcavl", "isdsup", "isda"): rupees("1000.00", 0, 0, 0),
            ("itcavl", "othersup", "cdnrarev"): rupees("90.00", 0, 0, 0),
            ("itcavl", "othersup", "isda"): rupees("100.00", 0, 0, 0),
            ("itcavl", "imports", "impga"): rupees("2000.00", 0, 0, 0),
            ("itcavl", "imports", "impgasez"): rupees("-1000.00", 0, 0, 0),
        }
    )
    table4 = gstr3b_table4(summary)
    assert {row: table4[row]["igst"] for row in ("4A1", "4A3", "4A4", "4A5")} == {
        "4A1": 100_000,
        "4A3": 27_000,
        "4A4": 90_000,
        "4A5": 34_000,
    }
    assert summary["itcavl"]["igst"] == 251_000  # 1,000.00 + 270.00 + 900.00 + 340.00
