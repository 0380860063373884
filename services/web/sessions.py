"""Sign-in codes and browser sessions of the web dashboard, in PostgreSQL (migration 0023).

Guarantees:
- A sign-in code is random (256 bits), stored only as its SHA-256, lives `CODE_LIFETIME` and is exchanged
  at most once: the exchange is one UPDATE that marks it used, so two browsers racing for one link cannot
  both get a session.
- A session cookie is random (256 bits) and stored only as its SHA-256. A session reaches exactly what its
  API token reaches (role and GSTINs, read at every request from `api_tokens`), so revoking or expiring
  the token ends the session on the next request; signing out revokes the session itself.
- Each session has its own CSRF token, compared in constant time on every POST from the pages.
- Codes and sessions dead for a day are deleted whenever a new one is made, so neither table grows.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Connection, Engine, text

from services.common.tokens import Principal

CODE_LIFETIME = timedelta(minutes=15)
SESSION_LIFETIME = timedelta(hours=12)
LINK_PATH = "/web/signin/"
_LIVE_TOKEN = "t.revoked_at IS NULL AND (t.expires_at IS NULL OR t.expires_at > now())"


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True, slots=True)
class Session:
    key_hash: str
    csrf: str
    principal: Principal

    def csrf_matches(self, offered: str | None) -> bool:
        return bool(offered) and hmac.compare_digest(self.csrf.encode(), str(offered).encode())


def new_code(engine: Engine, token_id: str, lifetime: timedelta = CODE_LIFETIME) -> str:
    """A one-time sign-in code for the token (which must exist); only its hash is stored."""
    code = secrets.token_urlsafe(32)
    with engine.begin() as conn:
        _sweep(conn)
        conn.execute(
            text("INSERT INTO web_signin_codes (code_hash, token_id, expires_at) VALUES (:h, :t, :e)"),
            {"h": _hash(code), "t": token_id, "e": datetime.now(UTC) + lifetime},
        )
    return code


def signin_link(engine: Engine, token_id: str, base_url: str) -> str:
    """The one-time sign-in link `ims up` prints (and `ims token link`)."""
    return base_url.rstrip("/") + LINK_PATH + new_code(engine, token_id)


def peek_code(engine: Engine, code: str) -> Principal | None:
    """Whose code this is, while it is unused, unexpired and its token live (nothing is consumed)."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT t.token_id, t.subject, t.role, t.gstins FROM web_signin_codes c JOIN api_tokens t "
                "USING (token_id) WHERE c.code_hash = :h AND c.used_at IS NULL AND c.expires_at > now() "
                f"AND {_LIVE_TOKEN}"
            ),
            {"h": _hash(code)},
        ).first()
    return Principal(row[0], row[1], row[2], frozenset(row[3])) if row else None


def exchange_code(engine: Engine, code: str) -> tuple[str, Session] | None:
    """Spend the code on a new session: (cookie value, session), or None when the code is unknown, used,
    expired or its token dead. Marking it used and opening the session are one transaction."""
    with engine.begin() as conn:
        token_id = conn.execute(
            text(
                "UPDATE web_signin_codes SET used_at = now() WHERE code_hash = :h AND used_at IS NULL "
                "AND expires_at > now() RETURNING token_id"
            ),
            {"h": _hash(code)},
        ).scalar()
        if token_id is None:
            return None
        return _open(conn, token_id)


def open_session(engine: Engine, token_id: str) -> tuple[str, Session] | None:
    """A session for a live token (sign-in with the token itself, already authenticated by the caller)."""
    with engine.begin() as conn:
        return _open(conn, token_id)


def _open(conn: Connection, token_id: str) -> tuple[str, Session] | None:
    row = conn.execute(
        text(
            "SELECT t.token_id, t.subject, t.role, t.gstins, t.expires_at FROM api_tokens t "
            f"WHERE t.token_id = :t AND {_LIVE_TOKEN}"
        ),
        {"t": token_id},
    ).first()
    if row is None:
        return None
    _sweep(conn)
    key, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    ends = datetime.now(UTC) + SESSION_LIFETIME
    if row[4] is not None:
        ends = min(ends, row[4])
    conn.execute(
        text("INSERT INTO web_sessions (session_hash, token_id, csrf, expires_at) VALUES (:h, :t, :c, :e)"),
        {"h": _hash(key), "t": token_id, "c": csrf, "e": ends},
    )
    return key, Session(_hash(key), csrf, Principal(row[0], row[1], row[2], frozenset(row[3])))


def _sweep(conn: Connection) -> None:
    conn.execute(text("DELETE FROM web_signin_codes WHERE expires_at < now() - interval '1 day'"))
    conn.execute(
        text(
            "DELETE FROM web_sessions WHERE expires_at < now() - interval '1 day' "
            "OR revoked_at < now() - interval '1 day'"
        )
    )


def find(engine: Engine, cookie: str | None) -> Session | None:
    """The live session of a cookie: the session unrevoked and unexpired, and its token live."""
    if not cookie or len(cookie) > 128:
        return None
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT s.session_hash, s.csrf, t.token_id, t.subject, t.role, t.gstins FROM web_sessions s "
                "JOIN api_tokens t USING (token_id) WHERE s.session_hash = :h AND s.revoked_at IS NULL "
                f"AND s.expires_at > now() AND {_LIVE_TOKEN}"
            ),
            {"h": _hash(cookie)},
        ).first()
    return Session(row[0], row[1], Principal(row[2], row[3], row[4], frozenset(row[5]))) if row else None


def revoke(engine: Engine, session: Session) -> None:
    with engine.begin() as conn:
        conn.execute(
            text("UPDATE web_sessions SET revoked_at = now() WHERE session_hash = :h AND revoked_at IS NULL"),
            {"h": session.key_hash},
        )
