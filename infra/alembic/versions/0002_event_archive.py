"""Append-only event archive; the database refuses UPDATE and DELETE on it.

Revision ID: 0002
"""

from alembic import op

from services.archive.triggers import APPEND_ONLY_TRIGGERS

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE event_archive (
            epoch          integer NOT NULL,
            topic          text    NOT NULL,
            partition      integer NOT NULL,
            "offset"       bigint  NOT NULL,
            msg_key        text    NOT NULL,
            event_type     text    NOT NULL,
            schema_version integer NOT NULL,
            event_id       text    NOT NULL,
            occurred_at    text    NOT NULL,
            headers        jsonb   NOT NULL,
            payload        bytea   NOT NULL,
            broker_ts      bigint  NOT NULL,
            PRIMARY KEY (epoch, topic, partition, "offset")
        )
        """
    )
    # A broker epoch begins each time the broker lost its log and history was republished from here;
    # offsets restart with it. restored_offsets says where each archived event landed in a later epoch.
    op.execute(
        """
        CREATE TABLE broker_epochs (
            epoch    integer PRIMARY KEY,
            begun_on text    NOT NULL
        )
        """
    )
    op.execute("INSERT INTO broker_epochs (epoch, begun_on) VALUES (0, 'first start')")
    op.execute(
        """
        CREATE TABLE restored_offsets (
            epoch      integer NOT NULL,
            topic      text    NOT NULL,
            partition  integer NOT NULL,
            src_epoch  integer NOT NULL,
            src_offset bigint  NOT NULL,
            new_offset bigint  NOT NULL,
            PRIMARY KEY (epoch, topic, partition, src_epoch, src_offset)
        )
        """
    )
    op.execute("CREATE INDEX event_archive_key ON event_archive (msg_key, occurred_at)")
    op.execute(
        """
        CREATE FUNCTION event_archive_is_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            RAISE EXCEPTION 'event_archive is append-only: % refused', TG_OP;
        END $$
        """
    )
    for statement in APPEND_ONLY_TRIGGERS:
        op.execute(statement)


def downgrade() -> None:
    op.execute("DROP TABLE restored_offsets")
    op.execute("DROP TABLE broker_epochs")
    op.execute("DROP TABLE event_archive")
    op.execute("DROP FUNCTION event_archive_is_append_only()")
