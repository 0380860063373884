"""Read side of GSTR-2B: versions, their summaries and their lines in portal order, streamed."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import Engine, text

from services.common.quoting import sql_list
from services.gstr2b.counting import DECLARED, counted
from services.gstr2b.domain.layout import BUCKETS, HEADS
from services.gstr2b.domain.records import FLAT, LISTED_IN
from services.gstr2b.domain.workbook import DOCUMENT_SHEETS, SHEET_INDEX
from services.registry.names import trade_or_legal_sql

IMPORT_LEAVES = BUCKETS["imports"]

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
    "itc_red_req",
    *DECLARED.values(),
)
# the section a line is listed in (services/gstr2b/domain/records.py), which orders the portal's lists
_WHENS = " ".join(f"WHEN '{leaf}' THEN '{to}'" for leaf, to in LISTED_IN.items())
LISTED = f"CASE section {_WHENS} ELSE section END"
# the workbook's document sheet a line sits on (services/gstr2b/domain/workbook.py), in the workbook's order
_SHEET_WHENS = " ".join(
    f"WHEN block = '{block}' AND section = '{leaf}' THEN {index}" for (block, leaf), index in SHEET_INDEX.items()
)
SHEET = f"CASE {_SHEET_WHENS} ELSE {len(DOCUMENT_SHEETS)} END"
_FILED = "coalesce(supfildt, DATE '0001-01-01')"
ORDERS = {  # the JSON's lists; Rule 37A's reversed supplier returns; the workbook's document sheets
    "listed": f"block, {LISTED}, supplier, supprd, {_FILED}, doc_key",
    "docdata": f"{LISTED}, supplier, supprd, {_FILED}, doc_key",  # available and not available together
    "supplier": f"block, supplier, supprd, {LISTED}, {_FILED}, doc_key",
    "sheet": f"{SHEET}, supplier, supprd, {_FILED}, doc_key",
}


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


def lines(
    engine: Engine,
    v: Version,
    blocks: tuple[str, ...],
    chunk: int = 10_000,
    order: str = "listed",
    window: tuple[int, int] | None = None,
) -> Iterator[dict[str, Any]]:
    """Lines of the given blocks in portal order (`ORDERS`: block, the section they are listed in, supplier, its
    return period and filing date, document; "docdata": the same without the block, as `docdata` lists ITC
    available and not available together; "supplier": supplier and its return period first, as Rule 37A
    reversals are listed; "sheet": by the workbook's document sheet, within one as the JSON lists them), sorted
    once by the database and streamed through a server-side cursor `chunk` rows at a time: bounded memory at
    any size (the lines carry no portal-order index, see migration 0010). `window` (offset, count) keeps only
    those lines of the order, which ends in the document's key and so is the same at every read."""
    if window is not None and window[1] <= 0:
        return
    sliced = "" if window is None else " OFFSET :offset LIMIT :count"
    offset, count = window if window is not None else (0, 0)
    with engine.connect() as conn:
        result = conn.execution_options(stream_results=True, yield_per=chunk).execute(
            text(
                f"SELECT {', '.join('l.' + c for c in LINE_COLUMNS)}, {trade_or_legal_sql('t')} "
                "FROM gstr2b_lines l LEFT JOIN taxpayer_names t ON t.gstin = l.supplier "
                "WHERE l.recipient = :r AND l.period = :p AND l.version = :v AND l.block = ANY(:blocks) "
                f"ORDER BY {ORDERS[order]}{sliced}"
            ),
            {
                "r": v.recipient,
                "p": v.period,
                "v": v.version,
                "blocks": list(blocks),
                "offset": offset,
                "count": count,
            },
        )
        for row in result:
            yield dict(zip((*LINE_COLUMNS, "trdnm"), row, strict=True))


def block_counts(engine: Engine, v: Version) -> dict[str, int]:
    """How many lines each block of a version holds (a block without any is absent)."""
    with engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT block, count(*) FROM gstr2b_lines WHERE recipient = :r AND period = :p AND version = :v "
                "GROUP BY block"
            ),
            {"r": v.recipient, "p": v.period, "v": v.version},
        ).all()
    return {block: int(count) for block, count in rows}


def counterparty_summary(engine: Engine, v: Version, block: str) -> list[dict[str, Any]]:
    """The lines of one block totalled per section they are listed in, supplier, its return period and note
    type (a Bill of Entry: per SEZ supplier and port), amounts as the lines list them; Bills of Entry from
    outside an SEZ have no supplier to total them under (GSTN's `cpsumm` has no `impg`)."""
    imports = sql_list(IMPORT_LEAVES)
    sql = f"""
    SELECT s.*, {trade_or_legal_sql("t")} FROM (
      SELECT {LISTED} AS listed, supplier, CASE WHEN section IN {imports} THEN '' ELSE supprd END AS supprd,
          note_type, CASE WHEN section IN {imports} THEN port_code END AS port_code, max(supfildt), count(*),
          sum(txval), sum(igst), sum(cgst), sum(sgst), sum(cess)
      FROM gstr2b_lines WHERE recipient = :r AND period = :p AND version = :v AND block = :block
        AND {LISTED} NOT IN {sql_list(FLAT)}
      GROUP BY 1, 2, 3, 4, 5
    ) s LEFT JOIN taxpayer_names t ON t.gstin = s.supplier
    ORDER BY 1, 2, 3, 4 NULLS FIRST, 5
    """
    with engine.connect() as conn:
        rows = conn.execute(text(sql), {"r": v.recipient, "p": v.period, "v": v.version, "block": block}).all()
    keys = (
        "section",
        "ctin",
        "supprd",
        "note_type",
        "portcode",
        "supfildt",
        "ttldocs",
        "txval",
        "igst",
        "cgst",
        "sgst",
        "cess",
        "trdnm",
    )
    return [dict(zip(keys, row, strict=True)) for row in rows]


def diff(engine: Engine, recipient: str, period: str, older: int, newer: int) -> list[dict[str, Any]]:
    """Documents added, removed or changed (block or what they count) between two versions."""
    old, new = ({h: counted(h, side) for h in HEADS} for side in ("o", "n"))
    sql = f"""
    SELECT coalesce(n.doc_key, o.doc_key), o.block, n.block, {" + ".join(old.values())},
           {" + ".join(new.values())}, coalesce(n.action, o.action)
    FROM (SELECT * FROM gstr2b_lines WHERE recipient = :r AND period = :p AND version = :old) o
    FULL JOIN (SELECT * FROM gstr2b_lines WHERE recipient = :r AND period = :p AND version = :new) n
      ON o.doc_key = n.doc_key
    WHERE o.doc_key IS NULL OR n.doc_key IS NULL OR o.block <> n.block
       OR {" OR ".join(f"({old[h]}) <> ({new[h]})" for h in HEADS)}
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
