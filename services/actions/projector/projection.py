"""IMS projector: `ims.events.v1` → the recipient's live documents, counts, history and refusals.

A pure function of the log: filings and actions are decided in log order by the domain functions the
API also uses; time arrives only as `ClockAdvanced`, GSTR-3B filing only as `Gstr3bFiled`. Applied
actions leave one outbox row per (action event, supplier) for the notifier, so a replay sends nothing
twice.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeGuard

import structlog
from sqlalchemy import Connection, text

from services.actions.domain import chains
from services.actions.domain.actions import apply_action, check_action
from services.actions.domain.model import REJECT, ActionRequest, ImsDocument
from services.actions.projector import bulk_apply, deadlines, filed, periods
from services.actions.projector.batch import Batch, Key, position
from services.common.events import (
    ActionsTakenV1,
    ClockAdvancedV1,
    DocumentsFiledV2,
    Event,
    Gstr2bRecomputeRequestedV1,
    Gstr3bFiledV1,
    NotifiedDocument,
    RecipientProfileSetV1,
    Rule37aReversalReportedV1,
    SupplierNotifiedV1,
)
from services.common.runner import Delivered, message_context
from services.gstr2b import generation, reversals

log = structlog.get_logger()
GROUP_ITEMS = 50_000  # items of consecutive bulk chunks applied by one statement


class ImsProjection:
    name = "ims"
    # Read models this projection owns (rebuilt by a replay). The notification and deadline outboxes are left
    # out on purpose: they record what was sent, and a replay must not send again.
    tables: tuple[str, ...] = (
        "ims_documents",
        "ims_itc_periods",
        "ims_counts",
        "ims_history",
        "ims_history_events",
        "ims_refusals",
        "ims_periods",
        "ims_clock",
        "ims_deadlines_announced",
        "ims_recipients",
        "ims_applied_requests",
        "ims_rule37a",
        "gstr2b_versions",
        "gstr2b_lines",
    )

    def __init__(self, topic: str):
        self.topics: tuple[str, ...] = (topic,)

    def apply(self, conn: Connection, batch: Sequence[Delivered[Event]]) -> None:
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
            handler = HANDLERS.get(type(message.event))
            if handler is not None:
                with message_context(message):
                    handler(work, message, clock)
                    log.debug("event_projected")
        work.flush()


def _groups(batch: Sequence[Delivered[Event]]) -> list[list[Delivered[Event]]]:
    """The batch in log order, consecutive SQL-eligible `ActionsTaken` chunks together (up to GROUP_ITEMS
    items): a 100,000-document bulk action is then a few statements instead of twenty."""
    groups: list[list[Delivered[Event]]] = []
    staged = 0
    for message in batch:
        size = _bulk_chunk(message)
        if size is not None and groups and _bulk_chunk(groups[-1][-1]) is not None and staged + size <= GROUP_ITEMS:
            groups[-1].append(message)
            staged += size
            continue
        groups.append([message])
        staged = size or 0
    return groups


def _bulk_chunk(message: Delivered[Event]) -> int | None:
    """The number of items of an SQL-eligible `ActionsTaken` chunk; None for any other event."""
    event = message.event
    return len(event.items) if isinstance(event, ActionsTakenV1) and bulk_apply.eligible(event) else None


def _keys(batch: Sequence[Delivered[Event]]) -> set[Key]:
    keys: set[Key] = set()
    for message in batch:
        event = message.event
        if isinstance(event, DocumentsFiledV2):
            recipient = event.recipient
            for doc in event.documents:
                keys.add((recipient, doc["key"]))
                if doc["original_key"]:
                    keys.add((recipient, doc["original_key"]))
                    keys.add((recipient, chains.instance_key(doc["key"], event.return_period)))
        elif isinstance(event, ActionsTakenV1) and not bulk_apply.eligible(event):
            keys.update(_action_keys(event))
    return keys


def _action_keys(event: ActionsTakenV1) -> set[Key]:
    return {(event.recipient, item["doc_key"]) for item in event.items}


def _clock(conn: Connection, recipients: set[str]) -> dict[str, str]:
    rows = conn.execute(
        text("SELECT recipient, today FROM ims_clock WHERE recipient = ANY(:r)"), {"r": sorted(recipients)}
    )
    return {recipient: today.isoformat() for recipient, today in rows}


def on_actions_taken(work: Batch, message: Delivered[ActionsTakenV1], clock: dict[str, str]) -> None:
    if _first_time(work, message):
        _take_actions(work, message, clock)


def on_bulk_chunks(work: Batch, group: list[Delivered[Event]], clock: dict[str, str]) -> None:
    """Consecutive bulk chunks in one statement when SQL proves every item of all of them allowed and no
    document appears twice; otherwise each chunk as `on_actions_taken` takes it. Either way the read model,
    history positions and outbox rows are those of applying the chunks one after the other."""
    messages = [m for m in group if _carries_actions(m)]
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


def _carries_actions(message: Delivered[Event]) -> TypeGuard[Delivered[ActionsTakenV1]]:
    return isinstance(message.event, ActionsTakenV1)


def _first_time(work: Batch, message: Delivered[ActionsTakenV1]) -> bool:
    """False for a client's retry of a request already applied (same Idempotency-Key, same reference id)."""
    event = message.event
    return (
        work.conn.execute(
            text(
                "INSERT INTO ims_applied_requests (reference_id, chunk) VALUES (:r, :c) "
                "ON CONFLICT DO NOTHING RETURNING 1"
            ),
            {"r": event.reference_id, "c": event.chunk},
        ).first()
        is not None
    )


