"""The event registry: one frozen dataclass per (event type, version) of `schemas/`, and the only home of the
type names (a unit test refuses them as string literals anywhere else under services/).

Fields are those of the `.avsc`, in its order (tests/contract checks both ways). The items of an event's
array (a filing's documents, a request's action items, a notification's documents) stay plain dicts, typed
by `TypedDict`s: a filing carries thousands of documents, and a dataclass per document cost more than half
again of their Avro decode (docs/adr-004-typed-events.md).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from typing import Any, ClassVar, Self, TypedDict

DOCUMENTS_FILED = "DocumentsFiled"
ACTIONS_TAKEN = "ActionsTaken"
GSTR3B_FILED = "Gstr3bFiled"
CLOCK_ADVANCED = "ClockAdvanced"
GSTR2B_RECOMPUTE_REQUESTED = "Gstr2bRecomputeRequested"
RECIPIENT_PROFILE_SET = "RecipientProfileSet"
RULE37A_REVERSAL_REPORTED = "Rule37aReversalReported"
SUPPLIER_NOTIFIED = "SupplierNotified"
TAXPAYER_NAMES_LOADED = "TaxpayerNamesLoaded"
PURCHASES_BOOKED = "PurchasesBooked"
PURCHASE_CANCELLED = "PurchaseCancelled"
RECON_POLICY_SET = "ReconPolicySet"
RECON_LINKS_CHANGED = "ReconLinksChanged"
DEADLINE_APPROACHING = "DeadlineApproaching"


class Event:
    """A decoded event of one type and version; `from_record` / `to_record` are the Avro record's form."""

    __slots__ = ()
    EVENT_TYPE: ClassVar[str]
    VERSION: ClassVar[int]

    @classmethod
    def from_record(cls, record: Mapping[str, Any]) -> Self:
        return cls(**record)

    def to_record(self) -> dict[str, Any]:
        """The record the schema writes; array items are the event's own (not copied)."""
        return {f.name: getattr(self, f.name) for f in fields(self)}  # type: ignore[arg-type]


class FiledItem(TypedDict):
    rate: str
    taxable: int
    igst: int
    cgst: int
    sgst: int
    cess: int


class FiledDocumentV1(TypedDict):
    key: str
    original_key: str | None
    version_hash: str
    section: str
    supplier: str
    number: str
    doc_date: str
    source_form: str
    inv_typ: str
    pos: str
    reverse_charge: bool
    value: int
    taxable: int
    igst: int
    cgst: int
    sgst: int
    cess: int
    note_type: str | None
    orig_number: str | None
    orig_date: str | None
    ecom_operator: str | None
    diff_percent: str | None
    port_code: str | None
    items: list[FiledItem]
    route: str
    part: str
    reason: str
    gstr2b_period: str | None
    deleted: bool


class FiledDocument(FiledDocumentV1):
    """A filed document as producers write it and consumers read it (version 2)."""

    sez_supplier: str | None  # a Bill of Entry of goods from an SEZ: the SEZ supplier's GSTIN


@dataclass(frozen=True, slots=True)
class DocumentsFiledV1(Event):
    EVENT_TYPE: ClassVar[str] = DOCUMENTS_FILED
    VERSION: ClassVar[int] = 1
    reference_id: str
    form: str
    filer: str
    return_period: str  # MMYYYY
    status: str  # saved or filed
    filed_on: str | None  # ISO date, when filed
    recipient: str
    chunk: int
    chunks: int
    documents: list[FiledDocumentV1]


@dataclass(frozen=True, slots=True)
class DocumentsFiledV2(Event):
    """Version 2: each document carries `sez_supplier` (schemas/DocumentsFiled.v2.avsc)."""

    EVENT_TYPE: ClassVar[str] = DOCUMENTS_FILED
    VERSION: ClassVar[int] = 2
    reference_id: str
    form: str
    filer: str
    return_period: str  # MMYYYY
    status: str  # saved or filed
    filed_on: str | None  # ISO date, when filed
    recipient: str
    chunk: int
    chunks: int
    documents: list[FiledDocument]


