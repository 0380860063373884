"""As-of views answer from per-recipient snapshots of the IMS read model plus the tail of the log.

- `ims_snapshots`: the catalog. Each row names a schema holding one recipient's IMS tables (unlogged:
  derived state, rebuilt when lost) after the recipient's first `events` events in log order, the last of
  them `last_seq`; `max_occurred_at` is the latest occurred-at among them, so the snapshot serves instants
  at or after it. `revision` is the migration its tables were shaped by: a later one retires it.
- `ims_snapshot_watermark`: every event up to this seq was placed and looked at by the snapshot step.

Earlier versions rebuilt each as-of view into a scratch schema `asof_<12 hex digits>` and left it behind
when the process was killed; the upgrade drops those (nothing else is named so).

Revision ID: 0020
"""

from alembic import op
from sqlalchemy import text

from services.actions.views.snapshots import template_name

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None

LEGACY_SCRATCH = r"SELECT nspname FROM pg_namespace WHERE nspname ~ '^asof_[0-9a-f]{12}$'"


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE ims_snapshots (
            schema_name     text        PRIMARY KEY,
            recipient       text        NOT NULL,
            revision        text        NOT NULL,
            events          bigint      NOT NULL,
            last_seq        bigint      NOT NULL,
            max_occurred_at text        NOT NULL,
            documents       bigint      NOT NULL,
            build_ms        integer     NOT NULL,
            taken_at        timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX ims_snapshots_recipient ON ims_snapshots (recipient, events)")
    op.execute(
        "CREATE TABLE ims_snapshot_watermark (one boolean PRIMARY KEY DEFAULT true CHECK (one), seq bigint NOT NULL)"
    )
    op.execute("INSERT INTO ims_snapshot_watermark (seq) VALUES (0)")
    bind = op.get_bind()
    for (name,) in bind.execute(text(LEGACY_SCRATCH)).all():
        op.execute(f'DROP SCHEMA "{name}" CASCADE')


def downgrade() -> None:
    bind = op.get_bind()
    schema = bind.execute(text("SELECT current_schema()")).scalar_one()
    names = [n for (n,) in bind.execute(text("SELECT schema_name FROM ims_snapshots")).all()]
    names.append(template_name(schema))
    for name in names:
        op.execute(f'DROP SCHEMA IF EXISTS "{name}" CASCADE')
    op.execute("DROP TABLE ims_snapshot_watermark")
    op.execute("DROP TABLE ims_snapshots")
