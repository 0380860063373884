"""What each GSTR-2B statement holds is read from its latest version's lines, not written a second time.

A statement's marks (`ims_itc_periods`, migration 0008) were always exactly the documents its latest
version lists (blocks other than the Rule 37A `itcrev` copies): a version kept the marks of what it still
listed, let go of what it no longer listed, and marked what it took in. Writing them cost a second row per
document in the statement that writes the lines: at 1,000,000 documents 1,000,000 more WAL records
(120 MB) and 0.56-0.88 s of a 3.7-4.5 s statement (EXPLAIN ANALYZE after a projector catch-up). The
table becomes a view of those lines with the same columns and rows (same `ims verify` digest), so its
readers (generation, GSTR-3B freezing, the supplier view) keep their meaning; reading what a statement
holds now reads the lines (generation's due-period check at 1,000,000 held documents: 0.55 s -> 1.15 s).

The upgrade checks that invariant on the existing data and refuses to drop marks that differ from it.

Revision ID: 0015
"""

from alembic import op
from sqlalchemy import text

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None

HELD = """
SELECT l.recipient, l.doc_key, l.period
FROM (SELECT recipient, period, max(version) AS version FROM gstr2b_versions GROUP BY recipient, period) v
JOIN gstr2b_lines l ON l.recipient = v.recipient AND l.period = v.period AND l.version = v.version
WHERE l.block <> 'itcrev'
"""


def upgrade() -> None:
    differing = (
        op.get_bind()
        .execute(
            text(
                f"SELECT count(*) FROM ((TABLE ims_itc_periods EXCEPT ALL ({HELD})) "
                f"UNION ALL (({HELD}) EXCEPT ALL TABLE ims_itc_periods)) x"
            )
        )
        .scalar_one()
    )
    if differing:
        raise RuntimeError(
            f"ims_itc_periods: {differing} marks differ from what the latest GSTR-2B versions list; "
            "replay the ims projection (ims replay ims) before this migration"
        )
    op.execute("DROP TABLE ims_itc_periods")
    op.execute(f"CREATE VIEW ims_itc_periods AS {HELD}")


def downgrade() -> None:
    op.execute(
        "CREATE TABLE ims_itc_periods_written (recipient text NOT NULL, doc_key text NOT NULL, period text NOT NULL)"
    )
    op.execute("INSERT INTO ims_itc_periods_written SELECT recipient, doc_key, period FROM ims_itc_periods")
    op.execute("DROP VIEW ims_itc_periods")
    op.execute("ALTER TABLE ims_itc_periods_written RENAME TO ims_itc_periods")
    op.execute(
        "CREATE INDEX ims_itc_periods_range ON ims_itc_periods USING brin (recipient, period) WITH (autosummarize = on)"
    )
