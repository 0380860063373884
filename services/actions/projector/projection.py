"""IMS projector: `ims.events.v1` → the recipient's live documents, counts, history and refusals.

A pure function of the log: filings and actions are decided in log order by the domain functions the
API also uses; time arrives only as `ClockAdvanced`, GSTR-3B filing only as `Gstr3bFiled`. Applied
actions leave one outbox row per (action event, supplier) for the notifier, so a replay sends nothing
twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import structlog
from sqlalchemy import Connection, text

from services.actions.domain import chains
from services.actions.domain.actions import apply_action, check_action
from services.actions.domain.model import REJECT, ActionRequest, ImsDocument
from services.actions.projector import bulk_apply, filed, periods
from services.actions.projector.batch import Batch, Key, position
from services.common.runner import Delivered, message_context
from services.gstr2b import generation, reversals

log = structlog.get_logger()
GROUP_ITEMS = 50_000  # items of consecutive bulk chunks applied by one statement


class ImsProjection:
    name = "ims"
    # Read models this projection owns (rebuilt by a replay). The notification outbox is left out on
    # purpose: it records what was sent, and a replay must not send again.
    tables: tuple[str, ...] = (
        "ims_documents",
        "ims_itc_periods",
        "ims_counts",
        "ims_history",
        "ims_history_events",
        "ims_refusals",
        "ims_periods",
        "ims_clock",
        "ims_recipients",
        "ims_applied_requests",
        "ims_rule37a",
        "gstr2b_versions",
        "gstr2b_lines",
    )

    def __init__(self, topic: str):
        self.topics: tuple[str, ...] = (topic,)

    def apply(self, conn: Connection, batch: Sequence[Delivered]) -> None:
        work = Batch(conn)
        work.preload(_keys(batch))
        clock = _clock(conn, {m.key for m in batch})
        work.quarterly = dict(
            conn.execute(
                text("SELECT recipient, quarterly FROM ims_recipients WHERE recipient = ANY(:r)"),
                {"r": sorted({m.key for m in batch})},
            ).all()
        )
        for group in _groups(batch):
            if len(group) > 1:
                on_bulk_chunks(work, group, clock)
                continue
            (message,) = group
            handler = HANDLERS.get(message.envelope.event_type)
            if handler is not None:
                with message_context(message):
                    handler(work, message, clock)
                    log.debug("event_projected")
        work.flush()


def _groups(batch: Sequence[Delivered]) -> list[list[Delivered]]:
    """The batch in log order, consecutive SQL-eligible `ActionsTaken` chunks together (up to GROUP_ITEMS
    items): a 100,000-document bulk action is then a few statements instead of twenty."""
    groups: list[list[Delivered]] = []
    staged = 0
    for message in batch:
        if _bulk_chunk(message) and groups and _bulk_chunk(groups[-1][-1]):
            size = len(message.record["items"])
            if staged + size <= GROUP_ITEMS:
                groups[-1].append(message)
                staged += size
                continue
        groups.append([message])
        staged = len(message.record["items"]) if _bulk_chunk(message) else 0
    return groups


def _bulk_chunk(message: Delivered) -> bool:
    return message.envelope.event_type == "ActionsTaken" and bulk_apply.eligible(message.record)


def _keys(batch: Sequence[Delivered]) -> set[Key]:
    keys: set[Key] = set()
    for message in batch:
        record = message.record
        if message.envelope.event_type == "DocumentsFiled":
            for doc in record["documents"]:
                keys.add((record["recipient"], doc["key"]))
                if doc["original_key"]:
                    keys.add((record["recipient"], doc["original_key"]))
                    keys.add((record["recipient"], chains.instance_key(doc["key"], record["return_period"])))
        elif message.envelope.event_type == "ActionsTaken" and not bulk_apply.eligible(record):
            keys.update(_action_keys(record))
    return keys


def _action_keys(record: dict[str, Any]) -> set[Key]:
    return {(record["recipient"], item["doc_key"]) for item in record["items"]}


def _clock(conn: Connection, recipients: set[str]) -> dict[str, str]:
    rows = conn.execute(
        text("SELECT recipient, today FROM ims_clock WHERE recipient = ANY(:r)"), {"r": sorted(recipients)}
    )
    return {recipient: today.isoformat() for recipient, today in rows}


def on_actions_taken(work: Batch, message: Delivered, clock: dict[str, str]) -> None:
    if _first_time(work, message):
        _take_actions(work, message, clock)


def on_bulk_chunks(work: Batch, messages: list[Delivered], clock: dict[str, str]) -> None:
    """Consecutive bulk chunks in one statement when SQL proves every item of all of them allowed and no
    document appears twice; otherwise each chunk as `on_actions_taken` takes it. Either way the read model,
    history positions and outbox rows are those of applying the chunks one after the other."""
    fresh = [m for m in messages if _first_time(work, m)]
    if len(fresh) > 1 and _distinct_documents(fresh) and _applied_in_sql(work, fresh):
        for message in fresh:
            with message_context(message):
                log.debug("event_projected")
        return
    for message in fresh:
        with message_context(message):
            _take_actions(work, message, clock)
            log.debug("event_projected")


def _first_time(work: Batch, message: Delivered) -> bool:
    """False for a client's retry of a request already applied (same Idempotency-Key, same reference id)."""
    record = message.record
    return (
        work.conn.execute(
            text(
                "INSERT INTO ims_applied_requests (reference_id, chunk) VALUES (:r, :c) "
                "ON CONFLICT DO NOTHING RETURNING 1"
            ),
            {"r": record["reference_id"], "c": record["chunk"]},
        ).first()
        is not None
    )


def _distinct_documents(messages: list[Delivered]) -> bool:
    keys = [key for m in messages for key in _action_keys(m.record)]
    return len(set(keys)) == sum(len(m.record["items"]) for m in messages)


