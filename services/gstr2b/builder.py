"""Generates an immutable GSTR-2B version from the IMS read model, set-based, inside the projector's
transaction: so the statement is exactly the IMS state at that point of the recipient's log, and a
replay generates byte-identical versions.

Documents enter the statement of the period they belong to; Pending ones stay out and are carried
forward to the statement being generated when they are accepted (or deemed accepted). Amendments count
as the difference from the link of their chain that an earlier filed GSTR-3B already took (`base_key`,
services/gstr2b/bases.py; the full amended value when none was taken, e.g. the original was rejected);
accepted credit notes reduce ITC by the declared reduction. A line lists what GSTN's GSTR-2B shows (the
supplier's amounts, or an amendment's difference) with the ITC-reduction answer beside them where it decides
what the line counts (services/gstr2b/counting.py); a Bill of Entry of goods from an SEZ is listed under
that SEZ supplier's GSTIN, an ECO 9(5) document under the e-commerce operator's.
"""

from __future__ import annotations

import json

from sqlalchemy import Connection, text

from services.common.gst.periods import Period
from services.common.gst.sections import sections_where
from services.common.quoting import sql_list
from services.gstr2b import bases, reversals
from services.gstr2b.counting import CREDIT_NOTES, DECLARED, SUPPLY_AMENDMENTS, counted
from services.gstr2b.domain.layout import HEADS, PLACEMENT, REVERSE_CHARGE, gstr3b_table4, itcsumm


def _case(mapping: dict[str, tuple[str, str]], index: int) -> str:
    whens = " ".join(f"WHEN '{section}' THEN '{target[index]}'" for section, target in mapping.items())
    return f"CASE d.section {whens} END"


def _placement(index: int) -> str:
    return (
        f"CASE WHEN d.reverse_charge AND d.section IN {sql_list(REVERSE_CHARGE)} THEN {_case(REVERSE_CHARGE, index)} "
        f"ELSE {_case(PLACEMENT, index)} END"
    )


_DIFF = "o.doc_key IS NOT NULL AND o.frozen AND o.action <> 'R'"


def _listed(column: str, amendment: bool) -> str:
    """What the statement lists for one amount: the document's own, or for an amendment the difference
    from a link an earlier GSTR-3B already took (docs/rules.md §5). A document without an original
    (`amendment` False: no `o` in the query) always lists its own."""
    return f"CASE WHEN {_DIFF} THEN d.{column} - o.{column} ELSE d.{column} END" if amendment else f"d.{column}"


def _answered(amendment: bool) -> str:
    """Whether the recipient's ITC-reduction answer decides what the line counts (counting.py): an
    accepted credit note's always; an invoice or debit-note amendment's only as a difference from an
    original that was taken (docs/rules.md §5): where the original was rejected, or never reached a filed
    GSTR-3B, the amendment counts in full whatever the answer says."""
    answered = f"d.action = 'A' AND d.itc_red_req IS NOT NULL AND d.section IN {CREDIT_NOTES}"
    if not amendment:
        return answered
    return (
        f"d.action = 'A' AND d.itc_red_req IS NOT NULL AND (d.section IN {CREDIT_NOTES} "
        f"OR (d.section IN {SUPPLY_AMENDMENTS} AND {_DIFF}))"
    )


def _answer(amendment: bool) -> str:
    """The answer's columns (`itc_red_req`, `decl_*`), set only where it decides what the line counts."""
    answered = _answered(amendment)
    declared = (f"CASE WHEN {answered} AND d.itc_red_req = 'Y' THEN d.{c} END" for c in DECLARED.values())
    return ", ".join((f"CASE WHEN {answered} THEN d.itc_red_req END", *declared))


_BLOCK = (
    "CASE WHEN d.part = 'itcunavl' THEN 'itcunavl' WHEN d.route = 'ims' AND d.action = 'R' "
    "THEN 'itcRejected' ELSE 'itcavl' END"
)

# this period or an earlier one; the equality is tested first (OR stops there) so that most documents,
# those of the period itself, skip building the sortable text
_NOT_LATER = "(d.gstr2b_period = :p OR (right(d.gstr2b_period, 4) || left(d.gstr2b_period, 2)) <= :sortable)"
_OUT_OF_STATEMENT = "(d.superseded_by IS NOT NULL OR (d.route = 'ims' AND d.action = 'P'))"


# whom GSTR-2B lists a document under (`ctin`): the seller, except an ECO 9(5) document's operator, who reports
# it and pays its tax, and an SEZ supplier of a Bill of Entry (docs/rules.md §7)
_COUNTERPARTY = (
    f"CASE WHEN d.section IN {sql_list(sections_where(lambda s: s.reported_by_operator))} THEN d.ecom_operator "
    "ELSE coalesce(d.sez_supplier, d.supplier) END"
)


