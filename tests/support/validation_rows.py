"""Rows and contexts for the unit tests of document validation (tests/unit/test_validation*.py)."""

from decimal import Decimal
from pathlib import Path

from services.common.gst.gstin import parse_gstin
from services.common.gst.periods import Period
from services.ingest.domain.validation import (
    ERROR_CODES,
    DocContext,
)

EXAMPLES = Path(__file__).parents[1] / "support" / "examples"  # the copy kept with the tests
SUPPLIER = parse_gstin("27AAPFK4821M1ZT")  # Maharashtra
OTHER_STATE = "29AABCM7710Q1ZX"  # Karnataka
SAME_STATE = "27AAPFU0939F1ZV"  # Maharashtra
DROP = object()


OCTOBER = Period(2025, 10)


def ctx(table="b2b", recipient=OTHER_STATE, period=OCTOBER):
    return DocContext(SUPPLIER, recipient, period, "R1", table)


def item(rt=18, txval="10000", iamt="1800", camt=0, samt=0, csamt=0):
    det = {"rt": rt, "txval": txval, "iamt": iamt, "camt": camt, "samt": samt, "csamt": csamt}
    return {"num": 1, "itm_det": {k: v if k == "rt" else _dec(v) for k, v in det.items()}}


def _dec(value):
    return Decimal(value) if isinstance(value, str) else value


def invoice(**changes):
    raw = {
        "inum": "INV/1",
        "idt": "03-10-2025",
        "val": Decimal("11800"),
        "pos": "29",
        "rchrg": "N",
        "inv_typ": "R",
        "itms": [item()],
    }
    raw.update(changes)
    return {k: v for k, v in raw.items() if v is not DROP}


def intra(**changes):
    return invoice(**{"pos": "27", "itms": [item(iamt=0, camt="900", samt="900")], **changes})


def codes(result):
    assert isinstance(result, list), f"expected problems, got {result}"
    for found in result:
        assert found.code in ERROR_CODES
        assert found.message.startswith(f"{found.field}: ")
    return {found.field: found.code for found in result}


def boe(**changes):
    raw = {
        "rtin": OTHER_STATE,
        "port_code": "INNSA1",
        "boe_num": "1234567",
        "boe_dt": "05-10-2025",
        "refdt": "10-10-2025",
        "txval": Decimal("100000"),
        "iamt": Decimal("18000"),
        "csamt": 0,
        "is_sez": "N",
        "amd": "N",
    }
    raw.update(changes)
    return {k: v for k, v in raw.items() if v is not DROP}