def upcast_documents_filed_v1_to_v2(record: dict[str, Any]) -> dict[str, Any]:
    """A version 1 filing as version 2: no document of it named an SEZ supplier. In place (the decoded
    record is the codec's own), so an old log replays without a second Avro pass over its documents."""
    for document in record["documents"]:
        document["sez_supplier"] = None
    return record


class ActionItem(TypedDict):
    doc_key: str
    section: str
    action: str
    version_hash: str | None
    remarks: str | None
    itc_red_req: str | None
    decl_igst: int | None
    decl_cgst: int | None
    decl_sgst: int | None
    decl_cess: int | None


@dataclass(frozen=True, slots=True)
class ActionsTakenV1(Event):
    EVENT_TYPE: ClassVar[str] = ACTIONS_TAKEN
    VERSION: ClassVar[int] = 1
    reference_id: str
    recipient: str
    request_type: str  # SAVE, RESET or BULK
    chunk: int
    chunks: int
    items: list[ActionItem]


@dataclass(frozen=True, slots=True)
class Gstr3bFiledV1(Event):
    EVENT_TYPE: ClassVar[str] = GSTR3B_FILED
    VERSION: ClassVar[int] = 1
    recipient: str
    period: str  # MMYYYY
    filed_on: str  # ISO date


@dataclass(frozen=True, slots=True)
class ClockAdvancedV1(Event):
    EVENT_TYPE: ClassVar[str] = CLOCK_ADVANCED
    VERSION: ClassVar[int] = 1
    recipient: str
    date: str  # ISO date


@dataclass(frozen=True, slots=True)
class Gstr2bRecomputeRequestedV1(Event):
    EVENT_TYPE: ClassVar[str] = GSTR2B_RECOMPUTE_REQUESTED
    VERSION: ClassVar[int] = 1
    recipient: str
    period: str  # MMYYYY
    reference_id: str


@dataclass(frozen=True, slots=True)
class RecipientProfileSetV1(Event):
    EVENT_TYPE: ClassVar[str] = RECIPIENT_PROFILE_SET
    VERSION: ClassVar[int] = 1
    recipient: str
    quarterly: bool


@dataclass(frozen=True, slots=True)
class Rule37aReversalReportedV1(Event):
    EVENT_TYPE: ClassVar[str] = RULE37A_REVERSAL_REPORTED
    VERSION: ClassVar[int] = 1
    reference_id: str
    recipient: str
    supplier: str
    periods: list[str]  # MMYYYY
    reported_on: str  # ISO date


class NotifiedDocument(TypedDict):
    doc_key: str
    section: str
    number: str
    doc_date: str
    action: str
    remarks: str | None
    liability_addback_igst: int
    liability_addback_cgst: int
    liability_addback_sgst: int
    liability_addback_cess: int


@dataclass(frozen=True, slots=True)
class SupplierNotifiedV1(Event):
    EVENT_TYPE: ClassVar[str] = SUPPLIER_NOTIFIED
    VERSION: ClassVar[int] = 1
    supplier: str
    recipient: str
    cause_event_id: str
    documents: list[NotifiedDocument]


class DeadlineDocument(TypedDict):
    doc_key: str
    section: str
    number: str
    ctin: str  # the supplier's GSTIN
    doc_date: str  # ISO date
    return_period: str  # MMYYYY


@dataclass(frozen=True, slots=True)
class DeadlineApproachingV1(Event):
    """A deadline of the recipient's documents is near (docs/rules.md §4.6): announced once per document, kind
    and deadline, by the clock event `cause_event_id`; one event per chunk of at most 1,000 documents."""

    EVENT_TYPE: ClassVar[str] = DEADLINE_APPROACHING
    VERSION: ClassVar[int] = 1
    recipient: str
    kind: str  # pending_window, limit_16_4, deemed_acceptance
    deadline: str  # ISO date
    clock_date: str  # ISO date
    cause_event_id: str
    chunk: int
    chunks: int
    total: int  # documents of this kind and deadline announced by the clock event, over its chunks
    documents: list[DeadlineDocument]


