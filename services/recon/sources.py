"""The reconciliation engine's inputs read from the read models: a recipient's live vouchers
(`recon_purchases`, not cancelled) and live IMS documents (`ims_documents` in IMS, not superseded) dated within
one financial year, one query each, its policy in force (`recon_policies`, the highest version; the default,
version 1, when none was set) and its live manual links (`recon_links`) (docs/rules.md §10.2, §10.4).

Whether Pending may be chosen is the IMS projection's answer for the document: not frozen by a filed GSTR-3B,
and either not Pending-blocked or blocked with a window that the recipient's clock (`ims_clock`, time as
events) has not passed (docs/rules.md §3.6, §3.7). `services/actions` sits above this service, so its window
test is read here from the columns it writes, not called.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import Connection, text

from services.recon.domain.documents import Amounts, BookDoc, ImsDoc, Link
from services.recon.domain.policy import DEFAULT_POLICY, Policy
from services.recon.domain.policy_body import policy_of

_BOOKS = text(
    "SELECT voucher_id, ctin, doc_type, CASE WHEN doc_type = 'BOE' THEN boenum ELSE inum END, dt, posting_date, pos, "
    "rev, txval, igst, cgst, sgst, cess, portcode FROM recon_purchases "
    "WHERE recipient = :recipient AND NOT cancelled AND dt BETWEEN :first AND :last"
)
_IMS = text(
    "SELECT d.doc_key, d.section, coalesce(d.sez_supplier, d.supplier), d.number, d.doc_date, d.pos, "
    "d.reverse_charge, d.taxable, d.igst, d.cgst, d.sgst, d.cess, d.filing_status = 'filed', "
    "NOT d.frozen AND (NOT d.pending_blocked OR (d.pending_deadline IS NOT NULL "
    "AND (c.today IS NULL OR c.today <= d.pending_deadline))), coalesce(d.port_code, ''), d.action, d.version_hash "
    "FROM ims_documents d LEFT JOIN ims_clock c ON c.recipient = d.recipient "
    "WHERE d.recipient = :recipient AND d.route = 'ims' AND d.superseded_by IS NULL "
    "AND d.doc_date BETWEEN :first AND :last"
)


def financial_year(start_year: int) -> tuple[date, date]:
    return date(start_year, 4, 1), date(start_year + 1, 3, 31)


def load(conn: Connection, recipient: str, start_year: int) -> tuple[list[BookDoc], list[ImsDoc]]:
    """The recipient's vouchers and IMS documents of the financial year starting in April of `start_year`."""
    first, last = financial_year(start_year)
    params = {"recipient": recipient, "first": first, "last": last}
    books = [
        BookDoc(v, ctin, kind, number, dt, posting, pos, rev == "Y", Amounts(*amounts), portcode)
        for v, ctin, kind, number, dt, posting, pos, rev, *amounts, portcode in conn.execute(_BOOKS, params)
    ]
    ims = [
        ImsDoc(key, section, ctin, number, dt, pos, rev, Amounts(*amounts), filed, pending, port, action, hash_)
        for key, section, ctin, number, dt, pos, rev, *amounts, filed, pending, port, action, hash_ in conn.execute(
            _IMS, params
        )
    ]
    return books, ims


def policy(conn: Connection, recipient: str) -> Policy:
    """The recipient's policy in force: its highest version as projected, else the default (version 1)."""
    found = conn.execute(
        text("SELECT version, policy FROM recon_policies WHERE recipient = :r ORDER BY version DESC LIMIT 1"),
        {"r": recipient},
    ).first()
    return DEFAULT_POLICY if found is None else policy_of(found[1], found[0])


def links(conn: Connection, recipient: str) -> list[Link]:
    """The recipient's live manual links, in voucher-id order."""
    found = conn.execute(
        text("SELECT voucher_id, doc_key FROM recon_links WHERE recipient = :r AND live ORDER BY voucher_id"),
        {"r": recipient},
    )
    return [Link(voucher, doc_key) for voucher, doc_key in found]


def links_behind(conn: Connection, recipient: str) -> bool:
    """Whether the recipient's latest links change, numbered by the booking side (`recon_policy_heads`), is not yet
    in `recon_links`: the answer to `POST .../recon/links` comes before the projection applies it, and until then
    a reconciliation (which reads `links`) does not show it. Every change sets its number on each voucher it
    touches, so the projection has it once the highest number there reaches the head's (for a change of more
    than 1,000 rows, once its first chunk is in)."""
    found = conn.execute(
        text(
            "SELECT h.links_version > coalesce((SELECT max(version) FROM recon_links WHERE recipient = :r), 0) "
            "FROM recon_policy_heads h WHERE h.recipient = :r"
        ),
        {"r": recipient},
    ).scalar()
    return bool(found)
