"""Helpers for the access-control and hostile-input suites: tokens per role, the CLI as a process, and
proof that a refused request changed nothing (table digests, broker end offsets, one recipient's rows)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import text

from services.actions.projector.projection import ImsProjection
from services.common import tokens
from services.common.digest import digests
from services.common.gst.gstin import parse_gstin
from services.common.settings import PROJECT_ROOT
from services.recon.projection import ReconProjection
from services.registry.projection import RegistryProjection
from tests.support.ingest_helpers import logged_events, read_events

# Written by the API itself while it answers (synchronously).
API_TABLES = (
    "request_log",
    "raw_returns",
    "document_numbers",
    "api_tokens",
    "recon_voucher_heads",
    "recon_policy_heads",
    "recon_link_heads",
)
# Written by the consumers from events: every table the projections own, the outbox and the archive.
READ_MODELS = (
    *ImsProjection.tables,
    *RegistryProjection.tables,
    *ReconProjection.tables,
    "notification_outbox",
    "deadline_outbox",
    "event_log",
)
ALL_TABLES = API_TABLES + READ_MODELS
# Refused with per-item errors, a request may be logged (request_log, raw_returns), but nothing is published
# and no read model or document-number claim moves.
NOTHING_PUBLISHED_TABLES = (*READ_MODELS, "document_numbers")
# The tables of one recipient's IMS (each has a `recipient` column).
RECIPIENT_TABLES = (
    "ims_documents",
    "ims_itc_periods",
    "ims_counts",
    "ims_history",
    "ims_refusals",
    "ims_rule37a",
    "gstr2b_versions",
    "gstr2b_lines",
)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class Snapshot:
    tables: dict[str, tuple[int, str]]
    logged: int  # events in the durable log


def snapshot(stack: Any, tables: Iterable[str] = ALL_TABLES) -> Snapshot:
    """Digests of `tables` and the number of logged events, once the projector has applied everything
    already logged (earlier tests' events included)."""
    stack.wait_projected()
    stack.wait_projected("registry")
    stack.wait_projected("recon")
    stack.wait_relayed()  # also waits until the notifier has marked its outbox rows sent
    with stack.engine.connect() as conn:
        found = digests(conn, tuple(tables))
    return Snapshot(found, logged_events(stack))


def changes(before: Snapshot, after: Snapshot) -> list[str]:
    """What differs between two snapshots, in words (empty when nothing changed)."""
    moved = [
        f"table {t}: {before.tables[t]} -> {after.tables[t]}"
        for t in before.tables
        if before.tables[t] != after.tables[t]
    ]
    if before.logged != after.logged:
        moved.append(f"logged events: {before.logged} -> {after.logged}")
    return moved


def recipient_digest(stack: Any, recipient: str) -> dict[str, tuple[int, str]]:
    """Digest of one recipient's rows in each table of its IMS and GSTR-2B."""
    recipient = parse_gstin(recipient).value
    found = {}
    with stack.engine.connect() as conn:
        for table in RECIPIENT_TABLES:
            row = conn.execute(
                text(
                    "SELECT count(*), md5(coalesce(string_agg(h, '' ORDER BY h), '')) "
                    f"FROM (SELECT md5(t::text) AS h FROM {table} t WHERE recipient = :r) rows"
                ),
                {"r": recipient},
            ).one()
            found[table] = (int(row[0]), str(row[1]))
    return found


def events_keyed(stack: Any, key: str) -> list[Any]:
    """Every event on the events topic whose message key is `key` (a recipient's stream)."""
    return [e for e in read_events(stack) if e.key == key]


class Tokens:
    """Tokens minted on demand per (role, GSTINs); live, revoked or already expired."""

    def __init__(self, stack: Any):
        self.stack = stack
        self._live: dict[tuple[str, tuple[str, ...]], str] = {}
        self._revoked: dict[tuple[str, tuple[str, ...]], str] = {}
        self._expired: dict[tuple[str, tuple[str, ...]], str] = {}

    def live(self, role: str, *gstins: str) -> str:
        key = (role, gstins)
        if key not in self._live:
            self._live[key] = self.stack.token(role, *gstins, subject=f"{role}:{','.join(gstins) or 'all'}")
        return self._live[key]

    def revoked(self, role: str, *gstins: str) -> str:
        key = (role, gstins)
        if key not in self._revoked:
            token_id, token = tokens.create(self.stack.engine, role, list(gstins), f"revoked {role}")
            assert tokens.revoke(self.stack.engine, token_id)
            self._revoked[key] = token
        return self._revoked[key]

    def expired(self, role: str, *gstins: str) -> str:
        """A token whose expiry is already in the past (set in the database, so no waiting)."""
        key = (role, gstins)
        if key not in self._expired:
            token_id, token = tokens.create(
                self.stack.engine, role, list(gstins), f"expired {role}", expires=timedelta(days=1)
            )
            with self.stack.engine.begin() as conn:
                conn.execute(
                    text("UPDATE api_tokens SET expires_at = now() - interval '1 minute' WHERE token_id = :i"),
                    {"i": token_id},
                )
            self._expired[key] = token
        return self._expired[key]


def cli_env(stack: Any) -> dict[str, str]:
    return {**os.environ, **stack.settings.to_env(), "PYTHONPATH": str(PROJECT_ROOT)}


def ims(stack: Any, *argv: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    """Run `ims ARGV...` as the operator would, against the stack's database and broker."""
    return subprocess.run(
        [sys.executable, "-m", "services.cli.main", *argv],
        env=cli_env(stack),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def ims_many(stack: Any, runs: dict[str, list[str]], timeout: float = 60) -> dict[str, tuple[int | None, str, str]]:
    """Start several `ims` commands at once; (exit code or None if killed at the timeout, stdout, stderr)."""
    started = {
        name: subprocess.Popen(
            [sys.executable, "-m", "services.cli.main", *argv],
            env=cli_env(stack),
            cwd=PROJECT_ROOT,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for name, argv in runs.items()
    }
    results: dict[str, tuple[int | None, str, str]] = {}
    for name, process in started.items():
        try:
            out, err = process.communicate(timeout=timeout)
            results[name] = (process.returncode, out, err)
        except subprocess.TimeoutExpired:
            process.kill()
            out, err = process.communicate()
            results[name] = (None, out, err)
    return results


def mount_namespace_available() -> bool:
    """Whether this process may bind-mount in a private mount namespace (root with CAP_SYS_ADMIN)."""
    if shutil.which("unshare") is None:
        return False
    try:
        done = subprocess.run(
            ["unshare", "--mount", "--propagation", "private", "true"], capture_output=True, timeout=10
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def ims_with_decoy(
    stack: Any, decoy: Path, target: str, *argv: str, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run `ims ARGV...` in a private mount namespace where `decoy` is bind-mounted over `target`,
    so a command that writes `target` writes the decoy and the real file is never at risk."""
    script = 'mount --bind "$1" "$2" && shift 2 && exec "$@"'
    return subprocess.run(
        [
            "unshare",
            "--mount",
            "--propagation",
            "private",
            "sh",
            "-c",
            script,
            "sh",
            str(decoy),
            target,
            sys.executable,
            "-m",
            "services.cli.main",
            *argv,
        ],
        env=cli_env(stack),
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def listening_hosts(port: int) -> set[str]:
    """The local addresses with a TCP socket in LISTEN state on `port` (from /proc/net/tcp and tcp6)."""
    hosts: set[str] = set()
    for name, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        path = Path(name)
        if not path.exists():
            continue
        for line in path.read_text().splitlines()[1:]:
            fields = line.split()
            address, state = fields[1], fields[3]
            raw_host, raw_port = address.split(":")
            if state != "0A" or int(raw_port, 16) != port:
                continue
            if width == 8:
                hosts.add(".".join(str(int(raw_host[i : i + 2], 16)) for i in (6, 4, 2, 0)))
            else:
                words = [raw_host[i : i + 8] for i in range(0, 32, 8)]
                little = "".join(bytes.fromhex(w)[::-1].hex() for w in words)
                hosts.add(":".join(little[i : i + 4] for i in range(0, 32, 4)))
    return hosts


def error_of(response: httpx.Response) -> dict[str, Any]:
    """The `{error_cd, error_msg}` of a refused request (FastAPI nests it under `detail`)."""
    body = response.json()
    detail = body.get("detail", body) if isinstance(body, dict) else body
    return detail if isinstance(detail, dict) else {"error_cd": "VALIDATION", "error_msg": str(detail)}


def fresh_client(stack: Any, token: str | None = None, base_url: str | None = None) -> httpx.Client:
    """A client that opens a new connection per request (a 5xx that drops the connection cannot spill
    over into the next request) and sends `token`, or no Authorization header at all."""
    return httpx.Client(
        base_url=base_url or stack.base_url,
        timeout=120,
        headers=bearer(token) if token else {},
        limits=httpx.Limits(max_keepalive_connections=0),
    )
