"""GSTR-2B: immutable generated versions and their lines; recipient filing profiles.

Revision ID: 0005
"""

from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE gstr2b_versions (
            recipient  text    NOT NULL,
            period     text    NOT NULL,
            version    integer NOT NULL,
            gendt      date    NOT NULL,
            trigger    text    NOT NULL,
            event_id   text    NOT NULL,
            documents  bigint  NOT NULL,
            summary    jsonb   NOT NULL,
            PRIMARY KEY (recipient, period, version)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE gstr2b_lines (
            recipient    text    NOT NULL,
            period       text    NOT NULL,
            version      integer NOT NULL,
            block        text    NOT NULL,
            bucket       text    NOT NULL,
            section      text    NOT NULL,
            doc_key      text    NOT NULL,
            ims_section  text    NOT NULL,
            supplier     text    NOT NULL,
            number       text    NOT NULL,
            doc_date     date    NOT NULL,
            note_type    text,
            orig_number  text,
            orig_date    date,
            inv_typ      text    NOT NULL,
            pos          text    NOT NULL,
            rev          boolean NOT NULL,
            itcavl       text    NOT NULL,
            rsn          text    NOT NULL,
            diff_percent text,
            supfildt     date,
            supprd       text    NOT NULL,
            value        bigint  NOT NULL,
            txval        bigint  NOT NULL,
            igst         bigint  NOT NULL,
            cgst         bigint  NOT NULL,
            sgst         bigint  NOT NULL,
            cess         bigint  NOT NULL,
            action       text    NOT NULL,
            remarks      text,
            port_code    text
        )
        """
    )
    # One index serves both the portal-ordered reads and uniqueness (doc_key is its last column and a
    # version lists a document once by construction); a second index would double the write cost.
    op.execute("CREATE UNIQUE INDEX gstr2b_lines_order ON gstr2b_lines (recipient, period, version, block, section, "
               "supplier, supprd, coalesce(supfildt, DATE '0001-01-01'), doc_key)")
    op.execute("CREATE TABLE ims_recipients (recipient text PRIMARY KEY, quarterly boolean NOT NULL)")



def downgrade() -> None:
    op.execute("DROP TABLE ims_recipients")
    op.execute("DROP TABLE gstr2b_lines")
    op.execute("DROP TABLE gstr2b_versions")
