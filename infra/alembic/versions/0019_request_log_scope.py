"""The request log records which token made each request, so its status is read only by its maker's scope.

Filings, SAVE / RESET / bulk actions, recomputes and Rule 37A reports are scoped by their kind and subject
GSTIN (the role that makes them for that GSTIN reads them); a Bill of Entry names importers, not one subject,
so its status is read by the token that made it (and admin): `services/common/requests.py` (`may_read`).
Rows logged before this migration have no token: their Bills of Entry are readable by admin only.

Revision ID: 0019
"""

from alembic import op

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE request_log ADD COLUMN token_id text")


def downgrade() -> None:
    op.execute("ALTER TABLE request_log DROP COLUMN token_id")
