"""Rule 37A reversals reported per recipient and supplier period.

Revision ID: 0009
"""

from alembic import op

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE ims_rule37a (
            recipient        text NOT NULL,
            supplier         text NOT NULL,
            supplier_period  text NOT NULL,
            reported_on      date NOT NULL,
            statement_period text NOT NULL,
            reference_id     text NOT NULL,
            PRIMARY KEY (recipient, supplier, supplier_period)
        )
        """
    )
    op.execute("CREATE INDEX ims_rule37a_statement ON ims_rule37a (recipient, statement_period)")


def downgrade() -> None:
    op.execute("DROP TABLE ims_rule37a")
