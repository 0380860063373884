"""Raw returns as received, kept with their reference id.

Revision ID: 0003
"""

from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE raw_returns (
            reference_id text PRIMARY KEY,
            form         text   NOT NULL,
            filer        text   NOT NULL,
            return_period text  NOT NULL,
            status       text   NOT NULL,
            filed_on     date,
            actor        text   NOT NULL,
            sha256       text   NOT NULL,
            size_bytes   bigint NOT NULL,
            body_gzip    bytea  NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE raw_returns")
