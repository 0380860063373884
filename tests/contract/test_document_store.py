"""One contract for the IMS document store, run against the in-memory fake of the unit tier and the
PostgreSQL adapter (services/actions/projector/store.py): what the fake promises, the database keeps.

Each PostgreSQL case runs in a transaction of its own on a schema migrated once for the module, and is
rolled back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import replace
from typing import Any

import pytest

from services.actions.domain.model import ImsDocument, evolve
from services.common.db import make_engine
from services.common.events import SupplierNotifiedV1
from services.common.migrations import upgrade
from tests.support.document_store import InMemoryDocumentStore, PostgresDocumentStore
from tests.support.ims_documents import RECIPIENT, SUPPLIER, ims_document

OTHER_RECIPIENT = "29AABCN1234Q1ZV"


@pytest.fixture(scope="module")
def migrated_engine(pg_url: str) -> Iterator[Any]:
    schema = f"t_{uuid.uuid4().hex[:10]}"
    engine = make_engine(pg_url, schema)
    upgrade(engine, schema)
    yield engine
    engine.dispose()


@pytest.fixture(params=["fake", "postgres"])
def document_store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield InMemoryDocumentStore()
        return
    engine = request.getfixturevalue("migrated_engine")
    with engine.connect() as conn:
        transaction = conn.begin()
        yield PostgresDocumentStore(conn)
        transaction.rollback()


def _every_field_set() -> ImsDocument:
    """A document whose optional fields all hold values, dates included (PostgreSQL stores those as `date`)."""
    return ims_document(
        "b2bcna|x|2025|CN-1@112025", section="b2bcna", original_key="b2bcn|x|2025|CN-1", note_type="C",
        orig_number="CN-1", orig_date="2025-10-20", ecom_operator="27AAPFK4821M1ZT", diff_percent="0.65",
        port_code="INMAA1", action="A", prev_action="P", remarks="partly returned", itc_red_req="Y",
        decl_igst=1_000, decl_cgst=0, decl_sgst=0, decl_cess=5, pending_blocked=True,
        pending_deadline="2026-01-20", amend_direction="up", superseded_by="b2bcna|y", deemed=True,
        action_actor="alice", action_at="2025-12-01T10:00:00+00:00", last_reference="ref-1",
        amended_by="b2bcna|z", base_key="b2bcn|x|2025|CN-1", link_no=2,
    )  # fmt: skip


def test_a_saved_document_loads_back_equal_in_every_field(document_store: Any) -> None:
    plain, full = ims_document("b2b|x|2025|INV-1"), _every_field_set()
    document_store.save([plain, full], [])
    loaded = document_store.load([(RECIPIENT, plain.doc_key), (RECIPIENT, full.doc_key)])
    assert loaded == {(RECIPIENT, plain.doc_key): plain, (RECIPIENT, full.doc_key): full}


def test_new_documents_written_straight_in_load_back_equal_beside_merged_ones(document_store: Any) -> None:
    merged, plain, full = ims_document("b2b|x|2025|INV-0"), ims_document("b2b|x|2025|INV-1"), _every_field_set()
    document_store.save([merged], [])
    changed = evolve(merged, value=5)
    document_store.save([changed], [], [plain, full])
    keys = [(RECIPIENT, d.doc_key) for d in (merged, plain, full)]
    assert document_store.load(keys) == {(RECIPIENT, d.doc_key): d for d in (changed, plain, full)}


def test_the_recipients_holding_documents_are_found_among_others(document_store: Any) -> None:
    assert document_store.recipients_holding([RECIPIENT, OTHER_RECIPIENT]) == set()
    document_store.save([ims_document("b2b|x|2025|INV-1")], [])
    assert document_store.recipients_holding([RECIPIENT, OTHER_RECIPIENT]) == {RECIPIENT}


def test_keys_that_hold_nothing_are_left_out_and_a_key_names_one_recipients_document(document_store: Any) -> None:
    mine = ims_document("b2b|x|2025|INV-1")
    document_store.save([mine, replace(mine, recipient=OTHER_RECIPIENT, value=1)], [])
    assert document_store.load([]) == {}
    assert document_store.load([(RECIPIENT, "b2b|x|2025|NOPE")]) == {}
    assert document_store.load([(RECIPIENT, mine.doc_key)]) == {(RECIPIENT, mine.doc_key): mine}
    assert document_store.load([(OTHER_RECIPIENT, mine.doc_key)])[(OTHER_RECIPIENT, mine.doc_key)].value == 1


def test_saving_a_changed_document_replaces_it_and_saving_it_again_changes_nothing(document_store: Any) -> None:
    first = ims_document("b2b|x|2025|INV-1")
    changed = evolve(first, action="R", prev_action="N", remarks="wrong rate", value=999)
    document_store.save([first], [])
    document_store.save([changed], [])
    document_store.save([changed], [])  # a redelivered batch
    assert document_store.load([(RECIPIENT, first.doc_key)]) == {(RECIPIENT, first.doc_key): changed}


def test_a_removed_key_is_gone_and_removing_an_absent_one_is_harmless(document_store: Any) -> None:
    kept, dropped = ims_document("b2b|x|2025|INV-1"), ims_document("b2b|x|2025|INV-2")
    document_store.save([kept, dropped], [])
    document_store.save([], [(RECIPIENT, dropped.doc_key), (RECIPIENT, "b2b|x|2025|NEVER")])
    keys = [(RECIPIENT, kept.doc_key), (RECIPIENT, dropped.doc_key)]
    assert document_store.load(keys) == {(RECIPIENT, kept.doc_key): kept}


def test_a_document_removed_and_saved_in_one_write_is_saved(document_store: Any) -> None:
    doc = ims_document("b2b|x|2025|INV-1")
    document_store.save([doc], [(RECIPIENT, doc.doc_key)])
    assert document_store.load([(RECIPIENT, doc.doc_key)]) == {(RECIPIENT, doc.doc_key): doc}


def test_count_deltas_add_up_and_a_count_that_reaches_zero_leaves_no_row(document_store: Any) -> None:
    october_b2b = (RECIPIENT, "102025", "b2b", "N")
    document_store.adjust_counts({october_b2b: 3, (RECIPIENT, "102025", "b2bcn", "A"): 1})
    document_store.adjust_counts({october_b2b: -1, (RECIPIENT, "102025", "b2bcn", "A"): -1})
    document_store.adjust_counts({(RECIPIENT, "112025", "b2b", "P"): 0})  # nothing to do
    assert document_store.counts(RECIPIENT) == {("102025", "b2b", "N"): 2}
    document_store.adjust_counts({(OTHER_RECIPIENT, "102025", "b2b", "A"): 1})
    assert document_store.counts(OTHER_RECIPIENT) == {("102025", "b2b", "A"): 1}


def test_a_recount_rebuilds_the_counts_the_deltas_kept_from_the_counted_documents(document_store: Any) -> None:
    documents = [
        ims_document("b2b|x|2025|A-1", action="A"),
        ims_document("b2b|x|2025|A-2", action="A"),
        ims_document("b2b|x|2025|N-1", return_period="092025"),
        ims_document("b2bcn|x|2025|C-1", section="b2bcn", action="P"),
        ims_document("b2b|x|2025|F-1", frozen=True),  # GSTR-3B filed: out of IMS
        ims_document("b2b|x|2025|S-1", superseded_by="b2ba|x|2025|S-1"),  # an amendment counts instead
        ims_document("b2b|x|2025|R-1", route="gstr2b", part="revsup"),  # reverse charge skips IMS
    ]
    document_store.save(documents, [])
    deltas: dict[tuple[str, str, str, str], int] = {}
    for doc in documents:
        if doc.counted:
            deltas[doc.count_key] = deltas.get(doc.count_key, 0) + 1
    document_store.adjust_counts(deltas)
    kept = document_store.counts(RECIPIENT)
    document_store.recount(RECIPIENT)
    expected = {("102025", "b2b", "A"): 2, ("092025", "b2b", "N"): 1, ("102025", "b2bcn", "P"): 1}
    assert document_store.counts(RECIPIENT) == kept == expected


def test_an_outbox_row_is_kept_once_per_cause_event_and_supplier(document_store: Any) -> None:
    record = {"supplier": SUPPLIER, "recipient": RECIPIENT, "cause_event_id": "e-1", "documents": []}
    other = "27AAPFU0939F1ZV"
    first, second = SupplierNotifiedV1(SUPPLIER, RECIPIENT, "e-1", []), SupplierNotifiedV1(other, RECIPIENT, "e-1", [])
    document_store.add_outbox([first])
    document_store.add_outbox([first, second])  # replay
    document_store.add_outbox([])
    assert document_store.outbox(RECIPIENT) == sorted(
        [("e-1", SUPPLIER, record), ("e-1", other, {**record, "supplier": other})]
    )
