"""Peak resident memory of a running process (the real `ims api` of a live stack) around one request.

Linux keeps the peak (VmHWM) per process; writing 5 to /proc/PID/clear_refs resets it to the current RSS,
so the peak of one request is read exactly. Where that is not allowed, a thread samples RSS every 2 ms.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import psutil


@dataclass
class Peak:
    before: int = 0  # RSS just before, bytes
    peak: int = 0  # the highest RSS while the block ran, bytes

    @property
    def growth(self) -> int:
        return max(0, self.peak - self.before)


def _hwm(pid: int) -> int | None:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return None


def _reset_hwm(pid: int) -> bool:
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return False
    return _hwm(pid) is not None


@contextlib.contextmanager
def peak_rss(pid: int) -> Iterator[Peak]:
    process = psutil.Process(pid)
    found = Peak(before=process.memory_info().rss)
    exact = _reset_hwm(pid)
    stop = threading.Event()

    def sample() -> None:
        while not stop.is_set():
            with contextlib.suppress(psutil.Error):
                found.peak = max(found.peak, process.memory_info().rss)
            time.sleep(0.002)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        yield found
    finally:
        stop.set()
        sampler.join()
        if exact:
            found.peak = max(found.peak, _hwm(pid) or 0)
