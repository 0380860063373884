"""The web dashboard's sign-in: one-time sign-in codes and browser sessions, each naming an API token.

- `web_signin_codes`: a short-lived, single-use code (only its SHA-256 is stored) that `ims up` prints as a
  sign-in link for the admin token (and `ims token link` for any token). Exchanging it marks it used.
- `web_sessions`: a browser session (only the SHA-256 of its cookie is stored) with its CSRF token. It
  lasts while its token is live: revoking or expiring the token ends every session made from it, and
  signing out revokes the session itself. `services/web/sessions.py` reads and writes both.

Revision ID: 0021
"""

from alembic import op

revision = "0023"
down_revision = "0022"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.execute(
        """
        CREATE TABLE web_signin_codes (
            code_hash  text        PRIMARY KEY,
            token_id   text        NOT NULL REFERENCES api_tokens (token_id),
            expires_at timestamptz NOT NULL,
            used_at    timestamptz,
            created_at timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute(
        """
        CREATE TABLE web_sessions (
            session_hash text        PRIMARY KEY,
            token_id     text        NOT NULL REFERENCES api_tokens (token_id),
            csrf         text        NOT NULL,
            expires_at   timestamptz NOT NULL,
            revoked_at   timestamptz,
            created_at   timestamptz NOT NULL DEFAULT now()
        )
        """
    )
    op.execute("CREATE INDEX web_sessions_token ON web_sessions (token_id)")


def downgrade() -> None:
    op.execute("DROP TABLE web_sessions")
    op.execute("DROP TABLE web_signin_codes")
