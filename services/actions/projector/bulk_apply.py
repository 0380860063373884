"""`ActionsTaken` chunks applied in SQL: one UPDATE whose RETURNING feeds history, counts and outbox.

Only for chunks whose every item the SQL predicate `ALLOWED` proves allowed and whose result `NEW_VALUES`
computes exactly as `check_action` / `apply_action` would (no pending-blocked Pending, no declared ITC
reduction, distinct documents). Anything else returns False and the caller decides item by item in Python,
so the domain functions stay the authority; `tests/integration/test_bulk_apply.py` checks on randomized
documents and requests that wherever `ALLOWED` holds, the domain functions allow the item and leave the
same values. Which path a chunk takes depends only on the event and the read model before it, so a replay
takes the same one.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Mapping
from typing import Any

from sqlalchemy import Connection, text

from services.actions.domain.actions import NOT_REJECTABLE, REMARK_ACTIONS
from services.actions.domain.model import ACTIONS, PENDING, REJECT
from services.actions.domain.pending import CREDIT_NOTE_AMENDMENTS, ORIGINAL_CREDIT_NOTES, SUPPLY_AMENDMENTS
from services.actions.notifier import outbox
from services.actions.projector import store
from services.common.copy import copy_columns
from services.common.events import ActionItem, ActionsTakenV1
from services.common.gst.periods import IMS_POLICY_START
from services.common.gst.remarks import MAX_REMARKS
from services.common.gst.sections import sections_where
from services.common.quoting import sql_list

_EVENT_FIELDS = ("recipient", "position", "event_id", "event_type", "at", "actor", "reference")
SQL_MIN_ITEMS = 500  # SAVE / RESET chunks this large go through SQL too; every BULK chunk does
STAGE = "ims_action_stage"
ITEM_FIELDS = (  # an item's section is the document's own; SQL reads it from the document
    "doc_key",
    "action",
    "version_hash",
    "remarks",
    "itc_red_req",
    "decl_igst",
    "decl_cgst",
    "decl_sgst",
    "decl_cess",
)
ADDS_BACK_WHEN_REJECTED = sections_where(lambda s: s.adds_back_when_rejected)

# the period that decides (pending.policy_period) as YYYYMM text, NULL when it is not MMYYYY
_PERIOD = "coalesce(nullif(d.gstr2b_period, ''), d.return_period)"
_POLICY = f"(CASE WHEN {_PERIOD} ~ '^[0-9]{{6}}$' THEN right({_PERIOD}, 4) || left({_PERIOD}, 2) END)"
_FROM_POLICY = f"({_POLICY} >= '{IMS_POLICY_START.year:04d}{IMS_POLICY_START.month:02d}')"
# pending.reduction_applies
REDUCTION_APPLIES = (
    f"((d.section IN {sql_list(ORIGINAL_CREDIT_NOTES)} "
    f"OR (d.section IN {sql_list(CREDIT_NOTE_AMENDMENTS)} AND d.amend_direction = 'up') "
    f"OR (d.section IN {sql_list(SUPPLY_AMENDMENTS)} AND d.amend_direction = 'down')) AND {_FROM_POLICY})"
)
# a sufficient condition for actions.check_action(d, i, today) is None, for requests without a declaration
ALLOWED = (
    f"coalesce(d.doc_key IS NOT NULL AND i.action IN {sql_list(ACTIONS)} AND d.route = 'ims' AND NOT d.frozen "
    "AND d.superseded_by IS NULL AND (i.version_hash IS NULL OR i.version_hash = d.version_hash) "
    f"AND NOT (i.action = '{REJECT}' AND d.section IN {sql_list(NOT_REJECTABLE)}) "
    f"AND NOT (i.action = '{PENDING}' AND d.pending_blocked) "
    f"AND (i.remarks IS NULL OR i.remarks = '' OR (i.action IN {sql_list(REMARK_ACTIONS)} "
    f"AND length(i.remarks) <= {MAX_REMARKS} AND {_FROM_POLICY})) "
    "AND i.itc_red_req IS NULL AND i.decl_igst IS NULL AND i.decl_cgst IS NULL AND i.decl_sgst IS NULL "
    "AND i.decl_cess IS NULL, false)"
)
# actions.apply_action for such a request: an accept the reduction question concerns takes the default
# full-reduction "Yes" (the original's whole tax; an amendment's difference is computed at GSTR-2B)
DEFAULT_YES = f"(i.action = 'A' AND {REDUCTION_APPLIES})"
NEW_VALUES = {
    "action": "i.action",
    "prev_action": "d.action",
    "remarks": f"CASE WHEN i.action IN {sql_list(REMARK_ACTIONS)} THEN i.remarks END",
    "itc_red_req": f"CASE WHEN {DEFAULT_YES} THEN 'Y' END",
    **{
        f"decl_{head}": f"CASE WHEN {DEFAULT_YES} AND d.original_key IS NULL THEN d.{head} END"
        for head in ("igst", "cgst", "sgst", "cess")
    },
    "deemed": "false",
    "action_actor": "(CAST(:actor AS text[]))[i.m + 1]",
    "action_at": "(CAST(:at AS text[]))[i.m + 1]",
}


def _of(field: str, kind: str = "text") -> str:
    """The envelope value of the staged item's chunk (`m` numbers the chunks in log order)."""
    return f"(CAST(:{field} AS {kind}[]))[i.m + 1]"


