"""When `ims up` restarts what died: exponential backoff, forgotten once a process stayed up a while.

Pure: no clocks, no processes. The supervisor passes how long the process had been up and gets the pause
before the next start, so a process that dies at once is not restarted in a tight loop, and one that ran
for a minute and then died is restarted at once, as if it had never failed.
"""

from __future__ import annotations

import signal
from dataclasses import dataclass

FIRST_DELAY = 0.5
MAX_DELAY = 30.0
STABLE_AFTER = 60.0


def backoff_delay(failures: int, first: float = FIRST_DELAY, cap: float = MAX_DELAY) -> float:
    """The pause before restart number `failures` of a row of failures: first, 2x first, 4x first ... cap."""
    if failures < 1:
        return 0.0
    return min(cap, first * 2 ** min(failures - 1, 62))


@dataclass
class RestartPolicy:
    first: float = FIRST_DELAY
    cap: float = MAX_DELAY
    stable_after: float = STABLE_AFTER
    failures: int = 0

    def next_delay(self, uptime: float) -> float:
        """The pause before starting again a process that was up `uptime` seconds (0: it never started)."""
        if uptime >= self.stable_after:
            self.failures = 0
        self.failures += 1
        return backoff_delay(self.failures, self.first, self.cap)

    def forget(self) -> None:
        """What made it fail is gone (e.g. PostgreSQL is back): the next failure starts a new row."""
        self.failures = 0


def describe_exit(returncode: int | None) -> str:
    """`exit code 1`, `signal SIGKILL`: how a child's end reads in the supervisor's log."""
    if returncode is None:
        return "still running"
    if returncode < 0:
        try:
            return f"signal {signal.Signals(-returncode).name}"
        except ValueError:
            return f"signal {-returncode}"
    return f"exit code {returncode}"
