"""What `ims up` started, for the other `ims` commands: `.ims/stack.json` (mode 0600, it holds the database
password), written once the stack is up and removed when it stops.

A command run in a second terminal without `DATABASE_URL` / `KAFKA_BOOTSTRAP_SERVERS` takes the servers from
it, so `ims token create`, `ims counts`, `ims replay` and `ims verify` need nothing exported. A file left by
an `ims up` that was killed names a process that is gone and is ignored.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import psutil

from services.common.settings import Settings

NAME = "stack.json"


@dataclass(frozen=True)
class Stack:
    pid: int
    database_url: str
    kafka_bootstrap: str
    api: str

    @property
    def running(self) -> bool:
        try:
            process = psutil.Process(self.pid)
            return process.is_running() and process.status() != psutil.STATUS_ZOMBIE
        except psutil.Error:
            return False


def path(home: Path) -> Path:
    return home / NAME


def write(settings: Settings) -> Path:
    """Replace the file atomically; only this user can read it."""
    assert settings.database_url and settings.kafka_bootstrap
    target = path(settings.home)
    partial = target.with_suffix(".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(
            {
                "pid": os.getpid(),
                "database_url": settings.database_url,
                "kafka_bootstrap": settings.kafka_bootstrap,
                "api": f"http://{settings.http_host}:{settings.http_port}",
            },
            handle,
        )
    partial.replace(target)
    return target


def read(home: Path) -> Stack | None:
    try:
        found = json.loads(path(home).read_text())
        return Stack(int(found["pid"]), found["database_url"], found["kafka_bootstrap"], found["api"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def remove(home: Path) -> None:
    stack = read(home)
    if stack is None or stack.pid == os.getpid():
        path(home).unlink(missing_ok=True)


def with_running_stack(settings: Settings) -> Settings:
    """The servers of a running `ims up` where the environment names none; what the environment names wins."""
    if settings.database_url and settings.kafka_bootstrap:
        return settings
    stack = read(settings.home)
    if stack is None or not stack.running:
        return settings
    return settings.with_servers(
        settings.database_url or stack.database_url, settings.kafka_bootstrap or stack.kafka_bootstrap
    )
