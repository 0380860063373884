"""GSTR-2B in GSTN's shape: what a line lists beside what it counts, and the SEZ supplier of a Bill of Entry.

- `ims_documents.sez_supplier`: a Bill of Entry of goods from an SEZ unit or developer names that supplier
  (`DocumentsFiled` v2); GSTR-2B lists the BoE under it (`impgsez[].ctin`).
- `gstr2b_lines.itc_red_req`, `decl_igst` .. `decl_cess`: the recipient's ITC-reduction answer, kept on a line
  when it decided what the line counts. From this revision a line's heads are what the document lists (the
  supplier's amounts, or an amendment's difference) and what it counts follows from them and the answer
  (services/gstr2b/counting.py); lines written before carry no answer, so they count their heads, as then.

All columns are nullable without a default: adding them rewrites no row.

Revision ID: 0021
"""

from alembic import op

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None

_DECLARED = ("decl_igst", "decl_cgst", "decl_sgst", "decl_cess")


def upgrade() -> None:
    op.execute("ALTER TABLE ims_documents ADD COLUMN sez_supplier text")
    op.execute(
        "ALTER TABLE gstr2b_lines ADD COLUMN itc_red_req text, "
        + ", ".join(f"ADD COLUMN {column} bigint" for column in _DECLARED)
    )


def downgrade() -> None:
    op.execute(
        "ALTER TABLE gstr2b_lines DROP COLUMN itc_red_req, " + ", ".join(f"DROP COLUMN {c}" for c in _DECLARED)
    )
    op.execute("ALTER TABLE ims_documents DROP COLUMN sez_supplier")
