"""Builders of the rows GSTR-2B tests file besides a supplier's invoices and notes (tests/support/gstr2b_returns.py):
amendments keeping the original's number and date, an ISD's GSTR-6, an e-commerce operator's table 15, Bills of
Entry."""

from __future__ import annotations

from typing import Any

from tests.support.gstr2b_returns import D, inv, note


def amended_inv(inum: str, idt: str, txval: str, rate: int, **heads: str) -> dict:
    """The amendment (b2ba, ecoma) of invoice `inum` of `idt`, keeping its number and date."""
    return inv(inum, idt, txval, rate, **heads, oinum=inum, oidt=idt)


def amended_note(ntty: str, nt_num: str, nt_dt: str, txval: str, rate: int, **heads: str) -> dict:
    """The amendment (cdnra) of note `nt_num` of `nt_dt`, keeping its number and date."""
    return note(ntty, nt_num, nt_dt, txval, rate, **heads, ont_num=nt_num, ont_dt=nt_dt)


def isd_return(isd: str, fp: str, recipient: str, table: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """A GSTR-6 of `rows` (`isd_doc`) distributed to `recipient` in `table` (isd or isda)."""
    zero = {"camt": 0, "samt": 0, "csamt": 0}
    return {"gstin": isd, "fp": fp, table: [{"ctin": recipient, "doclst": [zero | row for row in rows]}]}


def isd_doc(kind: str, number: str, day: str, igst: str, **original: str) -> dict[str, Any]:
    return {"isd_docty": kind, "docnum": number, "docdt": day, "iamt": D(igst), **original}


def eco(operator: str, fp: str, seller: str, recipient: str, **tables: list[dict[str, Any]]) -> dict[str, Any]:
    """An e-commerce operator's table 15: `ecom=` its supplies, `ecoma=` their amendments."""
    return {"gstin": operator, "fp": fp} | {
        table: {key: [{"stin": seller, "rtin": recipient, "inv": rows}]}
        for table, (key, rows) in (("ecom", ("b2b", tables.get("ecom"))), ("ecoma", ("b2ba", tables.get("ecoma"))))
        if rows
    }


def boe(recipient: str, number: str, day: str, refdt: str, txval: str, igst: str, **more: str) -> dict[str, Any]:
    """A Bill of Entry at INBLR4, not SEZ, not amended unless `more` says so."""
    row = {"rtin": recipient, "port_code": "INBLR4", "boe_num": number, "boe_dt": day, "refdt": refdt}
    return row | {"txval": D(txval), "iamt": D(igst), "csamt": 0, "is_sez": "N", "amd": "N"} | more
