"""Document-number claims: unique per supplier, financial year and series, case-insensitive.

Revision ID: 0006
"""

from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE document_numbers (
            supplier  text    NOT NULL,
            fy        integer NOT NULL,
            series    text    NOT NULL,
            number    text    NOT NULL,
            recipient text    NOT NULL,
            PRIMARY KEY (supplier, fy, series, number)
        )
        """
    )
    op.execute("ALTER TABLE request_log ALTER COLUMN response DROP NOT NULL")


def downgrade() -> None:
    op.execute("DROP TABLE document_numbers")
