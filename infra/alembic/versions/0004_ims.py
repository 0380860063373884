"""IMS read model: live documents, dashboard counts, per-document history, refusals, periods, outbox.

Revision ID: 0004
"""

from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

DOCUMENT_COLUMNS = """
    recipient        text    NOT NULL,
    doc_key          text    NOT NULL,
    original_key     text,
    section          text    NOT NULL,
    supplier         text    NOT NULL,
    number           text    NOT NULL,
    doc_date         date    NOT NULL,
    note_type        text,
    orig_number      text,
    orig_date        date,
    inv_typ          text    NOT NULL,
    pos              text    NOT NULL,
    reverse_charge   boolean NOT NULL,
    source_form      text    NOT NULL,
    return_period    text    NOT NULL,
    value            bigint  NOT NULL,
    taxable          bigint  NOT NULL,
    igst             bigint  NOT NULL,
    cgst             bigint  NOT NULL,
    sgst             bigint  NOT NULL,
    cess             bigint  NOT NULL,
    version_hash     text    NOT NULL,
    route            text    NOT NULL,
    part             text    NOT NULL,
    reason           text    NOT NULL,
    filing_status    text    NOT NULL,
    filed_on         date,
    gstr2b_period    text,
    ecom_operator    text,
    diff_percent     text,
    port_code        text,
    action           text    NOT NULL,
    prev_action      text,
    remarks          text,
    itc_red_req      text,
    decl_igst        bigint,
    decl_cgst        bigint,
    decl_sgst        bigint,
    decl_cess        bigint,
    pending_blocked  boolean NOT NULL,
    pending_deadline date,
    amend_direction  text,
    frozen           boolean NOT NULL,
    superseded_by    text,
    deemed           boolean NOT NULL,
    action_actor     text,
    action_at        text,
    last_reference   text,
    itc_period       text
"""


def upgrade() -> None:
    # Free space in every page lets action, itc_period and frozen changes (none of them indexed) be
    # heap-only updates: no index is touched when a bulk action or a GSTR-2B rewrites many rows.
    op.execute(
        f"CREATE TABLE ims_documents ({DOCUMENT_COLUMNS}, PRIMARY KEY (recipient, doc_key)) WITH (fillfactor = 70)"
    )
    op.execute("CREATE INDEX ims_documents_listing ON ims_documents (recipient, section, doc_key)")
    op.execute("CREATE INDEX ims_documents_supplier ON ims_documents (supplier, return_period)")
    op.execute("CREATE INDEX ims_documents_period ON ims_documents (recipient, gstr2b_period)")
    op.execute("CREATE INDEX ims_documents_original ON ims_documents (recipient, original_key)")
    op.execute(
        """
        CREATE TABLE ims_counts (
            recipient     text   NOT NULL,
            return_period text   NOT NULL,
            section       text   NOT NULL,
            action        text   NOT NULL,
            n             bigint NOT NULL,
            PRIMARY KEY (recipient, return_period, section, action)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE ims_history (
            recipient   text   NOT NULL,
            doc_key     text   NOT NULL,
            position    bigint NOT NULL,
            event_id    text   NOT NULL,
            event_type  text   NOT NULL,
            occurred_at text   NOT NULL,
            actor       text   NOT NULL,
            what        text   NOT NULL,
            detail      jsonb  NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ims_history_doc ON ims_history (recipient, doc_key, position)")
    op.execute(
        """
        CREATE TABLE ims_refusals (
            reference_id text   NOT NULL,
            recipient    text   NOT NULL,
            doc_key      text   NOT NULL,
            section      text   NOT NULL,
            error_cd     text   NOT NULL,
            error_msg    text   NOT NULL,
            position     bigint NOT NULL
        )
        """
    )
    op.execute("CREATE INDEX ims_refusals_reference ON ims_refusals (reference_id)")
    op.execute(
        """
        CREATE TABLE ims_periods (
            recipient text NOT NULL,
            period    text NOT NULL,
            gstr3b_filed_on date NOT NULL,
            PRIMARY KEY (recipient, period)
        )
        """
    )
    op.execute("CREATE TABLE ims_clock (recipient text PRIMARY KEY, today date NOT NULL)")
    op.execute(
        "CREATE TABLE ims_applied_requests (reference_id text NOT NULL, chunk integer NOT NULL, "
        "PRIMARY KEY (reference_id, chunk))"
    )
    op.execute(
        """
        CREATE TABLE notification_outbox (
            seq            bigserial,
            cause_event_id text   NOT NULL,
            supplier       text   NOT NULL,
            recipient      text   NOT NULL,
            record         jsonb  NOT NULL,
            sent           boolean NOT NULL DEFAULT false,
            PRIMARY KEY (cause_event_id, supplier)
        )
        """
    )
    op.execute("CREATE INDEX notification_outbox_unsent ON notification_outbox (seq) WHERE NOT sent")
    op.execute(
        "CREATE TABLE notifier_positions (topic text NOT NULL, partition integer NOT NULL, "
        "next_offset bigint NOT NULL, PRIMARY KEY (topic, partition))"
    )


def downgrade() -> None:
    for table in ("notifier_positions", "notification_outbox", "ims_applied_requests", "ims_clock", "ims_periods", "ims_refusals", "ims_history",
                  "ims_counts", "ims_documents"):
        op.execute(f"DROP TABLE {table}")