def _distinct_documents(messages: list[Delivered[ActionsTakenV1]]) -> bool:
    keys = [key for m in messages for key in _action_keys(m.event)]
    return len(set(keys)) == sum(len(m.event.items) for m in messages)


def _take_actions(work: Batch, message: Delivered[ActionsTakenV1], clock: dict[str, str]) -> None:
    event = message.event
    recipient, reference = event.recipient, event.reference_id
    if bulk_apply.eligible(event) and _applied_in_sql(work, [message]):
        return
    today = clock.get(recipient, "")
    work.preload(_action_keys(event))  # left out of the batch's preload, or dropped by an earlier SQL chunk
    applied: list[ImsDocument] = []
    for index, item in enumerate(event.items):
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


def _applied_in_sql(work: Batch, messages: list[Delivered[ActionsTakenV1]]) -> bool:
    """Whole chunks set-based when SQL can prove every item allowed; the read model must first hold
    everything decided before them in this batch, and the cache forgets what the UPDATE changed."""
    work.flush()
    bulk_apply.stage_chunks(work.conn, [m.event.items for m in messages])
    applied = bulk_apply.apply(
        work.conn,
        [
            {
                "recipient": m.event.recipient,
                "position": position(m),
                "event_id": m.envelope.event_id,
                "event_type": m.envelope.event_type,
                "at": m.envelope.occurred_at,
                "actor": m.envelope.actor,
                "reference": m.event.reference_id,
            }
            for m in messages
        ],
        sum(len(m.event.items) for m in messages),
    )
    if applied:
        for m in messages:
            work.discard(_action_keys(m.event))
    return applied


def _notify(work: Batch, message: Delivered[ActionsTakenV1], applied: list[ImsDocument]) -> None:
    by_supplier: dict[str, list[NotifiedDocument]] = {}
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
    cause = message.envelope.event_id
    for supplier, documents in sorted(by_supplier.items()):
        work.outbox.append(SupplierNotifiedV1(supplier, message.key, cause, documents))


def on_gstr3b_filed(work: Batch, message: Delivered[Gstr3bFiledV1], clock: dict[str, str]) -> None:
    work.flush()
    recipient = message.event.recipient
    periods.freeze(work.conn, message)
    generation.generate_due(work.conn, recipient, clock.get(recipient, ""), message)
    work.forget(recipient)


def on_clock_advanced(work: Batch, message: Delivered[ClockAdvancedV1], clock: dict[str, str]) -> None:
    work.flush()
    recipient, today = message.event.recipient, message.event.date
    if today > clock.get(recipient, ""):
        clock[recipient] = today
    periods.advance_clock(work.conn, message)
    generation.generate_due(work.conn, recipient, clock[recipient], message)
    deadlines.announce(work.conn, message, clock[recipient], work.quarterly.get(recipient, False))
    work.forget(recipient)


def on_recompute_requested(work: Batch, message: Delivered[Gstr2bRecomputeRequestedV1], clock: dict[str, str]) -> None:
    work.flush()
    event = message.event
    refusal = generation.recompute_refusal(work.conn, event.recipient, event.period)
    if refusal is not None:
        work.refuse(message, 0, event.reference_id, (event.recipient, ""), "gstr2b", *refusal)
        return
    generation.recompute(work.conn, message, clock.get(event.recipient, ""))
    work.forget(event.recipient)


def on_profile_set(work: Batch, message: Delivered[RecipientProfileSetV1], _clock: dict[str, str]) -> None:
    work.conn.execute(
        text(
            "INSERT INTO ims_recipients (recipient, quarterly) VALUES (:r, :q) "
            "ON CONFLICT (recipient) DO UPDATE SET quarterly = excluded.quarterly"
        ),
        {"r": message.event.recipient, "q": message.event.quarterly},
    )
    work.quarterly[message.event.recipient] = message.event.quarterly


def on_rule37a_reported(work: Batch, message: Delivered[Rule37aReversalReportedV1], _clock: dict[str, str]) -> None:
    recipient = message.event.recipient
    reversals.record_report(work.conn, message.event, generation.is_quarterly(work.conn, recipient))


# Each handler takes the messages carrying the event class it is filed under (other events: none).
HANDLERS: dict[type[Event], Callable[[Batch, Any, dict[str, str]], None]] = {
    DocumentsFiledV2: filed.on_documents_filed,
    ActionsTakenV1: on_actions_taken,
    Gstr3bFiledV1: on_gstr3b_filed,
    ClockAdvancedV1: on_clock_advanced,
    Gstr2bRecomputeRequestedV1: on_recompute_requested,
    RecipientProfileSetV1: on_profile_set,
    Rule37aReversalReportedV1: on_rule37a_reported,
}
