"""IMS documents leave more than half of each page free, so a bulk action over every document is heap-only.

A bulk accept rewrites `action` (and the other action columns, none indexed) of every selected document
in one transaction. A page can take as many new row versions as its free space holds; at fillfactor 70 a
full page of ~20 documents holds ~6, so the first bulk action after a filing updated only 41,600 of
95,000 rows heap-only and inserted the rest into all five indexes. At 45 every row has room for its new
version: measured 100% heap-only updates on every pass over 100,000 documents, PostgreSQL CPU per bulk
accept 3.7-4.2 s instead of 4.1-5.9 s, the first bulk accept after the filing visible 5.2 s after the call
returned instead of 7.2 s. The table takes ~1.5 times the pages; its readers go through indexes, except
GSTR-2B generation, which scans it: two full `make bench` runs gave 10.77 s with this fillfactor and
10.87 s without, and the bulk accept visible 6.0 s and 7.5 s after the call returned.

Only pages written from now on are packed this way; an existing table keeps its pages until rewritten
(`VACUUM FULL ims_documents` or pg_repack, in a maintenance window).

Revision ID: 0012
"""

from alembic import op

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE ims_documents SET (fillfactor = 45)")


def downgrade() -> None:
    op.execute("ALTER TABLE ims_documents SET (fillfactor = 70)")
