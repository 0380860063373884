"""Bearer tokens: a role, the GSTINs it may use, an optional expiry. Only a SHA-256 hash is stored, so a
leaked database does not leak tokens; revocation takes effect on the next request."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import Engine, text

ROLES = ("admin", "filer", "recipient", "supplier")
PREFIX = "ims_"
_DURATION = re.compile(r"(-?)([0-9]+)([dhm])")  # ASCII digits only: int() would read other scripts' digits
_UNITS = {"d": "days", "h": "hours", "m": "minutes"}
MAX_LIFETIME = timedelta(days=36_500)


class TokenError(ValueError):
    """A token that cannot be created as asked; the message names the field."""


@dataclass(frozen=True, slots=True)
class Principal:
    token_id: str
    subject: str
    role: str
    gstins: frozenset[str]

    def may_use(self, gstin: str) -> bool:
        return self.role == "admin" or gstin in self.gstins


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def token_id_of(token_or_id: str) -> str:
    """The id of a token given as the token itself or as its id (what `ims token revoke` and `link` take)."""
    return _hash(token_or_id)[:16] if token_or_id.startswith(PREFIX) else token_or_id


def parse_duration(value: str) -> timedelta:
    """A lifetime like 30d, 12h or 45m. Zero or less is refused: `0m` would otherwise read as "no expiry"."""
    match = _DURATION.fullmatch(value) if len(value) <= 12 else None
    if not match:
        raise TokenError(f"expires: expected a duration like 30d, 12h or 45m, got {value[:40]!r}")
    amount = int(match[2])
    if match[1] or amount == 0:
        raise TokenError(
            f"expires: must be more than zero, got {value!r} (omit --expires for a token that never expires)"
        )
    try:
        lifetime = timedelta(**{_UNITS[match[3]]: amount})
    except OverflowError:
        lifetime = MAX_LIFETIME + MAX_LIFETIME
    return check_lifetime(lifetime)


def check_lifetime(expires: timedelta) -> timedelta:
    if expires <= timedelta(0):
        raise TokenError(f"expires: must be more than zero, got {expires}")
    if expires > MAX_LIFETIME:
        raise TokenError(f"expires: at most {MAX_LIFETIME.days} days (omit it for a token that never expires)")
    return expires


def create(
    engine: Engine, role: str, gstins: list[str], subject: str, expires: timedelta | None = None
) -> tuple[str, str]:
    """Returns (token_id, token); the token itself is shown once and never stored."""
    from services.common.gst.gstin import InvalidGstin, parse_gstin

    if role not in ROLES:
        raise TokenError(f"role: must be one of {', '.join(ROLES)}, got {role!r}")
    try:
        checked = sorted({parse_gstin(g).value for g in gstins})
    except InvalidGstin as exc:
        raise TokenError(f"gstin: {exc}") from None
    if role != "admin" and not checked:
        raise TokenError(f"gstin: a {role} token needs at least one GSTIN")
    token = PREFIX + secrets.token_urlsafe(32)
    token_id = _hash(token)[:16]
    expires_at = None if expires is None else datetime.now(UTC) + check_lifetime(expires)
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO api_tokens (token_id, token_hash, subject, role, gstins, expires_at) "
                "VALUES (:i, :h, :s, :r, :g, :e)"
            ),
            {"i": token_id, "h": _hash(token), "s": subject, "r": role, "g": checked, "e": expires_at},
        )
    return token_id, token


def revoke(engine: Engine, token_or_id: str) -> bool:
    key = token_id_of(token_or_id)
    with engine.begin() as conn:
        done = conn.execute(
            text("UPDATE api_tokens SET revoked_at = now() WHERE token_id = :i AND revoked_at IS NULL"),
            {"i": key},
        )
    return bool(done.rowcount)


def authenticate(engine: Engine, token: str) -> Principal | None:
    """The principal of a live token, or None (unknown, revoked or expired: all look the same)."""
    with engine.connect() as conn:
        row = conn.execute(
            text(
                "SELECT token_id, subject, role, gstins FROM api_tokens WHERE token_hash = :h "
                "AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > now())"
            ),
            {"h": _hash(token)},
        ).first()
    return Principal(row[0], row[1], row[2], frozenset(row[3])) if row else None


def list_tokens(engine: Engine) -> list[dict[str, object]]:
    with engine.connect() as conn:
        rows = conn.execute(
            text("SELECT token_id, subject, role, gstins, expires_at, revoked_at FROM api_tokens ORDER BY created_at")
        ).all()
    return [
        {
            "id": r[0],
            "subject": r[1],
            "role": r[2],
            "gstins": list(r[3]),
            "expires_at": r[4].isoformat() if r[4] else None,
            "revoked": r[5] is not None,
        }
        for r in rows
    ]
