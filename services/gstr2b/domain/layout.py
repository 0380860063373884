"""Where each IMS document lands in GSTR-2B (docs/rules.md §7), and how the summary maps to GSTR-3B table 4.

Blocks: `itcavl` (ITC available), `itcunavl` (not available: POS rule P, section 16(4) C), `itcrev`
(Rule 37A reversal), `itcRejected`. Buckets inside each block: `nonrevsup`, `isdsup`, `revsup`,
`imports`, `othersup` (credit notes, whose ITC must be reduced).
"""

from __future__ import annotations

from services.common.gst.sections import sections_where

BLOCKS = ("itcavl", "itcunavl", "itcrev", "itcRejected")
BUCKETS: dict[str, tuple[str, ...]] = {
    "nonrevsup": ("b2b", "b2ba", "cdnr", "cdnra", "ecom", "ecoma"),
    "isdsup": ("isd", "isda"),
    "revsup": ("b2b", "b2ba", "cdnr", "cdnra"),
    "imports": ("impg", "impga", "impgsez", "impgasez"),
    "othersup": ("cdnr", "cdnra", "cdnrrev", "cdnrarev", "isd", "isda"),
}
HEADS = ("igst", "cgst", "sgst", "cess")
# GSTN's `itcrev` block has no reverse-charge bucket and no ECO leaves: Rule 37A reverses neither (rule37a.py)
NOT_IN_BLOCK: dict[str, dict[str, tuple[str, ...]]] = {
    "itcrev": {"revsup": BUCKETS["revsup"], "nonrevsup": ("ecom", "ecoma")},
}

# IMS section → (bucket, GSTR-2B section) for ordinary supplies; reverse charge has its own mapping.
PLACEMENT: dict[str, tuple[str, str]] = {
    "b2b": ("nonrevsup", "b2b"),
    "b2ba": ("nonrevsup", "b2ba"),
    "b2bdn": ("nonrevsup", "cdnr"),
    "b2bdna": ("nonrevsup", "cdnra"),
    "b2bcn": ("othersup", "cdnr"),
    "b2bcna": ("othersup", "cdnra"),
    "ecom": ("nonrevsup", "ecom"),
    "ecoma": ("nonrevsup", "ecoma"),
    "isd": ("isdsup", "isd"),
    "isda": ("isdsup", "isda"),
    "isdcn": ("othersup", "isd"),
    "isdcna": ("othersup", "isda"),
    "impg": ("imports", "impg"),
    "impga": ("imports", "impga"),
    "impgsez": ("imports", "impgsez"),
    "impgseza": ("imports", "impgasez"),
}
REVERSE_CHARGE: dict[str, tuple[str, str]] = {
    "b2b": ("revsup", "b2b"),
    "b2ba": ("revsup", "b2ba"),
    "b2bdn": ("revsup", "cdnr"),
    "b2bdna": ("revsup", "cdnra"),
    "b2bcn": ("othersup", "cdnrrev"),
    "b2bcna": ("othersup", "cdnrarev"),
    "ecom": ("revsup", "b2b"),
    "ecoma": ("revsup", "b2ba"),
}
CREDIT_NOTES = sections_where(lambda s: s.is_credit_note)


def block_buckets(block: str) -> dict[str, tuple[str, ...]]:
    """The buckets of a block and their leaves as GSTN's `itcsumm` has them."""
    left_out = NOT_IN_BLOCK.get(block, {})
    kept = {
        bucket: tuple(leaf for leaf in leaves if leaf not in left_out.get(bucket, ()))
        for bucket, leaves in BUCKETS.items()
    }
    return {bucket: leaves for bucket, leaves in kept.items() if leaves}


def placement(ims_section: str, reverse_charge: bool) -> tuple[str, str]:
    if reverse_charge and ims_section in REVERSE_CHARGE:
        return REVERSE_CHARGE[ims_section]
    return PLACEMENT[ims_section]


def empty_heads() -> dict[str, int]:
    return dict.fromkeys(HEADS, 0)


REDUCING_BUCKET = "othersup"  # credit notes: reported as positive amounts, netted off a block's total


def itcsumm(totals: dict[tuple[str, str, str], dict[str, int]]) -> dict[str, dict[str, object]]:
    """Every block, bucket and leaf present (zeros included), each carrying the four heads in paise. A
    bucket's heads add its leaves; a block's heads are its net ITC: the other buckets less the credit
    notes of `othersup` (for `itcavl`, 4A(1) + 4A(3) + 4A(4) + 4A(5) of GSTR-3B)."""
    summary: dict[str, dict[str, object]] = {}
    for block in BLOCKS:
        block_sum = empty_heads()
        buckets: dict[str, object] = {}
        for bucket, leaves in BUCKETS.items():
            bucket_sum = empty_heads()
            leaf_values: dict[str, object] = {}
            for leaf in leaves:
                values = totals.get((block, bucket, leaf), empty_heads())
                leaf_values[leaf] = dict(values)
                for head in HEADS:
                    bucket_sum[head] += values[head]
            buckets[bucket] = {**bucket_sum, **leaf_values}
            sign = -1 if bucket == REDUCING_BUCKET else 1
            for head in HEADS:
                block_sum[head] += sign * bucket_sum[head]
        summary[block] = {**block_sum, **buckets}
    return summary


def _heads(node: object) -> dict[str, int]:
    assert isinstance(node, dict)
    return {head: int(node[head]) for head in HEADS}


def _minus(a: dict[str, int], *others: dict[str, int]) -> dict[str, int]:
    return {h: a[h] - sum(o[h] for o in others) for h in HEADS}


def gstr3b_table4(summary: dict[str, dict[str, object]]) -> dict[str, dict[str, int]]:
    """GSTR-3B table 4 from the ITC-available part: credit notes reduce the part they belong to."""
    avl = summary["itcavl"]
    other = avl["othersup"]
    assert isinstance(other, dict)

    def leaf(name: str) -> dict[str, int]:
        return _heads(other[name])

    return {
        "4A1": _heads(avl["imports"]),
        "4A3": _minus(_heads(avl["revsup"]), leaf("cdnrrev"), leaf("cdnrarev")),
        "4A4": _minus(_heads(avl["isdsup"]), leaf("isd"), leaf("isda")),
        "4A5": _minus(_heads(avl["nonrevsup"]), leaf("cdnr"), leaf("cdnra")),
        "4B2": _heads(summary["itcrev"]),
        "4D2": _heads(summary["itcunavl"]),
    }
