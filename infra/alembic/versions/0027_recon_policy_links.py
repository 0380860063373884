"""The recipient's reconciliation policy and manual links (services/recon, docs/rules.md §10.2, §10.4).

- `recon_policies`: the read model of `ReconPolicySet` on `ims.events.v1`, every version of each recipient's
  policy (its fields as the event carries them) and the event that set it; the highest version is the one in
  force, none means the default (version 1). Derived state: `ims replay` rebuilds it, `ims verify` digests it.
- `recon_links`: the read model of `ReconLinksChanged`, one row per (recipient, voucher) ever linked: the document
  it is linked to, whether the link is live, and the change number that last touched it.
- `recon_policy_heads`: the booking side's own record of each recipient's latest policy version and content and
  of its links change number, written in the same transaction as the events it decides (like
  `recon_voucher_heads`); `recon_link_heads`: the booking side's live links, so a request is checked against
  every earlier one whatever the projection's lag. A replay never touches them.

Revision ID: 0027
"""

from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE recon_policies (
            recipient     text    NOT NULL,
            version       integer NOT NULL,
            policy        jsonb   NOT NULL,
            reference_id  text    NOT NULL,
            set_by_event  text    NOT NULL,
            PRIMARY KEY (recipient, version)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE recon_links (
            recipient         text    NOT NULL,
            voucher_id        text    NOT NULL,
            doc_key           text    NOT NULL,
            live              boolean NOT NULL,
            version           integer NOT NULL,
            changed_by_event  text    NOT NULL,
            PRIMARY KEY (recipient, voucher_id)
        )
        """
    )
    op.execute(
        """
        CREATE TABLE recon_policy_heads (
            recipient      text    PRIMARY KEY,
            policy_version integer NOT NULL DEFAULT 1,
            policy         jsonb,
            links_version  integer NOT NULL DEFAULT 0
        )
        """
    )
    op.execute(
        """
        CREATE TABLE recon_link_heads (
            recipient  text NOT NULL,
            voucher_id text NOT NULL,
            doc_key    text NOT NULL,
            PRIMARY KEY (recipient, voucher_id)
        )
        """
    )
    op.execute("CREATE INDEX recon_link_heads_doc ON recon_link_heads (recipient, doc_key)")


def downgrade() -> None:
    op.execute("DROP TABLE recon_link_heads")
    op.execute("DROP TABLE recon_policy_heads")
    op.execute("DROP TABLE recon_links")
    op.execute("DROP TABLE recon_policies")
