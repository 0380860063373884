"""Amendment chains: an original, its amendment, the amendment's own amendment, and so on (IMS-RULES §5).

A supplier amends a document again in a later return by reporting the original's number (`oinum`,
`ont_num`, `oboe_num`) once more in an amendment table. Every link of the chain names the same original
(its `original_key`); the links are ordered by arrival, each original or link pointing at the next
through `amended_by`. A new link:
- amends the previous link (its direction, and whether Pending is blocked, are judged against it);
- supersedes it while that link is still live and unfrozen (our rule, as for a first amendment);
- counts in GSTR-2B as the difference from the latest link whose ITC a filed GSTR-3B took (`base_key`):
  the previous link when it was taken, otherwise whatever that link counted against, and the full value
  when nothing of the chain was taken (the original rejected, or superseded before any GSTR-3B).

Our rule for a re-amendment that keeps the amended number: the amendment key names section, supplier,
financial year and number, so the later link is kept under that key plus `@` and the return period
that reports it (`b2ba|...|INV-1@112025`). The recipient still names it by number (SAVE resolves a
number to the chain's live link); the supplier view and GETINV show it as any other document. Within
one return period a filed amendment changes no more than a filed original does.
"""

from __future__ import annotations

from services.actions.domain.model import REJECT, ImsDocument
from services.common.periods import Period

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


def taken_base(prior: ImsDocument | None) -> str | None:
    """The link a new amendment counts its difference from: what a filed GSTR-3B took of the chain.

    Judged when the link arrives and again when a saved link is filed; a link that is live then is
    superseded by it and never reaches a GSTR-3B, and a frozen link stays as it was, so the answer does
    not change afterwards (replays and GSTR-2B recomputes agree with it)."""
    if prior is None:
        return None
    if prior.frozen and prior.action != REJECT:
        return prior.doc_key
    return prior.base_key

