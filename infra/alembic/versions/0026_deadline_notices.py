"""`DeadlineApproaching` notices (docs/rules.md §4.6).

- `ims_deadlines_announced`: the IMS projection's record of every (recipient, document, kind of deadline,
  deadline) it has announced, written by the clock event that announced it. Derived state: `ims replay` rebuilds
  it from the same clock events, `ims verify` digests it. Rows whose deadline is before the recipient's clock are
  dropped (such a deadline can never come within the horizon again).
- `deadline_outbox`: what the projector announced and the notifier has still to log, one row per (clock event,
  kind, deadline, chunk of documents), the documents as arrays (as the compact rows of `notification_outbox`,
  migration 0016). Like that outbox it records what was sent: a replay never rebuilds it, only carries into it
  what the rebuild applied ahead of the live consumer (services/replay.py), told by the clock event's place
  (`cause_topic`, `cause_partition`, `cause_offset`, in the broker epoch the row was written in).

Revision ID: 0026
"""

from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE ims_deadlines_announced (
            recipient text NOT NULL,
            doc_key   text NOT NULL,
            kind      text NOT NULL,
            deadline  date NOT NULL,
            PRIMARY KEY (recipient, doc_key, kind, deadline)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE deadline_outbox (
            seq            bigserial,
            cause_event_id text    NOT NULL,
            cause_topic    text    NOT NULL,
            cause_partition integer NOT NULL,
            cause_offset   bigint  NOT NULL,
            recipient      text    NOT NULL,
            kind           text    NOT NULL,
            deadline       date    NOT NULL,
            clock_date     date    NOT NULL,
            chunk          integer NOT NULL,
            chunks         integer NOT NULL,
            total          integer NOT NULL,
            doc_keys       text[]  NOT NULL,
            sections       text[]  NOT NULL,
            numbers        text[]  NOT NULL,
            ctins          text[]  NOT NULL,
            doc_dates      date[]  NOT NULL,
            return_periods text[]  NOT NULL,
            sent           boolean NOT NULL DEFAULT false,
            PRIMARY KEY (cause_event_id, kind, deadline, chunk)
        )
        """
    )
    op.execute("CREATE INDEX deadline_outbox_unsent ON deadline_outbox (seq) WHERE NOT sent")


def downgrade() -> None:
    op.execute("DROP TABLE deadline_outbox")
    op.execute("DROP TABLE ims_deadlines_announced")
