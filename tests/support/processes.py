"""Helpers for tests that run real processes and wait on real state."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psutil

from services.common.settings import PROJECT_ROOT, Settings


def spawn(module: str, settings: Settings, log: Path, **extra_env: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, **settings.to_env(), **extra_env, "PYTHONPATH": str(PROJECT_ROOT)}
    return subprocess.Popen(
        [sys.executable, "-m", module],
        env=env,
        cwd=PROJECT_ROOT,
        stdout=open(log, "ab"),
        stderr=subprocess.STDOUT,
    )


def wait_until(predicate: Callable[[], Any], timeout: float = 60.0, interval: float = 0.1, what: str = "") -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what or predicate}")
        time.sleep(interval)


def stop(process: subprocess.Popen[bytes], timeout: float = 20.0) -> int:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
    return process.returncode


def stop_all(processes: list[subprocess.Popen[bytes]], timeout: float = 20.0) -> None:
    """Stop several processes at once: every one is asked to stop before any is waited for, so a stack
    stops in the time of its slowest process, not the sum of them all."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        stop(process, timeout)


def freeze_tree(root: psutil.Process) -> list[psutil.Process]:
    """SIGSTOP a server and its children (root first, so it forks no new ones); returns what was stopped."""
    root.suspend()
    stopped = [root]
    for process in _children(root):
        try:
            process.suspend()
            stopped.append(process)
        except psutil.NoSuchProcess:  # a short-lived worker that ended meanwhile
            continue
    return stopped


def thaw(processes: list[psutil.Process]) -> None:
    for process in processes:
        try:
            process.resume()
        except psutil.NoSuchProcess:
            continue


def _children(root: psutil.Process) -> list[psutil.Process]:
    try:
        return list(root.children())
    except psutil.NoSuchProcess:
        return []
