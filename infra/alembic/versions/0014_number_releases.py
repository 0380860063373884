"""A document number claimed by a saved draft is given back when the draft is deleted (services/ingest/numbers.py):
claims say whether a filed return reported the number. Existing claims count as filed, since which of them
only drafts made is not recorded: they keep their numbers, as before.

Revision ID: 0014
"""

from alembic import op

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute("ALTER TABLE document_numbers ADD COLUMN filed boolean NOT NULL DEFAULT true")
    op.execute("ALTER TABLE document_numbers ALTER COLUMN filed SET DEFAULT false")


def downgrade() -> None:
    op.execute("ALTER TABLE document_numbers DROP COLUMN filed")
