"""The registry of taxpayer names: GSTIN → legal and trade name, the read model of `ims.registry.v1`.

`taxpayer_names` is derived state (services/registry/projection.py): a replay rebuilds it from the
`TaxpayerNamesLoaded` events, and `ims verify` digests it. `trade_name` is empty, never null, when the
taxpayer has none; `updated_by_event` and `updated_at` are the event id and occurred-at of the load that
wrote the row, so the row is the same on every replay.

Revision ID: 0021
"""

from alembic import op

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE taxpayer_names (
            gstin            text PRIMARY KEY,
            legal_name       text NOT NULL,
            trade_name       text NOT NULL DEFAULT '',
            reference_id     text NOT NULL,
            updated_by_event text NOT NULL,
            updated_at       text NOT NULL
        )
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE taxpayer_names")
