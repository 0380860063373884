"""Amendment chains: an original, its amendment, the amendment's own amendment, and so on (docs/rules.md §5).

A supplier amends a document again in a later return by reporting the original's number (`oinum`,
`ont_num`, `oboe_num`) once more in an amendment table. Every link of the chain names the same original
(its `original_key`) and has its place in the chain (`link_no`: 1 for the first amendment, the original
counting as 0); the original and each link point at the next through `amended_by`. A new link:
- amends the previous link (its direction, and whether Pending is blocked, are judged against it);
- supersedes it once filed, while that link is still live and unfrozen (our rule, as for a first
  amendment; a saved draft leaves the filed link counting until it is filed itself);
- counts in GSTR-2B as the difference from the latest earlier link that a filed GSTR-3B took, accepted
  or deemed accepted as that GSTR-2B counted it, and in full when none was (services/gstr2b/bases.py
  finds that link when a statement is generated, since a link held by a generated GSTR-2B is taken
  by its GSTR-3B even after a later link superseded it).

Our rule for a re-amendment that keeps the amended number: the amendment key names section, supplier,
financial year and number, so the later link is kept under that key plus `@` and the return period
that reports it (`b2ba|...|INV-1@112025`). The recipient still names it by number (SAVE resolves a
number to the chain's live link); the supplier view and GETINV show it as any other document. Within
one return period a filed amendment changes no more than a filed original does.
"""

from __future__ import annotations

from services.actions.domain.model import ImsDocument
from services.common.gst.periods import Period

SEPARATOR = "@"


def instance_key(key: str, return_period: str) -> str:
    """Where a later link that keeps the amended number lives."""
    return f"{key}{SEPARATOR}{return_period}"


def base_of(key: str) -> str:
    return key.split(SEPARATOR, 1)[0]


def reamends(current: ImsDocument | None, return_period: str) -> bool:
    """Whether a report in `return_period` under `current`'s key is a later link of its chain: `current`
    is a filed amendment that an earlier return reported."""
    if current is None or current.original_key is None or current.filing_status != "filed":
        return False
    try:
        return Period.parse(return_period) > Period.parse(current.return_period)
    except ValueError:
        return False


def link_number(prior: ImsDocument | None) -> int:
    """An amendment's place in its chain: one after the link it amends (the original is 0)."""
    return 1 if prior is None else (prior.link_no or 0) + 1
