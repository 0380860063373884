"""The Kafka door of the purchase register (services/recon/door.py, docs/rules.md §10.1).

- `recon_door_runs`: where each run of messages an ERP published to `ims.purchases.v1` was answered: the
  partition, the broker epoch and the offsets it spans, the recipient, and the reference id of its answer in
  `request_log`. Written in the same transaction as the run's events and the door's offsets (kept in
  `projection_checkpoints` as `door:purchases`). The booking side's own record, like `recon_voucher_heads`: a replay
  never touches it.

Revision ID: 0025
"""

from alembic import op

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE recon_door_runs (
            topic          text    NOT NULL,
            partition      integer NOT NULL,
            epoch          integer NOT NULL,
            first_offset   bigint  NOT NULL,
            last_offset    bigint  NOT NULL,
            recipient      text    NOT NULL,
            reference_id   text    NOT NULL,
            PRIMARY KEY (topic, partition, epoch, first_offset)
        );
        CREATE INDEX recon_door_runs_by_recipient ON recon_door_runs (recipient, topic, partition, last_offset);
        """
    )


def downgrade() -> None:
    op.execute("DROP TABLE recon_door_runs")
