"""The recon projection: `ims.events.v1` → `recon_purchases` (one row per recipient and voucher), `recon_policies`
(every version of each recipient's reconciliation policy) and `recon_links` (one row per recipient and voucher ever
linked by hand).

A pure function of the recipient's stream, the same on the live consumer and on every replay:
- every voucher event carries the voucher's version number, decided by the booking side (services/recon/
  handlers.py); a row takes an event only when its number is higher than the row's, so a redelivered event,
  or any older one, changes nothing;
- a booking writes the voucher's content and hash, live, and names the event that wrote it
  (`booked_by_event`); a booking after a cancellation revives the voucher;
- `PurchaseCancelled` marks the voucher cancelled (a voucher never booked has no row to mark).
- `ReconPolicySet` adds its version of the policy (a version held already is left as it is);
- `ReconLinksChanged` carries the recipient's links change number: a voucher's row takes a link or an unlink only
  over an older number, so redelivery changes nothing; an unlinked row stays, not live, naming its last document.
Each chunk is one multi-row upsert and each run of consecutive cancellations one UPDATE. Every other event of
the stream is the IMS projection's and is passed over here.
"""

from __future__ import annotations

import json
from collections.abc import Sequence

import structlog
from sqlalchemy import Connection, text

from services.common.events import (
    Event,
    PurchaseCancelledV1,
    PurchasesBookedV1,
    ReconLinksChangedV1,
    ReconPolicySetV1,
)
from services.common.runner import Delivered

log = structlog.get_logger()
_COLUMNS = ("ctin", "doc_type", "inum", "pos", "rev", "txval", "igst", "cgst", "sgst", "cess", "portcode", "boenum")
_TYPES = {"txval": "bigint", "igst": "bigint", "cgst": "bigint", "sgst": "bigint", "cess": "bigint"}
UPSERT = text(
    f"""
    INSERT INTO recon_purchases AS p (recipient, voucher_id, version_hash, version, {", ".join(_COLUMNS)}, dt,
                                 posting_date, tags, cancelled, reference_id, booked_by_event)
    SELECT :recipient, v.voucher_id, v.version_hash, v.version, {", ".join(f"v.{c}" for c in _COLUMNS)}, v.dt::date,
           v.posting_date::date, v.tags::jsonb, false, :reference, :event
    FROM unnest(CAST(:voucher_id AS text[]), CAST(:version_hash AS text[]), CAST(:version AS integer[]),
                {", ".join(f"CAST(:{c} AS {_TYPES.get(c, 'text')}[])" for c in _COLUMNS)},
                CAST(:dt AS text[]), CAST(:posting_date AS text[]), CAST(:tags AS text[]))
         AS v(voucher_id, version_hash, version, {", ".join(_COLUMNS)}, dt, posting_date, tags)
    ON CONFLICT (recipient, voucher_id) DO UPDATE SET
        version_hash = excluded.version_hash,
        version = excluded.version,
        {", ".join(f"{c} = excluded.{c}" for c in (*_COLUMNS, "dt", "posting_date", "tags"))},
        cancelled = false,
        reference_id = excluded.reference_id,
        booked_by_event = excluded.booked_by_event
    WHERE excluded.version > p.version
    """
)
CANCEL = text(
    "UPDATE recon_purchases p SET cancelled = true, version = c.version "
    "FROM unnest(CAST(:recipient AS text[]), CAST(:voucher_id AS text[]), CAST(:version AS integer[])) "
    "AS c(recipient, voucher_id, version) "
    "WHERE p.recipient = c.recipient AND p.voucher_id = c.voucher_id AND c.version > p.version"
)

