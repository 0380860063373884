"""Read side of GSTR-2B: versions, their summaries and their lines in portal order, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, text

LINE_COLUMNS = (
    "block",
    "bucket",
    "section",
    "doc_key",
    "ims_section",
    "supplier",
    "number",
    "doc_date",
    "note_type",
    "orig_number",
    "orig_date",
    "inv_typ",
    "pos",
    "rev",
    "itcavl",
    "rsn",
    "diff_percent",
    "supfildt",
    "supprd",
    "value",
    "txval",
    "igst",
    "cgst",
    "sgst",
    "cess",
    "action",
    "remarks",
    "port_code",
)


@dataclass(frozen=True, slots=True)
class Version:
    recipient: str
    period: str
    version: int
    gendt: date
    trigger: str
    documents: int
    summary: dict[str, Any]


def versions(engine: Engine, recipient: str, period: str) -> list[Version]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT recipient, period, version, gendt, trigger, documents, summary FROM gstr2b_versions "
                "WHERE recipient = :r AND period = :p ORDER BY version"
            ),
            {"r": recipient, "p": period},
        ).all()
    return [Version(*row) for row in rows]


def version(engine: Engine, recipient: str, period: str, number: int | None) -> Version | None:
    found = versions(engine, recipient, period)
    if not found:
        return None
    if number is None:
        return found[-1]
    return next((v for v in found if v.version == number), None)


def lines(engine: Engine, v: Version, blocks: tuple[str, ...], chunk: int = 10_000) -> Iterator[dict[str, Any]]:
    """Lines of the given blocks in portal order (block, section, supplier, its return period and filing
    date, document), sorted once by the database and streamed through a server-side cursor `chunk` rows
    at a time: bounded memory at any size (the lines carry no portal-order index, see migration 0010)."""
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=chunk).execute(
            text(
                f"SELECT {', '.join(LINE_COLUMNS)} FROM gstr2b_lines WHERE recipient = :r AND period = :p "
                "AND version = :v AND block = ANY(:blocks) "
                "ORDER BY block, section, supplier, supprd, coalesce(supfildt, DATE '0001-01-01'), doc_key"
            ),
            {"r": v.recipient, "p": v.period, "v": v.version, "blocks": list(blocks)},
        )
        for row in result:
            yield dict(zip(LINE_COLUMNS, row, strict=True))


def counterparty_summary(engine: Engine, v: Version) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT section, supplier, supprd, note_type, max(supfildt), count(*), sum(txval), sum(igst), "
                "sum(cgst), sum(sgst), sum(cess) FROM gstr2b_lines WHERE recipient = :r AND period = :p "
                "AND version = :v AND block = 'itcavl' GROUP BY section, supplier, supprd, note_type "
                "ORDER BY section, supplier, supprd, note_type NULLS FIRST"
            ),
            {"r": v.recipient, "p": v.period, "v": v.version},
        ).all()
    keys = (
        "section",
        "ctin",
        "supprd",
        "nttyp",
        "supfildt",
        "ttldocs",
        "txval",
        "igst",
        "cgst",
        "sgst",
        "cess",
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]


def diff(engine: Engine, recipient: str, period: str, older: int, newer: int) -> list[dict[str, Any]]:
    """Documents added, removed or changed (block or amounts) between two versions."""
    sql = """
    SELECT coalesce(n.doc_key, o.doc_key), o.block, n.block, o.igst + o.cgst + o.sgst + o.cess,
           n.igst + n.cgst + n.sgst + n.cess, coalesce(n.action, o.action)
    FROM (SELECT * FROM gstr2b_lines WHERE recipient = :r AND period = :p AND version = :old) o
    FULL JOIN (SELECT * FROM gstr2b_lines WHERE recipient = :r AND period = :p AND version = :new) n
      ON o.doc_key = n.doc_key
    WHERE o.doc_key IS NULL OR n.doc_key IS NULL OR o.block <> n.block OR o.igst <> n.igst OR o.cgst <> n.cgst
       OR o.sgst <> n.sgst OR o.cess <> n.cess
    ORDER BY 1
    """
    with engine.connect() as conn:
        rows = conn.execute(text(sql), {"r": recipient, "p": period, "old": older, "new": newer}).all()
    changes = []
    for key, old_block, new_block, old_tax, new_tax, action in rows:
        change = "added" if old_block is None else ("removed" if new_block is None else "changed")
        changes.append(
            {
                "doc_id": key,
                "change": change,
                "from_block": old_block,
                "to_block": new_block,
                "from_tax": old_tax,
                "to_tax": new_tax,
                "action": action,
            }
        )
    return changes
