"""Which GSTR-2B statement took each document in, kept beside the documents instead of in them.

Generating a statement marks every document it takes in. As a column of the wide `ims_documents` row
that mark rewrote the whole row (and, off-page, every index entry) of a million documents per
statement; as a narrow row of its own it costs one small insert per document taken in.

A row exists only while a statement holds the document (absence = not taken yet, or carried forward).
Only filed documents are ever taken in, and a filed document is never deleted or replaced, so a row
never outlives its document.

Revision ID: 0008
"""

from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE ims_itc_periods (
            recipient text NOT NULL,
            doc_key   text NOT NULL,
            period    text NOT NULL,
            PRIMARY KEY (recipient, doc_key)
        )
        """
    )
    # No second index on (recipient, period): it would be a third WAL record per document taken in, and
    # the reads by period (a statement letting go on a later version, a GSTR-3B freezing) scan one
    # recipient's marks through the primary key, as they scanned its documents before.
    op.execute(
        "INSERT INTO ims_itc_periods (recipient, doc_key, period) "
        "SELECT recipient, doc_key, itc_period FROM ims_documents WHERE itc_period IS NOT NULL"
    )
    op.execute("ALTER TABLE ims_documents DROP COLUMN itc_period")


def downgrade() -> None:
    op.execute("ALTER TABLE ims_documents ADD COLUMN itc_period text")
    op.execute(
        "UPDATE ims_documents d SET itc_period = i.period FROM ims_itc_periods i "
        "WHERE i.recipient = d.recipient AND i.doc_key = d.doc_key"
    )
    op.execute("DROP TABLE ims_itc_periods")
