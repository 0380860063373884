"""How a supplier's report changes a recipient's IMS document (docs/rules.md §5).

Pure decisions, applied by the projector in log order, so a replay decides identically:
- a new document starts at No Action;
- the identical version again is a no-op, except that a saved document posted as filed becomes filed;
- a changed version of a *saved* document replaces it and drops the recipient's action;
- a changed version of a *filed* document is refused: filed documents change only by amendment;
- "flag D" deletes a saved document and is refused for a filed one;
- an amendment supersedes its original while the original is still live (our rule); a later amendment
  of the same original is the next link of its chain (domain/chains.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from services.actions.domain.chains import link_number
from services.actions.domain.model import NO_ACTION, ImsDocument, Refusal, evolve
from services.actions.domain.pending import blocked, deadline, direction, is_pending_blocked, pending_deadline


@dataclass(frozen=True, slots=True)
class FilingFacts:
    recipient: str
    status: str
    filed_on: str | None
    reference_id: str
    return_period: str
    quarterly_recipient: bool = False  # a QRMP recipient's one-period Pending window lasts a quarter


@dataclass(frozen=True, slots=True)
class FilingOutcome:
    document: ImsDocument | None  # the new state; None = removed (or nothing to do when unchanged)
    changed: bool
    removed: bool = False
    refusal: Refusal | None = None
    what: str = ""  # history label: filed, saved, replaced, marked_filed, deleted


def incoming_document(
    record: Mapping[str, Any],
    facts: FilingFacts,
    original: ImsDocument | None = None,
    current: ImsDocument | None = None,
) -> ImsDocument:
    """The document a filing reports, with everything derived at once (one construction per document:
    this is the projector's hot path). For an amendment, `original` is the link it amends: the original,
    or the chain's latest amendment."""
    amend = direction(record["value"], original) if record["original_key"] else None
    is_blocked = blocked(record["section"], amend, original)
    return ImsDocument(
        recipient=facts.recipient,
        doc_key=record["key"],
        original_key=record["original_key"],
        section=record["section"],
        supplier=record["supplier"],
        number=record["number"],
        doc_date=record["doc_date"],
        note_type=record["note_type"],
        orig_number=record["orig_number"],
        orig_date=record["orig_date"],
        inv_typ=record["inv_typ"],
        pos=record["pos"],
        reverse_charge=record["reverse_charge"],
        source_form=record["source_form"],
        return_period=facts.return_period,
        value=record["value"],
        taxable=record["taxable"],
        igst=record["igst"],
        cgst=record["cgst"],
        sgst=record["sgst"],
        cess=record["cess"],
        version_hash=record["version_hash"],
        route=record["route"],
        part=record["part"],
        reason=record["reason"],
        filing_status=facts.status,
        filed_on=facts.filed_on,
        gstr2b_period=record["gstr2b_period"],
        ecom_operator=record["ecom_operator"],
        diff_percent=record["diff_percent"],
        port_code=record["port_code"],
        sez_supplier=record.get("sez_supplier"),
        last_reference=facts.reference_id,
        action=NO_ACTION,
        prev_action=current.action if current is not None else None,
        amend_direction=amend,
        pending_blocked=is_blocked,
        pending_deadline=(
            deadline(record["gstr2b_period"] or facts.return_period, facts.quarterly_recipient) if is_blocked else None
        ),
        link_no=link_number(original) if record["original_key"] else None,
    )


def decide_filing(
    current: ImsDocument | None, record: Mapping[str, Any], facts: FilingFacts, original: ImsDocument | None
) -> FilingOutcome:
    if record["deleted"]:
        return _delete(current)
    incoming = incoming_document(record, facts, original, current)
    if current is not None and current.frozen:
        if current.version_hash == incoming.version_hash:
            return FilingOutcome(current, False)  # the same document reported again: nothing to do
        return FilingOutcome(current, False, refusal=Refusal("FROZEN", "its GSTR-3B period is filed; amend instead"))
    if current is not None and current.version_hash == incoming.version_hash:
        if current.filing_status == "saved" and facts.status == "filed":
            marked = evolve(
                current,
                filing_status="filed",
                filed_on=incoming.filed_on,
                gstr2b_period=incoming.gstr2b_period,
                route=incoming.route,
                part=incoming.part,
                reason=incoming.reason,
                last_reference=facts.reference_id,
            )
            return FilingOutcome(
                _with_pending_rules(marked, original, facts.quarterly_recipient), True, what="marked_filed"
            )
        return FilingOutcome(current, False)
    if current is not None and current.filing_status == "filed":
        message = (
            "this amendment is already filed with other content in this return period; "
            "a later return may amend the original again"
            if current.original_key is not None
            else "a filed document changes only through an amendment table"
        )
        return FilingOutcome(current, False, refusal=Refusal("ALREADY_FILED", message))
    what = "replaced" if current is not None else ("filed" if facts.status == "filed" else "saved")
    return FilingOutcome(incoming, True, what=what)


def _delete(current: ImsDocument | None) -> FilingOutcome:
    if current is None:
        return FilingOutcome(None, False)
    if current.filing_status == "filed" or current.frozen:
        return FilingOutcome(
            current,
            False,
            refusal=Refusal("ALREADY_FILED", "a filed document cannot be deleted; amend it instead"),
        )
    return FilingOutcome(None, True, removed=True, what="deleted")


def _with_pending_rules(doc: ImsDocument, original: ImsDocument | None, quarterly: bool) -> ImsDocument:
    blocked = is_pending_blocked(doc, original)
    return evolve(doc, pending_blocked=blocked, pending_deadline=pending_deadline(doc, quarterly) if blocked else None)


def supersedes(amendment: ImsDocument, original: ImsDocument | None) -> bool:
    """Our rule: an amendment filed while its original (or the chain's previous link) is live and unfrozen
    supersedes it. A saved draft does not: it enters no GSTR-2B, and the filed document keeps counting."""
    return (
        amendment.filing_status == "filed"
        and original is not None
        and not original.frozen
        and original.superseded_by is None
    )
