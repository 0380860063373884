"""The supplier's outward view (SUPVIEW) and the clock that advances every recipient's stream."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Engine, text

from services.actions.records import dmy, getinv_record
from services.actions.store import COLUMNS, _from_row
from services.api.money_json import money
from services.bootstrap import Container
from services.common.envelope import Envelope
from services.common.periods import Period
from services.common.producer import Outgoing
from services.common.settings import EVENTS_TOPIC

CREDIT_NOTES = ("b2bcn", "b2bcna")


def outward(engine: Engine, supplier: str, rtnprd: str | None, limit: int = 100_000) -> dict[str, Any]:
    """Per recipient: the supplier's documents with the recipient's action (`imsactn`, blank = N)."""
    where = "supplier = :s" + (" AND return_period = :p" if rtnprd else "")
    params: dict[str, Any] = {"s": supplier, "p": rtnprd, "limit": limit}
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
        filed = {
            (r, p): d
            for r, p, d in conn.execute(
                text("SELECT recipient, period, gstr3b_filed_on FROM ims_periods WHERE recipient = ANY(:r)"),
                {"r": sorted({d.recipient for d in docs})},
            )
        }
    recipients: dict[str, list[dict[str, Any]]] = {}
    addback: list[dict[str, Any]] = []
    for doc in docs:
        record = getinv_record(doc)
        record.pop("stin")
        record["imsactn"] = "" if doc.action == "N" else doc.action
        record["actionable"] = "Y" if doc.route == "ims" else "N"
        if doc.route != "ims":
            record["itcunavl_reason"] = doc.reason or None
            record["part"] = doc.part
        recipients.setdefault(doc.recipient, []).append(record)
        filed_on = filed.get((doc.recipient, doc.gstr2b_period or ""))
        if doc.section in CREDIT_NOTES and doc.action == "R" and filed_on is not None:
            addback.append(
                {
                    "ctin": doc.recipient,
                    "nt_num": doc.number,
                    "nt_dt": dmy(doc.doc_date),
                    "rtnprd": Period.of(filed_on).mmyyyy,
                    "iamt": money(doc.igst),
                    "camt": money(doc.cgst),
                    "samt": money(doc.sgst),
                    "cess": money(doc.cess),
                }
            )
    return {
        "stin": supplier,
        "rtnprd": rtnprd,
        "recipients": [{"ctin": ctin, "docs": docs_} for ctin, docs_ in recipients.items()],
        "addbacklblty": addback,
    }


def advance_clock(container: Container, today: str, actor: str) -> int:
    with container.engine.connect() as conn:
        recipients = [
            r
            for (r,) in conn.execute(
                text("SELECT recipient FROM ims_clock UNION SELECT DISTINCT recipient FROM ims_documents ORDER BY 1")
            )
        ]
    topic = container.settings.topic(EVENTS_TOPIC)
    container.publisher.publish(
        [
            Outgoing(topic, r, Envelope("ClockAdvanced", 1, actor=actor), {"recipient": r, "date": today})
            for r in recipients
        ]
    )
    return len(recipients)
