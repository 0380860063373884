"""The GSTR-2B page's values: a generated version's summary (its `itcsumm` blocks and GSTR-3B table 4) in
the portal's words and Indian amounts. Pure: the route reads the version (services/gstr2b/queries.py)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.gstr2b.domain.layout import BLOCKS, BUCKETS, HEADS
from services.web import formats

BLOCK_TITLES = {
    "itcavl": "ITC available",
    "itcunavl": "ITC not available",
    "itcrev": "ITC reversal (Rule 37A)",
    "itcRejected": "ITC rejected in IMS",
}
BUCKET_TITLES = {
    "nonrevsup": "All other ITC: supplies from registered persons",
    "isdsup": "Inward supplies from ISD",
    "revsup": "Inward supplies liable for reverse charge",
    "imports": "Import of goods",
    "othersup": "Others: credit notes and ISD credit notes (ITC to be reduced)",
}
TABLE4_TITLES = {
    "4A1": "Import of goods",
    "4A3": "Inward supplies liable to reverse charge",
    "4A4": "Inward supplies from ISD",
    "4A5": "All other ITC",
    "4B2": "ITC reversed: others (Rule 37A)",
    "4D2": "Ineligible ITC (section 16(4), place of supply)",
}
assert set(BLOCK_TITLES) == set(BLOCKS) and set(BUCKET_TITLES) == set(BUCKETS)


@dataclass(frozen=True, slots=True)
class Line:
    label: str
    heads: tuple[str, ...]  # IGST, CGST, SGST, cess as shown
    level: int  # 0 a block's net, 1 a bucket, 2 a GSTR-2B section inside it


@dataclass(frozen=True, slots=True)
class Block:
    title: str
    lines: tuple[Line, ...]
    empty: bool = False  # nothing but zeros: the page says so in one line


def _heads(node: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(formats.rupees(int(node.get(h, 0)), symbol=False) for h in HEADS)


def _nonzero(node: Mapping[str, Any]) -> bool:
    return any(int(node.get(h, 0)) for h in HEADS)


def blocks(summary: Mapping[str, Any]) -> tuple[Block, ...]:
    """Each block with its net, then its buckets and the sections in them that hold any tax (zeros left out
    below the bucket, as the portal folds them)."""
    found = []
    for key in BLOCKS:
        block = summary.get("itcsumm", {}).get(key, {})
        lines = [Line("Net ITC" if key == "itcavl" else "Total", _heads(block), 0)]
        for bucket in BUCKETS:
            node = block.get(bucket, {})
            lines.append(Line(BUCKET_TITLES[bucket], _heads(node), 1))
            lines.extend(
                Line(leaf.upper(), _heads(node[leaf]), 2)
                for leaf in BUCKETS[bucket]
                if isinstance(node.get(leaf), dict) and _nonzero(node[leaf])
            )
        empty = not _nonzero(block) and all(not _nonzero(block.get(b, {})) for b in BUCKETS)
        found.append(Block(BLOCK_TITLES[key], tuple(lines), empty))
    return tuple(found)


def table4(summary: Mapping[str, Any]) -> tuple[Line, ...]:
    """GSTR-3B table 4 as this GSTR-2B fills it, each row named as the form names it (4A(5) All other ITC)."""
    rows = []
    for row, heads in summary.get("gstr3b", {}).items():
        code = re.sub(r"^(\d[A-D])(\d)$", r"\1(\2)", row)
        rows.append(Line(f"{code} {TABLE4_TITLES.get(row, '')}".strip(), _heads(heads), 1))
    return tuple(rows)