def _select(amendment: bool) -> str:
    """The lines of what the statement holds (what it held before, and every filed, unfrozen document of
    this or an earlier period that no statement holds yet), for documents without an original or for
    amendments. Only amendments look their original up, and only their amounts test the amendment cases
    (EXPLAIN ANALYZE showed 0.57 s of per-document probes that found nothing at 1,000,000 invoices; the
    generation's own time moved within the noise of a shared machine)."""
    original = (
        "LEFT JOIN ims_documents o ON o.recipient = d.recipient AND o.doc_key = d.base_key "
        "WHERE d.original_key IS NOT NULL"
        if amendment
        else "WHERE d.original_key IS NULL"
    )
    return f"""
    SELECT d.recipient, :p, :v, {_BLOCK}, {_placement(0)}, {_placement(1)}, d.doc_key, d.section,
        {_COUNTERPARTY}, d.number, d.doc_date, d.note_type, d.orig_number, d.orig_date,
        d.inv_typ, d.pos, d.reverse_charge, CASE WHEN d.part = 'itcunavl' THEN 'N' ELSE 'Y' END, d.reason,
        d.diff_percent, d.filed_on, d.return_period, {", ".join(_listed(c, amendment) for c in _AMOUNTS)},
        d.action, d.remarks, d.port_code, {_answer(amendment)}
    FROM ims_documents d
    LEFT JOIN ims_itc_periods i ON i.recipient = d.recipient AND i.doc_key = d.doc_key
    {original} AND d.recipient = :r AND d.filing_status = 'filed' AND NOT {_OUT_OF_STATEMENT}
      AND (i.period = :p OR (i.period IS NULL AND NOT d.frozen AND {_NOT_LATER}))"""


_AMOUNTS = ("value", "taxable", *HEADS)

# One statement writes the lines and sums them as they are written: the documents are read once and
# nothing written is read back. What a statement holds is what the latest version of each period lists
# (`ims_itc_periods` is a view of those lines, migration 0015): a version lets go of a document it no
# longer lists, and a document listed by one statement is not taken in by another.
WRITE_LINES = f"""
WITH lines AS (
    INSERT INTO gstr2b_lines (recipient, period, version, block, bucket, section, doc_key, ims_section, supplier,
        number, doc_date, note_type, orig_number, orig_date, inv_typ, pos, rev, itcavl, rsn, diff_percent, supfildt,
        supprd, value, txval, igst, cgst, sgst, cess, action, remarks, port_code, itc_red_req,
        {", ".join(DECLARED.values())})
    {_select(False)}
    UNION ALL
    {_select(True)}
    RETURNING block, bucket, section, {", ".join(f"{counted(h)} AS {h}" for h in HEADS)}
)
SELECT block, bucket, section, count(*), {", ".join(f"sum({h})" for h in HEADS)} FROM lines
GROUP BY block, bucket, section
"""


LINES_WORK_MEM = "256MB"


def sortable(period: Period) -> str:
    return f"{period.year:04d}{period.month:02d}"


def generate(conn: Connection, recipient: str, period: Period, gendt: str, trigger: str, event_id: str) -> int:
    """Write the next version of (recipient, period) and return its number."""
    params = {"r": recipient, "p": period.mmyyyy, "sortable": sortable(period)}
    version = int(
        conn.execute(
            text("SELECT coalesce(max(version), 0) + 1 FROM gstr2b_versions WHERE recipient = :r AND period = :p"),
            params,
        ).scalar_one()
    )
    bases.refresh(conn, recipient)
    # the written lines are summed from the statement's own RETURNING: kept in memory up to a few million
    conn.execute(text(f"SET LOCAL work_mem = '{LINES_WORK_MEM}'"))
    rows = list(conn.execute(text(WRITE_LINES), params | {"v": version}).all())
    conn.execute(text("SET LOCAL work_mem TO DEFAULT"))
    rows += reversals.insert_lines(conn, recipient, period, version)
    totals = {(b, k, s): dict(zip(HEADS, (int(x) for x in amounts), strict=True)) for b, k, s, _, *amounts in rows}
    summary = itcsumm(totals)
    documents = sum(int(row[3]) for row in rows if row[0] != "itcrev")  # reversal lines repeat earlier documents
    conn.execute(
        text(
            "INSERT INTO gstr2b_versions (recipient, period, version, gendt, trigger, event_id, documents, summary) "
            "VALUES (:r, :p, :v, :gendt, :trigger, :eid, :n, CAST(:summary AS jsonb))"
        ),
        params
        | {
            "v": version,
            "gendt": gendt,
            "trigger": trigger,
            "eid": event_id,
            "n": documents,
            "summary": json.dumps({"itcsumm": summary, "gstr3b": gstr3b_table4(summary)}),
        },
    )
    return version