# the outbox in its compact form (services/actions/notifier/outbox.py): arrays in item order, add-backs NULL but for
# rejected credit notes; every aggregate sorts by the same key, so PostgreSQL sorts each group once
_ADDBACKS = ", ".join(
    f"array_agg(CASE WHEN addback THEN {head} END ORDER BY idx)" for head in ("igst", "cgst", "sgst", "cess")
)
_APPLY = f"""
WITH changed AS (
    UPDATE ims_documents d SET {", ".join(f"{c} = {e}" for c, e in NEW_VALUES.items())}
    FROM {STAGE} i WHERE d.recipient = {_of("recipient")} AND d.doc_key = i.doc_key AND {ALLOWED}
    RETURNING i.m, i.idx, {_of("position", "bigint")} + i.idx AS position, {_of("event_id")} AS event_id,
        d.recipient, d.doc_key, d.section, d.return_period, d.supplier, d.number, d.doc_date, d.action,
        d.prev_action, d.remarks, d.igst, d.cgst, d.sgst, d.cess
), history AS (
    INSERT INTO ims_history (recipient, doc_key, position, event_id, what, prev, remarks)
    SELECT recipient, doc_key, position, event_id, 'action_' || action, prev_action, remarks FROM changed
), shared AS (
    INSERT INTO ims_history_events (event_id, recipient, event_type, occurred_at, actor, reference_id)
    SELECT * FROM unnest(CAST(:event_id AS text[]), CAST(:recipient AS text[]), CAST(:event_type AS text[]),
        CAST(:at AS text[]), CAST(:actor AS text[]), CAST(:reference AS text[]))
), counted AS (
    INSERT INTO ims_counts (recipient, return_period, section, action, n)
    SELECT recipient, return_period, section, action, sum(n) FROM (
        SELECT recipient, return_period, section, prev_action AS action, -1 AS n FROM changed
        UNION ALL SELECT recipient, return_period, section, action, 1 FROM changed
    ) AS moves GROUP BY recipient, return_period, section, action HAVING sum(n) <> 0
    ON CONFLICT (recipient, return_period, section, action) DO UPDATE SET n = ims_counts.n + excluded.n
), notified AS (
    INSERT INTO notification_outbox (cause_event_id, supplier, recipient, {", ".join(outbox.ARRAYS)})
    SELECT event_id, supplier, recipient, array_agg(doc_key ORDER BY idx), array_agg(section ORDER BY idx),
        array_agg(number ORDER BY idx), array_agg(doc_date ORDER BY idx), array_agg(action ORDER BY idx),
        array_agg(remarks ORDER BY idx), {_ADDBACKS}
    FROM (SELECT *, section IN {sql_list(ADDS_BACK_WHEN_REJECTED)} AND action = '{REJECT}' AS addback FROM changed)
        AS applied
    GROUP BY m, event_id, recipient, supplier ORDER BY m, supplier
    ON CONFLICT DO NOTHING
)
SELECT count(*) FROM changed
"""


