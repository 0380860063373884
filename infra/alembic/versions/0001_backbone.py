"""Backbone: projection checkpoints and the idempotency-key store.

Revision ID: 0001
"""

from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE projection_checkpoints (
            projection  text    NOT NULL,
            topic       text    NOT NULL,
            partition   integer NOT NULL,
            next_offset bigint  NOT NULL,
            applied     bigint  NOT NULL DEFAULT 0,
            PRIMARY KEY (projection, topic, partition)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE projection_faults (
            projection text    NOT NULL,
            topic      text    NOT NULL,
            partition  integer NOT NULL,
            "offset"   bigint  NOT NULL,
            reason     text    NOT NULL,
            PRIMARY KEY (projection, topic, partition)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE request_log (
            reference_id    text PRIMARY KEY,
            idempotency_key text UNIQUE,
            kind            text  NOT NULL,
            subject         text  NOT NULL,
            response        jsonb NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE request_log")
    op.execute("DROP TABLE projection_faults")
    op.execute("DROP TABLE projection_checkpoints")
