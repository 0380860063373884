"""What a GSTR-2B line counts, as SQL over its columns (docs/rules.md §7.4, §5.3).

A line lists what GSTN's GSTR-2B shows for the document: the supplier's amounts, or for an amendment the
difference from the link a filed GSTR-3B took. What it counts toward `itcsumm` (and so GSTR-3B table 4, and
Rule 37A reversals) is that, unless the recipient's ITC-reduction answer decided otherwise: "No" counts
nothing; "Yes" with declared amounts counts a declared head instead of the listed one (as a reduction: for
a downward invoice or debit-note amendment, minus the declared amount). The builder keeps the answer on a
line only where it decides (services/gstr2b/builder.py), so a line without one counts what it lists; lines
written before migration 0022 carry none and count their heads, which were then the counted amounts.
"""

from __future__ import annotations

from services.common.gst.sections import sections_where
from services.common.quoting import sql_list

CREDIT_NOTES = sql_list(sections_where(lambda s: s.is_credit_note))
SUPPLY_AMENDMENTS = sql_list(sections_where(lambda s: s.amends_supply))
DECLARED = {head: f"decl_{head}" for head in ("igst", "cgst", "sgst", "cess")}


def counted(head: str, line: str | None = None) -> str:
    """The SQL of what a line (`line` its alias, or none inside RETURNING) counts on one head."""
    p = f"{line}." if line else ""
    declared = p + DECLARED[head]
    return (
        f"CASE WHEN {p}itc_red_req = 'N' THEN 0 WHEN {declared} IS NULL THEN {p}{head} "
        f"WHEN {p}ims_section IN {SUPPLY_AMENDMENTS} THEN -{declared} ELSE {declared} END"
    )
