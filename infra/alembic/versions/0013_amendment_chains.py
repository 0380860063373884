"""Amendment chains (services/actions/domain/chains.py): each original or amendment names the next link
(`amended_by`), each amendment its place in the chain (`link_no`) and, from GSTR-2B generation, the link
whose ITC a filed GSTR-3B took (`base_key`), which GSTR-2B counts its difference from.

Existing rows get what a replay from offset 0 gives them: every amendment is the first link of its
chain (a second amendment of one original was refused until now, unless it bore another number: then the
later filed one is the next link, by filing date and key); an original superseded by an amendment that
is still a saved draft is live again (a draft no longer supersedes), and the counts of those recipients
are rebuilt. `base_key` is left to the next generation, which sets it for every open amendment.

Revision ID: 0013
"""

from alembic import op

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE ims_documents ADD COLUMN amended_by text, ADD COLUMN base_key text, ADD COLUMN link_no int")
    op.execute("UPDATE ims_documents SET link_no = 1 WHERE original_key IS NOT NULL")
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
    op.execute("CREATE TEMP TABLE restored_recipients (recipient text) ON COMMIT DROP")
    op.execute(
        """
        WITH restored AS (
            UPDATE ims_documents o SET superseded_by = NULL FROM ims_documents a
            WHERE a.recipient = o.recipient AND a.doc_key = o.superseded_by AND a.filing_status = 'saved'
            RETURNING o.recipient
        )
        INSERT INTO restored_recipients SELECT DISTINCT recipient FROM restored
        """
    )
    op.execute("DELETE FROM ims_counts WHERE recipient IN (SELECT recipient FROM restored_recipients)")
    op.execute(
        """
        INSERT INTO ims_counts (recipient, return_period, section, action, n)
        SELECT recipient, return_period, section, action, count(*) FROM ims_documents
        WHERE recipient IN (SELECT recipient FROM restored_recipients) AND route = 'ims' AND NOT frozen
          AND superseded_by IS NULL
        GROUP BY recipient, return_period, section, action
        """
    )


def downgrade() -> None:
    op.execute("ALTER TABLE ims_documents DROP COLUMN amended_by, DROP COLUMN base_key, DROP COLUMN link_no")
