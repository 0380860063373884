"""One representative record per released event schema version, used to write the stored samples.

Run `python -m tests.contract.sample_records` once when a new schema version is released; the written
`.bin` files are committed and never rewritten (the contract test refuses to overwrite them).
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

from services.common.codec import Codec

SAMPLES = Path(__file__).parent / "samples"

_ITEM = {"rate": "18", "taxable": 10000000, "igst": 1800000, "cgst": 0, "sgst": 0, "cess": 0}
_DOC = {
    "key": "b2b|27AAPFK4821M1ZT|2025|MH/25-26/0001",
    "original_key": None,
    "version_hash": "0" * 64,
    "section": "b2b",
    "supplier": "27AAPFK4821M1ZT",
    "number": "MH/25-26/0001",
    "doc_date": "2025-10-03",
    "source_form": "R1",
    "inv_typ": "R",
    "pos": "29",
    "reverse_charge": False,
    "value": 11800000,
    "taxable": 10000000,
    "igst": 1800000,
    "cgst": 0,
    "sgst": 0,
    "cess": 0,
    "note_type": None,
    "orig_number": None,
    "orig_date": None,
    "ecom_operator": None,
    "diff_percent": None,
    "port_code": None,
    "items": [_ITEM],
    "route": "ims",
    "part": "ims",
    "reason": "",
    "gstr2b_period": "102025",
    "deleted": False,
}

_SEZ_BOE = _DOC | {
    "key": "impgsez|29AABCM7710Q1ZX|2025|4512001",
    "section": "impgsez",
    "supplier": "29AABCM7710Q1ZX",
    "number": "4512001",
    "doc_date": "2025-10-15",
    "source_form": "BOE",
    "inv_typ": "IMPGSEZ",
    "items": [],
    "port_code": "INBLR4",
    "gstr2b_period": "102025",
}

RECORDS: dict[tuple[str, int], dict[str, Any]] = {
    ("DocumentsFiled", 1): {
        "reference_id": "ref-1",
        "form": "gstr1",
        "filer": "27AAPFK4821M1ZT",
        "return_period": "102025",
        "status": "filed",
        "filed_on": "2025-11-11",
        "recipient": "29AABCM7710Q1ZX",
        "chunk": 0,
        "chunks": 1,
        "documents": [_DOC],
    },
    ("DocumentsFiled", 2): {
        "reference_id": "ref-5",
        "form": "boe",
        "filer": "customs",
        "return_period": "102025",
        "status": "filed",
        "filed_on": "2025-10-20",
        "recipient": "29AABCM7710Q1ZX",
        "chunk": 0,
        "chunks": 1,
        "documents": [_DOC | {"sez_supplier": None}, _SEZ_BOE | {"sez_supplier": "27AAPFU0939F1ZV"}],
    },
    ("ActionsTaken", 1): {
        "reference_id": "ref-2",
        "recipient": "29AABCM7710Q1ZX",
        "request_type": "SAVE",
        "chunk": 0,
        "chunks": 1,
        "items": [
            {
                "doc_key": _DOC["key"],
                "section": "b2b",
                "action": "A",
                "version_hash": "0" * 64,
                "remarks": None,
                "itc_red_req": None,
                "decl_igst": None,
                "decl_cgst": None,
                "decl_sgst": None,
                "decl_cess": None,
            }
        ],
    },
    ("Gstr3bFiled", 1): {"recipient": "29AABCM7710Q1ZX", "period": "102025", "filed_on": "2025-11-20"},
    ("ClockAdvanced", 1): {"recipient": "29AABCM7710Q1ZX", "date": "2025-11-14"},
    ("Gstr2bRecomputeRequested", 1): {
        "recipient": "29AABCM7710Q1ZX",
        "period": "102025",
        "reference_id": "ref-3",
    },
    ("RecipientProfileSet", 1): {"recipient": "29AABCM7710Q1ZX", "quarterly": True},
    ("Rule37aReversalReported", 1): {
        "reference_id": "ref-4",
        "recipient": "29AABCM7710Q1ZX",
        "supplier": "27AAPFK4821M1ZT",
        "periods": ["032025"],
        "reported_on": "2025-10-01",
    },
    ("TaxpayerNamesLoaded", 1): {
        "reference_id": "ref-5",
        "chunk": 0,
        "chunks": 1,
        "taxpayers": [
            {"gstin": "27AAPFK4821M1ZT", "legal_name": "KAVERI TEXTILES PRIVATE LIMITED", "trade_name": "Kaveri Mills"},
            {"gstin": "29AABCM7710Q1ZX", "legal_name": "MANJUNATH TRADERS", "trade_name": ""},
        ],
    },
    ("PurchasesBooked", 1): {
        "reference_id": "ref-6",
        "recipient": "29AABCM7710Q1ZX",
        "chunk": 0,
        "chunks": 1,
        "vouchers": [
            {
                "voucher_id": "PV-2025-0001",
                "version_hash": "0" * 64,
                "version": 1,
                "ctin": "27AAPFK4821M1ZT",
                "doc_type": "INV",
                "inum": "MH/25-26/0001",
                "dt": "2025-10-03",
                "pos": "29",
                "rev": "N",
                "txval": 10000000,
                "igst": 1800000,
                "cgst": 0,
                "sgst": 0,
                "cess": 0,
                "posting_date": "2025-10-05",
                "portcode": "",
                "boenum": "",
                "tags": {"cost_centre": "BLR-01"},
            }
        ],
    },
    ("PurchaseCancelled", 1): {
        "reference_id": "ref-7",
        "recipient": "29AABCM7710Q1ZX",
        "voucher_id": "PV-2025-0001",
        "version": 2,
    },
    ("SupplierNotified", 1): {
        "supplier": "27AAPFK4821M1ZT",
        "recipient": "29AABCM7710Q1ZX",
        "cause_event_id": "e-1",
        "documents": [
            {
                "doc_key": _DOC["key"],
                "section": "b2b",
                "number": "MH/25-26/0001",
                "doc_date": "2025-10-03",
                "action": "R",
                "remarks": "rate mismatch",
                "liability_addback_igst": 0,
                "liability_addback_cgst": 0,
                "liability_addback_sgst": 0,
                "liability_addback_cess": 0,
            }
        ],
    },
    ("DeadlineApproaching", 1): {
        "recipient": "29AABCM7710Q1ZX",
        "kind": "pending_window",
        "deadline": "2025-12-20",
        "clock_date": "2025-12-17",
        "cause_event_id": "e-1",
        "chunk": 0,
        "chunks": 1,
        "total": 1,
        "documents": [
            {
                "doc_key": "b2bcn|27AAPFK4821M1ZT|2025|CN-0001",
                "section": "b2bcn",
                "number": "CN-0001",
                "ctin": "27AAPFK4821M1ZT",
                "doc_date": "2025-10-10",
                "return_period": "102025",
            }
        ],
    },
    ("ReconPolicySet", 1): {
        "reference_id": "ref-8",
        "recipient": "29AABCM7710Q1ZX",
        "version": 2,
        "tolerance": "absolute",
        "head_tolerance": 500,
        "taxable_tolerance": 1000,
        "percent_bp": 100,
        "fuzzy_threshold": 90,
        "date_window_days": 10,
        "pan_level": True,
        "heads": ["txval", "igst", "cgst", "sgst", "cess"],
        "pan_heads": ["txval", "tax"],
        "compare_pos": True,
        "compare_rev": True,
        "mismatch_pending": False,
    },
    ("ReconLinksChanged", 1): {
        "reference_id": "ref-9",
        "recipient": "29AABCM7710Q1ZX",
        "version": 1,
        "chunk": 0,
        "chunks": 1,
        "linked": [{"voucher_id": "PV-2025-0001", "doc_key": _DOC["key"]}],
        "unlinked": ["PV-2025-0002"],
    },
}


def upcast_holds(original: Any, upcast: Any) -> bool:
    """Whether a record read as a later version still holds the original's values: the same keys with the same
    values (recursively), and only fields a later version added besides, at their defaults (None)."""
    if isinstance(original, dict) and isinstance(upcast, dict):
        added = set(upcast) - set(original)
        return (
            set(original) <= set(upcast)
            and all(upcast[k] is None for k in added)
            and all(upcast_holds(original[k], upcast[k]) for k in original)
        )
    if isinstance(original, list) and isinstance(upcast, list):
        return len(original) == len(upcast) and all(upcast_holds(a, b) for a, b in zip(original, upcast, strict=True))
    return bool(original == upcast)


def write_missing(codec: Codec) -> list[Path]:
    written = []
    for (event_type, version), record in RECORDS.items():
        path = SAMPLES / f"{event_type}.v{version}.bin"
        if not path.exists():
            path.write_bytes(codec.encode_record(event_type, record, version=version))
            written.append(path)
    return written


if __name__ == "__main__":
    for path in write_missing(Codec.from_directories()):
        print(f"wrote {path}", file=sys.stderr)
