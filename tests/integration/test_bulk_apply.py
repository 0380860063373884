"""The SQL path of an `ActionsTaken` chunk decides as the domain functions do (randomized, real PostgreSQL)."""

from __future__ import annotations

import random
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy import text

from services.actions.domain.actions import apply_action, check_action
from services.actions.domain.model import ActionRequest, ImsDocument
from services.actions.notifier import outbox
from services.actions.projector import bulk_apply, store
from services.actions.projector.projection import ImsProjection
from services.actions.views import history
from services.common.digest import digests, table_digest
from services.common.envelope import Envelope
from services.common.events import ActionItem, ActionsTakenV1
from services.common.runner import Delivered

RECIPIENT = "29AAAAA0000A1Z5"
SECTIONS = ("b2b", "b2ba", "b2bdn", "b2bdna", "b2bcn", "b2bcna", "ecom", "ecoma", "isd", "isda", "isdcn", "isdcna",
            "impg", "impga", "impgsez", "impgseza")  # fmt: skip
PERIODS = ("082025", "092025", "102025", "112025", "032026")
RESULT_COLUMNS = tuple(bulk_apply.NEW_VALUES)


def random_document(rng: random.Random, index: int) -> ImsDocument:
    section = rng.choice(SECTIONS)
    filed = rng.random() < 0.7
    blocked = rng.random() < 0.3
    return ImsDocument(
        recipient=RECIPIENT,
        doc_key=f"{section}|27BBBBB{index % 7:04d}B1Z5|2025-26|N{index:05d}",
        original_key=rng.choice([None, f"{section}|orig|{index}"]),
        section=section,
        supplier=f"27BBBBB{index % 7:04d}B1Z5",
        number=f"N{index:05d}",
        doc_date="2025-10-15",
        note_type=None,
        orig_number=None,
        orig_date=None,
        inv_typ="R",
        pos="29",
        reverse_charge=False,
        source_form="R1",
        return_period=rng.choice(PERIODS),
        value=rng.randrange(0, 10**8),
        taxable=rng.randrange(0, 10**8),
        igst=rng.randrange(0, 10**6),
        cgst=rng.randrange(0, 10**6),
        sgst=rng.randrange(0, 10**6),
        cess=rng.randrange(0, 10**4),
        version_hash=f"{index:064x}",
        route=rng.choice(["ims"] * 8 + ["gstr2b"]),
        part="",
        reason="",
        filing_status="filed" if filed else "saved",
        filed_on="2025-11-11" if filed else None,
        gstr2b_period=rng.choice(PERIODS) if filed else None,
        ecom_operator=None,
        diff_percent=None,
        port_code=None,
        action=rng.choice("NARP"),
        prev_action=rng.choice([None, "N", "A"]),
        remarks=rng.choice([None, "old remark"]),
        pending_blocked=blocked,
        pending_deadline=rng.choice([None, "2025-12-20"]) if blocked else None,
        amend_direction=rng.choice([None, "up", "down", "same"]),
        frozen=rng.random() < 0.1,
        superseded_by=rng.choice([None] * 9 + ["other"]),
    )


def random_item(rng: random.Random, doc: ImsDocument) -> ActionItem:
    declared = rng.random() < 0.1
    return {
        "doc_key": doc.doc_key if rng.random() < 0.95 else doc.doc_key + "-missing",
        "section": doc.section,
        "action": rng.choice(["A", "A", "R", "P", "N", "X"]),
        "version_hash": rng.choice([None, doc.version_hash, doc.version_hash, "f" * 64]),
        "remarks": rng.choice([None, None, "", "wrong rate", "r" * 250, "r" * 251]),
        "itc_red_req": rng.choice([None, "Y", "N", "Q"]) if declared else None,
        "decl_igst": rng.choice([None, 0, 100, 10**7]) if declared else None,
        "decl_cgst": None,
        "decl_sgst": None,
        "decl_cess": None,
    }


def request_of(item: Mapping[str, Any]) -> ActionRequest:
    return ActionRequest(*(item[f] for f in ("doc_key", "action", "version_hash", "remarks", "itc_red_req",
                                             "decl_igst", "decl_cgst", "decl_sgst", "decl_cess")))  # fmt: skip