POLICY = text(
    "INSERT INTO recon_policies (recipient, version, policy, reference_id, set_by_event) "
    "VALUES (:recipient, :version, CAST(:policy AS jsonb), :reference, :event) ON CONFLICT DO NOTHING"
)
LINKS = text(
    """
    INSERT INTO recon_links AS l (recipient, voucher_id, doc_key, live, version, changed_by_event)
    SELECT :recipient, c.voucher_id, c.doc_key, c.live, :version, :event
    FROM unnest(CAST(:voucher_id AS text[]), CAST(:doc_key AS text[]), CAST(:live AS boolean[]))
         AS c(voucher_id, doc_key, live)
    ON CONFLICT (recipient, voucher_id) DO UPDATE SET
        doc_key = CASE WHEN excluded.live THEN excluded.doc_key ELSE l.doc_key END,
        live = excluded.live,
        version = excluded.version,
        changed_by_event = excluded.changed_by_event
    WHERE excluded.version > l.version
    """
)
_SET_ASIDE = ("reference_id", "recipient", "version")


class ReconProjection:
    name = "recon"
    tables: tuple[str, ...] = ("recon_purchases", "recon_policies", "recon_links")
    # the recipient's stream carries every filing too: the runner skips them unread (services/common/runner.py)
    event_types = frozenset(
        e.EVENT_TYPE for e in (PurchasesBookedV1, PurchaseCancelledV1, ReconPolicySetV1, ReconLinksChangedV1)
    )

    def __init__(self, topic: str):
        self.topics: tuple[str, ...] = (topic,)

    def apply(self, conn: Connection, batch: Sequence[Delivered[Event]]) -> None:
        cancels: dict[tuple[str, str], int] = {}
        for message in batch:
            event = message.event
            if isinstance(event, PurchaseCancelledV1):
                key = (event.recipient, event.voucher_id)
                cancels[key] = max(event.version, cancels.get(key, 0))
            elif isinstance(event, PurchasesBookedV1):
                _cancel(conn, cancels)
                cancels = {}
                _book(conn, event, message.envelope.event_id)
            elif isinstance(event, ReconPolicySetV1):
                _policy(conn, event, message.envelope.event_id)
            elif isinstance(event, ReconLinksChangedV1):
                _links(conn, event, message.envelope.event_id)
        _cancel(conn, cancels)


def _policy(conn: Connection, event: ReconPolicySetV1, event_id: str) -> None:
    record = event.to_record()
    policy = {k: v for k, v in record.items() if k not in _SET_ASIDE}
    params = {"recipient": event.recipient, "version": event.version, "reference": event.reference_id}
    conn.execute(POLICY, params | {"policy": json.dumps(policy, sort_keys=True), "event": event_id})
    log.debug("recon_policy_projected", version=event.version)


def _links(conn: Connection, event: ReconLinksChangedV1, event_id: str) -> None:
    changes = [(link["voucher_id"], link["doc_key"], True) for link in event.linked]
    changes += [(voucher, "", False) for voucher in event.unlinked]
    if changes:
        voucher_id, doc_key, live = (list(column) for column in zip(*changes, strict=True))
        params = {"recipient": event.recipient, "version": event.version, "event": event_id}
        conn.execute(LINKS, params | {"voucher_id": voucher_id, "doc_key": doc_key, "live": live})


def _book(conn: Connection, event: PurchasesBookedV1, event_id: str) -> None:
    vouchers = event.vouchers
    if not vouchers:
        return
    rows: list[dict[str, object]] = [dict(v) for v in vouchers]
    params: dict[str, object] = {
        c: [row[c] for row in rows] for c in (*_COLUMNS, "voucher_id", "version_hash", "version")
    }
    params |= {"dt": [v["dt"] for v in vouchers], "posting_date": [v["posting_date"] for v in vouchers]}
    params["tags"] = [json.dumps(v["tags"], sort_keys=True) for v in vouchers]
    params |= {"recipient": event.recipient, "reference": event.reference_id, "event": event_id}
    conn.execute(UPSERT, params)
    log.debug("purchases_projected", vouchers=len(vouchers))


def _cancel(conn: Connection, cancels: dict[tuple[str, str], int]) -> None:
    """A run of cancellations in one UPDATE (a voucher cancelled twice in it: its highest version)."""
    if cancels:
        keys = sorted(cancels)
        params = {"recipient": [k[0] for k in keys], "voucher_id": [k[1] for k in keys]}
        conn.execute(CANCEL, params | {"version": [cancels[k] for k in keys]})