def _take_actions(work: Batch, message: Delivered, clock: dict[str, str]) -> None:
    record = message.record
    recipient, reference = record["recipient"], record["reference_id"]
    if bulk_apply.eligible(record) and _applied_in_sql(work, [message]):
        return
    today = clock.get(recipient, "")
    work.preload(_action_keys(record))  # left out of the batch's preload, or dropped by an earlier SQL chunk
    applied: list[ImsDocument] = []
    for index, item in enumerate(record["items"]):
        key = (recipient, item["doc_key"])
        request = ActionRequest(
            item["doc_key"],
            item["action"],
            item["version_hash"],
            item["remarks"],
            item["itc_red_req"],
            item["decl_igst"],
            item["decl_cgst"],
            item["decl_sgst"],
            item["decl_cess"],
        )
        current = work.get(key)
        refusal = check_action(current, request, today)
        if refusal is not None:
            work.refuse(message, index, reference, key, item["section"], refusal.code, refusal.message)
            continue
        assert current is not None
        updated = apply_action(current, request, message.envelope.actor, message.envelope.occurred_at)
        work.put(key, updated)
        work.note(
            message,
            index,
            key,
            f"action_{updated.action}",
            {"reference_id": reference, "remarks": updated.remarks, "prev": current.action},
        )
        applied.append(updated)
    _notify(work, message, applied)


def _applied_in_sql(work: Batch, messages: list[Delivered]) -> bool:
    """Whole chunks set-based when SQL can prove every item allowed; the read model must first hold
    everything decided before them in this batch, and the cache forgets what the UPDATE changed."""
    work.flush()
    bulk_apply.stage_chunks(work.conn, [m.record["items"] for m in messages])
    applied = bulk_apply.apply(
        work.conn,
        [
            {
                "recipient": m.record["recipient"],
                "position": position(m),
                "event_id": m.envelope.event_id,
                "event_type": m.envelope.event_type,
                "at": m.envelope.occurred_at,
                "actor": m.envelope.actor,
                "reference": m.record["reference_id"],
            }
            for m in messages
        ],
        sum(len(m.record["items"]) for m in messages),
    )
    if applied:
        for m in messages:
            work.discard(_action_keys(m.record))
    return applied


def _notify(work: Batch, message: Delivered, applied: list[ImsDocument]) -> None:
    by_supplier: dict[str, list[dict[str, Any]]] = {}
    for doc in applied:
        addback = doc.section in bulk_apply.ADDS_BACK_WHEN_REJECTED and doc.action == REJECT
        by_supplier.setdefault(doc.supplier, []).append(
            {
                "doc_key": doc.doc_key,
                "section": doc.section,
                "number": doc.number,
                "doc_date": doc.doc_date,
                "action": doc.action,
                "remarks": doc.remarks,
                "liability_addback_igst": doc.igst if addback else 0,
                "liability_addback_cgst": doc.cgst if addback else 0,
                "liability_addback_sgst": doc.sgst if addback else 0,
                "liability_addback_cess": doc.cess if addback else 0,
            }
        )
    for supplier, documents in sorted(by_supplier.items()):
        record = {
            "supplier": supplier,
            "recipient": message.key,
            "cause_event_id": message.envelope.event_id,
            "documents": documents,
        }
        work.outbox.append((message.envelope.event_id, supplier, message.key, record))


def on_gstr3b_filed(work: Batch, message: Delivered, clock: dict[str, str]) -> None:
    work.flush()
    recipient = message.record["recipient"]
    periods.freeze(work.conn, message)
    generation.generate_due(work.conn, recipient, clock.get(recipient, ""), message)
    work.forget(recipient)


def on_clock_advanced(work: Batch, message: Delivered, clock: dict[str, str]) -> None:
    work.flush()
    recipient, today = message.record["recipient"], message.record["date"]
    if today > clock.get(recipient, ""):
        clock[recipient] = today
    periods.advance_clock(work.conn, message)
    generation.generate_due(work.conn, recipient, clock[recipient], message)
    work.forget(recipient)


def on_recompute_requested(work: Batch, message: Delivered, clock: dict[str, str]) -> None:
    work.flush()
    record = message.record
    refusal = generation.recompute_refusal(work.conn, record["recipient"], record["period"])
    if refusal is not None:
        work.refuse(message, 0, record["reference_id"], (record["recipient"], ""), "gstr2b", *refusal)
        return
    generation.recompute(work.conn, message, clock.get(record["recipient"], ""))
    work.forget(record["recipient"])


def on_profile_set(work: Batch, message: Delivered, _clock: dict[str, str]) -> None:
    work.conn.execute(
        text(
            "INSERT INTO ims_recipients (recipient, quarterly) VALUES (:r, :q) "
            "ON CONFLICT (recipient) DO UPDATE SET quarterly = excluded.quarterly"
        ),
        {"r": message.record["recipient"], "q": message.record["quarterly"]},
    )
    work.quarterly[message.record["recipient"]] = message.record["quarterly"]


def on_rule37a_reported(work: Batch, message: Delivered, _clock: dict[str, str]) -> None:
    recipient = message.record["recipient"]
    reversals.record_report(work.conn, message, generation.is_quarterly(work.conn, recipient))


HANDLERS: dict[str, Callable[[Batch, Delivered, dict[str, str]], None]] = {
    "DocumentsFiled": filed.on_documents_filed,
    "ActionsTaken": on_actions_taken,
    "Gstr3bFiled": on_gstr3b_filed,
    "ClockAdvanced": on_clock_advanced,
    "Gstr2bRecomputeRequested": on_recompute_requested,
    "RecipientProfileSet": on_profile_set,
    "Rule37aReversalReported": on_rule37a_reported,
}
