"""Which documents may not be kept Pending, and until when the one-period window lasts (docs/rules.md §3).

Pending is blocked where accepting *reduces* ITC: original credit notes; upward amendments of a
credit note; downward credit-note amendments whose original was rejected; downward amendments of an
invoice, debit note or ECO document whose original was accepted (or deemed accepted: No Action) and
frozen by a filed GSTR-3B, the case in which GSTR-2B counts the amendment as a difference. From
the October 2025 GSTR-2B period such documents may stay Pending until the GSTR-3B due date of the
following tax period; before it, never.
"""

from __future__ import annotations

import functools
from datetime import date

from services.actions.domain.model import REJECT, ImsDocument
from services.common.gst.periods import IMS_POLICY_START, Period, gstr3b_due_date, section_16_4_deadline
from services.common.gst.sections import sections_where

ORIGINAL_CREDIT_NOTES = sections_where(lambda s: s.is_original_credit_note)
CREDIT_NOTE_AMENDMENTS = sections_where(lambda s: s.amends_credit_note)
SUPPLY_AMENDMENTS = sections_where(lambda s: s.amends_supply)
ITC_TIME_LIMITED = sections_where(lambda s: s.itc_time_limited)


def direction(amendment_value: int, original: ImsDocument | None) -> str | None:
    if original is None:
        return None
    if amendment_value > original.value:
        return "up"
    return "down" if amendment_value < original.value else "same"


def is_pending_blocked(doc: ImsDocument, original: ImsDocument | None) -> bool:
    return blocked(doc.section, doc.amend_direction, original)


def blocked(section: str, amend_direction: str | None, original: ImsDocument | None) -> bool:
    if section in ORIGINAL_CREDIT_NOTES:
        return True
    if section in CREDIT_NOTE_AMENDMENTS:
        if amend_direction == "up":
            return True
        return amend_direction == "down" and original is not None and original.action == REJECT
    if section in SUPPLY_AMENDMENTS:
        # accepted, or deemed accepted (No Action), when its GSTR-3B was filed: the ITC was taken
        return amend_direction == "down" and original is not None and original.frozen and original.action != REJECT
    return False


def policy_period(doc: ImsDocument) -> Period:
    """The period that decides: the GSTR-2B period once filed, else the return period (saved documents)."""
    return _parse(doc.gstr2b_period or doc.return_period)


@functools.lru_cache(maxsize=1024)
def _parse(mmyyyy: str) -> Period:
    return Period.parse(mmyyyy)  # immutable, and a bulk check asks for the same few periods 100,000 times


def pending_deadline(doc: ImsDocument, quarterly: bool = False) -> str | None:
    """Last day Pending is allowed for a blocked document; None where Pending is not allowed at all.

    **Our rule** for a saved document (no GSTR-2B period until it is filed): its return period stands in,
    as it does for remarks; filing it sets the window again from the GSTR-2B period it lands in."""
    return deadline(doc.gstr2b_period or doc.return_period, quarterly)


@functools.lru_cache(maxsize=1024)
def deadline(gstr2b_period: str | None, quarterly: bool = False) -> str | None:
    if gstr2b_period is None:
        return None
    period = Period.parse(gstr2b_period)
    if period < IMS_POLICY_START:
        return None
    following = period.quarter_end.next() if quarterly else period.next()
    return gstr3b_due_date(following, quarterly).isoformat()


def window_over(doc: ImsDocument, today: str) -> bool:
    """Whether a blocked document's Pending window closed before `today` (ISO dates): Pending is refused
    from the day after the deadline, and the clock deems a document still Pending then accepted. The
    projector's clock restates this in SQL (services/actions/projector/periods.py, tested against it)."""
    return doc.pending_blocked and doc.pending_deadline is not None and today > doc.pending_deadline


def past_section_16_4(doc: ImsDocument, today: str) -> bool:
    """Our rule (docs/rules.md §3): an invoice or debit note still Pending after its section 16(4) limit leaves
    IMS for "ITC not available", reason C; a credit note has no such limit. The projector's clock restates
    this in SQL (services/actions/projector/periods.py, tested against it)."""
    if doc.section not in ITC_TIME_LIMITED:
        return False
    return date.fromisoformat(today) > section_16_4_deadline(date.fromisoformat(doc.doc_date))


def reduction_applies(doc: ImsDocument) -> bool:
    """Whether accepting asks "Whether ITC needs to be reduced?" (from the Oct-2025 period)."""
    if policy_period(doc) < IMS_POLICY_START:
        return False
    if doc.section in ORIGINAL_CREDIT_NOTES:
        return True
    if doc.section in CREDIT_NOTE_AMENDMENTS:
        return doc.amend_direction == "up"
    return doc.section in SUPPLY_AMENDMENTS and doc.amend_direction == "down"
