"""Booking and cancelling vouchers of the recipient's purchase register (docs/rules.md §10.1): checked rows →
`PurchasesBooked` / `PurchaseCancelled` events on the recipient's stream, answered like a filing.

Guarantees:
- the events and the answer are committed in one transaction with the booking side's heads
  (`recon_voucher_heads`), before the answer is sent; a request with nothing to log logs its answer only;
- a voucher re-sent with the same content (version hash) while live is `unchanged` and logs nothing; another
  hash, or a cancelled voucher booked again, is `changed`; an unknown id is `new`;
- each voucher event carries the voucher's next version number (new: 1; a change, a cancellation, a revival:
  the head's plus one), so consumers can keep the highest and ignore any redelivery;
- requests for one recipient are serialised (a transaction-scoped advisory lock), so two concurrent requests
  cannot both call the same voucher new;
- an Idempotency-Key makes a retry return the first answer with no second effect.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any, NamedTuple

from sqlalchemy import Connection, text

from services.archive import eventlog
from services.common import requests
from services.common.envelope import Envelope
from services.common.events import BookedVoucher, Event, PurchaseCancelledV1, PurchasesBookedV1
from services.common.gst.references import new_reference
from services.common.ports import Ports
from services.common.settings import EVENTS_TOPIC
from services.recon.domain.purchases import Purchase
from services.recon.domain.register import Checked

KIND = "purchases"  # the request log's kind (services/common/requests.py)
CHUNK = 1000  # vouchers per event: well under the broker's message limit even with 20 long tags each
HEADS = text(
    "SELECT voucher_id, version_hash, version, cancelled FROM recon_voucher_heads "
    "WHERE recipient = :r AND voucher_id = ANY(CAST(:ids AS text[]))"
)
WRITE_HEADS = text(
    """
    INSERT INTO recon_voucher_heads (recipient, voucher_id, version_hash, version, cancelled)
    SELECT :r, * FROM unnest(CAST(:ids AS text[]), CAST(:hashes AS text[]), CAST(:versions AS integer[]),
                             CAST(:cancelled AS boolean[]))
    ON CONFLICT (recipient, voucher_id) DO UPDATE SET
        version_hash = excluded.version_hash, version = excluded.version, cancelled = excluded.cancelled
    """
)


class Head(NamedTuple):
    version_hash: str
    version: int
    cancelled: bool


def book(ports: Ports, recipient: str, checked: Checked, actor: str, key: str | None) -> dict[str, Any]:
    """Log the new and changed vouchers and the answer; returns the answer (the first one for a repeated key)."""
    with requests.idempotent(ports.engine, key) as earlier:
        if earlier is not None:
            return earlier
        with ports.engine.begin() as conn:
            return book_in(conn, ports, recipient, checked, actor, new_reference(key), key)


def book_in(
    conn: Connection, ports: Ports, recipient: str, checked: Checked, actor: str, reference: str, key: str | None
) -> dict[str, Any]:
    """`book` inside the caller's transaction (the Kafka door's, which moves its offsets in the same one)."""
    heads = _heads(conn, recipient, [p.voucher_id for p in checked.purchases])
    written: list[tuple[Purchase, Head]] = []
    for p in checked.purchases:
        head, content = heads.get(p.voucher_id), p.version_hash  # the hash is computed once here
        if head is None or head.cancelled or head.version_hash != content:
            written.append((p, Head(content, head.version + 1 if head else 1, False)))
    _write_heads(conn, recipient, [(p.voucher_id, head) for p, head in written])
    append(conn, ports, recipient, reference, actor, _booked(reference, recipient, written))
    report = {"purchases": [e.report() for e in checked.errors]} if checked.errors else {}
    answer = requests.reqsts(reference, len(checked.purchases), report)
    fresh = sum(1 for _, head in written if head.version == 1)
    unchanged = len(checked.purchases) - len(written)
    answer["vouchers"] = {"new": fresh, "changed": len(written) - fresh, "unchanged": unchanged}
    requests.record(conn, reference, KIND, recipient, answer, key)
    return answer


def cancel(ports: Ports, recipient: str, voucher_ids: Sequence[str], actor: str, key: str | None) -> dict[str, Any]:
    """Cancel the named vouchers: an unknown id is an error row, one cancelled already is `unchanged`."""
    with requests.idempotent(ports.engine, key) as earlier:
        if earlier is not None:
            return earlier
        with ports.engine.begin() as conn:
            return cancel_in(conn, ports, recipient, voucher_ids, actor, new_reference(key), key)


def cancel_in(
    conn: Connection,
    ports: Ports,
    recipient: str,
    voucher_ids: Sequence[str],
    actor: str,
    reference: str,
    key: str | None,
    rows: Sequence[int] | None = None,
) -> dict[str, Any]:
    """`cancel` inside the caller's transaction; `rows` numbers the ids as the sender counts them (1, 2, … when
    not given)."""
    heads = _heads(conn, recipient, list(voucher_ids))
    numbered = list(zip(rows or range(1, len(voucher_ids) + 1), voucher_ids, strict=True))
    errors = [_unknown(row, v) for row, v in numbered if v not in heads]
    live = sorted({v for v in voucher_ids if v in heads and not heads[v].cancelled})
    cancelled = [(v, heads[v]._replace(version=heads[v].version + 1, cancelled=True)) for v in live]
    _write_heads(conn, recipient, cancelled)
    events = (PurchaseCancelledV1(reference, recipient, v, head.version) for v, head in cancelled)
    append(conn, ports, recipient, reference, actor, events)
    processed = len(voucher_ids) - len(errors)
    answer = requests.reqsts(reference, processed, {"purchases": errors} if errors else {})
    answer["vouchers"] = {"cancelled": len(live), "unchanged": processed - len(live)}
    requests.record(conn, reference, KIND, recipient, answer, key)
    return answer


def _unknown(row: int, voucher_id: str) -> dict[str, object]:
    shown = voucher_id[:64]
    message = f"voucher_id: {shown} was never booked for this recipient"
    return {"row": row, "voucher_id": shown, "field": "voucher_id", "error_cd": "NOT_FOUND", "error_msg": message}


def lock(conn: Connection, recipient: str) -> None:
    """Serialise the recipient's booking-side requests (vouchers, policy, links) until the transaction ends."""
    conn.execute(text("SELECT pg_advisory_xact_lock(hashtextextended(:k, 11))"), {"k": f"recon:{recipient}"})