class TaxpayerName(TypedDict):
    gstin: str
    legal_name: str
    trade_name: str  # "" when the taxpayer has none


@dataclass(frozen=True, slots=True)
class TaxpayerNamesLoadedV1(Event):
    EVENT_TYPE: ClassVar[str] = TAXPAYER_NAMES_LOADED
    VERSION: ClassVar[int] = 1
    reference_id: str
    chunk: int
    chunks: int
    taxpayers: list[TaxpayerName]


class BookedVoucher(TypedDict):
    voucher_id: str
    version_hash: str
    version: int  # from 1; each new content, cancellation and revival takes the next
    ctin: str  # "" for a Bill of Entry
    doc_type: str  # INV, DN, CN, BOE
    inum: str
    dt: str  # ISO date
    pos: str
    rev: str  # Y or N
    txval: int  # paise
    igst: int
    cgst: int
    sgst: int
    cess: int
    posting_date: str  # ISO date
    portcode: str
    boenum: str
    tags: dict[str, str]


@dataclass(frozen=True, slots=True)
class PurchasesBookedV1(Event):
    """The recipient's own books (services/recon): voucher versions of its purchase register."""

    EVENT_TYPE: ClassVar[str] = PURCHASES_BOOKED
    VERSION: ClassVar[int] = 1
    reference_id: str
    recipient: str
    chunk: int
    chunks: int
    vouchers: list[BookedVoucher]


@dataclass(frozen=True, slots=True)
class PurchaseCancelledV1(Event):
    EVENT_TYPE: ClassVar[str] = PURCHASE_CANCELLED
    VERSION: ClassVar[int] = 1
    reference_id: str
    recipient: str
    voucher_id: str
    version: int


@dataclass(frozen=True, slots=True)
class ReconPolicySetV1(Event):
    """The recipient's reconciliation policy (services/recon/domain/policy.py), every field, and its version."""

    EVENT_TYPE: ClassVar[str] = RECON_POLICY_SET
    VERSION: ClassVar[int] = 1
    reference_id: str
    recipient: str
    version: int
    tolerance: str
    head_tolerance: int
    taxable_tolerance: int
    percent_bp: int
    fuzzy_threshold: int
    date_window_days: int
    pan_level: bool
    heads: list[str]
    pan_heads: list[str]
    compare_pos: bool
    compare_rev: bool
    mismatch_pending: bool


class ReconLink(TypedDict):
    voucher_id: str
    doc_key: str  # GETINV's doc_id


@dataclass(frozen=True, slots=True)
class ReconLinksChangedV1(Event):
    """Manual links of the recipient's vouchers to IMS documents, made or removed by one request."""

    EVENT_TYPE: ClassVar[str] = RECON_LINKS_CHANGED
    VERSION: ClassVar[int] = 1
    reference_id: str
    recipient: str
    version: int
    chunk: int
    chunks: int
    linked: list[ReconLink]
    unlinked: list[str]


EVENTS: tuple[type[Event], ...] = (
    DocumentsFiledV1,
    DocumentsFiledV2,
    ActionsTakenV1,
    Gstr3bFiledV1,
    ClockAdvancedV1,
    Gstr2bRecomputeRequestedV1,
    RecipientProfileSetV1,
    Rule37aReversalReportedV1,
    SupplierNotifiedV1,
    TaxpayerNamesLoadedV1,
    PurchasesBookedV1,
    PurchaseCancelledV1,
    DeadlineApproachingV1,
    ReconPolicySetV1,
    ReconLinksChangedV1,
)
REGISTRY: Mapping[tuple[str, int], type[Event]] = {(e.EVENT_TYPE, e.VERSION): e for e in EVENTS}
NAMES = frozenset(name for name, _ in REGISTRY)
UPCASTERS: Mapping[tuple[str, int], Callable[[dict[str, Any]], dict[str, Any]]] = {
    (DOCUMENTS_FILED, 1): upcast_documents_filed_v1_to_v2,
}
"""The explicit upcasters (type, from version) the codec runs by default; other steps use Avro resolution."""
