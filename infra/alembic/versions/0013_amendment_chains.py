"""Amendment chains: each original or amendment names the next link (`amended_by`), and each amendment the
link whose ITC a filed GSTR-3B took (`base_key`), which GSTR-2B counts its difference from.

Before this revision an amendment counted against its original when GSTR-2B found that original frozen
and not rejected; an original live when its amendment arrived was superseded and never froze, so the
backfill below gives every existing amendment the `base_key` the projector now derives on arrival
(services/actions/domain/chains.py) and a replay from offset 0 gives the same rows. Where two amendments
of one original already exist (a second one under another number), `amended_by` names the later filed
one, by filing date and then key.

Revision ID: 0013
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE ims_documents ADD COLUMN amended_by text, ADD COLUMN base_key text")
    op.execute(
        """
        UPDATE ims_documents d SET base_key = o.doc_key
        FROM ims_documents o
        WHERE d.original_key IS NOT NULL AND o.recipient = d.recipient AND o.doc_key = d.original_key
          AND o.frozen AND o.action <> 'R'
        """
    )
    op.execute(
        """
        UPDATE ims_documents o SET amended_by = a.doc_key
        FROM (
            SELECT DISTINCT ON (recipient, original_key) recipient, original_key, doc_key FROM ims_documents
            WHERE original_key IS NOT NULL
            ORDER BY recipient, original_key, filed_on DESC NULLS LAST, doc_key DESC
        ) AS a
        WHERE o.recipient = a.recipient AND o.doc_key = a.original_key
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE ims_documents DROP COLUMN amended_by, DROP COLUMN base_key")
