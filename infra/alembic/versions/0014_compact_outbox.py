"""Outbox rows of set-based action chunks hold their documents as typed arrays; the notifier builds the JSON.

A bulk action's outbox row listed every document as a JSON object built in SQL (`json_agg`), then cast
to jsonb: measured 40% of the statement that applies 50,000 bulk items, the largest part of it. The SQL
path now writes one array per field (`doc_keys`, `sections`, `numbers`, `doc_dates`, `actions`,
`remarks`, and the four liability add-backs, NULL where none applies) and leaves `record` NULL; the
notifier turns those arrays into the very same `SupplierNotified` record when it sends
(`services/actions/outbox.py`). Rows written item by item (small SAVE / RESET requests) keep the full
record, which costs nothing there.

Existing rows need no rewrite: each keeps its `record`, which the notifier reads as before. The check
constraint makes every row hold exactly one of the two forms.

Revision ID: 0014 (follows 0012 on this branch; renumbered at merge)
"""

from alembic import op

revision = "0014"
down_revision = "0012"
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


def upgrade() -> None:
    op.execute("ALTER TABLE notification_outbox ALTER COLUMN record DROP NOT NULL")
    for name, kind in ARRAYS:
        op.execute(f"ALTER TABLE notification_outbox ADD COLUMN {name} {kind}")
    op.execute(
        "ALTER TABLE notification_outbox ADD CONSTRAINT notification_outbox_one_form "
        "CHECK ((record IS NULL) <> (doc_keys IS NULL))"
    )


def downgrade() -> None:
    """Compact rows get their JSON record back (the same content the notifier builds), then lose the arrays."""
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
