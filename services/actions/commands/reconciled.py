"""`POST /v1/ims/{gstin}/recon/apply`: the reconciliation's suggested actions sent as one SAVE through the ordinary
action path (docs/rules.md §10.5).

The reconciliation is computed as `GET .../recon` computes it, with the same filters (services/recon/views.py).
A document is sent when its suggestion is Accept, Reject or Pending and differs from its current action; each
record carries the hash of the version reconciled, so a document the supplier changed since is refused
(`STALE_HASH`), and goes through `handlers.execute` like any SAVE: every IMS rule checked, one refusal per
document in the REQSTS answer, the events (`ActionsTaken`, 5,000 documents each) and the answer logged
together, the Idempotency-Key honoured. Reject and Pending carry a remark naming the policy version and the
reason (at most 250 characters, where the IMS allows remarks: §3.5); an accepted credit note declares the ITC
reduction the books show. Accept takes no remark, so the answer (the request the events name) names the policy
version beside GSTN's keys: `recon` {fy, policy_version, suggested, sent}.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from sqlalchemy import Engine

from services.actions.commands import handlers
from services.actions.commands.handlers import Item
from services.actions.commands.ports import CommandPorts, Documents
from services.actions.domain.actions import REMARK_ACTIONS
from services.actions.domain.model import ACCEPT, PENDING, REJECT, ActionRequest, ImsDocument
from services.actions.domain.pending import policy_period, reduction_applies
from services.common.gst.periods import IMS_POLICY_START
from services.common.gst.remarks import MAX_REMARKS
from services.recon import views
from services.recon.domain.reconcile import Outcome
from services.recon.domain.summary import Filter

SENT = (ACCEPT, REJECT, PENDING)


def apply(
    ports: CommandPorts,
    engine: Engine,
    recipient: str,
    start_year: int,
    chosen: Filter,
    actor: str,
    idempotency_key: str | None,
    confirmed: Callable[[Sequence[Outcome]], None] | None = None,
) -> dict[str, Any]:
    """Reconcile, then SAVE the suggested actions that change something; a retry under the same key gets the
    first answer and reconciles nothing. `confirmed` sees the outcomes about to be sent and may refuse them
    whole (CommandRefused) before anything is checked or logged: the web page's confirmation step."""
    tally: dict[str, Any] = {"fy": views.fy_of(start_year)}

    def items() -> list[Item]:
        found = views.reconciled(engine, recipient, start_year, chosen)
        wanted = to_send(found.outcomes)
        if confirmed is not None:
            confirmed(wanted)
        tally.update(policy_version=found.policy.version, suggested=len(wanted))
        return items_of(ports.documents, recipient, wanted, found.policy.version)

    def beside(answer: dict[str, Any]) -> dict[str, Any]:
        return {"recon": tally | {"sent": answer["proc_cnt"]}}

    return handlers.execute(ports, recipient, "SAVE", items, actor, idempotency_key, beside)


def to_send(outcomes: Sequence[Outcome]) -> list[Outcome]:
    """The outcomes whose suggestion is an action that would change the document's current one."""
    return [
        o for o in outcomes if o.ims is not None and o.suggestion.action in SENT and o.suggestion.action != o.ims.action
    ]


def items_of(documents: Documents, recipient: str, outcomes: Sequence[Outcome], version: int) -> list[Item]:
    """One SAVE item per outcome, in the reconciliation's order."""
    docs = documents.load({(recipient, o.ims.doc_key) for o in outcomes if o.ims is not None})
    found = []
    for outcome in outcomes:
        assert outcome.ims is not None
        doc = docs.get((recipient, outcome.ims.doc_key))
        request = request_of(outcome, doc, version)
        found.append(
            Item(outcome.ims.section, {"stin": outcome.ims.ctin, "doc_id": outcome.ims.doc_key}, request, document=doc)
        )
    return found


def request_of(outcome: Outcome, doc: ImsDocument | None, version: int) -> ActionRequest:
    """The suggestion as a SAVE record: the remark where the IMS takes one, the declared reduction where asked."""
    assert outcome.ims is not None
    s = outcome.suggestion
    remarks = None
    if doc is not None and s.action in REMARK_ACTIONS and policy_period(doc) >= IMS_POLICY_START:
        remarks = remark(outcome, version)
    declared: tuple[int | None, ...] = (None, None, None, None)
    reduction = None
    if s.action == ACCEPT and s.itc_reduction is not None and doc is not None and reduction_applies(doc):
        r = s.itc_reduction
        reduction, declared = "Y", (r.igst, r.cgst, r.sgst, r.cess)
    hash_ = outcome.ims.version_hash or None
    return ActionRequest(outcome.ims.doc_key, s.action, hash_, remarks, reduction, *declared)


def remark(outcome: Outcome, version: int) -> str:
    """`Reconciliation (policy vN, category): ` and the suggestion's remark or reason, cut at a clause boundary
    to at most 250 characters."""
    s = outcome.suggestion
    text = f"Reconciliation (policy v{version}, {outcome.category}): {s.remark or s.reason}"
    if len(text) <= MAX_REMARKS:
        return text
    cut = text.rfind("; ", 0, MAX_REMARKS)
    return text[:cut] if cut > 0 else text[:MAX_REMARKS]
