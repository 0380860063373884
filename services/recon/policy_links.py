"""The recipient's reconciliation policy and manual links, set by requests and kept as events (docs/rules.md
§10.2): `ReconPolicySet` and `ReconLinksChanged` on the recipient's stream.

Guarantees:
- the events and the answer are committed in one transaction with the booking side's heads (`recon_policy_heads`,
  `recon_link_heads`), before the answer is sent, under the lock that serialises the recipient's bookings too;
- the policy's versions are numbered by the booking side: 1 is the default every recipient starts with (never
  an event), each policy that differs from the one in force takes the next; the same policy again is
  `unchanged` and logs nothing;
- each links request that changes anything takes the recipient's next links change number, carried by every
  chunk, so the projection applies a voucher's change only over an older one;
- a link names a booked, live voucher and a document of the recipient's IMS, and a document is linked to one
  voucher at most, checked against every earlier request whatever the projection's lag;
- an Idempotency-Key makes a retry return the first answer with no second effect.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

from sqlalchemy import Connection, text

from services.common import requests
from services.common.events import ReconLink, ReconLinksChangedV1, ReconPolicySetV1
from services.common.gst.references import new_reference
from services.common.ports import Ports
from services.recon.domain.links import Decided, Found, Rows, decide
from services.recon.domain.policy import DEFAULT_POLICY, Policy
from services.recon.domain.policy_body import fields_of
from services.recon.handlers import append, lock

KIND = "recon"  # the request log's kind (services/common/requests.py)
CHUNK = 1000  # link changes per event
_HEAD = text("SELECT policy_version, policy, links_version FROM recon_policy_heads WHERE recipient = :r")
_WRITE_POLICY = text(
    "INSERT INTO recon_policy_heads (recipient, policy_version, policy) VALUES (:r, :v, CAST(:p AS jsonb)) "
    "ON CONFLICT (recipient) DO UPDATE SET policy_version = excluded.policy_version, policy = excluded.policy"
)
_WRITE_LINKS_VERSION = text(
    "INSERT INTO recon_policy_heads (recipient, links_version) VALUES (:r, :v) "
    "ON CONFLICT (recipient) DO UPDATE SET links_version = excluded.links_version"
)


def set_policy(ports: Ports, recipient: str, policy: Policy, actor: str, key: str | None) -> dict[str, Any]:
    """Log the policy as the recipient's next version unless it is the one in force; the answer names the
    version in force afterwards."""
    with requests.idempotent(ports.engine, key) as earlier:
        if earlier is not None:
            return earlier
        reference = new_reference(key)
        with ports.engine.begin() as conn:
            lock(conn, recipient)
            head = conn.execute(_HEAD, {"r": recipient}).first()
            version = head[0] if head is not None else DEFAULT_POLICY.version
            current = head[1] if head is not None and head[1] is not None else fields_of(DEFAULT_POLICY)
            wanted = fields_of(policy)
            changed = wanted != current
            if changed:
                version += 1
                conn.execute(_WRITE_POLICY, {"r": recipient, "v": version, "p": json.dumps(wanted)})
                event = ReconPolicySetV1(reference, recipient, version, **wanted)
                append(conn, ports, recipient, reference, actor, iter((event,)))
            answer = {"reference_id": reference, "gstin": recipient, "version": version, "changed": changed}
            answer["policy"] = wanted
            requests.record(conn, reference, KIND, recipient, answer, key)
            return answer


def change_links(ports: Ports, recipient: str, rows: Rows, actor: str, key: str | None) -> dict[str, Any]:
    """Link and unlink as the rows say; answered in the REQSTS shape, per refused row, plus `links`
    {linked, unlinked, unchanged}."""
    with requests.idempotent(ports.engine, key) as earlier:
        if earlier is not None:
            return earlier
        reference = new_reference(key)
        with ports.engine.begin() as conn:
            lock(conn, recipient)
            decided = decide(rows, _found(conn, recipient, rows))
            if decided.linked or decided.unlinked:
                head = conn.execute(_HEAD, {"r": recipient}).first()
                version = (head[2] if head is not None else 0) + 1
                conn.execute(_WRITE_LINKS_VERSION, {"r": recipient, "v": version})
                _write_links(conn, recipient, decided)
                append(conn, ports, recipient, reference, actor, _events(reference, recipient, version, decided))
            answer = requests.reqsts(reference, rows.seen - rows.refused, rows.errors)
            answer["links"] = {
                "linked": len(decided.linked),
                "unlinked": len(decided.unlinked),
                "unchanged": decided.unchanged,
            }
            requests.record(conn, reference, KIND, recipient, answer, key)
            return answer


def _found(conn: Connection, recipient: str, rows: Rows) -> Found:
    vouchers = sorted({r.voucher_id for r in rows.rows})
    documents = sorted({r.doc_key for r in rows.rows if r.doc_key})
    params = {"r": recipient, "v": vouchers, "d": documents}
    booked = conn.execute(
        text(
            "SELECT voucher_id, cancelled FROM recon_voucher_heads "
            "WHERE recipient = :r AND voucher_id = ANY(CAST(:v AS text[]))"
        ),
        params,
    )
    present = conn.execute(
        text("SELECT doc_key FROM ims_documents WHERE recipient = :r AND doc_key = ANY(CAST(:d AS text[]))"), params
    )
    links = conn.execute(
        text(
            "SELECT voucher_id, doc_key FROM recon_link_heads WHERE recipient = :r "
            "AND (voucher_id = ANY(CAST(:v AS text[])) OR doc_key = ANY(CAST(:d AS text[])))"
        ),
        params,
    )
    return Found(dict(booked.tuples().all()), frozenset(present.scalars()), dict(links.tuples().all()))


def _write_links(conn: Connection, recipient: str, decided: Decided) -> None:
    moved = [v for v, _ in decided.linked] + decided.unlinked
    conn.execute(
        text("DELETE FROM recon_link_heads WHERE recipient = :r AND voucher_id = ANY(CAST(:v AS text[]))"),
        {"r": recipient, "v": moved},
    )
    if decided.linked:
        conn.execute(
            text(
                "INSERT INTO recon_link_heads (recipient, voucher_id, doc_key) "
                "SELECT :r, * FROM unnest(CAST(:v AS text[]), CAST(:d AS text[]))"
            ),
            {"r": recipient, "v": [v for v, _ in decided.linked], "d": [d for _, d in decided.linked]},
        )


def _events(reference: str, recipient: str, version: int, decided: Decided) -> Iterator[ReconLinksChangedV1]:
    changes: list[tuple[str, str | None]] = [(v, None) for v in decided.unlinked]
    changes += [(v, d) for v, d in decided.linked]
    chunks = -(-len(changes) // CHUNK)
    for chunk in range(chunks):
        part = changes[chunk * CHUNK : (chunk + 1) * CHUNK]
        linked: list[ReconLink] = [{"voucher_id": v, "doc_key": d} for v, d in part if d is not None]
        unlinked = [v for v, d in part if d is None]
        yield ReconLinksChangedV1(reference, recipient, version, chunk, chunks, linked, unlinked)
