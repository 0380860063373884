"""API tokens: only a hash is stored.

Revision ID: 0007
"""

from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE api_tokens (
            token_id   text PRIMARY KEY,
            token_hash text NOT NULL UNIQUE,
            subject    text NOT NULL,
            role       text NOT NULL,
            gstins     text[] NOT NULL,
            expires_at timestamptz,
            revoked_at timestamptz,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE api_tokens")
