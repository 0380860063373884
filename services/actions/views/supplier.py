"""The supplier's outward view (SUPVIEW) and the clock that advances every recipient's stream."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, Engine, text

from services.actions.projector.store import COLUMNS, _from_row
from services.actions.views.records import getinv_record
from services.api.common import encode_cursor
from services.archive import eventlog
from services.common.envelope import Envelope
from services.common.events import ClockAdvancedV1
from services.common.gst.periods import dmy
from services.common.gst.sections import sections_where
from services.common.money_json import money
from services.common.ports import Ports
from services.common.quoting import sql_list
from services.common.settings import EVENTS_TOPIC

ADDS_BACK_WHEN_REJECTED = sections_where(lambda s: s.adds_back_when_rejected)


PAGE = 5000


def outward(
    engine: Engine, supplier: str, rtnprd: str | None, limit: int = PAGE, after: tuple[str, ...] | None = None
) -> dict[str, Any]:
    """Per recipient: the supplier's documents with the recipient's action (`imsactn`, blank = N), `limit`
    at a time in (recipient, section, document) order after the cursor `after`; `next_cursor` names the
    next page. The added-back liabilities are listed whole on every page."""
    where = "supplier = :s" + (" AND return_period = :p" if rtnprd else "")
    params: dict[str, Any] = {"s": supplier, "p": rtnprd, "limit": limit}
    if after is not None:
        where += " AND (recipient, section, doc_key) > (:ar, :as, :ak)"
        params |= {"ar": after[0], "as": after[1], "ak": after[2]}
    with engine.connect() as conn:
        docs = [
            _from_row(r)
            for r in conn.execute(
                text(
                    f"SELECT {', '.join(COLUMNS)} FROM ims_documents WHERE {where} "
                    "ORDER BY recipient, section, doc_key LIMIT :limit"
                ),
                params,
            )
        ]
        addback = _added_back(conn, supplier, rtnprd)
    recipients: dict[str, list[dict[str, Any]]] = {}
    for doc in docs:
        record = getinv_record(doc)
        record.pop("stin")
        record["imsactn"] = "" if doc.action == "N" else doc.action
        record["actionable"] = "Y" if doc.route == "ims" else "N"
        if doc.route != "ims":
            record["itcunavl_reason"] = doc.reason or None
            record["part"] = doc.part
        recipients.setdefault(doc.recipient, []).append(record)
    last = docs[-1] if len(docs) == limit else None
    return {
        "stin": supplier,
        "rtnprd": rtnprd,
        "recipients": [{"ctin": ctin, "docs": docs_} for ctin, docs_ in recipients.items()],
        "addbacklblty": addback,
        "next_cursor": encode_cursor(last.recipient, last.section, last.doc_key) if last else None,
    }


def _added_back(conn: Connection, supplier: str, rtnprd: str | None) -> list[dict[str, Any]]:
    """Rejected credit notes whose rejection a recipient's filed GSTR-3B carried: that of the statement
    that took the rejection in (or, for a period filed before any statement of it, the note's own
    period); the liability comes back in the supplier's period of that filing (docs/rules.md §6, our rule)."""
    # What a statement holds is read from its lines (a view, migration 0015): once per recipient that
    # rejected one of these notes, not for every recipient nor once per note, and only the notes kept.
    rows = conn.execute(
        text(
            "WITH d AS MATERIALIZED (SELECT * FROM ims_documents "
            f"WHERE supplier = :s {'AND return_period = :p ' if rtnprd else ''}"
            f"AND section IN {sql_list(ADDS_BACK_WHEN_REJECTED)} AND action = 'R'), "
            "i AS MATERIALIZED (SELECT h.* FROM (SELECT DISTINCT recipient FROM d) r "
            "CROSS JOIN LATERAL (SELECT * FROM ims_itc_periods h WHERE h.recipient = r.recipient) h "
            "WHERE h.doc_key IN (SELECT doc_key FROM d)) "
            "SELECT d.recipient, d.number, d.doc_date, p.gstr3b_filed_on, d.igst, d.cgst, d.sgst, d.cess "
            "FROM d LEFT JOIN i ON i.recipient = d.recipient AND i.doc_key = d.doc_key "
            "JOIN ims_periods p ON p.recipient = d.recipient "
            "AND p.period = coalesce(i.period, CASE WHEN d.frozen THEN d.gstr2b_period END) "
            "ORDER BY d.recipient, d.section, d.doc_key"
        ),
        {"s": supplier, "p": rtnprd},
    )
    return [
        {
            "ctin": recipient,
            "nt_num": number,
            "nt_dt": dmy(str(doc_date)),
            "rtnprd": f"{filed_on.month:02d}{filed_on.year:04d}",  # as filed, even outside the periods handled
            "iamt": money(igst),
            "camt": money(cgst),
            "samt": money(sgst),
            "cess": money(cess),
        }
        for recipient, number, doc_date, filed_on, igst, cgst, sgst, cess in rows
    ]


def advance_clock(container: Ports, today: str, actor: str) -> int:
    with container.engine.connect() as conn:
        recipients = [
            r
            for (r,) in conn.execute(
                text("SELECT recipient FROM ims_clock UNION SELECT DISTINCT recipient FROM ims_documents ORDER BY 1")
            )
        ]
    topic = container.settings.topic(EVENTS_TOPIC)
    with container.engine.begin() as conn:
        eventlog.append_events(
            conn,
            container.codec,
            topic,
            ((r, Envelope.of(ClockAdvancedV1, actor=actor), ClockAdvancedV1(r, today)) for r in recipients),
        )
    return len(recipients)
