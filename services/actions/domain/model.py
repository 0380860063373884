"""The IMS read-model row of one live document, and the facts of the events that change it."""

from __future__ import annotations

from dataclasses import dataclass

NO_ACTION, ACCEPT, REJECT, PENDING = "N", "A", "R", "P"
ACTIONS = (NO_ACTION, ACCEPT, REJECT, PENDING)
ACTION_NAMES = {NO_ACTION: "noaction", ACCEPT: "accept", REJECT: "reject", PENDING: "pending"}


@dataclass(slots=True)
class ImsDocument:
    """One document as the recipient's IMS holds it. Amounts in paise; dates ISO text or None.

    Treated as immutable: code never assigns to a field, `evolve` returns a changed copy. It is not
    `frozen` only because frozen construction costs ten times more, and the projector builds one per
    document it applies.
    """

    recipient: str
    doc_key: str
    original_key: str | None
    section: str
    supplier: str
    number: str
    doc_date: str
    note_type: str | None
    orig_number: str | None
    orig_date: str | None
    inv_typ: str
    pos: str
    reverse_charge: bool
    source_form: str
    return_period: str
    value: int
    taxable: int
    igst: int
    cgst: int
    sgst: int
    cess: int
    version_hash: str
    route: str
    part: str
    reason: str
    filing_status: str  # saved / filed
    filed_on: str | None
    gstr2b_period: str | None
    ecom_operator: str | None
    diff_percent: str | None
    port_code: str | None
    action: str = NO_ACTION
    prev_action: str | None = None
    remarks: str | None = None
    itc_red_req: str | None = None
    decl_igst: int | None = None
    decl_cgst: int | None = None
    decl_sgst: int | None = None
    decl_cess: int | None = None
    pending_blocked: bool = False
    pending_deadline: str | None = None
    amend_direction: str | None = None  # up / down / same, for amendments whose original is known
    frozen: bool = False
    superseded_by: str | None = None
    deemed: bool = False
    action_actor: str | None = None
    action_at: str | None = None
    last_reference: str | None = None
    amended_by: str | None = None  # the next link of its amendment chain (domain/chains.py)
    base_key: str | None = None  # an amendment: the link a filed GSTR-3B took, set at GSTR-2B generation
    link_no: int | None = None  # an amendment: its place in the chain (domain/chains.py)
    sez_supplier: str | None = None  # a Bill of Entry of goods from an SEZ: the SEZ supplier's GSTIN

    @property
    def counted(self) -> bool:
        """Whether the dashboard counts it: in IMS, not frozen by a filed GSTR-3B, not superseded."""
        return self.route == "ims" and not self.frozen and self.superseded_by is None

    @property
    def count_key(self) -> tuple[str, str, str, str]:
        return (self.recipient, self.return_period, self.section, self.action)


def evolve(doc: ImsDocument, **changes: object) -> ImsDocument:
    """A copy with some fields changed (a fast `dataclasses.replace`)."""
    copy = object.__new__(ImsDocument)
    for name in _FIELD_NAMES:
        object.__setattr__(copy, name, changes[name] if name in changes else getattr(doc, name))
    return copy


_FIELD_NAMES = tuple(ImsDocument.__dataclass_fields__)


@dataclass(frozen=True, slots=True)
class ActionRequest:
    """One document's requested action, as carried by an `ActionsTaken` event."""

    doc_key: str
    action: str  # N (reset), A, R, P
    version_hash: str | None
    remarks: str | None = None
    itc_red_req: str | None = None
    decl_igst: int | None = None
    decl_cgst: int | None = None
    decl_sgst: int | None = None
    decl_cess: int | None = None


@dataclass(frozen=True, slots=True)
class Refusal:
    code: str
    message: str