def _heads(conn: Connection, recipient: str, voucher_ids: list[str]) -> dict[str, Head]:
    lock(conn, recipient)
    rows = conn.execute(HEADS, {"r": recipient, "ids": voucher_ids})
    return {voucher: Head(version_hash, version, cancelled) for voucher, version_hash, version, cancelled in rows}


def _write_heads(conn: Connection, recipient: str, heads: list[tuple[str, Head]]) -> None:
    if heads:
        params = {
            "r": recipient,
            "ids": [v for v, _ in heads],
            "hashes": [h.version_hash for _, h in heads],
            "versions": [h.version for _, h in heads],
            "cancelled": [h.cancelled for _, h in heads],
        }
        conn.execute(WRITE_HEADS, params)


def append(conn: Connection, ports: Ports, recipient: str, reference: str, actor: str, events: Iterator[Event]) -> None:
    """The events on the recipient's stream, in the caller's transaction (the durable log)."""
    topic = ports.settings.topic(EVENTS_TOPIC)
    envelope = {"correlation_id": reference, "actor": actor}
    eventlog.append_events(conn, ports.codec, topic, ((recipient, Envelope.of(e, **envelope), e) for e in events))


def _booked(reference: str, recipient: str, written: list[tuple[Purchase, Head]]) -> Iterator[PurchasesBookedV1]:
    chunks = -(-len(written) // CHUNK)
    for chunk in range(chunks):
        vouchers = [
            voucher_of(p, head.version, head.version_hash) for p, head in written[chunk * CHUNK : (chunk + 1) * CHUNK]
        ]
        yield PurchasesBookedV1(reference, recipient, chunk, chunks, vouchers)


def voucher_of(p: Purchase, version: int, version_hash: str | None = None) -> BookedVoucher:
    return BookedVoucher(
        voucher_id=p.voucher_id,
        version_hash=version_hash or p.version_hash,
        version=version,
        ctin=p.ctin,
        doc_type=p.doc_type,
        inum=p.inum,
        dt=p.dt,
        pos=p.pos,
        rev=p.rev,
        txval=p.txval,
        igst=p.igst,
        cgst=p.cgst,
        sgst=p.sgst,
        cess=p.cess,
        posting_date=p.posting_date,
        portcode=p.portcode,
        boenum=p.boenum,
        tags=dict(p.tags),
    )
