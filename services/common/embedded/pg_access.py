"""Who may connect to the embedded PostgreSQL: the `postgres` role with a generated password, over 127.0.0.1.

- The password (256 random bits, URL-safe) is generated once per data directory and kept beside it in
  `<data dir>-password` (`.ims/pg-password` by default), mode 0600: readable only by the user who runs
  `ims up`, like `.ims/admin-token`. The URLs the stack hands to its processes carry it.
- `pg_hba.conf` holds one rule, scram-sha-256 for 127.0.0.1; no trust rule, and the server opens no Unix
  socket. A data directory initialised with trust (by older versions) is converted on its next start.
- The password is set in single-user mode, before the server listens, so no connection is ever accepted
  without it. Order makes a crash harmless: the file is written first, then the role's password, then
  `pg_hba.conf`; until the last step the directory still reads as not converted and is converted again.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path

ROLE = "postgres"
HBA_HEADER = "# written by `ims up` (services/common/embedded/pg_access.py): password (scram-sha-256), loopback only"


def password_path(data_dir: Path) -> Path:
    return data_dir.with_name(f"{data_dir.name}-password")


def hba_rules(host: str) -> str:
    return f"{HBA_HEADER}\nhost all {ROLE} {host}/32 scram-sha-256\n"


def is_converted(data_dir: Path, host: str) -> bool:
    """True when the password file exists and pg_hba.conf is exactly our single scram rule."""
    hba = data_dir / "pg_hba.conf"
    return password_path(data_dir).exists() and hba.exists() and hba.read_text() == hba_rules(host)


def read_password(data_dir: Path) -> str:
    path = password_path(data_dir)
    if path.stat().st_mode & 0o077:
        path.chmod(0o600)
    password = path.read_text().strip()
    if not password:
        raise RuntimeError(f"{path} is empty; delete it and the next start sets a new password")
    return password


def read_or_create_password(data_dir: Path, known: str | None = None) -> str:
    """The stored password, or else `known` (the one running processes use) or a new one, written
    atomically with mode 0600 from the start."""
    path = password_path(data_dir)
    if path.exists():
        return read_password(data_dir)
    password = known or secrets.token_urlsafe(32)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        handle.write(password + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)
    return password


def set_password_statement(password: str) -> str:
    """Single-user mode reads one statement per line; the password's alphabet needs no quoting."""
    if not password.replace("-", "").replace("_", "").isalnum():
        raise ValueError("the embedded PostgreSQL password must be URL-safe base64")
    return f"SET password_encryption = 'scram-sha-256';\nALTER ROLE {ROLE} PASSWORD '{password}';\n"


def write_hba(data_dir: Path, host: str) -> None:
    """In place, so the file keeps the owner and mode initdb gave it (the server's user may be another)."""
    with open(data_dir / "pg_hba.conf", "w") as handle:
        handle.write(hba_rules(host))
        handle.flush()
        os.fsync(handle.fileno())
