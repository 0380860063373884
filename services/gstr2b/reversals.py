"""Rule 37A reversals in the IMS projector's transaction: reports are recorded in log order, and each
generated GSTR-2B takes the reversals addressed to its period as `itcrev` lines (domain: rule37a): copies of
the lines that made the credit available, so they count what those counted (services/gstr2b/counting.py)."""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import Connection, Row, text

from services.common.events import Rule37aReversalReportedV1
from services.common.gst.periods import Period
from services.common.quoting import sql_list
from services.gstr2b.counting import DECLARED, counted
from services.gstr2b.domain.layout import HEADS
from services.gstr2b.domain.rule37a import REVERSED_SECTIONS, statement_period

_COPIED = (
    "bucket, section, doc_key, ims_section, supplier, number, doc_date, note_type, orig_number, orig_date, "
    "inv_typ, pos, rev"
)
_TAIL = (
    "diff_percent, supfildt, supprd, value, txval, igst, cgst, sgst, cess, action, remarks, port_code, itc_red_req, "
    + ", ".join(DECLARED.values())
)

_INSERT = f"""
WITH lines AS (
INSERT INTO gstr2b_lines (recipient, period, version, block, {_COPIED}, itcavl, rsn, {_TAIL})
SELECT l.recipient, :p, :v, 'itcrev', {", ".join("l." + c.strip() for c in _COPIED.split(","))}, 'N', '',
    {", ".join("l." + c.strip() for c in _TAIL.split(","))}
FROM ims_rule37a r
JOIN gstr2b_versions v ON v.recipient = r.recipient
JOIN gstr2b_lines l ON l.recipient = v.recipient AND l.period = v.period AND l.version = v.version
WHERE r.recipient = :r AND r.statement_period = :p AND v.period <> :p
  AND v.version = (SELECT max(w.version) FROM gstr2b_versions w WHERE w.recipient = v.recipient AND w.period = v.period)
  AND l.block = 'itcavl' AND l.bucket = 'nonrevsup' AND l.section IN {sql_list(REVERSED_SECTIONS)}
  AND l.supplier = r.supplier AND l.supprd = r.supplier_period
RETURNING block, bucket, section, {", ".join(f"{counted(h)} AS {h}" for h in HEADS)}
)
SELECT block, bucket, section, count(*), sum(igst), sum(cgst), sum(sgst), sum(cess) FROM lines
GROUP BY block, bucket, section
"""


def record_report(conn: Connection, event: Rule37aReversalReportedV1, quarterly: bool) -> None:
    """Idempotent: the first report of a (recipient, supplier, supplier period) decides its statement."""
    recipient = event.recipient
    filed = {
        Period.parse(p)
        for (p,) in conn.execute(text("SELECT period FROM ims_periods WHERE recipient = :r"), {"r": recipient})
    }
    target = statement_period(date.fromisoformat(event.reported_on), quarterly, filed)
    conn.execute(
        text(
            "INSERT INTO ims_rule37a (recipient, supplier, supplier_period, reported_on, statement_period, "
            "reference_id) SELECT :r, :s, p, :d, :t, :ref FROM unnest(CAST(:periods AS text[])) AS p "
            "ON CONFLICT DO NOTHING"
        ),
        {
            "r": recipient,
            "s": event.supplier,
            "d": event.reported_on,
            "t": target.mmyyyy,
            "ref": event.reference_id,
            "periods": list(event.periods),
        },
    )


def insert_lines(conn: Connection, recipient: str, period: Period, version: int) -> list[Row[Any]]:
    """The reversals addressed to this statement, as what the latest version of each earlier statement
    made available for those documents (a document first made available by this very statement is not
    reversed by it: Rule 37A concerns credit availed in earlier returns). Returns the lines' sums per
    (block, bucket, section), as the statement's own lines are summed."""
    params = {"r": recipient, "p": period.mmyyyy, "v": version}
    due = conn.execute(
        text("SELECT 1 FROM ims_rule37a WHERE recipient = :r AND statement_period = :p LIMIT 1"), params
    ).first()
    return [] if due is None else list(conn.execute(text(_INSERT), params).all())
