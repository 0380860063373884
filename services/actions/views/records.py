"""GSTN GETINV-shaped records of IMS documents (docs/rules.md §8)."""

from __future__ import annotations

from typing import Any

from services.actions.domain.model import ImsDocument
from services.actions.domain.pending import policy_period, reduction_applies
from services.common.gst.periods import IMS_POLICY_START, dmy
from services.common.gst.sections import sections_where
from services.common.money_json import money

NOTE_SECTIONS = sections_where(lambda s: s.is_note)
IMPORT_SECTIONS = sections_where(lambda s: s.is_import)
SOURCE_FORMS = {"R1": "R1", "R1A": "R1A", "IFF": "IFF", "R5": "R5", "R6": "R6", "BOE": "ICEGATE"}
# sent only when set, as GSTN does (an empty one is left out, not sent as null)
OPTIONAL = ("prev_status", "remarks", "itcRedReq", "declIgst", "declCgst", "declSgst", "declCess", "pendactdeadline")


def getinv_record(doc: ImsDocument) -> dict[str, Any]:
    """GSTN's GETINV record; ours beside its keys (README, "Keys of ours"): `doc_id`, `gstr2bprd`,
    `pendactdeadline`, `ntty`, `etin` and `deemed`, and the Bill of Entry's keys on imports."""
    record: dict[str, Any] = {"doc_id": doc.doc_key, "stin": doc.supplier}
    if doc.section in IMPORT_SECTIONS:
        record |= {"boenum": doc.number, "boedt": dmy(doc.doc_date), "portcode": doc.port_code}
        if doc.orig_number:
            record |= {"oboenum": doc.orig_number, "oboedt": dmy(doc.orig_date)}
    elif doc.section in NOTE_SECTIONS:
        record |= {"nt_num": doc.number, "nt_dt": dmy(doc.doc_date), "ntty": doc.note_type}
        if doc.orig_number:
            record |= {"ont_num": doc.orig_number, "ont_dt": dmy(doc.orig_date)}
    else:
        record |= {"inum": doc.number, "idt": dmy(doc.doc_date)}
        if doc.orig_number:
            record |= {"oinum": doc.orig_number, "oidt": dmy(doc.orig_date)}
    record |= {
        "inv_typ": doc.inv_typ,
        "srcform": SOURCE_FORMS.get(doc.source_form, doc.source_form),
        "rtnprd": doc.return_period,
        "srcfilstatus": "Filed" if doc.filing_status == "filed" else "Not Filed",
        "gstr2bprd": doc.gstr2b_period,
        "val": money(doc.value),
        "txval": money(doc.taxable),
        "iamt": money(doc.igst),
        "camt": money(doc.cgst),
        "samt": money(doc.sgst),
        "cess": money(doc.cess),
        "pos": doc.pos,
        "action": doc.action,
        "prev_status": doc.prev_action,
        "ispendactblocked": "Y" if doc.pending_blocked else "N",
        "pendactdeadline": dmy(doc.pending_deadline),
        "hash": doc.version_hash,
        "remarks": doc.remarks,
        "isRemarksBlocked": "Y" if policy_period(doc) < IMS_POLICY_START else "N",
        "itcRedReq": doc.itc_red_req,
        "isItcRedReqBlocked": "N" if reduction_applies(doc) else "Y",
        "declIgst": money(doc.decl_igst),
        "declCgst": money(doc.decl_cgst),
        "declSgst": money(doc.decl_sgst),
        "declCess": money(doc.decl_cess),
    }
    for key in OPTIONAL:
        if record[key] in (None, ""):
            del record[key]
    if doc.ecom_operator:
        record["etin"] = doc.ecom_operator
    if doc.deemed:
        record["deemed"] = "Y"
    return record
