"""Set-based action chunks write compact rows: outbox documents as typed arrays, history without repeats.

Outbox. A bulk action's outbox row listed every document as a JSON object built in SQL (`json_agg`), then cast
to jsonb: measured 40% of the statement that applies 50,000 bulk items, the largest part of it. The SQL
path now writes one array per field (`doc_keys`, `sections`, `numbers`, `doc_dates`, `actions`,
`remarks`, and the four liability add-backs, NULL where none applies) and leaves `record` NULL; the
notifier turns those arrays into the very same `SupplierNotified` record when it sends
(`services/actions/notifier/outbox.py`). Rows written item by item (small SAVE / RESET requests) keep the full
record, which costs nothing there.

Existing rows need no rewrite: each keeps its `record`, which the notifier reads as before. The check
constraint makes every row hold exactly one of the two forms.

History. Each document a set-based chunk changes still gets its own `ims_history` row (the index on
(recipient, doc_key, position) finds a document's history), but only with what differs per document:
`what`, `prev` and `remarks`, next to the event id. What the whole event shares (type, time, actor,
reference id) is stored once, in `ims_history_events`. Such rows have no `detail`; the read side
(`services/actions/views/history.py`) builds it, and the other columns, exactly as they were stored before.
Existing rows keep their full form and are read as they are.

Bulk plans. A bulk action is now published chunk by chunk, one Kafka transaction each
(`services/actions/commands/bulk_publish.py`); a request with an Idempotency-Key first stores its encoded chunks in
`bulk_plans`, so a retry after a failure part-way republishes exactly those chunks.

Revision ID: 0016
"""

from alembic import op

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ARRAYS = (
    ("doc_keys", "text[]"),
    ("sections", "text[]"),
    ("numbers", "text[]"),
    ("doc_dates", "date[]"),
    ("actions", "text[]"),
    ("remarks", "text[]"),
    ("addback_igst", "bigint[]"),
    ("addback_cgst", "bigint[]"),
    ("addback_sgst", "bigint[]"),
    ("addback_cess", "bigint[]"),
)


HISTORY_SHARED = ("event_type", "occurred_at", "actor", "detail")


def upgrade() -> None:
    op.execute(
        "CREATE TABLE ims_history_events (event_id text PRIMARY KEY, recipient text NOT NULL, "
        "event_type text NOT NULL, occurred_at text NOT NULL, actor text NOT NULL, reference_id text NOT NULL)"
    )
    for name in HISTORY_SHARED:
        op.execute(f"ALTER TABLE ims_history ALTER COLUMN {name} DROP NOT NULL")
    op.execute("ALTER TABLE ims_history ADD COLUMN prev text, ADD COLUMN remarks text")
    op.execute(
        "ALTER TABLE ims_history ADD CONSTRAINT ims_history_full_or_shared "
        "CHECK (detail IS NOT NULL AND event_type IS NOT NULL AND occurred_at IS NOT NULL AND actor IS NOT NULL "
        "OR detail IS NULL AND event_type IS NULL AND occurred_at IS NULL AND actor IS NULL)"
    )
    op.execute(
        "CREATE TABLE bulk_plans (reference_id text PRIMARY KEY, actor text NOT NULL, answer jsonb NOT NULL, "
        "payloads bytea[] NOT NULL)"
    )
    op.execute("ALTER TABLE notification_outbox ALTER COLUMN record DROP NOT NULL")
    for name, kind in ARRAYS:
        op.execute(f"ALTER TABLE notification_outbox ADD COLUMN {name} {kind}")
    op.execute(
        "ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_one_form "
        "CHECK ((record IS NULL) <> (doc_keys IS NULL))"
    )


def downgrade() -> None:
    """Compact rows get their full form back (the same content the notifier and the history read build)."""
    op.execute("ALTER TABLE notification_outbox DROP CONSTRAINT notification_outbox_one_form")
    op.execute(
        """
        UPDATE notification_outbox o SET record = jsonb_build_object(
            'supplier', o.supplier, 'recipient', o.recipient, 'cause_event_id', o.cause_event_id,
            'documents', (
                SELECT coalesce(jsonb_agg(jsonb_build_object(
                    'doc_key', d.doc_key, 'section', d.section, 'number', d.number, 'doc_date', d.doc_date,
                    'action', d.action, 'remarks', d.remarks,
                    'liability_addback_igst', coalesce(d.igst, 0), 'liability_addback_cgst', coalesce(d.cgst, 0),
                    'liability_addback_sgst', coalesce(d.sgst, 0), 'liability_addback_cess', coalesce(d.cess, 0)
                ) ORDER BY d.n), '[]'::jsonb)
                FROM unnest(o.doc_keys, o.sections, o.numbers, o.doc_dates, o.actions, o.remarks, o.addback_igst,
                            o.addback_cgst, o.addback_sgst, o.addback_cess)
                    WITH ORDINALITY AS d(doc_key, section, number, doc_date, action, remarks, igst, cgst, sgst, cess, n)
            ))
        WHERE o.record IS NULL
        """
    )
    for name, _ in ARRAYS:
        op.execute(f"ALTER TABLE notification_outbox DROP COLUMN {name}")
    op.execute("ALTER TABLE notification_outbox ALTER COLUMN record SET NOT NULL")
    op.execute("ALTER TABLE ims_history DROP CONSTRAINT ims_history_full_or_shared")
    op.execute(
        """
        UPDATE ims_history h SET event_type = e.event_type, occurred_at = e.occurred_at, actor = e.actor,
            detail = jsonb_build_object('reference_id', e.reference_id, 'remarks', h.remarks, 'prev', h.prev)
        FROM ims_history_events e WHERE h.detail IS NULL AND e.event_id = h.event_id
        """
    )
    op.execute("ALTER TABLE ims_history DROP COLUMN prev, DROP COLUMN remarks")
    for name in HISTORY_SHARED:
        op.execute(f"ALTER TABLE ims_history ALTER COLUMN {name} SET NOT NULL")
    op.execute("DROP TABLE ims_history_events")
    op.execute("DROP TABLE bulk_plans")
