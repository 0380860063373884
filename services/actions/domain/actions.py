"""Whether a recipient's action on a document is allowed, and the document it leaves (docs/rules.md §3).

Used twice with the same code: by the API to answer at once, and by the projector in log order, which
is the authority (a race with an amendment or a GSTR-3B filing is refused there, identically on replay).
"""

from __future__ import annotations

from services.actions.domain.model import (
    ACCEPT,
    ACTIONS,
    NO_ACTION,
    PENDING,
    REJECT,
    ActionRequest,
    ImsDocument,
    Refusal,
    evolve,
)
from services.actions.domain.pending import policy_period, reduction_applies, window_over
from services.common.gst.periods import IMS_POLICY_START
from services.common.gst.remarks import MAX_REMARKS
from services.common.gst.sections import sections_where
from services.common.quoting import shown

REMARK_ACTIONS = (REJECT, PENDING)
NOT_REJECTABLE = sections_where(lambda s: not s.may_be_rejected)


def check_action(doc: ImsDocument | None, request: ActionRequest, today: str) -> Refusal | None:
    """None when allowed; otherwise the first rule it breaks. `today` is the event's own date."""
    if doc is None:
        return Refusal("NOT_FOUND", "no such document in this recipient's IMS")
    if request.action not in ACTIONS:
        return Refusal("INVALID_ACTION", f"action: must be one of N, A, R, P, got {shown(request.action)}")
    if doc.route != "ims":
        return Refusal("NOT_ACTIONABLE", f"the document skipped IMS ({doc.part} {doc.reason}".strip() + ")")
    if doc.frozen:
        return Refusal("FROZEN", f"GSTR-3B for {doc.gstr2b_period} is filed; the document can no longer be actioned")
    if doc.superseded_by is not None:
        return Refusal("SUPERSEDED", "an amendment of this document superseded it; act on the amendment")
    if request.version_hash is not None and request.version_hash != doc.version_hash:
        return Refusal("STALE_HASH", "hash: the document changed since it was read; fetch it again")
    if request.action == REJECT and doc.section in NOT_REJECTABLE:
        return Refusal("REJECT_NOT_ALLOWED", "action: import of goods documents can be accepted or kept pending only")
    if request.action == PENDING and doc.pending_blocked:
        if doc.pending_deadline is None:
            return Refusal("PENDING_BLOCKED", "action: Pending is not allowed for this document (ispendactblocked)")
        if window_over(doc, today):
            return Refusal("PENDING_WINDOW_OVER", f"action: Pending was allowed until {doc.pending_deadline}")
    return _check_remarks(doc, request) or _check_reduction(doc, request)


def _check_remarks(doc: ImsDocument, request: ActionRequest) -> Refusal | None:
    if not request.remarks:
        return None
    if request.action not in REMARK_ACTIONS:
        return Refusal("REMARKS_NOT_ALLOWED", "remarks: allowed only with Reject or Pending")
    if len(request.remarks) > MAX_REMARKS:
        return Refusal("REMARKS_TOO_LONG", f"remarks: at most {MAX_REMARKS} characters, got {len(request.remarks)}")
    if policy_period(doc) < IMS_POLICY_START:
        return Refusal("REMARKS_NOT_ALLOWED", "remarks: allowed from the October 2025 period")
    return None


def _check_reduction(doc: ImsDocument, request: ActionRequest) -> Refusal | None:
    declared = (request.decl_igst, request.decl_cgst, request.decl_sgst, request.decl_cess)
    if request.itc_red_req is None and all(d is None for d in declared):
        return None
    if request.action != ACCEPT or not reduction_applies(doc):
        return Refusal(
            "REDUCTION_NOT_ALLOWED",
            "itcRedReq: an ITC-reduction declaration applies only when accepting a credit note, an upward "
            "credit-note amendment or a downward invoice/debit-note amendment (from the Oct-2025 period)",
        )
    if request.itc_red_req not in ("Y", "N"):
        return Refusal("INVALID_REDUCTION", f"itcRedReq: must be Y or N, got {shown(request.itc_red_req)}")
    if request.itc_red_req == "N" and any(d is not None for d in declared):
        return Refusal("INVALID_REDUCTION", "declIgst: no amounts may be declared when itcRedReq is N")
    heads = (
        ("declIgst", request.decl_igst, doc.igst),
        ("declCgst", request.decl_cgst, doc.cgst),
        ("declSgst", request.decl_sgst, doc.sgst),
        ("declCess", request.decl_cess, doc.cess),
    )
    for name, amount, tax in heads:
        if amount is not None and not 0 <= amount <= tax:
            return Refusal("INVALID_REDUCTION", f"{name}: must be between 0 and the document's tax {tax / 100:.2f}")
    if (request.decl_cgst or 0) != (request.decl_sgst or 0):
        return Refusal("INVALID_REDUCTION", "declCgst: must equal declSgst")
    return None


def apply_action(doc: ImsDocument, request: ActionRequest, actor: str, at: str) -> ImsDocument:
    """The document after an allowed action; reset (N) clears remarks and any declaration."""
    if request.action == NO_ACTION:
        return evolve(
            doc,
            action=NO_ACTION,
            prev_action=doc.action,
            remarks=None,
            itc_red_req=None,
            decl_igst=None,
            decl_cgst=None,
            decl_sgst=None,
            decl_cess=None,
            deemed=False,
            action_actor=actor,
            action_at=at,
        )
    declaration = _declaration(doc, request) if request.action == ACCEPT and reduction_applies(doc) else None
    return evolve(
        doc,
        action=request.action,
        prev_action=doc.action,
        remarks=request.remarks if request.action in REMARK_ACTIONS else None,
        itc_red_req=declaration[0] if declaration else None,
        decl_igst=declaration[1] if declaration else None,
        decl_cgst=declaration[2] if declaration else None,
        decl_sgst=declaration[3] if declaration else None,
        decl_cess=declaration[4] if declaration else None,
        deemed=False,
        action_actor=actor,
        action_at=at,
    )


def _declaration(doc: ImsDocument, r: ActionRequest) -> tuple[str, int | None, int | None, int | None, int | None]:
    """Default Yes with the full reduction (no amounts: GSTR-2B counts the whole credit note, or the whole
    difference for an amendment); No means no reduction; Yes with amounts is a partial one."""
    if r.itc_red_req == "N":
        return ("N", 0, 0, 0, 0)
    if all(d is None for d in (r.decl_igst, r.decl_cgst, r.decl_sgst, r.decl_cess)):
        if doc.original_key is None:  # an original credit note: its whole tax
            return ("Y", doc.igst, doc.cgst, doc.sgst, doc.cess)
        return ("Y", None, None, None, None)  # an amendment: the whole difference, computed at GSTR-2B
    return ("Y", r.decl_igst or 0, r.decl_cgst or 0, r.decl_sgst or 0, r.decl_cess or 0)
