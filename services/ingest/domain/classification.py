"""Where a document goes: the recipient's IMS, or straight to a GSTR-2B part (docs/rules.md §2).

Precedence (our rule): reverse charge first, then the place-of-supply bar (reason P), then the
section 16(4) time limit (reason C). A document caught by several rules is routed by the first.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from services.common.gst.periods import section_16_4_deadline
from services.common.gst.sections import section
from services.ingest.domain.documents import Document

TARGET_IMS = "ims"
TARGET_GSTR2B = "gstr2b"
PART_IMS = "ims"
PART_REVERSE_CHARGE = "revsup"
PART_ITC_UNAVAILABLE = "itcunavl"
REASON_POS = "P"
REASON_TIME_LIMIT = "C"


@dataclass(frozen=True, slots=True)
class Route:
    target: str  # "ims" or "gstr2b"
    part: str  # "ims", "revsup" or "itcunavl"
    reason: str  # "P" / "C" for itcunavl, "" otherwise


TO_IMS = Route(TARGET_IMS, PART_IMS, "")
REVERSE_CHARGE = Route(TARGET_GSTR2B, PART_REVERSE_CHARGE, "")
POS_INELIGIBLE = Route(TARGET_GSTR2B, PART_ITC_UNAVAILABLE, REASON_POS)
TIME_BARRED = Route(TARGET_GSTR2B, PART_ITC_UNAVAILABLE, REASON_TIME_LIMIT)


def classify(doc: Document, filed_on: date | None) -> Route:
    """Route a document; ``filed_on`` is the supplier's filing date (None while only saved).

    - reverse charge (``rchrg`` Y) -> GSTR-2B "revsup";
    - POS state = supplier state while the recipient is in another state -> "itcunavl"/P
      (never for imports or ISD documents, whose POS is the recipient's own state);
    - filed after the 16(4) deadline of the document's own date (for amendments too: the
      amended document's date, not the original's) -> "itcunavl"/C. Our rule: credit notes are
      never time-barred, since they reduce ITC rather than claim it.
    """
    kind = section(doc.section)
    if doc.reverse_charge:
        return REVERSE_CHARGE
    if not (kind.is_import or kind.is_isd) and _pos_bars_itc(doc):
        return POS_INELIGIBLE
    if filed_on is not None and kind.itc_time_limited and filed_on > section_16_4_deadline(doc.doc_date):
        return TIME_BARRED
    return TO_IMS


def _pos_bars_itc(doc: Document) -> bool:
    supplier_state, recipient_state = doc.supplier[:2], doc.recipient[:2]
    return doc.pos == supplier_state and recipient_state != doc.pos
