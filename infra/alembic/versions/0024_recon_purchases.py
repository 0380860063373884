"""The recipient's purchase register (services/recon, docs/rules.md §10.1).

- `recon_purchases`: the read model of `PurchasesBooked` / `PurchaseCancelled` on `ims.events.v1`, one row per
  (recipient, voucher) with its latest version (content, hash and number) and whether it is cancelled;
  `booked_by_event` is the event id that wrote its version. Derived state: `ims replay` rebuilds it, `ims verify`
  digests it.
- `recon_voucher_heads`: the booking side's own record of each voucher's latest version hash and number and
  whether it is cancelled, written in the same transaction as the events it decides (like the number claims of ingest): it
  tells a re-sent voucher (unchanged, no event) from a changed one (a new version) at the time of the answer,
  whatever the projection's lag. A replay never touches it.

Revision ID: 0024
"""

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE recon_purchases (
            recipient       text    NOT NULL,
            voucher_id      text    NOT NULL,
            version_hash    text    NOT NULL,
            version         integer NOT NULL,
            ctin            text    NOT NULL,
            doc_type        text    NOT NULL,
            inum            text    NOT NULL,
            dt              date    NOT NULL,
            pos             text    NOT NULL,
            rev             text    NOT NULL,
            txval           bigint  NOT NULL,
            igst            bigint  NOT NULL,
            cgst            bigint  NOT NULL,
            sgst            bigint  NOT NULL,
            cess            bigint  NOT NULL,
            posting_date    date    NOT NULL,
            portcode        text    NOT NULL,
            boenum          text    NOT NULL,
            tags            jsonb   NOT NULL,
            cancelled       boolean NOT NULL DEFAULT false,
            reference_id    text    NOT NULL,
            booked_by_event text    NOT NULL,
            PRIMARY KEY (recipient, voucher_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE recon_voucher_heads (
            recipient    text    NOT NULL,
            voucher_id   text    NOT NULL,
            version_hash text    NOT NULL,
            version      integer NOT NULL,
            cancelled    boolean NOT NULL DEFAULT false,
            PRIMARY KEY (recipient, voucher_id)
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE recon_voucher_heads")
    op.execute("DROP TABLE recon_purchases")