def eligible(event: ActionsTakenV1) -> bool:
    items = event.items
    if event.request_type != "BULK" and len(items) < SQL_MIN_ITEMS:
        return False
    return len({item["doc_key"] for item in items}) == len(items)


def stage(conn: Connection, items: list[ActionItem]) -> None:
    stage_chunks(conn, [items])


def stage_chunks(conn: Connection, chunks: list[list[ActionItem]]) -> None:
    """Stage the items of consecutive chunks, numbered `m` = 0, 1, ... in log order, then `idx` in the chunk."""
    conn.execute(
        text(
            f"CREATE TEMP TABLE IF NOT EXISTS {STAGE} (m integer, idx integer, doc_key text, action text, "
            "version_hash text, remarks text, itc_red_req text, decl_igst bigint, decl_cgst bigint, "
            "decl_sgst bigint, decl_cess bigint) ON COMMIT DELETE ROWS"
        )
    )
    conn.execute(text(f"TRUNCATE {STAGE}"))
    columns = {
        "m": [str(m) for m, items in enumerate(chunks) for _ in items],
        "idx": [str(index) for items in chunks for index in range(len(items))],
    }
    staged: list[Mapping[str, Any]] = [item for items in chunks for item in items]
    for field in ITEM_FIELDS:  # columns null in every item stay out (bulk items carry no remarks or declaration)
        values = [item[field] for item in staged]
        if values.count(None) < len(values):
            columns[field] = values
    copy_columns(conn, STAGE, columns)


def preview(conn: Connection, recipient: str) -> list[tuple[Any, ...]]:
    """Per staged item in order: whether `ALLOWED` holds, then `NEW_VALUES` (as `apply` would write them)."""
    return [
        tuple(row)
        for row in conn.execute(
            text(
                f"SELECT {ALLOWED}, {', '.join(NEW_VALUES.values())} FROM {STAGE} i LEFT JOIN ims_documents d "
                "ON d.recipient = :recipient AND d.doc_key = i.doc_key ORDER BY i.m, i.idx"
            ),
            {"recipient": recipient, "actor": ["actor"], "at": ["at"]},
        )
    ]


@contextlib.contextmanager
def _index_probes(conn: Connection) -> Iterator[None]:
    """Find a chunk's documents by primary key, one probe per item, for the statement inside.

    A chunk touches a few thousand of a recipient's documents. The stage is a temp table without statistics
    and a freshly filed `ims_documents` has stale ones, so the planner otherwise hashes (or merges) every
    document of the recipient for each chunk: measured 100-170 ms of a ~400 ms chunk of 5,000 against
    100,000 documents, where the probes take ~45 ms. The settings are transaction-local and restored after."""
    before = conn.execute(text("SELECT current_setting('enable_hashjoin'), current_setting('enable_mergejoin')")).one()
    conn.execute(text("SELECT set_config('enable_hashjoin', 'off', true), set_config('enable_mergejoin', 'off', true)"))
    yield  # an error aborts the transaction, and the settings with it
    conn.execute(
        text("SELECT set_config('enable_hashjoin', :h, true), set_config('enable_mergejoin', :m, true)"),
        {"h": before[0], "m": before[1]},
    )


def apply(conn: Connection, events: list[dict[str, Any]], items: int) -> bool:
    """Apply the staged chunks if `ALLOWED` holds for all their `items`, else change nothing and say False.

    `events`, one per staged chunk in order: recipient, position (of item 0), event_id, event_type, at,
    actor, reference. All or nothing: an item refused, or two chunks naming one document (it is updated
    once), leaves fewer rows changed than items, and the caller decides chunk by chunk."""
    params = {field: [event[field] for event in events] for field in _EVENT_FIELDS}
    savepoint = conn.begin_nested()
    with _index_probes(conn):
        applied = int(conn.execute(text(_APPLY), params).scalar_one())
    if applied != items:
        savepoint.rollback()
        return False
    savepoint.commit()
    store.drop_zero_counts(conn, sorted(set(params["recipient"])))
    return True