@pytest.mark.parametrize("seed", range(5))
def test_where_sql_allows_an_action_the_domain_allows_it_and_leaves_the_same_values(stack, seed: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(seed)
    _, engine = stack
    docs = [random_document(rng, i) for i in range(600)]
    items = [random_item(rng, doc) for doc in docs]
    by_key = {doc.doc_key: doc for doc in docs}
    with engine.begin() as conn:
        store.save(conn, docs, [])
        bulk_apply.stage(conn, items)
        rows = bulk_apply.preview(conn, RECIPIENT)
        conn.rollback()
    allowed = 0
    for item, (sql_allows, *values) in zip(items, rows, strict=True):
        doc, request = by_key.get(item["doc_key"]), request_of(item)
        if not sql_allows:
            continue
        allowed += 1
        assert doc is not None and check_action(doc, request, rng.choice(["", "2025-12-01", "2026-01-15"])) is None
        updated = apply_action(doc, request, "actor", "at")
        assert tuple(values) == tuple(getattr(updated, c) for c in RESULT_COLUMNS), (item, doc)
    assert allowed > 80  # the predicate is not vacuous


def _message(items: list[Any], offset: int) -> Delivered[ActionsTakenV1]:
    envelope = Envelope.of(ActionsTakenV1, event_id=f"event-{offset}", occurred_at="2025-11-20T10:00:00+00:00",
                           actor="tester")  # fmt: skip
    event = ActionsTakenV1(f"ref-{offset}", RECIPIENT, "BULK", 0, 1, items)
    return Delivered("events", 0, offset, RECIPIENT, envelope, event, b"", (), 0)


@pytest.mark.parametrize("seed", range(3))
def test_a_bulk_chunk_leaves_the_read_model_the_item_by_item_path_leaves(stack, monkeypatch, seed: int) -> None:  # type: ignore[no-untyped-def]
    rng = random.Random(100 + seed)
    _, engine = stack
    docs = [random_document(rng, i) for i in range(300)]
    allowed_ones = [d for d in docs if d.route == "ims" and not d.frozen and d.superseded_by is None]
    plain = {"version_hash": None, "remarks": None, "itc_red_req": None, "decl_igst": None}

    def bulk(action: str, offset: int) -> Delivered:
        chosen = [
            d
            for d in allowed_ones
            if not (action == "P" and d.pending_blocked) and not (action == "R" and d.section.startswith("imp"))
        ]
        return _message(
            [{**random_item(rng, d), **plain, "doc_key": d.doc_key, "action": action} for d in chosen], offset
        )

    def chunk(chosen: list[ImsDocument], action: str, offset: int) -> Delivered:
        return _message(
            [{**random_item(rng, d), **plain, "doc_key": d.doc_key, "action": action} for d in chosen], offset
        )

    thirds = [allowed_ones[i::3] for i in range(3)]
    batches = [
        [bulk(action, 10 + n) for n, action in enumerate(("A", "R", "N", "P"))],  # one document in every chunk
        [_message([random_item(rng, d) for d in docs], 20)],  # mostly refusals: the Python path decides it
        [chunk(third, "A", 30 + n) for n, third in enumerate(thirds)],  # distinct documents: one statement
        [chunk(thirds[0], "N", 40), _message([random_item(rng, d) for d in thirds[2]], 41), chunk(thirds[1], "N", 42)],
    ]
    results, sent, compact, shared, statements = [], [], [], [], []
    apply = bulk_apply.apply

    def counted_apply(conn, events, items):  # type: ignore[no-untyped-def]
        applied = apply(conn, events, items)
        statements.append((len(events), applied))
        return applied

    monkeypatch.setattr(bulk_apply, "apply", counted_apply)
    for sql in (True, False):
        if not sql:
            monkeypatch.setattr(bulk_apply, "eligible", lambda record: False)
        with engine.begin() as conn:
            store.save(conn, docs, [])
            for batch in batches:
                ImsProjection("events").apply(conn, batch)
            rows = conn.execute(text(f"SELECT {', '.join(outbox.COLUMNS)} FROM notification_outbox ORDER BY seq")).all()
            sent.append([(row[0], row[1], outbox.notification(*row)) for row in rows])
            compact.append(sum(row[3] is None for row in rows))
            stored = tuple(t for t in ImsProjection.tables if t not in ("ims_history", "ims_history_events"))
            results.append(digests(conn, stored) | {"ims_history": table_digest(conn, f"({history.ROWS})")})
            shared.append(conn.execute(text("SELECT count(*) FROM ims_history WHERE detail IS NULL")).scalar_one())
            conn.rollback()
    assert results[0] == results[1]
    assert sent[0] == sent[1]  # the same notifications, in the same order, from either form of outbox row
    assert compact[0] > 0 and compact[1] == 0
    assert shared[0] > 0 and shared[1] == 0  # history rows in their compact form, read back as the full ones
    assert (3, True) in statements and (3, False) in statements  # grouped once, and once chunk by chunk
    assert results[0]["ims_history"][0] > 4 * len(allowed_ones) - 100
